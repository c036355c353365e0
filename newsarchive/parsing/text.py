"""Whitespace and string helpers shared by the parsers."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Invisible characters: soft hyphen, zero-width space / non-joiner / joiner, word joiner, BOM.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# What ``clean_block`` would change: whitespace other than single spaces inside lines and single
# blank lines between paragraphs (``[^\S \n]`` is every whitespace character but those two).
_NOT_CLEAN_BLOCK = re.compile(
    r"[^\S \n]|[\u00ad\u200b-\u200d\u2060\ufeff]|  | \n|\n |\n\n\n|^[ \n]|[ \n]\Z"
)


def strip_invisible(text: str) -> str:
    """``text`` without invisible characters (soft hyphens, zero-width spaces, word joiners, BOMs).

    A zero-width (non-)joiner between two characters outside Latin and whitespace is kept: there
    it is visible (emoji sequences such as 👩\u200d💻, Persian and Indic words).
    """
    if not _INVISIBLE.search(text):
        return text
    return _INVISIBLE.sub(_drop_invisible, text)


def _drop_invisible(match: re.Match) -> str:
    char, at, text = match.group(), match.start(), match.string
    if char in "\u200c\u200d" and 0 < at < len(text) - 1 and _joinable(text[at - 1]) \
            and _joinable(text[at + 1]):
        return char
    return ""


def _joinable(char: str) -> bool:
    return ord(char) > 0x36F and not char.isspace() and not _INVISIBLE.match(char)


def clean_inline(text: str | None) -> str:
    """One line of text: NFC, invisible characters dropped, whitespace runs collapsed, trimmed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", strip_invisible(text))
    return _SPACES.sub(" ", text.replace("\n", " ").replace("\r", " ")).strip()


def clean_block(text: str | None) -> str:
    """Paragraphed text: each paragraph cleaned, paragraphs separated by one blank line."""
    if not text:
        return ""
    # Most texts are clean already (extraction cleans bodies; the pipeline cleans them again):
    # one regex pass instead of splitting every line.
    if not _NOT_CLEAN_BLOCK.search(text) and unicodedata.is_normalized("NFC", text):
        return text
    return clean_lines(text)


def clean_lines(text: str) -> str:
    """``clean_block`` the long way: every line rebuilt (what the shortcut must agree with)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    paragraphs = []
    for chunk in _BLANK_LINES.split(text):
        lines = [clean_inline(line) for line in chunk.split("\n")]
        para = "\n".join(line for line in lines if line)
        if para:
            paragraphs.append(para)
    return "\n\n".join(paragraphs)


def word_count(text: str) -> int:
    return len(text.split())
