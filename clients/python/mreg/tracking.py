"""Runs and their metrics: a training loop logs a point in about a microsecond; a background thread sends them.

Points wait in a queue and leave in batches of up to 1,000 per request (the registry's limit), as
soon as a batch is full or ``flush_interval`` seconds have passed. Ending the run (the context
manager does) sends what is left; so does the interpreter's exit for a run nobody ended.
"""

from __future__ import annotations

import atexit
import collections
import json
import logging
import math
import re
import sys
import threading
import time
import weakref
from types import TracebackType
from typing import Any, Deque, Dict, List, Mapping, Optional, Tuple, Type
from urllib.parse import quote

from .errors import MregError, Unavailable
from .shapes import Run
from .transport import Transport

log = logging.getLogger("mreg")

MAX_POINTS_PER_REQUEST = 1000
_KEY = re.compile(r"^[A-Za-z0-9._\-/ ]{1,250}$")
_MIN_STEP, _MAX_STEP = -(10**14), 10**15

Point = Tuple[str, float, int, int]


def check_metric_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY.match(key) or ".." in key.split("/"):
        raise ValueError(f"metric key {key!r}: 1-250 of A-Z a-z 0-9 . _ - / and space, no '..' segment")
    return key


def metric_point(key: str, value: float, step: int, timestamp: Optional[int]) -> Point:
    """Checks one point where it is logged, so a bad value fails in the caller, not later in a batch."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"metric {key!r}: {value!r} is not a finite number")
    if not isinstance(step, int) or isinstance(step, bool) or not _MIN_STEP <= step <= _MAX_STEP:
        raise ValueError(f"metric {key!r}: step must be an integer in [-1e14, 1e15], not {step!r}")
    return (key, number, step, time.time_ns() // 1_000_000 if timestamp is None else int(timestamp))


def metrics_body(points: List[Point]) -> bytes:
    """``{"metrics": [...]}`` written directly: much less time than dicts through json.dumps, time the sending
    thread would otherwise hold the GIL against the training loop. Values are finite floats (checked when
    logged), whose repr is valid JSON."""
    prefixes: Dict[str, str] = {}

    def prefix(key: str) -> str:
        known = prefixes.get(key)
        if known is None:
            known = prefixes[key] = '{"key":' + json.dumps(key) + ',"value":'
        return known

    items = [f'{prefix(k)}{v!r},"step":{s},"timestamp":{t}}}' for k, v, s, t in points]
    return ('{"metrics":[' + ",".join(items) + "]}").encode("utf-8")


def send_points(transport: Transport, run_id: str, points: List[Point]) -> None:
    """Sends points synchronously, 1,000 a request (metric writes are idempotent upserts: safe to retry)."""
    for i in range(0, len(points), MAX_POINTS_PER_REQUEST):
        body = metrics_body(points[i : i + MAX_POINTS_PER_REQUEST])
        transport.api("POST", f"/v1/runs/{quote(run_id, safe='')}/metrics", json_bytes=body, idempotent=True)


class MetricQueue:
    """Points waiting to be sent, and the daemon thread that sends them."""

    def __init__(self, transport: Transport, run_id: str, *, flush_interval: float = 1.0) -> None:
        self._transport = transport
        self._run_id = run_id
        self._interval = flush_interval
        self._points: Deque[Point] = collections.deque()
        self._wake = threading.Event()
        self._settled = threading.Condition()
        # flush() asks for a pass over everything queued; the sender counts the passes it completed.
        self._requested = 0
        self._completed = 0
        self._closing = False
        self._refused: Optional[MregError] = None  # a batch the registry will never take: raised once
        self._unreachable: Optional[MregError] = None  # the last pass could not reach the registry
        self._lost = 0
        self._thread = threading.Thread(target=self._loop, name=f"mreg-metrics-{run_id}", daemon=True)
        self._thread.start()

    def put(self, point: Point) -> None:
        if self._closing:
            raise MregError(f"run {self._run_id} has ended; its metrics queue is closed")
        self._points.append(point)  # deque.append is atomic: no lock on the training loop's path
        if len(self._points) >= MAX_POINTS_PER_REQUEST and not self._wake.is_set():
            self._wake.set()

    def flush(self, timeout: Optional[float] = None) -> None:
        """Sends every point logged so far; raises what stopped it (the points then stay queued)."""
        with self._settled:
            self._requested += 1
            wanted = self._requested
            self._wake.set()
            self._settled.wait_for(lambda: self._completed >= wanted or not self._thread.is_alive(), timeout)
        self._raise_pending()

    def close(self, timeout: Optional[float] = None) -> None:
        """Sends what is queued and stops the sender; points it could not deliver are reported as lost."""
        self._closing = True
        self._wake.set()
        self._thread.join(timeout)
        self._raise_pending()

    def _raise_pending(self) -> None:
        error, lost = self._refused or self._unreachable, self._lost
        self._refused, self._unreachable, self._lost = None, None, 0
        if error is not None:
            suffix = f" ({lost} metric points were dropped)" if lost else ""
            raise type(error)(
                f"sending metrics of run {self._run_id} failed: {error.detail}{suffix}",
                status=error.status,
                type=error.type,
                title=error.title,
                errors=error.errors,
            ) from error

    def _loop(self) -> None:
        failures = 0
        while True:
            timed_out = not self._wake.wait(self._interval if failures == 0 else min(30.0, 2.0**failures))
            self._wake.clear()
            with self._settled:
                requested, closing = self._requested, self._closing
            delivered = self._send(everything=timed_out or closing or requested > self._completed)
            failures = 0 if delivered else failures + 1
            if closing and (delivered or failures > 1):
                # Closing: one more try after a failure (each try has the transport's own retries), then give up.
                self._lost += len(self._points)
                self._points.clear()
            with self._settled:
                self._completed = requested
                self._settled.notify_all()
            if closing and not self._points:
                return

    def _send(self, everything: bool) -> bool:
        """Sends full batches (every point when ``everything``); False when the registry could not be reached."""
        while len(self._points) >= MAX_POINTS_PER_REQUEST or (everything and self._points):
            batch: List[Point] = []
            while self._points and len(batch) < MAX_POINTS_PER_REQUEST:
                batch.append(self._points.popleft())
            try:
                send_points(self._transport, self._run_id, batch)
                self._unreachable = None
            except Unavailable as e:
                # Out of reach even after the transport's retries: the points wait for the next pass.
                self._points.extendleft(reversed(batch))
                self._unreachable = e
                log.warning("metrics of run %s not sent yet: %s", self._run_id, e)
                return False
            except MregError as e:
                # Refused for good (the run is gone, say): this batch can never be written.
                self._refused = e
                self._lost += len(batch)
                log.error("metrics of run %s refused: %s", self._run_id, e)
        return True


class ActiveRun:
    """A run being logged to. As a context manager it ends FINISHED, FAILED on an exception, KILLED on Ctrl-C."""

    def __init__(self, transport: Transport, run: Run, *, flush_interval: float = 1.0) -> None:
        self._transport = transport
        self.info: Run = run
        self.id: str = run["id"]
        self._path = f"/v1/runs/{quote(self.id, safe='')}"
        self._metrics = MetricQueue(transport, self.id, flush_interval=flush_interval)
        self._keys: Dict[str, str] = {}
        self._ended = False
        _open_runs.add(self)

    def log_metric(self, key: str, value: float, step: int = 0, timestamp: Optional[int] = None) -> None:
        """Queues one point (``timestamp`` in ms, default now); returns at once."""
        if key not in self._keys:
            self._keys[key] = check_metric_key(key)
        self._metrics.put(metric_point(key, value, step, timestamp))

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0, timestamp: Optional[int] = None) -> None:
        stamp = time.time_ns() // 1_000_000 if timestamp is None else timestamp
        for key, value in metrics.items():
            self.log_metric(key, value, step, stamp)

    def log_params(self, params: Mapping[str, Any]) -> Run:
        """Params are write-once: the same value again is fine, another value for a set key is Conflict."""
        self.info = self._transport.api(
            "PUT", self._path + "/params", body={str(k): _param(v) for k, v in params.items()}
        ).json()
        return self.info

    def set_tags(self, tags: Mapping[str, Optional[str]]) -> Run:
        """Sets tags (a None value removes the tag)."""
        self.info = self._transport.api("PATCH", self._path, body={"tags": dict(tags)}, idempotent=True).json()
        return self.info

    def flush(self, timeout: Optional[float] = None) -> None:
        self._metrics.flush(timeout)

    def end(self, status: str = "FINISHED") -> Run:
        """Sends the queued metrics, then sets the run's status (FINISHED, FAILED or KILLED)."""
        if self._ended:
            return self.info
        self._ended = True
        _open_runs.discard(self)
        problem: Optional[MregError] = None
        try:
            self._metrics.close()
        except MregError as e:
            problem = e
        self.info = self._transport.api("PATCH", self._path, body={"status": status}, idempotent=True).json()
        if problem is not None:
            raise problem
        return self.info

    def detach(self) -> None:
        """Sends the queued metrics and lets go of the run without ending it (it stays RUNNING)."""
        if not self._ended:
            self._ended = True
            _open_runs.discard(self)
            self._metrics.close()

    def __enter__(self) -> "ActiveRun":
        return self

    def __exit__(
        self, kind: Optional[Type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
    ) -> None:
        if kind is None:
            self.end("FINISHED")
            return
        status = "KILLED" if issubclass(kind, KeyboardInterrupt) else "FAILED"
        try:
            self.end(status)
        except MregError as e:  # the exception already on its way matters more
            log.error("ending run %s as %s: %s", self.id, status, e)


def _param(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


_open_runs: "weakref.WeakSet[ActiveRun]" = weakref.WeakSet()


@atexit.register
def _end_open_runs() -> None:
    """A run nobody ended: its points are sent, and it ends FAILED if the interpreter exits on an uncaught
    exception, FINISHED otherwise."""
    status = "FAILED" if getattr(sys, "last_value", None) is not None else "FINISHED"
    for run in list(_open_runs):
        try:
            run.end(status)
        except Exception as e:  # noqa: BLE001 - at exit, report and go on with the other runs
            print(f"mreg: ending run {run.id} at exit: {e}", file=sys.stderr)
