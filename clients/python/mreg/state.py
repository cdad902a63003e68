"""A push's resume state on disk: one small JSON file per push, named after what the push declares.

The same push (same registry, model and declared files and metadata) finds the same file, so it
sends the same Idempotency-Key and continues the version an interrupted attempt created.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

log = logging.getLogger("mreg")

# The registry fails a PENDING version after 7 days; its state is worthless a day later.
_STALE_SECONDS = 8 * 86400


class PushState:
    def __init__(self, file: Path, data: Dict[str, Any], resumed: bool) -> None:
        self.file = file
        self._data = data
        self.resumed = resumed
        self._lock = threading.Lock()
        self._unsaved = False

    @classmethod
    def open(
        cls, directory: Path, url: str, model: str, body: Dict[str, Any], explicit_key: Optional[str]
    ) -> "PushState":
        fingerprint = hashlib.sha256(
            json.dumps({"url": url, "model": model, "body": body}, sort_keys=True).encode("utf-8")
        ).hexdigest()
        _prune(directory)
        file = directory / f"{fingerprint[:40]}.json"
        data: Dict[str, Any] = {}
        try:
            loaded = json.loads(file.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and isinstance(loaded.get("key"), str):
                data = loaded
        except (OSError, ValueError):
            pass
        if explicit_key is not None and data.get("key") != explicit_key:
            data = {}
        resumed = bool(data)
        if not data:
            data = {"key": explicit_key or _new_key(), "model": model, "startedAt": time.time()}
        state = cls(file, data, resumed)
        # Saved before the create is sent: a crash between sending and hearing back still replays.
        state._save()
        return state

    @property
    def key(self) -> str:
        return str(self._data["key"])

    def restart(self) -> None:
        with self._lock:
            self._data = {"key": _new_key(), "model": self._data.get("model"), "startedAt": time.time()}
            self.resumed = False
            self._save()

    def set_version(self, number: int) -> None:
        with self._lock:
            if self._data.get("version") != number:
                self._data["version"] = number
                self._save()

    def single_uploaded(self, path: str) -> bool:
        return path in self._data.get("uploaded", [])

    def skipped_single_uploads(self) -> bool:
        return self.resumed and bool(self._data.get("uploaded"))

    def mark_single_uploaded(self, path: str) -> None:
        with self._lock:
            uploaded: List[str] = self._data.setdefault("uploaded", [])
            if path not in uploaded:
                uploaded.append(path)
                self._save()

    def forget_single_uploads(self) -> None:
        with self._lock:
            self._data.pop("uploaded", None)
            self._save()

    def finish(self) -> None:
        """The version is settled (READY or FAILED): a later push of the same files is a new version."""
        try:
            self.file.unlink()
        except OSError:
            pass

    def _save(self) -> None:
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".push.", dir=str(self.file.parent))
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(self._data, out)
            os.replace(temp, self.file)
        except OSError as e:
            # A read-only home (a container, say) costs the ability to resume, not the push.
            if not self._unsaved:
                log.warning("cannot keep push state in %s (%s): an interrupted push will start over", self.file, e)
            self._unsaved = True


def _new_key() -> str:
    return f"py-{uuid.uuid4().hex}"


def _prune(directory: Path) -> None:
    try:
        entries = list(directory.iterdir())
    except OSError:
        return
    now = time.time()
    for entry in entries:
        try:
            if entry.suffix == ".json" and now - entry.stat().st_mtime > _STALE_SECONDS:
                entry.unlink()
        except OSError:
            pass
