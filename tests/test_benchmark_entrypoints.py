"""Benchmarks that build on ``benchmarks.crawl`` or the tests' helpers run as modules from the
repository root (``python -m benchmarks.NAME``, as their docs say), with no ``sys.path`` edits and
no PYTHONPATH."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys

import pytest

from tests.crawling import REPO

AS_MODULES = ["sitemap_bomb", "wayback"]


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.parametrize("name", AS_MODULES)
def test_benchmark_runs_as_a_module_without_editing_sys_path(name: str) -> None:
    source = (REPO / "benchmarks" / f"{name}.py").read_text("utf-8")
    edits = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Attribute)
             and node.attr == "path" and isinstance(node.value, ast.Name) and node.value.id == "sys"]
    assert not edits, f"benchmarks/{name}.py touches sys.path"
    assert f"python -m benchmarks.{name}" in source  # its docstring says how to run it
    done = run_module(f"benchmarks.{name}", "--help")
    assert done.returncode == 0 and "usage:" in done.stdout, done.stderr[-3000:]


def test_sitemap_bomb_crawls_a_small_bomb() -> None:
    done = run_module("benchmarks.sitemap_bomb", "--inflated-mb", "2")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    figures = re.search(r"exit (\d+), wall ([\d.]+) s, crawl process peak RSS (\d+) MB", done.stdout)
    assert figures, done.stdout
    assert figures[1] == "0" and float(figures[2]) > 0 and 20 < int(figures[3]) < 2000
    # within the decompression limit: the sitemap is read, the blog's 3 posts archived
    assert re.search(r"^dropped: \{\}, articles: 3$", done.stdout, re.M), done.stdout


def test_docs_run_those_benchmarks_as_modules() -> None:
    docs = (REPO / "README.md").read_text("utf-8") + (REPO / "benchmarks" / "README.md").read_text(
        "utf-8")
    for name in AS_MODULES:
        assert f"python -m benchmarks.{name}" in docs, name
        assert f"python benchmarks/{name}.py" not in docs, name
