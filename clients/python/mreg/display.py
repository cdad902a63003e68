"""How the command line shows things: tables on a terminal, tab-separated lines in a pipe, JSON on request."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any, Iterable, List, Optional, Sequence, TextIO

from .push import ProgressEvent

_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"]


def human_size(n: float) -> str:
    for unit in _UNITS:
        if abs(n) < 1024 or unit == _UNITS[-1]:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def emit_json(value: Any, out: Optional[TextIO] = None) -> None:
    out = out or sys.stdout
    json.dump(value, out, indent=2, sort_keys=False)
    out.write("\n")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], out: Optional[TextIO] = None) -> None:
    """Aligned columns under a header on a terminal; on a pipe, tab-separated lines without a header."""
    out = out or sys.stdout
    cells: List[List[str]] = [["" if c is None else str(c) for c in row] for row in rows]
    if not out.isatty():
        for row in cells:
            out.write("\t".join(row) + "\n")
        return
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    line = "  ".join(h.upper().ljust(w) for h, w in zip(headers, widths))
    out.write(line.rstrip() + "\n")
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")


class ProgressLine:
    """One line on stderr, rewritten in place: bytes done of total, rate. Silent when stderr is not a terminal."""

    def __init__(self, verb: str, total: int, out: Optional[TextIO] = None, enabled: Optional[bool] = None) -> None:
        out = out or sys.stderr
        self.verb = verb
        self.total = total
        self.done = 0
        self.out = out
        self.enabled = out.isatty() if enabled is None else enabled
        self._started = time.monotonic()
        self._shown = 0.0
        self._lock = threading.Lock()

    def __call__(self, event: ProgressEvent) -> None:
        if event.get("event") not in ("part", "file", "skipped"):
            return
        with self._lock:
            self.done += int(event.get("bytes", 0))
            now = time.monotonic()
            if self.enabled and (now - self._shown > 0.2 or self.done >= self.total):
                self._shown = now
                rate = self.done / max(now - self._started, 1e-6)
                self.out.write(
                    f"\r{self.verb} {human_size(self.done)} of {human_size(self.total)}  {human_size(rate)}/s   "
                )
                self.out.flush()

    def finish(self) -> None:
        if self.enabled and self.done:
            self.out.write("\n")
            self.out.flush()
