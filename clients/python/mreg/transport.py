"""HTTP for the client: kept-alive connections per thread, retries with backoff, problem+json as typed errors.

Retried: a 503 or 429 (waiting out ``Retry-After``), a 409 that carries ``Retry-After`` (the registry's
"a concurrent change got there first; retry"), and network failures. A request that may have been
acted on (the connection broke after it was sent) is retried only when repeating it is harmless:
GET, PUT, DELETE, or a POST the caller marks idempotent (a version create with its Idempotency-Key,
a commit, metric upserts).

Proxies come from the environment, as with ``urllib`` and ``requests``: ``HTTP_PROXY`` for http://
URLs, ``HTTPS_PROXY`` for https:// ones (tunnelled with CONNECT, so TLS still ends at the registry
or the bucket), ``NO_PROXY`` for hosts reached directly. Credentials in a proxy URL go out as Basic
``Proxy-Authorization``. Signed URLs (uploads, downloads) take the same route as API calls.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import random
import ssl
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Protocol, Tuple, Union

from . import __version__
from .errors import MregError, Unavailable, error_from_response

log = logging.getLogger("mreg")


class Stream(Protocol):
    def read(self, size: int = ...) -> bytes:
        ...

    def close(self) -> None:
        ...


Body = Union[None, bytes, Callable[[], Stream]]
"""A request body: bytes, or a function opening a fresh stream for each attempt (uploads)."""

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_STALE_SOCKET_ERRORS = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError, http.client.RemoteDisconnected)
_NETWORK_ERRORS = (OSError, http.client.HTTPException)
# Node closes idle kept-alive sockets after 5 s: a connection idle for longer is not reused.
_MAX_IDLE_SECONDS = 4.0
_BLOCK = 1024 * 1024
_MAX_WAIT_SECONDS = 30.0


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    data: bytes

    def json(self) -> Any:
        return json.loads(self.data) if self.data else None

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name.lower())


def retry_after_seconds(value: Optional[str]) -> Optional[float]:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


Key = Tuple[str, str, int]


@dataclass(frozen=True)
class _Proxy:
    host: str
    port: int
    authorization: Optional[str]


def _proxy_of(url: str, variable: str) -> _Proxy:
    """A proxy URL from the environment (``host:port`` alone means http://)."""
    parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(
            f"{variable}={_without_password(url)!r}: the proxy must be an http://host:port URL"
            " (https:// targets are tunnelled through it with CONNECT)"
        )
    authorization = None
    if parts.username is not None:
        pair = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
    return _Proxy(parts.hostname, parts.port or 80, authorization)


def _without_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


# urllib's own readers of the proxy variables (``requests`` uses them too); typeshed does not list them.
_proxies_in_environment: Callable[[], Dict[str, str]] = getattr(urllib.request, "getproxies_environment")
_bypasses_proxy: Callable[[str, Dict[str, str]], bool] = getattr(urllib.request, "proxy_bypass_environment")


class _Proxies:
    """The proxy environment, read once per client."""

    def __init__(self) -> None:
        self._environment = _proxies_in_environment()
        self._routes: Dict[Key, Optional[_Proxy]] = {}

    def route(self, scheme: str, host: str, port: int) -> Optional[_Proxy]:
        """The proxy for one origin, decided once (every request and new connection asks)."""
        key = (scheme, host, port)
        if key not in self._routes:
            url = self._environment.get(scheme)
            bypass = not url or _bypasses_proxy(f"{host}:{port}", self._environment)
            self._routes[key] = None if bypass or not url else _proxy_of(url, f"{scheme.upper()}_PROXY")
        return self._routes[key]


class _Pool:
    """Idle kept-alive connections, shared by every thread (uploads run in pools of threads that come and go)."""

    def __init__(self, max_idle: int = 16) -> None:
        self._lock = threading.Lock()
        self._idle: Dict[Key, List[Tuple[http.client.HTTPConnection, float]]] = {}
        self._max_idle = max_idle

    def take(self, key: Key) -> Optional[http.client.HTTPConnection]:
        with self._lock:
            idle = self._idle.get(key, [])
            while idle:
                conn, since = idle.pop()
                if time.monotonic() - since < _MAX_IDLE_SECONDS and conn.sock is not None:
                    return conn
                conn.close()
        return None

    def give(self, key: Key, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            idle.append((conn, time.monotonic()))
            if len(idle) > self._max_idle:
                idle.pop(0)[0].close()

    def close(self) -> None:
        with self._lock:
            for idle in self._idle.values():
                for conn, _ in idle:
                    conn.close()
            self._idle.clear()


class Transport:
    """Sends requests to the registry (with its token) and to signed URLs (without it)."""

    def __init__(
        self,
        base_url: str,
        token: Optional[str] = None,
        *,
        timeout: float = 60.0,
        retries: int = 5,
        backoff: float = 0.25,
    ) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"registry URL must be http(s)://host[:port][/path], not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.user_agent = f"mreg-python/{__version__}"
        self._pool = _Pool()
        self._ssl = ssl.create_default_context() if parsed.scheme == "https" else None
        self._proxies = _Proxies()

    # ---- the registry's API ----

    def api(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Mapping[str, Any]] = None,
        body: Any = None,
        json_bytes: Optional[bytes] = None,
        headers: Optional[Mapping[str, str]] = None,
        idempotent: Optional[bool] = None,
    ) -> Reply:
        """A call of the JSON API (``body`` as JSON, or ``json_bytes`` already encoded); an error status raises
        its typed error."""
        url = self.base_url + path
        if query:
            pairs = {k: str(v) for k, v in query.items() if v is not None}
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        sent: Dict[str, str] = {"Accept": "application/json"}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        data = json_bytes
        if body is not None:
            data = json.dumps(body, separators=(",", ":"), allow_nan=False, default=_jsonable).encode("utf-8")
        if data is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        reply = self.send(method, url, body=data, headers=sent, idempotent=idempotent)
        if reply.status >= 400:
            raise self.error(reply)
        return reply

    @staticmethod
    def error(reply: Reply) -> MregError:
        return Transport.error_of(reply.status, reply.data, reply.header("Retry-After"))

    @staticmethod
    def error_of(status: int, data: bytes, retry_after: Optional[str] = None) -> MregError:
        """The typed error of an error answer (its body decoded as problem+json when it is JSON)."""
        try:
            problem: Any = json.loads(data) if data else {}
        except ValueError:
            problem = data.decode("utf-8", "replace")[:500]
        return error_from_response(status, problem, retry_after_seconds(retry_after))

    # ---- any URL ----

    def send(
        self,
        method: str,
        url: str,
        *,
        body: Body = None,
        headers: Optional[Mapping[str, str]] = None,
        idempotent: Optional[bool] = None,
    ) -> Reply:
        """One request with retries; the whole answer is read. Statuses are returned, not raised."""
        safe = method in _IDEMPOTENT_METHODS if idempotent is None else idempotent
        attempt = 0
        while True:
            try:
                status, answer_headers, data = self._exchange(method, url, body, headers or {}, safe)
            except _NetworkFailure as failure:
                if not failure.retryable or attempt >= self.retries:
                    raise Unavailable(
                        f"{method} {_origin(url)} failed: {failure.cause!r}"
                        + ("" if failure.retryable else " (not retried: the request may have been acted on)")
                    ) from failure.cause
                delay = self._backoff(attempt)
                log.debug("retrying %s %s in %.2fs after %r", method, _origin(url), delay, failure.cause)
            else:
                retry_after = retry_after_seconds(answer_headers.get("retry-after"))
                retryable = (
                    status in (503, 429)
                    or (status == 409 and retry_after is not None)
                    or (status in (502, 504) and safe)
                )
                if not retryable or attempt >= self.retries:
                    return Reply(status, answer_headers, data)
                delay = min(retry_after, _MAX_WAIT_SECONDS) if retry_after is not None else self._backoff(attempt)
                log.debug("retrying %s %s in %.2fs after %s", method, _origin(url), delay, status)
            attempt += 1
            time.sleep(delay)

    @contextmanager
    def stream(self, url: str, headers: Optional[Mapping[str, str]] = None) -> Iterator[http.client.HTTPResponse]:
        """A GET whose body the caller reads (downloads); no retry here, the caller resumes with Range."""
        key, target, via = self._target(url)
        conn = self._pool.take(key) or self._new_connection(key)
        try:
            conn.request("GET", target, headers={"User-Agent": self.user_agent, **via, **(headers or {})})
            response = conn.getresponse()
        except BaseException:
            conn.close()
            raise
        try:
            yield response
            if not response.isclosed():
                response.read()  # drain, so the connection can carry the next request
        except BaseException:
            conn.close()
            raise
        if response.will_close:
            conn.close()
        else:
            self._pool.give(key, conn)

    def close(self) -> None:
        """Closes the idle connections (a later request opens new ones)."""
        self._pool.close()

    # ---- internals ----

    def _backoff(self, attempt: int) -> float:
        return min(8.0, self.backoff * 2.0**attempt) * (0.5 + random.random() / 2)

    def _target(self, url: str) -> Tuple[Key, str, Mapping[str, str]]:
        """The connection a URL takes, its request target, and the headers the proxy on the way wants."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key = (parts.scheme, parts.hostname, port)
        proxy = self._proxies.route(*key)
        if proxy is None or parts.scheme == "https":
            return key, target, {}
        # Plain HTTP through a proxy: the whole URL in the request line, the credentials on each request.
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        via = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else {}
        return key, f"http://{host}:{port}{target}", via

    def _new_connection(self, key: Key) -> http.client.HTTPConnection:
        scheme, host, port = key
        proxy = self._proxies.route(scheme, host, port)
        if scheme == "https":
            context = self._ssl or ssl.create_default_context()
            if proxy is None:
                return http.client.HTTPSConnection(host, port, timeout=self.timeout, context=context, blocksize=_BLOCK)
            # A CONNECT tunnel: TLS (and its certificate check against `host`) runs end to end inside it.
            conn = http.client.HTTPSConnection(
                proxy.host, proxy.port, timeout=self.timeout, context=context, blocksize=_BLOCK
            )
            tunnel = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else None
            conn.set_tunnel(host, port, headers=tunnel)
            return conn
        if proxy is not None:
            return http.client.HTTPConnection(proxy.host, proxy.port, timeout=self.timeout, blocksize=_BLOCK)
        return http.client.HTTPConnection(host, port, timeout=self.timeout, blocksize=_BLOCK)

    def _exchange(
        self, method: str, url: str, body: Body, headers: Mapping[str, str], safe: bool
    ) -> Tuple[int, Mapping[str, str], bytes]:
        key, target, via = self._target(url)
        for fresh_retry in (False, True):
            held = None if fresh_retry else self._pool.take(key)
            conn = held or self._new_connection(key)
            reused = held is not None
            try:
                if not reused:
                    conn.connect()
            except _NETWORK_ERRORS as e:
                conn.close()
                # Nothing was sent: always safe to try again.
                raise _NetworkFailure(e, retryable=True) from e
            stream = body() if callable(body) else None
            payload: Any = stream if stream is not None else body  # http.client reads a stream in blocksize chunks
            sending = True
            try:
                sent = {"User-Agent": self.user_agent, **via, **headers}
                if body is None and method in ("POST", "PUT", "PATCH"):
                    sent.setdefault("Content-Length", "0")
                conn.request(method, target, body=payload, headers=sent)
                sending = False
                response = conn.getresponse()
                data = response.read()
            except _NETWORK_ERRORS as e:
                conn.close()
                # A kept-alive socket the server had closed while it idled: sending fails, or (for a
                # request that is safe to repeat) no answer comes. Once more at once, on a new socket.
                if reused and not fresh_retry and isinstance(e, _STALE_SOCKET_ERRORS) and (sending or safe):
                    continue
                raise _NetworkFailure(e, retryable=safe) from e
            finally:
                if stream is not None:
                    stream.close()
            if response.will_close:
                conn.close()
            else:
                self._pool.give(key, conn)
            return response.status, _headers(response), data
        raise AssertionError("unreachable")


class _NetworkFailure(Exception):
    def __init__(self, cause: BaseException, *, retryable: bool) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.retryable = retryable


def _headers(response: http.client.HTTPResponse) -> Mapping[str, str]:
    """The answer's headers by lower-case name."""
    return {k.lower(): v for k, v in response.getheaders()}


def _jsonable(value: Any) -> Any:
    """Mappings and other iterables a caller passes (a MappingProxy, a set of maintainers) as JSON."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset)) or hasattr(value, "__iter__"):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _origin(url: str) -> str:
    """A URL without its query: signed URLs carry their signature there, which never goes into a message."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
