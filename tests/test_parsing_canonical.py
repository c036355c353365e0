from __future__ import annotations

import pytest

from newsarchive.parsing.canonical import canonical_link

URL = "https://news.example.com/2024/05/14/story.amp.html?utm_source=x"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<link rel="canonical" href="https://news.example.com/2024/05/14/story.html">',
         "https://news.example.com/2024/05/14/story.html"),
        ("<LINK HREF='/2024/05/14/story.html' REL='Canonical'>",
         "https://news.example.com/2024/05/14/story.html"),
        ('<link href=/a/b?x=1&amp;y=2 rel=canonical />', "https://news.example.com/a/b?x=1&y=2"),
        ('<link rel="alternate canonical" href="/story">', "https://news.example.com/story"),
        ('<link rel="amphtml" href="/amp/story"><link rel="canonical" href="/story">',
         "https://news.example.com/story"),
        ('<link rel="canonical" href="https://news.example.com/">', None),  # home page: a bug
        ('<link rel="canonical" href="">', None),
        ('<link rel="canonical" href="javascript:void(0)">', None),
        ('<link rel="canonical" href="http://[::1/story">', None),  # malformed: urljoin raises
        ('<link rel="canonical" href="https://[news.example.com]/story">', None),
        ('<link rel="canonical" href="http://[::1/a"><link rel="canonical" href="/story">',
         "https://news.example.com/story"),  # a malformed one is skipped, the next one counts
        ('<!-- <link rel="canonical" href="/old"> -->', None),
        ('<link rel="stylesheet" href="/site.css">', None),
        # Tags are skipped unless "canonical" (any case) or "&" is in them: an entity may spell it.
        ('<link rel="c&#97;nonical" href="/story">', "https://news.example.com/story"),
        ('<link rel="&#x43;ANONICAL" href="/story">', "https://news.example.com/story"),
        ('<link rel="CanOnical" href="/story">', "https://news.example.com/story"),
        ('<link rel="canonical-ish" href="/story">', None),
        ("", None),
    ],
)
def test_canonical_link_in_head(head: str, expected: str | None) -> None:
    page = f"<!DOCTYPE html><html><head><title>t</title>{head}</head><body><p>x</p></body></html>"
    assert canonical_link(URL, page) == expected


def test_links_in_the_body_are_not_the_pages_canonical() -> None:
    page = '<html><head></head><body><link rel="canonical" href="/other"></body></html>'
    assert canonical_link(URL, page) is None


def test_page_without_head_element() -> None:
    assert canonical_link(URL, '<link rel=canonical href="/story"><p>text') == \
        "https://news.example.com/story"


def test_head_end_is_found_within_the_head_limit_only() -> None:
    from newsarchive.parsing.canonical import HEAD_LIMIT

    link = '<link rel="canonical" href="/story">'
    # "</head>" just past the limit: the scan stops at the limit, the link in it still counts
    page = link + " " * (HEAD_LIMIT - len(link) - 3) + "</head>"
    assert canonical_link(URL, page) == "https://news.example.com/story"
    # a link past the limit is never read
    assert canonical_link(URL, " " * HEAD_LIMIT + link) is None
