"""push and pull against the real local server: directories, multipart, dedup, verification."""

from __future__ import annotations

from typing import Any, List

import mreg
from tests.support import (
    MIB,
    MULTIPART_THRESHOLD,
    RegistryTestCase,
    corrupt_stored_blob,
    events,
    sha256_file,
    write_random,
)


class PushPullTest(RegistryTestCase):
    def test_a_directory_round_trips_byte_for_byte(self) -> None:
        model = self.new_model()
        src = self.tmp / "model"
        sums = {
            "weights.bin": write_random(src / "weights.bin", 3 * MIB + 7),
            "tokenizer/vocab.json": write_random(src / "tokenizer" / "vocab.json", 1000),
            "tokenizer/deep/merges.txt": write_random(src / "tokenizer" / "deep" / "merges.txt", 10),
        }
        (src / "empty.txt").write_bytes(b"")
        log: List[mreg.ProgressEvent] = []
        version = self.registry.push(
            model,
            src,
            label="1.0.0",
            tags={"team": "risk"},
            properties={"auc": 0.91, "layers": [3, 4]},
            format="onnx",
            progress=log.append,
        )
        self.assertEqual(version["state"], "READY")
        self.assertEqual(version["label"], "1.0.0")
        self.assertEqual(version["tags"], {"team": "risk"})
        self.assertEqual(version["properties"], {"auc": 0.91, "layers": [3, 4]})
        self.assertEqual(
            sorted(f["path"] for f in version["files"]),
            ["empty.txt", "tokenizer/deep/merges.txt", "tokenizer/vocab.json", "weights.bin"],
        )
        sent = sorted(e["path"] for e in events("file", log))
        # The empty file's bytes may be held already (another test pushed an empty file): then none are sent.
        self.assertIn(sent, [sorted(sums), sorted([*sums, "empty.txt"])])

        dest = self.tmp / "out"
        pulled = self.registry.pull(model, "label:1.0.0", dest)
        self.assertEqual(pulled["version"], version["version"])
        for path, sha in sums.items():
            self.assertEqual(sha256_file(dest / path), sha, path)
        self.assertEqual((dest / "empty.txt").read_bytes(), b"")
        self.assertEqual(sorted(p.name for p in dest.rglob("*") if "mreg-partial" in p.name), [])

        # Pulled again into the same place: every file is there already and is not downloaded.
        again: List[mreg.ProgressEvent] = []
        self.registry.pull(model, version["version"], dest, progress=again.append)
        self.assertEqual(events("file", again), [])
        self.assertEqual(len([e for e in again if e.get("reason") == "present"]), 4)

    def test_a_file_of_more_than_three_parts_goes_multipart_and_waits_for_verification(self) -> None:
        model = self.new_model()
        part = 64 * MIB  # the registry's plan: parts of at least 64 MiB
        size = 3 * part + MIB + 11
        self.assertGreater(size, MULTIPART_THRESHOLD)
        sha = write_random(self.tmp / "big.bin", size)
        log: List[mreg.ProgressEvent] = []
        version = self.registry.push(model, self.tmp / "big.bin", concurrency=4, progress=log.append)
        self.assertEqual(version["state"], "READY")
        parts = sorted((e["partNumber"], e["bytes"]) for e in events("part", log))
        self.assertEqual(parts, [(1, part), (2, part), (3, part), (4, MIB + 11)])
        # Above the server's inline-hash limit: commit answered 202 and push waited for READY.
        self.assertEqual(len(events("verifying", log)), 1)
        self.registry.pull(model, "latest", self.tmp / "out")
        self.assertEqual(sha256_file(self.tmp / "out" / "big.bin"), sha)

    def test_a_file_just_above_the_threshold_is_one_part(self) -> None:
        model = self.new_model()
        write_random(self.tmp / "nine.bin", 9 * MIB)
        log: List[mreg.ProgressEvent] = []
        self.registry.push(model, self.tmp / "nine.bin", progress=log.append)
        self.assertEqual([(e["partNumber"], e["bytes"]) for e in events("part", log)], [(1, 9 * MIB)])

    def test_bytes_the_registry_holds_are_not_sent_again(self) -> None:
        first, second = self.new_model(), self.name()
        write_random(self.tmp / "m" / "a.bin", 2 * MIB)
        write_random(self.tmp / "m" / "big.bin", 9 * MIB)
        self.registry.push(first, self.tmp / "m")
        log: List[mreg.ProgressEvent] = []
        version = self.registry.push(second, self.tmp / "m", create=True, label="copy", progress=log.append)
        self.assertEqual(version["state"], "READY")
        self.assertEqual(events("file", log) + events("part", log), [])
        self.assertEqual(
            sorted(e["path"] for e in events("skipped", log) if e["reason"] == "held"), ["a.bin", "big.bin"]
        )
        # The same push again is a new version (the first one finished), with nothing sent either.
        log.clear()
        again = self.registry.push(second, self.tmp / "m", progress=log.append)
        self.assertEqual(again["version"], version["version"] + 1)
        self.assertEqual(events("file", log) + events("part", log), [])

    def test_identical_files_in_one_version_are_sent_once(self) -> None:
        model = self.new_model()
        write_random(self.tmp / "d" / "a.bin", MIB)
        (self.tmp / "d" / "b.bin").write_bytes((self.tmp / "d" / "a.bin").read_bytes())
        log: List[mreg.ProgressEvent] = []
        version = self.registry.push(model, self.tmp / "d", progress=log.append)
        self.assertEqual(len(version["files"]), 2)
        self.assertEqual(len(events("file", log)), 1)
        self.assertEqual([e["reason"] for e in events("skipped", log)], ["duplicate"])

    def test_a_corrupt_download_is_refused_and_never_moved_into_place(self) -> None:
        model = self.new_model()
        sha = write_random(self.tmp / "model.bin", 2 * MIB)
        self.registry.push(model, self.tmp / "model.bin")
        corrupt_stored_blob(sha)
        dest = self.tmp / "out"
        dest.mkdir()
        (dest / "model.bin").write_bytes(b"the previous file")
        with self.assertRaises(mreg.IntegrityError) as caught:
            self.registry.pull(model, "latest", dest)
        self.assertIn(sha, str(caught.exception))
        self.assertEqual(caught.exception.fields, ["model.bin"])
        self.assertEqual((dest / "model.bin").read_bytes(), b"the previous file")
        self.assertEqual(sorted(p.name for p in dest.iterdir()), ["model.bin"])

    def test_an_interrupted_download_resumes_with_a_ranged_read(self) -> None:
        model = self.new_model()
        sha = write_random(self.tmp / "w.bin", 3 * MIB)
        self.registry.push(model, self.tmp / "w.bin")
        ranges: List[str] = []
        stream = self.registry.transport.stream

        def spy(url: str, headers: Any = None) -> Any:  # observes the real request, which still goes out
            ranges.append((headers or {}).get("Range", "whole"))
            return stream(url, headers)

        self.registry.transport.stream = spy  # type: ignore[assignment]
        dest = self.tmp / "out"
        dest.mkdir()
        partial = dest / f".w.bin.{sha[:16]}.mreg-partial"  # what an interrupted pull leaves
        partial.write_bytes((self.tmp / "w.bin").read_bytes()[:MIB])
        self.registry.pull(model, "latest", dest)
        self.assertEqual(ranges, [f"bytes={MIB}-"])
        self.assertEqual(sha256_file(dest / "w.bin"), sha)
        self.assertFalse(partial.exists())
        # A partial file whose bytes are wrong: the resumed download does not verify, a whole one does.
        ranges.clear()
        (dest / "w.bin").unlink()
        partial.write_bytes(b"\0" * MIB)
        self.registry.pull(model, "latest", dest)
        self.assertEqual(ranges, [f"bytes={MIB}-", "whole"])
        self.assertEqual(sha256_file(dest / "w.bin"), sha)

    def test_a_file_changed_while_pushed_fails_verification(self) -> None:
        model = self.new_model()
        write_random(self.tmp / "big.bin", 10 * MIB)

        def swap_bytes(event: mreg.ProgressEvent) -> None:
            if event.get("event") == "created":  # hashed and declared; now the bytes change
                write_random(self.tmp / "big.bin", 10 * MIB)

        with self.assertRaises(mreg.IntegrityError) as caught:
            self.registry.push(model, self.tmp / "big.bin", progress=swap_bytes)
        self.assertIn("does not match", str(caught.exception))
        self.assertEqual(caught.exception.fields, ["files"])
        self.assertEqual(self.registry.version(model, 1)["state"], "FAILED")

    def test_transient_versions_and_their_run(self) -> None:
        model = self.new_model()
        run = self.registry.start_run(self.name("exp"), "producer")
        self.addCleanup(run.end)
        write_random(self.tmp / "ckpt.bin", 1000)
        version = self.registry.push(model, self.tmp / "ckpt.bin", transient=True, ttl="2h", run_id=run.id)
        self.assertEqual(version["retention"], "transient")
        self.assertIn("expiresAt", version)
        self.assertEqual(version["runId"], run.id)
        self.assertIn({"model": model, "version": version["version"]}, self.registry.run(run.id)["modelVersions"])
        with self.assertRaises(ValueError):
            self.registry.push(model, self.tmp / "ckpt.bin", transient=True)

    def test_push_to_a_missing_model_says_so_unless_told_to_create_it(self) -> None:
        model = self.name()
        write_random(self.tmp / "f.bin", 10)
        with self.assertRaises(mreg.NotFound):
            self.registry.push(model, self.tmp / "f.bin")
        self.assertEqual(self.registry.push(model, self.tmp / "f.bin", create=True)["version"], 1)

    def test_a_cache_that_cannot_be_written_costs_nothing_but_resuming(self) -> None:
        model = self.new_model()
        write_random(self.tmp / "f.bin", 1000)
        (self.tmp / "not-a-dir").write_text("a file where the cache directory would be")
        with mreg.Registry(self.registry.url, cache_dir=self.tmp / "not-a-dir" / "cache") as registry:
            with self.assertLogs("mreg", "WARNING") as logged:
                self.assertEqual(registry.push(model, self.tmp / "f.bin")["state"], "READY")
        self.assertIn("an interrupted push will start over", logged.output[0])

    def test_explicit_paths_and_bad_sources(self) -> None:
        model = self.new_model()
        write_random(self.tmp / "x.bin", 10)
        version = self.registry.push(model, {"weights/model.bin": self.tmp / "x.bin"})
        self.assertEqual([f["path"] for f in version["files"]], ["weights/model.bin"])
        with self.assertRaises(FileNotFoundError):
            self.registry.push(model, self.tmp / "missing")
        (self.tmp / "empty").mkdir()
        with self.assertRaises(ValueError):
            self.registry.push(model, self.tmp / "empty")
