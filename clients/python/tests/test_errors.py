"""Every typed error, with the registry's problem+json type, detail and fields; retries and their limits."""

from __future__ import annotations

import socket
import time
from typing import List

import mreg
from tests.faults import DROP_AFTER, DROP_BEFORE, FaultProxy, refuse
from tests.support import READER_TOKEN, SECURED_URL, TOKEN, URL, RegistryTestCase, write_random


class TypedErrorsTest(RegistryTestCase):
    def test_not_found(self) -> None:
        with self.assertRaises(mreg.NotFound) as caught:
            self.registry.model("no-such-model")
        e = caught.exception
        self.assertEqual((e.status, e.type), (404, "urn:mreg:problem:not-found"))
        self.assertIn("no-such-model", e.detail)

    def test_conflict(self) -> None:
        model = self.new_model()
        with self.assertRaises(mreg.Conflict) as caught:
            self.registry.create_model(model)
        self.assertEqual((caught.exception.status, caught.exception.type), (409, "urn:mreg:problem:conflict"))
        self.assertIn("already exists", caught.exception.detail)

    def test_invalid_request_names_the_fields(self) -> None:
        with self.assertRaises(mreg.InvalidRequest) as caught:
            self.registry.create_model("not a valid name")
        e = caught.exception
        self.assertEqual((e.status, e.type), (400, "urn:mreg:problem:validation"))
        self.assertIn("name", e.fields)
        self.assertIn("name:", str(e))

    def test_precondition_failed_on_a_stale_etag(self) -> None:
        model = self.new_model()
        etag = self.registry.model(model)["etag"]
        self.registry.update_model(model, description="first", etag=etag)
        with self.assertRaises(mreg.PreconditionFailed) as caught:
            self.registry.update_model(model, description="second", etag=etag)
        e = caught.exception
        self.assertEqual(
            (e.status, e.type, e.fields), (412, "urn:mreg:problem:precondition-failed", ["header.if-match"])
        )
        self.assertEqual(self.registry.model(model)["description"], "first")

    def test_payload_too_large(self) -> None:
        with self.assertRaises(mreg.PayloadTooLarge) as caught:
            self.registry.create_model(self.name(), properties={"blob": "x" * (1024 * 1024 + 1)})
        self.assertEqual((caught.exception.status, caught.exception.fields), (413, ["body"]))

    def test_unauthorized_without_or_with_a_wrong_token(self) -> None:
        for token in (None, "wrong-token"):
            with mreg.Registry(SECURED_URL, token) as registry, self.assertRaises(mreg.Unauthorized) as caught:
                list(registry.models())
            self.assertEqual((caught.exception.status, caught.exception.type), (401, "urn:mreg:problem:unauthorized"))
        with mreg.Registry(SECURED_URL, TOKEN) as registry:
            self.assertEqual(registry.create_model(self.name())["state"], "LIVE")

    def test_forbidden_without_the_scope(self) -> None:
        with mreg.Registry(SECURED_URL, READER_TOKEN) as reader:
            list(reader.models())  # reading is allowed
            with self.assertRaises(mreg.Forbidden) as caught:
                reader.create_model(self.name())
        e = caught.exception
        self.assertEqual((e.status, e.type), (403, "urn:mreg:problem:forbidden"))
        self.assertIn("registry.write", e.detail)

    def test_every_error_is_an_mreg_error(self) -> None:
        for cls in (
            mreg.NotFound,
            mreg.Conflict,
            mreg.PreconditionFailed,
            mreg.Unauthorized,
            mreg.Forbidden,
            mreg.IntegrityError,
            mreg.Unavailable,
            mreg.InvalidRequest,
            mreg.PayloadTooLarge,
        ):
            self.assertTrue(issubclass(cls, mreg.MregError))


class RetriesTest(RegistryTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.proxy = FaultProxy(URL)
        self.addCleanup(self.proxy.close)
        self.via = mreg.Registry(self.proxy.url, cache_dir=self.tmp / "cache", retries=3)
        self.via.transport.backoff = 0.01
        self.addCleanup(self.via.close)

    def test_unreachable_is_unavailable_after_retries(self) -> None:
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with mreg.Registry(f"http://127.0.0.1:{port}", retries=2) as registry:
            registry.transport.backoff = 0.01
            with self.assertRaises(mreg.Unavailable) as caught:
                registry.model("x")
        self.assertIsNone(caught.exception.status)
        self.assertIsInstance(caught.exception.__cause__, ConnectionRefusedError)

    def test_a_503_that_lasts_is_unavailable_with_its_problem(self) -> None:
        self.proxy.otherwise = refuse(503, "0")
        with self.assertRaises(mreg.Unavailable) as caught:
            self.via.model("x")
        e = caught.exception
        self.assertEqual(
            (e.status, e.type, e.detail, e.retry_after),
            (503, "urn:mreg:problem:unavailable", "injected by the test proxy", 0.0),
        )
        self.assertEqual(len(self.proxy.seen), 4)  # the first try and three retries

    def test_retry_after_is_waited_out(self) -> None:
        model = self.new_model()
        for refusal in (refuse(503, "1"), refuse(429, "1"), refuse(409, "1")):
            self.proxy.plan.append(refusal)
            started = time.monotonic()
            self.assertEqual(self.via.model(model)["name"], model)
            self.assertGreaterEqual(time.monotonic() - started, 0.9, refusal)
        self.assertEqual([a for _, _, a in self.proxy.seen][-2:], [refuse(409, "1"), "forward"])

    def test_a_409_without_retry_after_is_not_retried(self) -> None:
        model = self.new_model()
        with self.assertRaises(mreg.Conflict):
            self.via.create_model(model)
        self.assertEqual(len(self.proxy.seen), 1)

    def test_a_dropped_connection_is_retried_for_a_read(self) -> None:
        model = self.new_model()
        self.proxy.plan.extend([DROP_BEFORE, DROP_AFTER])
        self.assertEqual(self.via.model(model)["name"], model)
        self.assertEqual([a for _, _, a in self.proxy.seen], [DROP_BEFORE, DROP_AFTER, "forward"])

    def test_a_create_that_may_have_happened_is_not_repeated(self) -> None:
        model = self.name()
        self.proxy.plan.append(DROP_AFTER)
        with self.assertRaises(mreg.Unavailable) as caught:
            self.via.create_model(model)
        self.assertIn("not retried", str(caught.exception))
        self.assertEqual(len(self.proxy.seen), 1)
        self.assertEqual(self.registry.model(model)["name"], model)  # it had happened: a retry would be a 409

    def test_a_version_create_whose_answer_is_lost_is_retried_safely_with_its_idempotency_key(self) -> None:
        model = self.new_model()
        write_random(self.tmp / "f.bin", 1000)
        self.proxy.plan.append(DROP_AFTER)  # the create reaches the registry; its answer never arrives
        version = self.via.push(model, self.tmp / "f.bin")
        self.assertEqual(version["version"], 1)
        creates = [s for s in self.proxy.seen if s[0] == "POST" and s[1].endswith("/versions")]
        self.assertEqual([a for _, _, a in creates], [DROP_AFTER, "forward"])
        self.assertEqual(len(set(self.proxy.keys)), 1)
        self.assertEqual(self.registry.model(model)["latestVersion"], 1)
        self.assertEqual([v["version"] for v in self.registry.versions(model)], [1])

    def test_metrics_wait_out_an_outage(self) -> None:
        run = self.via.start_run(self.name("exp"), flush_interval=3600)
        self.via.transport.retries = 1
        self.proxy.otherwise = refuse(503, "0")
        for step in range(1500):
            run.log_metric("loss", float(step), step=step)
        with self.assertRaises(mreg.Unavailable):
            run.flush()  # the points stay queued
        self.proxy.otherwise = "forward"
        run.end()
        points: List[mreg.shapes.MetricPoint] = list(self.registry.metric_history(run.id, "loss"))
        self.assertEqual([p["step"] for p in points], list(range(1500)))
        self.assertEqual(self.registry.run(run.id)["status"], "FINISHED")
