"""trafilatura's fallback extractors run only where they can change the body.

Pure parsing: small generated pages.
"""

from __future__ import annotations

from copy import copy
from pathlib import Path

import pytest
import trafilatura.core
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
