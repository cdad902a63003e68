"""``Registry``: one object for models, versions, aliases, pushes, pulls and tracking."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional, Sequence, Union, cast
from urllib.parse import quote

from . import config
from .errors import Conflict, NotFound
from .files import PathLike, Sources
from .pull import pull as _pull
from .push import Progress, Ttl, model_path, ttl_seconds
from .push import push as _push
from .shapes import Alias, AliasMove, Experiment, HistoryEntry, MetricPoint, Model, Run, Version
from .tracking import ActiveRun, check_metric_key, metric_point, send_points
from .transport import Transport

_ULID = re.compile(r"^[0-9A-Z]{26}$")

Ref = Union[str, int]
"""A version reference: a number, ``-k``, ``latest``, an alias, ``alias:a`` or ``label:l``."""


class Registry:
    """A registry at ``url`` with ``token``; each falls back to MREG_URL / MREG_TOKEN, then to the config
    file the CLI's ``login`` writes, then to ``http://127.0.0.1:8080`` and no token."""

    def __init__(
        self,
        url: Optional[str] = None,
        token: Optional[str] = None,
        *,
        timeout: float = 60.0,
        retries: int = 5,
        cache_dir: Optional[PathLike] = None,
    ) -> None:
        self.settings = config.resolve(url, token)
        self.url = self.settings.url
        self.transport = Transport(self.url, self.settings.token, timeout=timeout, retries=retries)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else config.cache_dir()

    def __repr__(self) -> str:
        return f"Registry({self.url!r})"

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- reading pages ----

    def _pages(self, path: str, query: Optional[Mapping[str, Any]] = None) -> Iterator[Any]:
        params: Dict[str, Any] = dict(query or {})
        while True:
            page = self.transport.api("GET", path, query=params).json()
            yield from page.get("items", [])
            token = page.get("nextPageToken")
            if not token:
                return
            params["pageToken"] = token

    def health(self) -> Dict[str, Any]:
        """``GET /healthz`` (no token needed)."""
        return cast(Dict[str, Any], self.transport.api("GET", "/healthz").json())

    # ---- models ----

    def models(self, filter: Optional[str] = None, *, page_size: Optional[int] = None) -> Iterator[Model]:
        """Every model (``filter``: ``name^=fr``, ``tags.team=risk``, ``state=LIVE``...), fetched page by page."""
        return self._pages("/v1/models", {"filter": filter, "pageSize": page_size})

    def model(self, name: str) -> Model:
        return cast(Model, self.transport.api("GET", model_path(name)).json())

    def create_model(
        self,
        name: str,
        *,
        description: Optional[str] = None,
        tags: Optional[Mapping[str, str]] = None,
        properties: Optional[Mapping[str, Any]] = None,
        maintainers: Optional[Sequence[str]] = None,
        protected_aliases: Optional[Sequence[str]] = None,
    ) -> Model:
        body: Dict[str, Any] = {"name": name}
        _put_set(body, description=description, tags=tags, properties=properties)
        _put_set(body, maintainers=maintainers, protectedAliases=protected_aliases)
        return cast(Model, self.transport.api("POST", "/v1/models", body=body).json())

    def update_model(
        self,
        name: str,
        *,
        description: Optional[str] = None,
        tags: Optional[Mapping[str, Optional[str]]] = None,
        properties: Optional[Mapping[str, Any]] = None,
        maintainers: Optional[Sequence[str]] = None,
        protected_aliases: Optional[Sequence[str]] = None,
        etag: Optional[str] = None,
    ) -> Model:
        """A JSON Merge Patch: given tags and properties merge (a None value removes a key). With ``etag``,
        the change applies only if the model is unchanged since it was read (else PreconditionFailed)."""
        body: Dict[str, Any] = {}
        _put_set(body, description=description, tags=tags, properties=properties)
        _put_set(body, maintainers=maintainers, protectedAliases=protected_aliases)
        return cast(Model, self._patch(model_path(name), body, etag))

    def archive_model(self, name: str, *, etag: Optional[str] = None) -> Model:
        return cast(Model, self.transport.api("POST", model_path(name) + "/archive", headers=_if_match(etag)).json())

    def restore_model(self, name: str, *, etag: Optional[str] = None) -> Model:
        return cast(Model, self.transport.api("POST", model_path(name) + "/restore", headers=_if_match(etag)).json())

    def delete_model(self, name: str, *, force: bool = False, etag: Optional[str] = None) -> None:
        """Refused (Conflict) while the model has READY versions, unless ``force``."""
        query = {"force": "true"} if force else None
        self.transport.api("DELETE", model_path(name), query=query, headers=_if_match(etag))

    def model_history(self, name: str) -> Iterator[HistoryEntry]:
        return self._pages(model_path(name) + "/history")

    # ---- versions ----

    def push(
        self,
        model: str,
        path_or_paths: Sources,
        *,
        label: Optional[str] = None,
        tags: Optional[Mapping[str, str]] = None,
        properties: Optional[Mapping[str, Any]] = None,
        run_id: Optional[str] = None,
        transient: bool = False,
        ttl: Optional[Ttl] = None,
        description: Optional[str] = None,
        format: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        create: bool = False,
        concurrency: int = 8,
        progress: Optional[Progress] = None,
        wait_timeout: Optional[float] = None,
    ) -> Version:
        """Pushes files (a file, a directory, a list of them, or ``{path_in_version: local_file}``) as a new
        version and returns it READY.

        Only bytes the registry does not hold are sent; files above the registry's multipart threshold go
        in the parts it plans, ``concurrency`` at a time. An interrupted push run again continues the same
        version, sending only the parts the registry lacks.
        ``create`` registers the model first if it does not exist. ``transient`` versions expire after
        ``ttl`` (seconds, a timedelta, or ``"30m"``, ``"1h"``, ``"2d"``).
        """
        if transient and ttl is None:
            raise ValueError("a transient version needs a ttl (seconds, or a duration such as '1h')")
        if ttl is not None and not transient:
            raise ValueError("ttl applies only to transient versions (transient=True)")
        metadata: Dict[str, Any] = {}
        _put_set(metadata, label=label, description=description, format=format, runId=run_id)
        _put_set(metadata, tags=dict(tags) if tags else None, properties=dict(properties) if properties else None)
        if transient and ttl is not None:
            metadata.update(retention="transient", ttlSeconds=ttl_seconds(ttl))
        return _push(
            self.transport,
            self.cache_dir,
            model,
            path_or_paths,
            metadata,
            idempotency_key=idempotency_key,
            create=create,
            concurrency=concurrency,
            progress=progress,
            wait_timeout=wait_timeout,
        )

    def pull(
        self,
        model: str,
        ref: Ref = "latest",
        dest: PathLike = ".",
        *,
        concurrency: int = 4,
        progress: Optional[Progress] = None,
    ) -> Version:
        """Downloads a version's files into ``dest``, each verified (size and SHA-256) before it is moved into place.

        ``ref``: a number, ``-k`` (the k-th newest READY version), ``latest``, an alias, ``alias:a`` or ``label:l``.
        """
        return _pull(self.transport, model, str(ref), dest, concurrency=concurrency, progress=progress)

    def versions(
        self, model: str, filter: Optional[str] = None, *, page_size: Optional[int] = None
    ) -> Iterator[Version]:
        """Newest first (``filter``: ``tags.k=v``, ``runId=...``, ``state=READY``)."""
        return self._pages(model_path(model) + "/versions", {"filter": filter, "pageSize": page_size})

    def version(self, model: str, ref: Ref = "latest") -> Version:
        return cast(Version, self.transport.api("GET", _version_path(model, ref)).json())

    def update_version(
        self,
        model: str,
        ref: Ref,
        *,
        description: Optional[str] = None,
        tags: Optional[Mapping[str, Optional[str]]] = None,
        properties: Optional[Mapping[str, Any]] = None,
        approval: Optional[str] = None,
        etag: Optional[str] = None,
    ) -> Version:
        body: Dict[str, Any] = {}
        _put_set(body, description=description, tags=tags, properties=properties, approval=approval)
        return cast(Version, self._patch(_version_path(model, ref), body, etag))

    def approve(self, model: str, ref: Ref, approval: str = "APPROVED", *, etag: Optional[str] = None) -> Version:
        """Sets a version's approval (APPROVED, REJECTED, PENDING or NONE); needs the admin scope."""
        return self.update_version(model, ref, approval=approval, etag=etag)

    def archive_version(self, model: str, ref: Ref, *, etag: Optional[str] = None) -> Version:
        return cast(
            Version, self.transport.api("POST", _version_path(model, ref) + "/archive", headers=_if_match(etag)).json()
        )

    def delete_version(self, model: str, ref: Ref, *, etag: Optional[str] = None) -> None:
        self.transport.api("DELETE", _version_path(model, ref), headers=_if_match(etag))

    # ---- aliases ----

    def set_alias(self, model: str, alias: str, version: int, *, etag: Optional[str] = None) -> Alias:
        body = {"version": int(version)}
        return cast(
            Alias, self.transport.api("PUT", _alias_path(model, alias), body=body, headers=_if_match(etag)).json()
        )

    def delete_alias(self, model: str, alias: str, *, etag: Optional[str] = None) -> None:
        self.transport.api("DELETE", _alias_path(model, alias), headers=_if_match(etag))

    def alias(self, model: str, alias: str) -> Alias:
        return cast(Alias, self.transport.api("GET", _alias_path(model, alias)).json())

    def alias_history(self, model: str, alias: str) -> Iterator[AliasMove]:
        return self._pages(_alias_path(model, alias) + "/history")

    # ---- tracking ----

    def experiments(self) -> Iterator[Experiment]:
        return self._pages("/v1/experiments")

    def experiment(self, name_or_id: str) -> Experiment:
        if _ULID.match(name_or_id):
            try:
                return cast(Experiment, self.transport.api("GET", f"/v1/experiments/{name_or_id}").json())
            except NotFound:
                pass
        for experiment in self.experiments():
            if experiment.get("name") == name_or_id:
                return experiment
        raise NotFound(f"experiment {name_or_id!r} not found", status=404, type="urn:mreg:problem:not-found")

    def create_experiment(
        self, name: str, *, description: Optional[str] = None, tags: Optional[Mapping[str, str]] = None
    ) -> Experiment:
        body: Dict[str, Any] = {"name": name}
        _put_set(body, description=description, tags=tags)
        return cast(Experiment, self.transport.api("POST", "/v1/experiments", body=body).json())

    def start_run(
        self,
        experiment: str,
        name: Optional[str] = None,
        *,
        params: Optional[Mapping[str, Any]] = None,
        tags: Optional[Mapping[str, str]] = None,
        run_id: Optional[str] = None,
        flush_interval: float = 1.0,
    ) -> ActiveRun:
        """Starts a run in ``experiment`` (a name or an id; created if no experiment has that name), or with
        ``run_id`` continues logging to an existing run. Use it as a context manager."""
        if run_id is not None:
            return ActiveRun(self.transport, self.run(run_id), flush_interval=flush_interval)
        experiment_id = self._experiment_id(experiment)
        body: Dict[str, Any] = {}
        _put_set(body, name=name, tags=tags)
        if params:
            body["params"] = {str(k): v if isinstance(v, str) else str(v) for k, v in params.items()}
        run: Run = self.transport.api("POST", f"/v1/experiments/{experiment_id}/runs", body=body).json()
        return ActiveRun(self.transport, run, flush_interval=flush_interval)

    def _experiment_id(self, name_or_id: str) -> str:
        try:
            return self.experiment(name_or_id)["id"]
        except NotFound:
            pass
        try:
            return self.create_experiment(name_or_id)["id"]
        except Conflict:
            return self.experiment(name_or_id)["id"]  # created meanwhile by someone else

    def run(self, run_id: str) -> Run:
        return cast(Run, self.transport.api("GET", _run_path(run_id)).json())

    def runs(self, experiment: str) -> Iterator[Run]:
        return self._pages(f"/v1/experiments/{self.experiment(experiment)['id']}/runs")

    def finish_run(self, run_id: str, status: str = "FINISHED") -> Run:
        return cast(
            Run, self.transport.api("PATCH", _run_path(run_id), body={"status": status}, idempotent=True).json()
        )

    def log_metrics(
        self, run_id: str, metrics: Mapping[str, float], step: int = 0, timestamp: Optional[int] = None
    ) -> None:
        """Logs points at once, without the background queue (scripts, the CLI)."""
        points = [metric_point(check_metric_key(k), v, step, timestamp) for k, v in metrics.items()]
        send_points(self.transport, run_id, points)

    def metric_history(self, run_id: str, key: str) -> Iterator[MetricPoint]:
        return self._pages(f"{_run_path(run_id)}/metrics/{quote(key, safe='')}")

    # ---- internals ----

    def _patch(self, path: str, body: Dict[str, Any], etag: Optional[str]) -> Any:
        # Without If-Match a merge patch may be repeated harmlessly; with it, a repeat would read as stale.
        return self.transport.api("PATCH", path, body=body, headers=_if_match(etag), idempotent=etag is None).json()


def _version_path(model: str, ref: Ref) -> str:
    return f"{model_path(model)}/versions/{quote(str(ref), safe='')}"


def _alias_path(model: str, alias: str) -> str:
    return f"{model_path(model)}/aliases/{quote(alias, safe='')}"


def _run_path(run_id: str) -> str:
    return "/v1/runs/" + quote(run_id, safe="")


def _if_match(etag: Optional[str]) -> Dict[str, str]:
    return {"If-Match": f'"{etag}"'} if etag else {}


def _put_set(body: Dict[str, Any], **values: Any) -> None:
    body.update({k: v for k, v in values.items() if v is not None})
