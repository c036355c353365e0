"""trafilatura's removal of XML-invalid characters, scanned for with ``str.__contains__`` first.

Before it parses a page, trafilatura's ``repair_faulty_html`` deletes the characters XML cannot
hold (``INVALID_XML_CHARS``: the C0 controls but tab, newline and carriage return, and U+FFFE,
U+FFFF) with a regex ``sub`` over the whole page. Almost no page has one (2 of the 945 corpus
pages), and the regex engine tests every character against the class: ~1 ms a corpus page, about
as much as copying the parsed tree. Looking for each of the 31 characters with ``in`` (a
``memchr``-like scan in C) takes ~0.3 ms; only a page that holds one goes through the regex.
The result is the regex's own in every case: the same string back when none of the characters
is there, the regex's ``sub`` otherwise.

Hand-written because trafilatura has no option for it. Installed only when trafilatura's pattern
is the one this was written for (its character class is read from the pattern, then checked
against it); with any other, trafilatura keeps its own.
"""

from __future__ import annotations

import logging
import re
from typing import Any

log = logging.getLogger(__name__)

_EXPECTED_PATTERN = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]"
_CHARS = tuple(chr(code) for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20),
                                      0xFFFE, 0xFFFF))


class ScanFirst:
    """A compiled pattern whose ``sub`` first looks for its characters with ``in``.

    Everything else is the pattern's own (``search``, ``pattern``...), so a caller that does
    more with it than ``sub`` still gets the regex.
    """

    def __init__(self, pattern: re.Pattern[str], chars: tuple[str, ...]) -> None:
        self.pattern = pattern
        self.chars = chars

    def sub(self, repl: Any, string: Any, count: int = 0) -> Any:
        if isinstance(string, str) and not any(char in string for char in self.chars):
            return string
        return self.pattern.sub(repl, string, count)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pattern, name)


def matches_exactly(pattern: re.Pattern[str], chars: tuple[str, ...]) -> bool:
    """Whether ``pattern`` matches these characters, one at a time, and no other code point."""
    wanted = set(chars)
    return all(bool(pattern.fullmatch(chr(code))) == (chr(code) in wanted)
               for code in range(0x110000))


def install() -> bool:
    """Make trafilatura's ``INVALID_XML_CHARS`` a ``ScanFirst`` (once); False when this
    trafilatura's pattern is not the one expected."""
    try:
        from trafilatura import utils
    except ImportError:
        return False
    current = getattr(utils, "INVALID_XML_CHARS", None)
    if isinstance(current, ScanFirst):
        return True
    if not isinstance(current, re.Pattern) or current.pattern != _EXPECTED_PATTERN \
            or current.flags != re.UNICODE:
        log.warning("trafilatura's INVALID_XML_CHARS changed: its regex scans every page")
        return False
    utils.INVALID_XML_CHARS = ScanFirst(current, _CHARS)
    return True
