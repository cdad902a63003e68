"""log_metric in a tight loop of STEPS steps against the same loop logging nothing; prints one JSON object.

Usage: python3 bench/python-log-metric.py URL [STEPS]   (bench/python-client.ts runs it against a local server)
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "clients" / "python"))
import mreg  # noqa: E402

url = sys.argv[1]
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000


def step_value(step: int, x: float) -> float:
    """A stand-in for a training step: a little arithmetic, so the loop is not empty."""
    return (x * 0.999 + step % 7) / 1.001


x = 0.0
started = time.perf_counter()
for step in range(steps):
    x = step_value(step, x)
baseline = time.perf_counter() - started

registry = mreg.Registry(url)
run = registry.start_run("bench-log-metric", f"loop-{steps}")
x = 0.0
started = time.perf_counter()
for step in range(steps):
    x = step_value(step, x)
    run.log_metric("loss", x, step=step)
logging = time.perf_counter() - started
started = time.perf_counter()
run.end()  # sends what is still queued
drain = time.perf_counter() - started
stored = sum(1 for _ in registry.metric_history(run.id, "loss"))

print(
    json.dumps(
        {
            "steps": steps,
            "loopWithoutLoggingSeconds": round(baseline, 4),
            "loopWithLogMetricSeconds": round(logging, 4),
            "overheadPerStepMicroseconds": round((logging - baseline) / steps * 1e6, 3),
            "ratio": round(logging / baseline, 2),
            "drainAtEndSeconds": round(drain, 4),
            "pointsStored": stored,
            "allStored": stored == steps,
            "python": sys.version.split()[0],
        }
    )
)
