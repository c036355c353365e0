"""What an extraction worker runs for each page: the function, named by its dotted path, then a
heap trim. Kept light: a worker imports this module with its first page."""

from __future__ import annotations

import functools
import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

from newsarchive.memory import HeapTrimmer

_trim_heap = HeapTrimmer()  # one per worker process


class ExtractionUnavailable(RuntimeError):
    """The extraction function's module does not import in a worker (a broken install: a missing
    dependency, an incompatible version). Not one page's fault: the run stops and fails instead
    of dropping every page. (multiprocessing's fork server swallows an ImportError of its
    preload, so the workers are the first to see it.)"""


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
    """The function at dotted ``path`` (``package.module.function``), imported on first use (in a
    worker: once per worker). The module is imported directly, so that a module that fails to
    import says why (``pkgutil.resolve_name`` reports it as a missing attribute of the package:
    a broken install dropped every page as "module 'newsarchive' has no attribute 'extraction'")."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def run_task(function: str | Callable[..., Any], *args: Any) -> Any:
    """``function(*args)``, then give back the heap pages freed, at most every few seconds (see
    ``newsarchive.memory``).

    The crawl process passes the function's name: it never imports the extraction stack itself.
    """
    if isinstance(function, str):
        try:
            func = named_function(function)
        except ImportError as error:
            raise ExtractionUnavailable(f"{function}: {type(error).__name__}: {error}") from None
    else:
        func = function
    try:
        return func(*args)
    finally:
        _trim_heap()
