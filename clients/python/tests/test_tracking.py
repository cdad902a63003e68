"""Runs and metrics: the context manager, background batches of at most 1,000 points, nothing lost at exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any, List

import mreg
from tests.support import CLIENT_ROOT, URL, RegistryTestCase


class TrackingTest(RegistryTestCase):
    def spy_metric_batches(self, run: mreg.ActiveRun) -> List[int]:
        """Watches the run's real requests: the size of every metrics batch sent."""
        sizes: List[int] = []
        send = run._transport.api  # noqa: SLF001 - observing, not replacing: the request still goes out

        def api(method: str, path: str, **kw: Any) -> Any:
            if path.endswith("/metrics") and method == "POST":
                sizes.append(len(json.loads(kw["json_bytes"])["metrics"]))
            return send(method, path, **kw)

        run._transport.api = api  # type: ignore[assignment]
        self.addCleanup(lambda: setattr(run._transport, "api", send))
        return sizes

    def history(self, run_id: str, key: str) -> List[mreg.shapes.MetricPoint]:
        return list(self.registry.metric_history(run_id, key))

    def test_a_run_logs_in_batches_and_finishes(self) -> None:
        experiment = self.name("exp")
        with self.registry.start_run(experiment, "baseline", params={"lr": 0.01, "depth": 6}, tags={"t": "1"}) as run:
            sizes = self.spy_metric_batches(run)
            for step in range(2500):
                run.log_metric("loss", 1.0 / (step + 1), step=step)
            run.log_metrics({"accuracy": 0.5, "f1": 0.25}, step=2500)
            run.log_params({"batch": 32})
            run.set_tags({"stage": "dev", "t": None})
        info = self.registry.run(run.id)
        self.assertEqual(info["status"], "FINISHED")
        self.assertIsNotNone(info["endTime"])
        self.assertEqual(info["params"], {"lr": "0.01", "depth": "6", "batch": "32"})
        self.assertEqual(info["tags"], {"stage": "dev"})
        self.assertEqual(info["latestMetrics"]["loss"], 1.0 / 2500)
        self.assertEqual(info["latestMetrics"]["f1"], 0.25)
        loss = self.history(run.id, "loss")
        self.assertEqual([p["step"] for p in loss], list(range(2500)))
        self.assertEqual(sum(sizes), 2502)
        self.assertLessEqual(max(sizes), 1000)
        self.assertGreaterEqual(len(sizes), 3)
        self.assertEqual(self.registry.experiment(experiment)["name"], experiment)
        self.assertEqual([r["id"] for r in self.registry.runs(experiment)], [run.id])

    def test_an_exception_fails_the_run_and_keeps_its_points(self) -> None:
        with self.assertRaises(RuntimeError):
            with self.registry.start_run(self.name("exp"), "doomed") as run:
                for step in range(1500):
                    run.log_metric("loss", float(step), step=step)
                raise RuntimeError("diverged")
        self.assertEqual(self.registry.run(run.id)["status"], "FAILED")
        self.assertEqual(len(self.history(run.id, "loss")), 1500)

    def test_flush_sends_everything_logged_so_far(self) -> None:
        run = self.registry.start_run(self.name("exp"), flush_interval=3600)
        self.addCleanup(run.end)
        for step in range(10):
            run.log_metric("lr", 0.1, step=step)
        run.flush()
        self.assertEqual(len(self.history(run.id, "lr")), 10)

    def test_bad_points_fail_where_they_are_logged(self) -> None:
        with self.registry.start_run(self.name("exp")) as run:
            for bad in (float("nan"), float("inf"), "x"):
                with self.assertRaises(ValueError):
                    run.log_metric("loss", bad)  # type: ignore[arg-type]
            with self.assertRaises(ValueError):
                run.log_metric("no..way/../x", 1.0)
            with self.assertRaises(ValueError):
                run.log_metric("loss", 1.0, step=1.5)  # type: ignore[arg-type]
            run.log_metric("loss", 2.0)
        self.assertEqual([p["value"] for p in self.history(run.id, "loss")], [2.0])
        with self.assertRaises(mreg.MregError):
            run.log_metric("loss", 3.0)  # the run has ended

    def test_params_are_write_once(self) -> None:
        with self.registry.start_run(self.name("exp"), params={"lr": "0.1"}) as run:
            run.log_params({"lr": "0.1"})
            with self.assertRaises(mreg.Conflict):
                run.log_params({"lr": "0.2"})

    def test_an_existing_run_takes_more_points(self) -> None:
        with self.registry.start_run(self.name("exp")) as first:
            first.log_metric("loss", 1.0, step=1)
        with self.registry.start_run("ignored", run_id=first.id) as again:
            again.log_metric("loss", 0.5, step=2)
        self.assertEqual([p["step"] for p in self.history(first.id, "loss")], [1, 2])

    def run_script(self, body: str) -> "subprocess.CompletedProcess[str]":
        script = (
            textwrap.dedent(
                """
            import sys
            import mreg
            registry = mreg.Registry(sys.argv[1])
            run = registry.start_run(sys.argv[2], "script")
            print(run.id, flush=True)
            for step in range(5000):
                run.log_metric("loss", 1.0 / (step + 1), step=step)
            """
            )
            + textwrap.dedent(body)
        )
        env = dict(os.environ, PYTHONPATH=str(CLIENT_ROOT))
        return subprocess.run(
            [sys.executable, "-c", script, URL, self.name("exp")], capture_output=True, text=True, env=env, timeout=60
        )

    def test_no_point_is_lost_when_a_script_ends_without_ending_its_run(self) -> None:
        done = self.run_script("")
        self.assertEqual(done.returncode, 0, done.stderr)
        run_id = done.stdout.split()[0]
        self.assertEqual(len(self.history(run_id, "loss")), 5000)
        self.assertEqual(self.registry.run(run_id)["status"], "FINISHED")

    def test_an_uncaught_exception_at_exit_fails_the_run_and_keeps_its_points(self) -> None:
        done = self.run_script("raise SystemError('out of memory, say')")
        self.assertEqual(done.returncode, 1)
        self.assertIn("out of memory", done.stderr)
        run_id = done.stdout.split()[0]
        self.assertEqual(len(self.history(run_id, "loss")), 5000)
        self.assertEqual(self.registry.run(run_id)["status"], "FAILED")
