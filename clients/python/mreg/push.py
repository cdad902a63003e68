"""``push``: hash, declare, upload only the bytes the registry lacks (parts in parallel), commit, wait for READY.

A push keeps its state on disk (the Idempotency-Key, the version number, the single uploads already
sent) until the version is READY, so running the same push again after an interruption continues the
same version: the registry replays the create for that key and lists the parts it already holds.
"""

from __future__ import annotations

import math
import re
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, TypedDict, Union, cast
from urllib.parse import quote

from .errors import Conflict, IntegrityError, MregError, NotFound
from .files import FileSlice, HashCache, LocalFile, Sources, collect
from .shapes import Version
from .state import PushState
from .transport import Transport

SIGN_BATCH = 1000


class ProgressEvent(TypedDict, total=False):
    """What ``progress`` callbacks receive (from the pushing threads): ``hashed`` a file, ``created`` the
    version, sent a ``part`` or a whole ``file``, ``skipped`` bytes (``reason``: ``held`` by the registry,
    ``duplicate`` of another file, ``uploaded`` by an earlier attempt, ``present`` at a pull's destination),
    ``verifying`` (the registry verifies in the background), ``committed``."""

    event: str
    path: str
    bytes: int
    partNumber: int
    reason: str
    version: int


Progress = Callable[[ProgressEvent], None]
Ttl = Union[int, float, str, timedelta]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def ttl_seconds(ttl: Ttl) -> int:
    """``3600``, ``timedelta(hours=1)`` or ``"1h"`` (s, m, h, d, w) -> whole seconds."""
    if isinstance(ttl, timedelta):
        seconds = ttl.total_seconds()
    elif isinstance(ttl, (int, float)) and not isinstance(ttl, bool):
        seconds = float(ttl)
    else:
        match = _DURATION.match(str(ttl))
        if not match:
            raise ValueError(f"ttl must be seconds or a duration such as 30m, 1h, 2d; not {ttl!r}")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds < 1:
        raise ValueError("ttl must be at least one second")
    return int(math.ceil(seconds))


def model_path(model: str) -> str:
    return "/v1/models/" + quote(model, safe="")


def file_path(path: str) -> str:
    return "/".join(quote(segment, safe="") for segment in path.split("/"))


def push(
    transport: Transport,
    cache: Path,
    model: str,
    sources: Sources,
    metadata: Mapping[str, Any],
    *,
    idempotency_key: Optional[str] = None,
    create: bool = False,
    concurrency: int = 8,
    progress: Optional[Progress] = None,
    wait_timeout: Optional[float] = None,
) -> Version:
    """Pushes ``sources`` as a version of ``model`` declared with ``metadata`` (the create request's fields
    besides ``files``: label, tags, retention...); see ``Registry.push``."""
    report: Progress = progress or (lambda event: None)
    files = _hash_all(collect(sources), HashCache(cache / "hashes-py.json"), concurrency, report)
    body: Dict[str, Any] = {"files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in files]}
    body.update(metadata)

    state = PushState.open(cache / "pushes", transport.base_url, model, body, idempotency_key)
    created = _create(transport, model, body, state, create)
    version: Version = created["version"]
    if version["state"] == "FAILED" and state.resumed and idempotency_key is None:
        # The version an earlier attempt made has failed (e.g. it timed out): this push makes a new one.
        state.restart()
        created = _create(transport, model, body, state, create)
        version = created["version"]
    state.set_version(version["version"])
    report({"event": "created", "version": version["version"]})
    if version["state"] in ("READY", "ARCHIVED"):
        state.finish()
        return version
    if version["state"] == "FAILED":
        state.finish()
        raise _failed(version)

    by_path = {f.path: f for f in files}
    wanted = {u["path"] for u in created["uploads"]}
    wanted_bytes = {by_path[p].sha256 for p in wanted if p in by_path}
    for f in files:
        if f.path not in wanted:
            # Bytes the registry holds already, or the same bytes as another file of this version.
            reason = "duplicate" if f.sha256 in wanted_bytes else "held"
            report({"event": "skipped", "path": f.path, "bytes": f.size, "reason": reason})
    uploads = _Uploads(transport, model, version["version"], by_path, state, report)
    uploads.run(created["uploads"], concurrency)
    try:
        ready = _commit(transport, model, version["version"], wait_timeout, report)
    except Conflict as e:
        if not state.skipped_single_uploads():
            raise
        # A staged upload an earlier attempt sent is gone (swept): send everything again, once.
        state.forget_single_uploads()
        uploads.run(_create(transport, model, body, state, create)["uploads"], concurrency)
        try:
            ready = _commit(transport, model, version["version"], wait_timeout, report)
        except Conflict:
            raise e from None
    except IntegrityError:
        state.finish()
        raise
    state.finish()
    report({"event": "committed", "version": ready["version"]})
    return ready


def _hash_all(found: Mapping[str, Path], cache: HashCache, concurrency: int, report: Progress) -> List[LocalFile]:
    def one(item: Tuple[str, Path]) -> LocalFile:
        path, local = item
        sha, size = cache.digest(local)
        report({"event": "hashed", "path": path, "bytes": size})
        return LocalFile(path, local, size, sha)

    # hashlib releases the GIL on large buffers: files hash in parallel on every core.
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, 4))) as pool:
        files = list(pool.map(one, sorted(found.items())))
    cache.save()
    return files


def _create(transport: Transport, model: str, body: Dict[str, Any], state: PushState, create: bool) -> Dict[str, Any]:
    path = model_path(model) + "/versions"
    headers = {"Idempotency-Key": state.key}
    try:
        return cast(Dict[str, Any], transport.api("POST", path, body=body, headers=headers, idempotent=True).json())
    except NotFound:
        if not create:
            raise
    try:
        transport.api("POST", "/v1/models", body={"name": model})
    except Conflict:
        pass  # created meanwhile
    return cast(Dict[str, Any], transport.api("POST", path, body=body, headers=headers, idempotent=True).json())


def _failed(version: Version) -> IntegrityError:
    reasons = (version.get("verification") or {}).get("reasons") or []
    return IntegrityError(
        f"version {version.get('version')} failed verification: " + ("; ".join(reasons) or "no reason given"),
        type="urn:mreg:problem:conflict",
        errors=[{"field": "files", "message": r} for r in reasons],
    )


def _commit(transport: Transport, model: str, number: int, wait_timeout: Optional[float], report: Progress) -> Version:
    path = f"{model_path(model)}/versions/{number}"
    try:
        version: Version = transport.api("POST", path + "/commit", idempotent=True).json()
    except Conflict as e:
        current: Version = transport.api("GET", path).json()
        if current.get("state") == "FAILED":
            raise _failed(current) from e
        raise
    deadline = None if wait_timeout is None else time.monotonic() + wait_timeout
    delay = 0.1
    if version.get("state") == "PENDING":
        report({"event": "verifying", "version": number})
    # 202: the registry verifies large files in the background; the version turns READY or FAILED.
    while version.get("state") == "PENDING":
        if deadline is not None and time.monotonic() > deadline:
            raise MregError(f"version {number} still PENDING after {wait_timeout} s", status=202)
        time.sleep(delay)
        delay = min(delay * 1.5, 2.0)
        version = transport.api("GET", path).json()
    if version.get("state") == "FAILED":
        raise _failed(version)
    return version


class _Uploads:
    """The uploads of one version, run in a thread pool: single PUTs and the missing parts of multipart files."""

    def __init__(
        self,
        transport: Transport,
        model: str,
        number: int,
        files: Mapping[str, LocalFile],
        state: PushState,
        report: Progress,
    ) -> None:
        self.transport = transport
        self.version_path = f"{model_path(model)}/versions/{number}"
        self.files = files
        self.state = state
        self.report = report
        self._lock = threading.Lock()

    def run(self, uploads: List[Dict[str, Any]], concurrency: int) -> None:
        tasks: List[Callable[[], None]] = []
        for upload in uploads:
            local = self.files.get(upload["path"])
            if local is None:
                raise MregError(f"the registry asked for {upload['path']!r}, which this push did not declare")
            if "multipart" in upload:
                tasks.extend(self._part_tasks(local, upload["multipart"]))
            elif self.state.single_uploaded(local.path):
                self.report({"event": "skipped", "path": local.path, "bytes": local.size, "reason": "uploaded"})
            else:
                tasks.append(partial(self._put_file, local, upload))
        if not tasks:
            return
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            futures: List[Future[None]] = [pool.submit(task) for task in tasks]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            error = next((f.exception() for f in done if f.exception() is not None), None)
            if error is not None:
                for f in futures:
                    f.cancel()
                raise error

    def _put(self, url: str, headers: Mapping[str, str], local: LocalFile, start: int, length: int) -> int:
        reply = self.transport.send(
            "PUT",
            url,
            body=lambda: FileSlice(local.local, start, length),
            headers={**headers, "Content-Length": str(length)},
            idempotent=True,
        )
        return reply.status if reply.status < 300 else self._refused(local, reply)

    def _refused(self, local: LocalFile, reply: Any) -> int:
        error = self.transport.error(reply)
        if reply.status == 403:
            return 403  # the signed URL expired: the caller signs again
        if reply.status == 400:
            # The store hashed what arrived and it is not what was declared: the file changed.
            raise IntegrityError(f"{local.path}: the store refused the bytes ({error.detail})", status=400)
        raise error

    def _put_file(self, local: LocalFile, upload: Mapping[str, Any]) -> None:
        headers = dict(upload.get("headers") or {})
        if self._put(upload["url"], headers, local, 0, local.size) == 403:
            raise MregError(f"{local.path}: the signed upload URL was refused (expired?); run the push again")
        self.state.mark_single_uploaded(local.path)
        self.report({"event": "file", "path": local.path, "bytes": local.size})

    def _part_tasks(self, local: LocalFile, plan: Mapping[str, Any]) -> List[Callable[[], None]]:
        # The registry plans the parts (their size and count); it lists the ones its store holds already.
        listing = self.transport.api("GET", self.version_path + "/parts", query={"path": local.path}).json()
        held = {int(p["partNumber"]): int(p["size"]) for p in listing.get("parts", [])}
        size, count = int(plan["partSize"]), int(plan["partCount"])

        def length(n: int) -> int:
            return min(size, local.size - (n - 1) * size)

        missing = [n for n in range(1, count + 1) if held.get(n) != length(n)]
        for n in sorted(set(range(1, count + 1)) - set(missing)):
            self.report({"event": "skipped", "path": local.path, "bytes": length(n), "partNumber": n, "reason": "held"})
        urls: Dict[int, Dict[str, Any]] = {}
        for i in range(0, len(missing), SIGN_BATCH):
            urls.update(self._sign(local.path, missing[i : i + SIGN_BATCH]))

        def send(n: int) -> None:
            start = (n - 1) * size
            signed = urls[n]
            if self._put(signed["url"], signed.get("headers") or {}, local, start, length(n)) == 403:
                signed = self._sign(local.path, [n])[n]
                if self._put(signed["url"], signed.get("headers") or {}, local, start, length(n)) == 403:
                    raise MregError(f"{local.path}: part {n} was refused twice by the store")
            self.report({"event": "part", "path": local.path, "bytes": length(n), "partNumber": n})

        return [partial(send, n) for n in missing]

    def _sign(self, path: str, numbers: List[int]) -> Dict[int, Dict[str, Any]]:
        reply = self.transport.api(
            "POST", self.version_path + "/parts", body={"path": path, "partNumbers": numbers}, idempotent=True
        )
        return {int(p["partNumber"]): p for p in reply.json()["parts"]}
