"""The package imports nothing outside the standard library, and its syntax holds for Python 3.9."""

from __future__ import annotations

import ast
import sys
import unittest

from tests.support import CLIENT_ROOT

PACKAGE = CLIENT_ROOT / "mreg"


def imported_modules(source: str, filename: str) -> "list[tuple[int, str]]":
    """Every absolute import (line, top-level module), including importlib.import_module("...") and __import__("...")."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
                found.append((node.lineno, str(node.args[0].value).split(".")[0]))
    return found


class StandardLibraryOnlyTest(unittest.TestCase):
    def test_every_import_is_the_standard_library_or_the_package_itself(self) -> None:
        files = sorted(PACKAGE.rglob("*.py"))
        self.assertGreater(len(files), 5)
        allowed = set(sys.stdlib_module_names) | {"__future__", "mreg"}
        foreign = [
            f"{f.relative_to(CLIENT_ROOT)}:{line} imports {module}"
            for f in files
            for line, module in imported_modules(f.read_text(encoding="utf-8"), str(f))
            if module not in allowed
        ]
        self.assertEqual(foreign, [])

    def test_the_check_catches_a_foreign_import(self) -> None:
        source = (
            "import os\nimport requests\nfrom numpy import array\nimportlib.import_module('yaml')\nfrom . import x\n"
        )
        modules = [m for _, m in imported_modules(source, "probe.py")]
        self.assertEqual(modules, ["os", "requests", "numpy", "yaml"])
        self.assertNotIn("requests", sys.stdlib_module_names)

    def test_the_syntax_is_python_3_9(self) -> None:
        for f in sorted(PACKAGE.rglob("*.py")):
            ast.parse(f.read_text(encoding="utf-8"), str(f), feature_version=(3, 9))

    def test_the_package_declares_no_dependency_and_ships_its_type_marker(self) -> None:
        import tomllib

        project = tomllib.loads((CLIENT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        self.assertEqual(project["project"]["dependencies"], [])
        self.assertEqual(project["project"]["requires-python"], ">=3.9")
        self.assertEqual(project["build-system"]["build-backend"], "setuptools.build_meta")
        self.assertTrue((PACKAGE / "py.typed").is_file())
