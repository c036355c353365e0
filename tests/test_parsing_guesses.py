"""trafilatura's costly metadata guesses run only for the fields the article parser uses.

Pure parsing: realistic pages in fixtures/pages/gates, real trafilatura (the guessers are only
counted, beneath the gate).
"""

from __future__ import annotations

import types
from pathlib import Path

import lxml.html
import pytest
import trafilatura.metadata

from newsarchive.parsing import guesses
from newsarchive.parsing.article import extract_article

GATES_DIR = Path(__file__).parent / "fixtures" / "pages" / "gates"
URL = "https://news.example/2024/story.html"


@pytest.fixture
def guessed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the guessers that really ran (beneath the gate)."""
    assert guesses.install()
    seen: list[str] = []
    for name in ("find_date", "extract_author", "extract_catstags", "extract_license"):
        original = getattr(trafilatura.metadata, name).__wrapped__

        def counting(*args, _name=name, _original=original, **kwargs):
            seen.append(_name if _name != "extract_catstags" else f"{_name}:{args[0]}")
            return _original(*args, **kwargs)

        monkeypatch.setattr(trafilatura.metadata, name, guesses._gated(name, counting))
    return seen


def _page(name: str) -> str:
    return (GATES_DIR / name).read_text(encoding="utf-8")


def test_guesses_for_declared_fields_are_skipped(guessed: list[str]) -> None:
    # Declares its date and author but not its site name, so trafilatura's metadata pass runs;
    # its date and author searches would only be thrown away, categories and licence always are.
    content = extract_article(URL, _page("short_news.html"))
    assert guessed == ["extract_catstags:tag"]  # no tags declared: the tag scan still runs
    assert content.metadata.published == "2024-03-05T09:30:00+00:00"
    assert content.metadata.authors == ["Dana Whitfield"]
    assert content.metadata.site_name  # trafilatura's guess fills the undeclared one


def test_the_date_search_still_runs_and_gives_the_date_where_none_is_declared(
        guessed: list[str]) -> None:
    # A blog post showing its date only in the text: htmldate's search finds it.
    content = extract_article(URL, _page("undated_post.html"))
    assert "find_date" in guessed and "extract_author" in guessed
    assert "extract_license" not in guessed and "extract_catstags:category" not in guessed
    assert content.metadata.published == "2024-03-05"


def test_outside_the_article_parser_every_guess_runs(guessed: list[str]) -> None:
    trafilatura.metadata.extract_metadata(_page("undated_post.html"), URL)
    assert {"find_date", "extract_author", "extract_license",
            "extract_catstags:category", "extract_catstags:tag"} <= set(guessed)


AUTHOR_PAGES = {
    "none": "<p>Text of the story, long enough to be one.</p><div class='meta'>Sunday</div>",
    "byline": "<p>Story.</p><div class='byline'>By Jane Roe</div>",
    "author class": "<p>Story.</p><span class='post-Author'>Jane Roe</span>",
    "itemprop": "<p>Story.</p><span itemprop='author name'>Jane Roe</span>",
    "writer": "<p>Story.</p><div class='writer'>Jane Roe</div>",
    "author element": "<p>Story.</p><author>Jane Roe</author>",
    "rel child": "<p>Story.</p><p><rel>me</rel>Jane Roe</p>",
    "pruned": "<p>Story.</p><figure><span class='author'>Jane Roe</span></figure>",
    "comment only": "<p>Story.</p><!-- class='author' -->",
}


@pytest.mark.parametrize("name", sorted(AUTHOR_PAGES))
def test_author_search_skipped_only_where_it_finds_nothing(name: str) -> None:
    """Wherever the shortcut answers, trafilatura's own search answers None too."""
    assert guesses.install()
    tree = lxml.html.fromstring(f"<html><body>{AUTHOR_PAGES[name]}</body></html>")
    original = trafilatura.metadata.extract_author.__wrapped__.__wrapped__
    if not guesses.may_name_author(tree):
        assert original(tree) is None
    assert guesses.may_name_author(tree) == (name not in ("none", "comment only"))


def test_author_shortcut_only_inside_our_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    wrapped = guesses._skip_unnamed(lambda tree: calls.append(tree) or "Jane Roe")
    tree = lxml.html.fromstring("<html><body><p>No byline here.</p></body></html>")
    assert wrapped(tree) == "Jane Roe"  # outside only(): trafilatura's search runs
    with guesses.only(frozenset({"author"})):
        assert wrapped(tree) is None
    assert len(calls) == 1


def test_author_shortcut_needs_the_known_search() -> None:
    assert guesses.install()
    search = trafilatura.metadata.extract_author.__wrapped__.__wrapped__
    xpaths = trafilatura.metadata.AUTHOR_XPATHS
    known = types.SimpleNamespace(extract_author=search, AUTHOR_XPATHS=xpaths)
    assert guesses._author_search_known(known)
    other = types.SimpleNamespace(extract_author=lambda tree: None, AUTHOR_XPATHS=xpaths)
    assert not guesses._author_search_known(other)
    changed = types.SimpleNamespace(extract_author=search, AUTHOR_XPATHS=xpaths[:2])
    assert not guesses._author_search_known(changed)


@pytest.mark.parametrize(("links", "tagged"), [
    ("", False),
    ("<a href='/news/2024/story'>Story</a><a>no href</a>", False),
    ("<div class='tags'><a href='/topics/x/'>x</a></div>", False),
    ("<div class='tags'><a href='/tag/x/'>x</a></div>", True),
    ("<div class='tags'><a href='https://x.example/tags/y/'>y</a></div>", True),
    ("<a href='/tagline'>about</a>", True),  # a candidate, trafilatura's scan decides
])
def test_tag_scan_skipped_only_where_it_keeps_nothing(links: str, tagged: bool) -> None:
    assert guesses.install()
    tree = lxml.html.fromstring(f"<html><body><p>Story.</p>{links}</body></html>")
    original = trafilatura.metadata.extract_catstags.__wrapped__.__wrapped__
    assert guesses.may_link_tags(tree) == tagged
    if not tagged:
        assert original("tag", tree) == []
    with guesses.only(frozenset({"tags"})):
        assert trafilatura.metadata.extract_catstags("tag", tree) == original("tag", tree)


def test_tag_scan_shortcut_needs_the_known_scan() -> None:
    assert guesses.install()
    scan = trafilatura.metadata.extract_catstags.__wrapped__.__wrapped__
    xpaths = trafilatura.metadata.TAGS_XPATHS
    assert guesses._tag_scan_known(types.SimpleNamespace(extract_catstags=scan, TAGS_XPATHS=xpaths))
    assert not guesses._tag_scan_known(
        types.SimpleNamespace(extract_catstags=lambda *a: [], TAGS_XPATHS=xpaths))
    assert not guesses._tag_scan_known(
        types.SimpleNamespace(extract_catstags=scan, TAGS_XPATHS=xpaths[1:]))
