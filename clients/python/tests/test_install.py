"""``pip install`` of the package, with no package index (nothing to fetch), then run from the installed copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from tests.support import CLIENT_ROOT, URL


class InstallTest(unittest.TestCase):
    def test_pip_installs_it_offline_and_it_runs_from_anywhere(self) -> None:
        with tempfile.TemporaryDirectory(prefix="mreg-install-") as tmp:
            # A copy of the project: the build writes build/ and *.egg-info beside its sources.
            source = Path(tmp) / "source"
            shutil.copytree(
                CLIENT_ROOT, source, ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info")
            )
            site = Path(tmp) / "site"
            # Debian's pip and setuptools (the backend pyproject.toml names); a real PEP 517 build.
            install = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "--no-index",
                    "--no-build-isolation",
                    "--target",
                    str(site),
                    "--quiet",
                    "--disable-pip-version-check",
                    "--root-user-action=ignore",
                    str(source),
                ],
                capture_output=True,
                text=True,
                cwd=tmp,
            )
            self.assertEqual(install.returncode, 0, install.stdout + install.stderr)
            self.assertEqual(sorted(p.name for p in site.iterdir()), ["mreg", "mreg-0.1.0.dist-info"])
            self.assertTrue((site / "mreg" / "py.typed").is_file())
            env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            env["PYTHONPATH"] = str(site)
            run = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import mreg, sys; print(mreg.__file__); sys.argv[1:] = ['--url', sys.argv[1], 'status']; "
                    "import mreg.cli; mreg.cli.run()",
                    URL,
                ],
                capture_output=True,
                text=True,
                cwd=tmp,
                env=env,
            )
            self.assertEqual(run.returncode, 0, run.stderr)
            location, status = run.stdout.split("\n", 1)
            self.assertTrue(location.startswith(str(site)), location)
            self.assertIn("token accepted", status)
