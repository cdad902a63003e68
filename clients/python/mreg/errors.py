"""Typed errors: each carries the registry's problem+json ``type``, ``detail`` and failing fields."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Type, TypedDict


class FieldIssue(TypedDict):
    """One failing field: a dotted path such as ``files.0.sha256`` or ``header.if-match``."""

    field: str
    message: str


class MregError(Exception):
    """Base of every error this client raises about the registry or the bytes it moves.

    ``status`` is the HTTP status (``None`` when no answer came), ``type`` the problem type
    (``urn:mreg:problem:...``), ``detail`` the registry's explanation and ``errors`` the failing
    fields, as the registry named them.
    """

    def __init__(
        self,
        detail: str,
        *,
        status: Optional[int] = None,
        type: str = "about:blank",
        title: str = "",
        errors: Optional[List[FieldIssue]] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.errors: List[FieldIssue] = list(errors or [])
        self.retry_after = retry_after

    @property
    def fields(self) -> List[str]:
        """The names of the failing fields (``errors[*].field``)."""
        return [issue["field"] for issue in self.errors]

    def __str__(self) -> str:
        head = f"{self.status} {self.title}: {self.detail}" if self.status else self.detail
        if not self.errors:
            return head
        return head + "".join(f"\n  {i['field']}: {i['message']}" for i in self.errors)


class InvalidRequest(MregError):
    """400: the registry refused the input; ``errors`` names the fields."""


class Unauthorized(MregError):
    """401: no token, or one the registry does not accept."""


class Forbidden(MregError):
    """403: the token lacks a scope, or the caller may not write this model."""


class NotFound(MregError):
    """404: no such model, version, alias, experiment or run."""


class Conflict(MregError):
    """409: a name or label is taken, a version is not READY, a param already has another value..."""


class PreconditionFailed(MregError):
    """412: the ``etag`` given as If-Match is stale (someone changed the record since)."""


class PayloadTooLarge(MregError):
    """413: a JSON body above the registry's limit, or more than 1,000 metric points."""


class Unavailable(MregError):
    """503 after every retry, or the registry could not be reached at all (``status`` is None)."""


class IntegrityError(MregError):
    """Bytes that do not match their SHA-256 or size: a corrupt download, or a version that failed verification."""


_BY_STATUS: Dict[int, Type[MregError]] = {
    400: InvalidRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    503: Unavailable,
}


def error_from_response(status: int, problem: Any, retry_after: Optional[float] = None) -> MregError:
    """The typed error for an HTTP error answer; ``problem`` is its decoded body (problem+json or anything)."""
    body: Mapping[str, Any] = problem if isinstance(problem, Mapping) else {}
    issues: List[FieldIssue] = []
    for issue in body.get("errors") or []:
        if isinstance(issue, Mapping):
            issues.append({"field": str(issue.get("field", "")), "message": str(issue.get("message", ""))})
    detail = body.get("detail") or body.get("title") or (problem if isinstance(problem, str) and problem else "")
    cls = _BY_STATUS.get(status, Unavailable if status >= 500 else MregError)
    return cls(
        str(detail) or f"HTTP {status}",
        status=status,
        type=str(body.get("type", "about:blank")),
        title=str(body.get("title", "")),
        errors=issues,
        retry_after=retry_after,
    )
