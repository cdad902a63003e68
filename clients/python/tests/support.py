"""What every test shares: the registries the harness started (test/python/registries.ts), a clean home."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import uuid
from pathlib import Path
from typing import Dict, List, Mapping, NamedTuple, Optional
from unittest import mock

import mreg
import mreg.cli

CLIENT_ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


def harness(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        # Not a skip: a suite that silently tests nothing is a defect.
        raise RuntimeError(
            f"{name} is not set: run these tests through `npx vitest run test/python` (or start"
            " `npx tsx test/python/serve.ts` and export what it prints)"
        )
    return value


URL = harness("MREG_TEST_URL")
DATA_DIR = Path(harness("MREG_TEST_DATA_DIR"))
MULTIPART_THRESHOLD = int(harness("MREG_TEST_MULTIPART_THRESHOLD"))
SECURED_URL = harness("MREG_TEST_SECURED_URL")
TOKEN = harness("MREG_TEST_TOKEN")
READER_TOKEN = harness("MREG_TEST_READER_TOKEN")

_CONFIG_VARIABLES = ("MREG_URL", "MREG_TOKEN", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "MREG_CACHE_DIR")


def write_random(path: Path, size: int) -> str:
    """Writes ``size`` bytes no other file holds (a random block, numbered in each 4 MiB); returns their SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    block = bytearray(os.urandom(min(size, 4 * MIB)))
    with open(path, "wb") as out:
        written = 0
        while written < size:
            block[:8] = (written // len(block)).to_bytes(8, "little")[: len(block)]
            chunk = bytes(block[: size - written])
            out.write(chunk)
            digest.update(chunk)
            written += len(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            digest.update(block)
    return digest.hexdigest()


def stored_blob(sha256: str) -> Path:
    """Where the local server keeps a held blob on disk."""
    found = list((DATA_DIR / "artifacts" / "objects").rglob(f"blobs/sha256/{sha256}"))
    if len(found) != 1:
        raise AssertionError(f"expected one stored blob {sha256}, found {found}")
    return found[0]


def corrupt_stored_blob(sha256: str) -> None:
    """Flips one byte of a blob the local server holds, in place: same size, other bytes."""
    blob = stored_blob(sha256)
    middle = blob.stat().st_size // 2
    with open(blob, "r+b") as f:
        f.seek(middle)
        byte = f.read(1)
        f.seek(middle)
        f.write(bytes([byte[0] ^ 0xFF]))


class Outcome(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


class RegistryTestCase(unittest.TestCase):
    """A fresh temporary home (config, cache) per test, no MREG_* from outside, a registry at the harness URL."""

    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="mreg-py-test-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.home = self.tmp / "home"
        self.home.mkdir()
        environ = {k: v for k, v in os.environ.items() if k not in _CONFIG_VARIABLES}
        environ["HOME"] = str(self.home)
        patcher = mock.patch.dict(os.environ, environ, clear=True)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.registry = mreg.Registry(URL, cache_dir=self.tmp / "cache")
        self.addCleanup(self.registry.close)

    def name(self, prefix: str = "m") -> str:
        """A model (or experiment) name no other test uses."""
        return f"{prefix}-{self._testMethodName[5:30]}-{uuid.uuid4().hex[:8]}".replace("_", "-")

    def new_model(self) -> str:
        name = self.name()
        self.registry.create_model(name)
        return name

    def command(self, *args: str, env: Optional[Mapping[str, str]] = None, stdin: str = "") -> "Outcome":
        """``mreg.cli.main(ARGS)`` in this process (what ``python3 -m mreg`` runs), output captured."""
        out, err = io.StringIO(), io.StringIO()
        with mock.patch.dict(os.environ, dict(env or {})), mock.patch("sys.stdin", io.StringIO(stdin)):
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = mreg.cli.main(list(args))
        return Outcome(code, out.getvalue(), err.getvalue())

    def cli(
        self, *args: str, env: Optional[Mapping[str, str]] = None, stdin: str = ""
    ) -> "subprocess.CompletedProcess[str]":
        """``python3 -m mreg ARGS`` in a child process, with this test's environment (plus ``env``)."""
        child: Dict[str, str] = dict(os.environ)
        child["PYTHONPATH"] = str(CLIENT_ROOT)
        child.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "mreg", *args],
            env=child,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=str(self.tmp),
        )


def events(kind: str, log: List[mreg.ProgressEvent]) -> List[mreg.ProgressEvent]:
    return [e for e in log if e.get("event") == kind]
