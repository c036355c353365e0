"""What an extraction worker runs for each page: the function, named by its dotted path, then a
heap trim. Kept light: a worker imports this module with its first page."""

from __future__ import annotations

import functools
import importlib.util
import pkgutil
from collections.abc import Callable
from typing import Any

from newsarchive.memory import WORKER_TRIM_MIN_FREE, release_free_memory


def check_function_path(path: str) -> None:
    """Fail at start-up, not on every page, when ``path`` names no importable module."""
    module, _, name = path.rpartition(".")
    try:
        found = bool(module and name) and importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ValueError(f"extraction function {path!r}: no such module (expected 'package.module.function')")


@functools.cache
def named_function(path: str) -> Callable[..., Any]:
    """The function at dotted ``path``, imported on first use (in a worker: once per worker)."""
    return pkgutil.resolve_name(path)


def run_task(function: str | Callable[..., Any], *args: Any) -> Any:
    """``function(*args)``, then give back the heap the page freed (see ``newsarchive.memory``).

    The crawl process passes the function's name: it never imports the extraction stack itself.
    """
    func = named_function(function) if isinstance(function, str) else function
    try:
        return func(*args)
    finally:
        release_free_memory(min_free=WORKER_TRIM_MIN_FREE)
