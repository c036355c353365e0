"""newsarchive's own settings, checked once before a crawl starts.

A malformed value (``-s NEWSARCHIVE_REFRESH_DAYS=abc``) is a bad argument, one ``error:`` line
and exit code 2, instead of a ``ValueError`` in a callback on the second night, when the
setting is first read, that leaves the run half done and exits 0. The type a setting takes is
the type of its default in ``newsarchive/settings.py``; counts, sizes and durations are never
negative.
"""

from __future__ import annotations

import math

from scrapy.settings import BaseSettings

from newsarchive import settings as defaults
from newsarchive.args import ArgumentError

PREFIX = "NEWSARCHIVE_"
# Settings whose default is None: a count when given.
COUNTS_DEFAULTING_TO_NONE = frozenset({"NEWSARCHIVE_EXTRACT_POOL_SIZE"})


def check_settings(settings: BaseSettings) -> None:
    """Raise ``ArgumentError`` for the first newsarchive setting whose value is malformed."""
    for name in sorted(n for n in dir(defaults) if n.startswith(PREFIX)):
        value = settings.get(name)
        if value is None or value == "":
            continue
        default = getattr(defaults, name)
        if isinstance(default, bool):
            try:
                settings.getbool(name)
            except ValueError:
                raise ArgumentError(f"setting {name}: {value!r} is not true or false") from None
        elif isinstance(default, int) or name in COUNTS_DEFAULTING_TO_NONE:
            _number(name, value, int, "a whole number")
        elif isinstance(default, float):
            _number(name, value, float, "a number")


def _number(name: str, value: object, kind: type[int] | type[float], what: str) -> None:
    try:
        number = kind(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ArgumentError(f"setting {name}: {value!r} is not {what}") from None
    if isinstance(value, bool) or not math.isfinite(number) or number < 0:
        raise ArgumentError(f"setting {name}: {value!r} is not {what} of 0 or more")
