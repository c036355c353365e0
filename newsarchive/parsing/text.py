"""Whitespace and string helpers shared by the parsers."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# What ``clean_block`` would change: whitespace other than single spaces inside lines and single
# blank lines between paragraphs (``[^\S \n]`` is every whitespace character but those two).
_NOT_CLEAN_BLOCK = re.compile(r"[^\S \n]|\u200b|  | \n|\n |\n\n\n|^[ \n]|[ \n]\Z")


def clean_inline(text: str | None) -> str:
    """One line of text: NFC, whitespace runs collapsed, trimmed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
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
