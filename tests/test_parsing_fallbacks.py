"""trafilatura's fallback extractors run only where they can change the body.

Pure parsing: small generated pages.
"""

from __future__ import annotations

import contextlib
from copy import copy
from pathlib import Path

import pytest
import trafilatura.core
import trafilatura.external
from trafilatura import bare_extraction

from newsarchive.parsing import fallbacks
from newsarchive.parsing.article import OPTIONS

CASES_DIR = Path(__file__).parent / "fixtures" / "pages" / "article"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "page.html").exists())
FIELDS = ("title", "author", "url", "hostname", "sitename", "date", "tags", "description")


def _case(name: str) -> tuple[str, str]:
    case = CASES_DIR / name
    return (case / "url.txt").read_text(encoding="utf-8").strip(), \
        (case / "page.html").read_text(encoding="utf-8")


def _options(url: str):
    options = copy(OPTIONS)
    options.url = options.source = url
    return options


def _page(paragraphs: int) -> str:
    text = "".join(f"<p>Paragraph {n} of the story, with enough words in it to be read as text "
                   f"by every extractor that looks at this page today.</p>" for n in range(paragraphs))
    return f"<html><body><nav><a href='/'>Home</a></nav><article>{text}</article></body></html>"


@pytest.fixture
def comparisons(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Lengths of the texts trafilatura's comparison was really run on."""
    assert fallbacks.install()
    gated = trafilatura.core.compare_extraction
    seen: list[int] = []
    original = gated.__closure__[0].cell_contents  # the wrapped trafilatura function

    def counting(cleaned_tree, raw_tree, body, text, options):
        seen.append(len(text))
        return original(cleaned_tree, raw_tree, body, text, options)

    monkeypatch.setattr(trafilatura.core, "compare_extraction", fallbacks._gated(counting))
    return seen


def test_a_long_clean_body_skips_the_comparison(comparisons: list[int]) -> None:
    with fallbacks.gated():
        long = bare_extraction(_page(80), options=_options("https://x.example/a"))
    assert len(long.text) >= fallbacks.SKIP_FROM_CHARS
    assert comparisons == []


def test_a_short_body_is_still_compared(comparisons: list[int]) -> None:
    with fallbacks.gated():
        bare_extraction(_page(3), options=_options("https://x.example/a"))
    assert comparisons and comparisons[0] < fallbacks.SKIP_FROM_CHARS


def test_outside_the_article_parser_trafilatura_compares_as_usual(comparisons: list[int]) -> None:
    bare_extraction(_page(80), options=_options("https://x.example/a"))
    assert comparisons and comparisons[0] >= fallbacks.SKIP_FROM_CHARS


GATES_DIR = Path(__file__).parent / "fixtures" / "pages" / "gates"


@pytest.fixture
def readability_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per page readability really ran on (under the gate, real trafilatura)."""
    assert fallbacks.install()
    original = trafilatura.external.try_readability.__wrapped__
    seen: list[int] = []

    def counting(htmlinput):
        seen.append(1)
        return original(htmlinput)

    monkeypatch.setattr(trafilatura.external, "try_readability",
                        fallbacks._gated_readability(counting))
    return seen


def _extract(name: str, gated: bool = True):
    options = _options("https://news.example/2024/03/story.html")
    with fallbacks.gated() if gated else contextlib.nullcontext():
        return bare_extraction((GATES_DIR / name).read_text(encoding="utf-8"), options=options)


def test_readability_is_skipped_where_the_page_cannot_hold_twice_the_body(
        readability_runs: list[int]) -> None:
    # A short news story (under SKIP_FROM_CHARS, so the comparison runs) with a slim header and
    # footer: readability could never find twice the story's text on the page.
    gated = _extract("short_news.html")
    assert readability_runs == []
    assert len(gated.text) < fallbacks.SKIP_FROM_CHARS
    assert _extract("short_news.html", gated=False).text == gated.text
    assert readability_runs == [1]  # outside the article parser trafilatura runs it as usual


def test_readability_still_runs_where_it_can_win_and_its_body_is_kept(
        readability_runs: list[int]) -> None:
    # A table-layout club page: trafilatura's own body is more tables than paragraphs, so
    # readability may replace it, and does (its text drops the layout table's empty rows).
    gated = _extract("table_layout_club.html")
    assert readability_runs == [1]
    token = fallbacks._NO_READABILITY.set(True)
    try:
        without = _extract("table_layout_club.html")
    finally:
        fallbacks._NO_READABILITY.reset(token)
    assert "Im Frühjahr 1987 trafen sich elf Ruderer" in gated.text
    assert gated.text != without.text


def test_justext_stoplist_hashed_once_same_words_same_hash() -> None:
    from functools import lru_cache

    from trafilatura import external

    assert fallbacks.install_stoplist()
    stoplist = external.JT_STOPLIST or external.jt_stoplist_init()
    assert isinstance(stoplist, fallbacks.HashedStoplist)
    assert external.JT_STOPLIST is stoplist  # kept: trafilatura reads it again next call
    plain = tuple(stoplist)
    assert stoplist == plain and hash(stoplist) == hash(plain) and len(plain) > 1000

    calls: list[int] = []

    @lru_cache(maxsize=4)
    def lowered(words: tuple[str, ...]) -> int:  # jusText's define_stoplist, counted
        calls.append(1)
        return len(words)

    assert lowered(stoplist) == lowered(plain) == len(plain)
    assert len(calls) == 1  # one cache entry for both: same key


def test_justext_stoplist_left_alone_by_another_trafilatura(monkeypatch) -> None:
    from trafilatura import external

    monkeypatch.setattr(external, "JT_STOPLIST", ["not", "a", "tuple"])
    assert not fallbacks.install_stoplist()
    assert external.JT_STOPLIST == ["not", "a", "tuple"]
