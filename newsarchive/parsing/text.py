"""Whitespace and string helpers shared by the parsers."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Invisible characters: soft hyphen, zero-width space / non-joiner / joiner, word joiner, BOM.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# What ``clean_block`` would change: whitespace other than single spaces inside lines and single
# blank lines between paragraphs. Characters: every whitespace character but " " and "\n"
# (``str.isspace``, listed: one character class scans ~3x faster than a regex of alternatives,
# a test checks the list against ``[^\S \n]``) and the invisible ones; then runs of them.
_ODD_WHITESPACE = "\t\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_NOT_CLEAN_CHAR = re.compile(f"[{_ODD_WHITESPACE}\u00ad\u200b-\u200d\u2060\ufeff]")
_NOT_CLEAN_RUNS = ("  ", " \n", "\n ", "\n\n\n")


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
    if is_clean_block(text) and unicodedata.is_normalized("NFC", text):
        return text
    return clean_lines(text)


def is_clean_block(text: str) -> bool:
    """Whether ``text`` (not empty) has only single spaces inside lines, single blank lines
    between paragraphs, no other whitespace nor invisible characters, and no space or line
    break at either end: what ``clean_lines`` keeps as it is (NFC aside)."""
    return not (_NOT_CLEAN_CHAR.search(text) or any(run in text for run in _NOT_CLEAN_RUNS)
                or text[0] in " \n" or text[-1] in " \n")


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
