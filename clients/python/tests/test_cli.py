"""``python3 -m mreg``: the commands, their output and their exit codes."""

from __future__ import annotations

import json
import stat

from tests.support import MIB, SECURED_URL, TOKEN, URL, RegistryTestCase, corrupt_stored_blob, sha256_file, write_random


class CliTest(RegistryTestCase):
    def ok(self, *args: str, **kw: object) -> str:
        done = self.command("--url", URL, *args, **kw)  # type: ignore[arg-type]
        self.assertEqual(done.returncode, 0, f"{args}: {done.stderr}")
        return done.stdout

    def test_push_pull_aliases_and_versions(self) -> None:
        model = self.name()
        sha = write_random(self.tmp / "src" / "weights.bin", 2 * MIB)
        write_random(self.tmp / "src" / "cfg" / "config.json", 100)
        out = self.ok(
            "push",
            model,
            str(self.tmp / "src"),
            "--create",
            "--label",
            "1.0.0",
            "--tag",
            "team=risk",
            "--property",
            'auc={"v": 0.9}',
            "--json",
        )
        version = json.loads(out)
        self.assertEqual((version["version"], version["state"], version["tags"]), (1, "READY", {"team": "risk"}))
        self.assertEqual(version["properties"], {"auc": {"v": 0.9}})
        self.assertIn("version 2 READY", self.ok("push", model, str(self.tmp / "src" / "weights.bin")))
        self.assertIn("champion -> version 1", self.ok("alias", "set", model, "champion", "1"))
        self.assertIn("1", self.ok("alias", "history", model, "champion").split())
        self.assertIn("verified", self.ok("pull", f"{model}@champion", str(self.tmp / "out")))
        self.assertEqual(sha256_file(self.tmp / "out" / "weights.bin"), sha)
        self.assertTrue((self.tmp / "out" / "cfg" / "config.json").is_file())
        rows = [line.split("\t") for line in self.ok("versions", "ls", model).splitlines()]
        self.assertEqual([(r[0], r[1]) for r in rows], [("2", "READY"), ("1", "READY")])
        self.assertEqual(json.loads(self.ok("versions", "show", f"{model}@label:1.0.0"))["version"], 1)
        self.assertEqual(json.loads(self.ok("versions", "show", model, "-1"))["version"], 2)
        self.ok("alias", "rm", model, "champion")
        self.ok("versions", "archive", model, "2")
        self.ok("versions", "rm", f"{model}@2")
        self.assertIn(model, self.ok("models", "ls"))
        self.ok("models", "rm", model, "--force")

    def test_models_runs_and_metrics(self) -> None:
        model = self.name()
        self.ok("models", "create", model, "--description", "fraud scores", "--tag", "team=risk")
        self.assertEqual(json.loads(self.ok("models", "show", model))["description"], "fraud scores")
        experiment = self.name("exp")
        run_id = self.ok("runs", "create", experiment, "--name", "cli", "--param", "lr=0.1").strip()
        self.ok("metrics", "log", run_id, "loss=0.5", "acc=0.75", "--step", "3")
        history = [line.split("\t") for line in self.ok("metrics", "history", run_id, "loss").splitlines()]
        self.assertEqual([(h[0], h[1]) for h in history], [("3", "0.5")])
        self.assertIn("FINISHED", self.ok("runs", "finish", run_id))
        run = json.loads(self.ok("runs", "show", run_id))
        self.assertEqual((run["status"], run["params"]), ("FINISHED", {"lr": "0.1"}))
        self.assertIn(run_id, self.ok("runs", "ls", experiment))

    def test_exit_codes(self) -> None:
        self.assertEqual(self.command("--url", URL, "pull", "no-such-model").returncode, 3)
        self.assertEqual(self.command("--url", URL, "bogus").returncode, 2)
        self.assertEqual(self.command("--url", URL, "push", "m", "x", "--transient").returncode, 2)
        self.assertEqual(self.command("--url", URL, "metrics", "log", "r", "loss=abc").returncode, 2)
        unauthorized = self.command("--url", SECURED_URL, "models", "ls")
        self.assertEqual(unauthorized.returncode, 4)
        self.assertIn("token from none", unauthorized.stderr)
        unreachable = self.command("status", env={"MREG_URL": "http://127.0.0.1:9"})
        self.assertEqual(unreachable.returncode, 1)
        self.assertIn("cannot reach the registry at http://127.0.0.1:9 (URL from MREG_URL)", unreachable.stderr)
        empty = self.command("--url", URL, "push", self.name(), str(self.tmp / "home"))
        self.assertEqual(empty.returncode, 2, empty.stderr)  # nothing to push in an empty directory
        # Integrity: a stored blob corrupted on disk is refused on pull.
        model = self.name()
        sha = write_random(self.tmp / "m.bin", 1000)
        self.ok("push", model, str(self.tmp / "m.bin"), "--create")
        corrupt_stored_blob(sha)
        corrupt = self.command("--url", URL, "pull", model, str(self.tmp / "out"))
        self.assertEqual(corrupt.returncode, 5, corrupt.stderr)
        self.assertFalse((self.tmp / "out" / "m.bin").exists())

    def test_python_m_mreg_runs_the_command_line(self) -> None:
        done = self.cli("--help")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("usage: python3 -m mreg", done.stdout)
        self.assertEqual(self.cli("--url", URL, "pull", "no-such-model").returncode, 3)
        for args in (["push", "--help"], ["models", "ls", "--help"], ["alias", "--help"]):
            help = self.command(*args)
            self.assertEqual(help.returncode, 0, args)
            self.assertIn("usage:", help.stdout)
        self.assertIn("mreg (python) ", self.command("--version").stdout)

    def test_login_config_show_and_status(self) -> None:
        done = self.command("login", "--url", SECURED_URL, "--token", "-", stdin=TOKEN + "\n")
        self.assertEqual(done.returncode, 0, done.stderr)
        path = self.home / ".config" / "mreg" / "config.json"
        self.assertEqual(json.loads(path.read_text()), {"url": SECURED_URL, "token": TOKEN})
        self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600)
        shown = json.loads(self.command("config", "show", "--json").stdout)
        self.assertEqual(shown["url"], {"value": SECURED_URL, "source": str(path)})
        self.assertEqual(shown["token"], {"value": "****" + TOKEN[-4:], "source": str(path)})
        self.assertNotIn(TOKEN, self.command("config", "show").stdout)
        status = self.command("status")
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertIn("token accepted", status.stdout)
        refused = self.command("login", "--url", SECURED_URL, "--token", "wrong")
        self.assertEqual(refused.returncode, 4)
        self.assertEqual(json.loads(path.read_text())["token"], TOKEN)  # a refused login changes nothing
