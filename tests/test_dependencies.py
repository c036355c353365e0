"""What newsarchive imports is what it declares, and constraints.txt pins all of it.

A fresh clone installs with ``pip install -c constraints.txt`` (``make install``), so it gets the
versions the tests and the README's figures ran with; pyproject.toml keeps ranges.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return canonical(re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0])


def imported_distributions(folder: Path) -> set[str]:
    modules = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    modules -= set(sys.stdlib_module_names) | {"newsarchive"}
    owners = packages_distributions()
    return {canonical(dist) for module in modules for dist in owners.get(module, [module])}


# Declared though newsarchive does not import them itself, and why.
INDIRECT = {"lxml-html-clean": "lxml.html.clean (jusText) needs it; pip < 24 misses the extra"}


def project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]


def test_every_imported_package_is_declared_and_every_declared_one_imported() -> None:
    declared = {requirement_name(r) for r in project()["dependencies"]}
    optional = {requirement_name(r) for name, group in project()["optional-dependencies"].items()
                if name != "test" for r in group}  # features' extras (imported lazily)
    used = imported_distributions(REPO / "newsarchive")
    assert used - declared - optional == set(), "imported but not declared in pyproject.toml"
    assert declared - used - set(INDIRECT) == set(), "declared but imported nowhere in newsarchive/"


def test_constraints_pin_every_dependency() -> None:
    pins = {}
    for line in (REPO / "constraints.txt").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line}"
            pins[canonical(name)] = version
    extras = project()["optional-dependencies"]
    wanted = {requirement_name(r) for r in project()["dependencies"]}
    wanted |= {requirement_name(r) for group in extras.values() for r in group}
    assert wanted - set(pins) == set(), "not pinned in constraints.txt"
