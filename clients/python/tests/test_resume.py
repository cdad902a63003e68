"""A push killed part-way (SIGKILL, for real) and run again continues the same version with the missing parts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from typing import List

import mreg
from tests.support import CLIENT_ROOT, MIB, URL, RegistryTestCase, events, sha256_file, write_random

PART = 64 * MIB  # the registry plans parts of 64 MiB

# The child pushes one part at a time and pauses after each, so the parent can kill it mid-push.
CHILD = textwrap.dedent(
    """
    import json, sys, time
    import mreg

    def progress(event):
        print(json.dumps(event), flush=True)
        if event.get("event") == "part":
            time.sleep(1.0)

    registry = mreg.Registry(sys.argv[1], cache_dir=sys.argv[2])
    registry.push(sys.argv[3], sys.argv[4], concurrency=1, progress=progress)
    print(json.dumps({"event": "done"}), flush=True)
    """
)


class ResumeTest(RegistryTestCase):
    def test_a_killed_push_resumes_the_same_version_sending_only_missing_parts(self) -> None:
        model = self.new_model()
        file = self.tmp / "weights.bin"
        sha = write_random(file, 2 * PART + MIB)  # three parts
        cache = self.tmp / "cache"
        env = dict(os.environ, PYTHONPATH=str(CLIENT_ROOT))
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, URL, str(cache), model, str(file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        seen: List[mreg.ProgressEvent] = []
        try:
            assert child.stdout is not None
            for line in child.stdout:
                seen.append(json.loads(line))
                if len(events("part", seen)) == 1:
                    child.send_signal(signal.SIGKILL)
                    break
        finally:
            child.kill()
            _, stderr = child.communicate(timeout=30)
        self.assertEqual(child.returncode, -signal.SIGKILL, stderr)
        self.assertEqual(events("done", seen), [])
        created = events("created", seen)[0]["version"]

        held = self.registry.transport.api(
            "GET", f"/v1/models/{model}/versions/{created}/parts", query={"path": "weights.bin"}
        ).json()["parts"]
        self.assertTrue(1 <= len(held) < 3, held)
        self.assertEqual(self.registry.version(model, created)["state"], "PENDING")

        log: List[mreg.ProgressEvent] = []
        resumed = mreg.Registry(URL, cache_dir=cache)
        self.addCleanup(resumed.close)
        version = resumed.push(model, file, progress=log.append)
        self.assertEqual(version["version"], created)
        self.assertEqual(version["state"], "READY")
        sent = sorted(e["partNumber"] for e in events("part", log))
        skipped = sorted(e["partNumber"] for e in events("skipped", log))
        self.assertEqual(skipped, sorted(p["partNumber"] for p in held))
        self.assertEqual(sorted(sent + skipped), [1, 2, 3])
        self.assertEqual(self.registry.model(model)["latestVersion"], created)

        self.registry.pull(model, created, self.tmp / "out")
        self.assertEqual(sha256_file(self.tmp / "out" / "weights.bin"), sha)
        # Settled: the state is gone, so the same files pushed again make a new version.
        self.assertEqual(list((cache / "pushes").glob("*.json")), [])
