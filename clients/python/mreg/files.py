"""Local files: which ones a push sends under which paths, their SHA-256 (cached), and byte ranges of them."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Sequence, Tuple, Union

PathLike = Union[str, "os.PathLike[str]"]
Sources = Union[PathLike, Sequence[PathLike], Mapping[str, PathLike]]

_READ = 4 * 1024 * 1024


@dataclass(frozen=True)
class LocalFile:
    path: str
    """The file's path inside the version (POSIX, relative)."""
    local: Path
    size: int
    sha256: str


def collect(sources: Sources) -> Dict[str, Path]:
    """Version path -> local file.

    A directory contributes every file under it, by its path relative to the directory (symlinked
    files are followed, symlinked directories are not); a file contributes its name; a mapping names
    each file's path itself.
    """
    found: Dict[str, Path] = {}

    def add(path: str, local: Path) -> None:
        if path in found and found[path] != local:
            raise ValueError(f"two files would be pushed as {path!r}: {found[path]} and {local}")
        found[path] = local

    if isinstance(sources, Mapping):
        for path, local in sources.items():
            add(str(path), Path(local))
        return found
    items: Sequence[PathLike] = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    for item in items:
        root = Path(item)
        if root.is_dir():
            for directory, dirs, names in os.walk(root):
                dirs.sort()
                for name in sorted(names):
                    local = Path(directory) / name
                    if local.is_file():
                        add(local.relative_to(root).as_posix(), local)
        elif root.is_file():
            add(root.name, root)
        else:
            raise FileNotFoundError(f"no such file or directory: {root}")
    if not found:
        raise ValueError("nothing to push: no files found")
    return found


def sha256_of(path: Path) -> Tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    buffer = bytearray(_READ)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as f:
        while True:
            n = f.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
            size += n
    return digest.hexdigest(), size


class HashCache:
    """SHA-256 by (device, inode, size, mtime): pushing the same bytes again costs no re-hashing."""

    MAX_ENTRIES = 10_000

    def __init__(self, file: Path) -> None:
        self.file = file
        self._lock = threading.Lock()
        self._entries: Dict[str, List[Union[str, int]]] = {}
        try:
            loaded = json.loads(file.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self._entries = loaded
        except (OSError, ValueError):
            pass
        self._dirty = False

    @staticmethod
    def _identity(path: Path) -> str:
        st = os.stat(path)
        return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"

    def digest(self, path: Path) -> Tuple[str, int]:
        identity = self._identity(path)
        with self._lock:
            cached = self._entries.get(identity)
        if cached and isinstance(cached[0], str) and isinstance(cached[1], int):
            return cached[0], cached[1]
        sha, size = sha256_of(path)
        # Only kept if the file did not change while it was read.
        if self._identity(path) == identity:
            with self._lock:
                self._entries[identity] = [sha, size]
                self._dirty = True
        return sha, size

    def save(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            entries = list(self._entries.items())[-self.MAX_ENTRIES :]
            self._dirty = False
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".hashes.", dir=str(self.file.parent))
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(dict(entries), out)
            os.replace(temp, self.file)
        except OSError:
            pass  # a cache: losing it costs time, never correctness


class FileSlice:
    """Bytes ``[start, start + length)`` of a file, read as a stream (a part's upload body)."""

    def __init__(self, path: Path, start: int, length: int) -> None:
        self._file = open(path, "rb")
        self._file.seek(start)
        self._left = length

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > self._left:
            size = self._left
        data = self._file.read(size) if size > 0 else b""
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._file.close()
