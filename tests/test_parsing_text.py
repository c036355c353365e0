"""``clean_block``'s shortcut for clean texts must give exactly what the full cleaning gives."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsarchive.parsing.text import (
    _NOT_CLEAN_CHAR,
    clean_block,
    clean_inline,
    clean_lines,
    is_clean_block,
    strip_invisible,
)

# Letters, a combining accent (NFC), and every kind of whitespace the cleaning treats apart.
TEXT_PARTS = st.sampled_from(
    ["a", "Z", "é", "e", "\u0301", ".", " ", "\n", "\r", "\t", "\u00a0", "\u2009", "\u200b",
     "\u200c", "\u200d", "\u00ad", "\ufeff", "👩", "ب", "\u3000", "\x0c", "\x85", "\u2028",
     "\n\n", "  ", "word", "Ünïcode"]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(TEXT_PARTS, max_size=40).map("".join))
@example("First paragraph.\n\nSecond line one\nSecond line two")
@example("Trailing space \nx")
@example("e\u0301t\u00e9")
@example("a\n \nb")
def test_clean_block_equals_cleaning_every_line(text: str) -> None:
    assert clean_block(text) == clean_lines(text)


# The test ``clean_block`` made before ``is_clean_block``: a regex of alternatives.
NOT_CLEAN_BLOCK = re.compile(
    r"[^\S \n]|[\u00ad\u200b-\u200d\u2060\ufeff]|  | \n|\n |\n\n\n|^[ \n]|[ \n]\Z"
)


def test_the_listed_whitespace_is_every_whitespace_character_but_space_and_newline() -> None:
    odd = re.compile(r"[^\S \n]")
    invisible = set("\u00ad\u200b\u200c\u200d\u2060\ufeff")
    for code in range(0x110000):
        char = chr(code)
        assert bool(_NOT_CLEAN_CHAR.match(char)) == (bool(odd.match(char)) or char in invisible)


@settings(max_examples=1000, deadline=None)
@given(st.lists(TEXT_PARTS, min_size=1, max_size=40).map("".join))
@example("a\n\n\nb")
@example(" a")
@example("a\n")
def test_is_clean_block_is_the_regex_it_replaces(text: str) -> None:
    assert is_clean_block(text) == (NOT_CLEAN_BLOCK.search(text) is None)


@given(st.lists(TEXT_PARTS, max_size=40).map("".join))
def test_clean_block_is_idempotent(text: str) -> None:
    once = clean_block(text)
    assert clean_block(once) == once


def test_clean_text_comes_back_unchanged() -> None:
    body = "Council approves the budget.\n\nThe vote was 31 to 12.\nThe mayor spoke after it."
    assert clean_block(body) is body
    assert clean_block("  two  spaces\r\n\r\n\r\nthree\n") == "two spaces\n\nthree"


@pytest.mark.parametrize(("raw", "clean"), [
    ("killed \u200cand wounded", "killed and wounded"),  # the portal summary of issue 20
    ("news\u00adpaper", "newspaper"),
    ("\ufeffTitle", "Title"),
    ("a\u200bb\u2060c", "abc"),
    ("Zero\u200d width", "Zero width"),
    ("coder 👩\u200d💻 at work", "coder 👩\u200d💻 at work"),  # an emoji sequence stays whole
    ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",) * 2,  # Persian "I want" keeps it
])
def test_invisible_characters_are_stripped_where_they_are_invisible(raw: str, clean: str) -> None:
    assert strip_invisible(raw) == clean
    assert clean_inline(raw) == clean
    assert clean_block(f"{raw}\n\n{raw}") == f"{clean}\n\n{clean}"
