"""trafilatura's XML-invalid character removal, scanned for first (``parsing/control_chars.py``):
the same strings out as trafilatura's own regex, for every character and mix of them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from trafilatura import utils

from newsarchive.parsing import article  # installs the scan
from newsarchive.parsing.control_chars import _CHARS, ScanFirst, install, matches_exactly

REGEX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def test_installed_in_trafilatura():
    assert isinstance(utils.INVALID_XML_CHARS, ScanFirst)
    assert utils.INVALID_XML_CHARS.pattern.pattern == REGEX.pattern


def test_the_characters_looked_for_are_exactly_those_the_regex_matches():
    # every code point, lone surrogates included: a miss here would leave a character in
    assert matches_exactly(utils.INVALID_XML_CHARS.pattern, _CHARS)
    assert not matches_exactly(re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]"), _CHARS)


@pytest.mark.parametrize("char", [*_CHARS, "\t", "\n", "\r", "\ufffd", "\ud800", "\U0001f600"])
def test_each_character_alone_and_inside_a_page(char):
    scan = utils.INVALID_XML_CHARS
    page = f"<html><body><p>a{char}b</p>é€\U0001f600</body></html>"
    assert scan.sub("", page) == REGEX.sub("", page)
    assert scan.sub("", char) == REGEX.sub("", char)


@given(st.text(alphabet=st.one_of(st.sampled_from([*_CHARS, "\t", "\n", "<", "p", "é"]),
                                  st.characters()), max_size=200))
def test_same_result_as_the_regex_on_any_text(text):
    assert utils.INVALID_XML_CHARS.sub("", text) == REGEX.sub("", text)


def test_a_page_without_any_is_returned_as_it_is():
    page = "<html><body><p>plain text, no control characters</p></body></html>" * 100
    assert utils.INVALID_XML_CHARS.sub("", page) is page


def test_other_uses_of_the_pattern_are_the_regex_own():
    scan = utils.INVALID_XML_CHARS
    assert scan.search("a\x0bb").start() == 1
    assert scan.findall("a\x00b\uffffc") == ["\x00", "\uffff"]


def test_a_page_with_control_characters_parses_as_trafilatura_would():
    html = ("<html><head><title>T</title></head><body><article><p>First\x0b paragraph of the"
            " story, long enough to be kept by the extractor as body text.\x1f</p><p>Second"
            " paragraph\x00 of the same story, also long enough to be kept.</p></article>"
            "</body></html>")
    tree = article.parse_page(html)
    text = tree.text_content()
    assert "\x0b" not in text and "\x1f" not in text and "\x00" not in text
    assert "First paragraph of the story" in text


def test_not_installed_over_a_different_pattern(monkeypatch):
    other = re.compile(r"[\x00-\x08]")
    monkeypatch.setattr(utils, "INVALID_XML_CHARS", other)
    assert install() is False
    assert utils.INVALID_XML_CHARS is other
