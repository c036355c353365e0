"""The shared HTML helpers every parser uses (newsarchive/parsing/html.py)."""

from __future__ import annotations

import lxml.html
import pytest

from newsarchive.parsing.html import absolute_url, document_base, has_class, join_url, web_url

PAGE = "https://blog.example.org/2024/03/a-post/"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/about", "https://blog.example.org/about"),
        ("  ../other/#comments ", "https://blog.example.org/2024/03/other/"),
        ("//cdn.example.net?x=1", "https://cdn.example.net/?x=1"),
        ("#comments", None),
        ("javascript:void(0)", None),
        ("mailto:a@b.org", None),
        ("data:text/html,hi", None),
        ("ftp://files.example.org/a", None),
        ("http://[::1", None),  # unclosed IPv6 bracket: urljoin raises
        ("", None),
        (None, None),
    ],
)
def test_absolute_url_is_the_http_page_a_link_points_at(href: str | None, expected: str | None) -> None:
    assert absolute_url(PAGE, href) == expected


def test_web_url_keeps_the_fragment_and_join_url_any_scheme() -> None:
    assert web_url(PAGE, "#c-3") == PAGE + "#c-3"
    assert web_url(PAGE, "https://example.org") == "https://example.org"
    assert web_url(PAGE, "ftp://example.org/x") is None
    assert join_url(PAGE, "ftp://example.org/x") == "ftp://example.org/x"
    assert join_url(PAGE, "http://[::1") is None


def test_has_class_matches_class_tokens_not_substrings() -> None:
    tree = lxml.html.fromstring(
        '<div><p class="post  entry">a</p><p class="postscript">b</p><p class="x post">c</p></div>'
    )
    assert [p.text for p in tree.xpath(f"//p[{has_class('post')}]")] == ["a", "c"]


def test_document_base_prefers_the_base_element() -> None:
    tree = lxml.html.document_fromstring('<html><head><base href="/root/"></head><body/></html>')
    assert document_base(tree, PAGE) == "https://blog.example.org/root/"
    assert document_base(lxml.html.document_fromstring("<p>x</p>"), PAGE) == PAGE
