"""``pull``: download a version's files through signed URLs, verify size and SHA-256, then move them into place.

Every file lands first in a partial file beside its target; only when every file of the version
checked out are they renamed into place, so a failed pull leaves no file that was not verified.
An interrupted download resumes from its partial file with a ranged read.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Optional, Tuple
from urllib.parse import quote

from .errors import IntegrityError, MregError, Unavailable
from .files import PathLike, sha256_of
from .push import Progress, file_path, model_path
from .shapes import Version, VersionFile
from .transport import Transport

_BLOCK = 1024 * 1024
_NETWORK_ERRORS = (OSError, EOFError, http.client.HTTPException)


def pull(
    transport: Transport,
    model: str,
    ref: str = "latest",
    dest: PathLike = ".",
    *,
    concurrency: int = 4,
    progress: Optional[Progress] = None,
) -> Version:
    report: Progress = progress or (lambda event: None)
    version: Version = transport.api("GET", f"{model_path(model)}/versions/{quote(str(ref), safe='')}").json()
    root = Path(dest)
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    files = list(version.get("files") or [])
    targets = [(f, _target(root, f["path"])) for f in files]
    number = version["version"]

    def fetch(item: Tuple[VersionFile, Path]) -> Optional[Path]:
        return _download(transport, model, number, item[0], item[1], report)

    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(targets) or 1))) as pool:
        partials = list(pool.map(fetch, targets))
    for (_, target), partial in zip(targets, partials):
        if partial is not None:
            os.replace(partial, target)
    return version


def _target(root: Path, path: str) -> Path:
    segments = path.split("/")
    if any(s in ("", ".", "..") or "\\" in s or "\0" in s for s in segments):
        raise IntegrityError(f"refusing the file path {path!r}: not a relative POSIX path")
    target = root.joinpath(*segments)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A symlinked directory inside the destination must not carry a file outside it.
    if not os.path.realpath(target.parent).startswith(os.path.realpath(root)):
        raise IntegrityError(f"refusing to write {path!r} outside {root}")
    return target


def _download(
    transport: Transport, model: str, number: int, file: VersionFile, target: Path, report: Progress
) -> Optional[Path]:
    """The verified partial file, or None when the target already holds these bytes."""
    size, expected = int(file["size"]), str(file["sha256"])
    if target.is_file() and target.stat().st_size == size and sha256_of(target)[0] == expected:
        report({"event": "skipped", "path": file["path"], "bytes": size, "reason": "present"})
        return None
    partial = target.with_name(f".{target.name}.{expected[:16]}.mreg-partial")
    for fresh in (False, True):
        offset, digest = (0, hashlib.sha256()) if fresh else _resumed(partial, size)
        resumed = offset > 0
        if offset < size or not partial.exists():
            offset, digest = _fetch(transport, model, number, file["path"], partial, offset, digest)
        actual = digest.hexdigest()
        if offset == size and actual == expected:
            report({"event": "file", "path": file["path"], "bytes": size})
            return partial
        partial.unlink(missing_ok=True)
        if not resumed:
            break  # bytes downloaded whole do not match: the stored copy is bad, not this download
    raise IntegrityError(
        f"{file['path']}: got {offset} bytes with sha256 {actual}, expected {size} bytes with sha256 {expected};"
        " nothing was moved into place",
        errors=[{"field": file["path"], "message": f"sha256 {actual}, expected {expected}"}],
    )


def _resumed(partial: Path, size: int) -> Tuple[int, Any]:
    """What an interrupted download left: its length and the hash of its bytes (nothing if it is too long)."""
    digest = hashlib.sha256()
    offset = 0
    if partial.exists() and partial.stat().st_size <= size:
        with open(partial, "rb") as existing:
            for block in iter(lambda: existing.read(_BLOCK), b""):
                digest.update(block)
                offset += len(block)
    return offset, digest


def _fetch(
    transport: Transport, model: str, number: int, path: str, partial: Path, offset: int, digest: Any
) -> Tuple[int, Any]:
    """Downloads from ``offset`` on, resuming with a ranged read after a network failure or a 5xx."""
    signed = _signed_url(transport, model, number, path)
    failures = signs = 0
    while True:
        try:
            return _receive(transport, signed, partial, offset, digest)
        except _Expired:
            signs += 1
            if signs > 2:
                raise MregError(f"{path}: the store refused the signed download URL") from None
            signed = _signed_url(transport, model, number, path)
        except _Interrupted as e:
            offset, digest = e.offset, e.digest
            if failures >= transport.retries:
                raise Unavailable(f"{path}: download failed after {failures + 1} attempts: {e.cause!r}") from e.cause
            time.sleep(min(8.0, transport.backoff * 2**failures))
            failures += 1


class _Expired(Exception):
    """The signed URL was refused: sign again."""


def _signed_url(transport: Transport, model: str, number: int, path: str) -> str:
    reply = transport.api(
        "GET", f"{model_path(model)}/versions/{number}/files/{file_path(path)}", query={"redirect": "false"}
    )
    return str(reply.json()["url"])


class _Interrupted(Exception):
    """The download stopped (network, 5xx) after ``offset`` bytes, hashed into ``digest``."""

    def __init__(self, cause: BaseException, offset: int, digest: Any) -> None:
        super().__init__(str(cause))
        self.cause, self.offset, self.digest = cause, offset, digest


def _receive(transport: Transport, url: str, partial: Path, offset: int, digest: Any) -> Tuple[int, Any]:
    try:
        with transport.stream(url, {"Range": f"bytes={offset}-"} if offset > 0 else {}) as response:
            if response.status == 403:
                raise _Expired()
            if response.status in (500, 502, 503, 504):
                raise _Interrupted(Transport.error_of(response.status, response.read()), offset, digest)
            if response.status == 200 and offset > 0:
                offset, digest = 0, hashlib.sha256()  # the store ignored the range: start over
            elif response.status not in (200, 206):
                raise Transport.error_of(response.status, response.read(), response.getheader("Retry-After"))
            buffer = bytearray(_BLOCK)
            view = memoryview(buffer)
            with open(partial, "r+b" if offset > 0 else "wb") as out:
                out.seek(offset)
                out.truncate(offset)
                while True:
                    n = response.readinto(buffer)
                    if not n:
                        break
                    out.write(view[:n])
                    digest.update(view[:n])
                    offset += n
            length = response.getheader("Content-Length")
            if length is not None and response.status == 200 and offset != int(length):
                raise EOFError(f"connection closed after {offset} of {length} bytes")
    except _NETWORK_ERRORS as e:
        raise _Interrupted(e, offset, digest) from e
    return offset, digest
