"""Dates are read in the page's language and a few defaults, and dateparser builds only those
locales (lazily, another one the first time a page needs it), never all 205.

Real parsing: small generated pages and dateparser itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest
from lxml import etree

from newsarchive.parsing.article import extract_article
from newsarchive.parsing.comments.dates import DateReader
from newsarchive.parsing.date_languages import DEFAULT_LANGUAGES, languages_for

CAPTURED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
STORY = "<p>" + "The council met again on the budget and talked about it for hours. " * 12 + "</p>"


def _page(date_text: str, lang: str | None) -> str:
    lang_attr = f' lang="{lang}"' if lang else ""
    return (f"<html{lang_attr}><head><title>A story</title></head><body><article><h1>A story</h1>"
            f"<div class='byline'><span class='date'>{date_text}</span></div>{STORY}{STORY}"
            f"</article></body></html>")


def _reader(lang: str | None) -> DateReader:
    root = etree.fromstring(_page("", lang), etree.HTMLParser())
    return DateReader.for_page(root, "", CAPTURED, None)


def test_languages_for_a_page():
    assert languages_for("de") == ("de", *[x for x in DEFAULT_LANGUAGES if x != "de"])
    assert languages_for("cs")[0] == "cs"
    assert languages_for("no")[0] == "nb"  # dateparser's name for Norwegian Bokmål
    assert languages_for(None) == DEFAULT_LANGUAGES
    assert languages_for("xx") == DEFAULT_LANGUAGES  # no such dateparser locale: never an error


@pytest.mark.parametrize(("text", "expected"), [
    ("12. März 2024", "2024-03-12"),
    ("vor 2 Stunden", "2024-03-14T10:00:00"),
    ("am 9. Juni 2017 um 13:22 Uhr", "2017-06-09T13:22:00"),
])
def test_german_page_comment_dates(text, expected):
    reader = _reader("de")
    assert reader.languages == ("de", "en")
    shown = reader.shown(text)
    assert shown is not None and shown.value == expected


@pytest.mark.parametrize("lang", [None, "en"])
def test_english_dates_on_pages_without_a_language_or_in_english(lang):
    reader = _reader(lang)
    assert reader.languages == DEFAULT_LANGUAGES
    assert reader.shown("March 12, 2024 at 9:30 pm").value == "2024-03-12T21:30:00"
    assert reader.shown("3 days ago").value == "2024-03-11T12:00:00"
    content = extract_article("https://news.example/2024/story", _page("March 12, 2024", lang))
    assert content.metadata.published == "2024-03-12"


def test_polish_page_comment_date():
    reader = _reader("pl-PL")
    assert reader.languages == ("pl", "en")
    assert reader.shown("12 marca 2024 o 14:05").value == "2024-03-12T14:05:00"


def test_czech_page_date_through_htmldate():
    content = extract_article("https://news.example/clanek", _page("12. března 2024", "cs"))
    assert content.metadata.published == "2024-03-12"


def test_htmldate_cache_is_keyed_by_languages():
    # The same string on a page in a language that cannot read it, then on one that can.
    assert extract_article("https://news.example/a", _page("12. března 2024", "ja")) \
        .metadata.published != "2024-03-12"
    assert extract_article("https://news.example/b", _page("12. března 2024", "cs")) \
        .metadata.published == "2024-03-12"


_FRESH = textwrap.dedent("""
    import json
    import newsarchive.preload
    from dateparser.languages.loader import default_loader
    from newsarchive.parsing.article import extract_article

    def built():  # locales whose dictionaries dateparser has built (their data alone is cheap)
        return sorted(name for name, locale in default_loader._loaded_locales.items()
                      if locale._dictionary is not None
                      or locale._normalized_dictionary is not None)

    after_preload = built()
    html = ("<html lang='cs'><head><title>Zpráva</title></head><body><article><h1>Zpráva</h1>"
            "<span class='date'>12. března 2024</span><p>" + "Slova a věty o zprávě. " * 40
            + "</p></article></body></html>")
    published = extract_article("https://news.example/zprava", html).metadata.published
    print(json.dumps({"after_preload": after_preload, "published": published,
                      "after_czech": built()}))
""")


def test_preload_builds_only_the_default_locales_and_others_lazily():
    done = subprocess.run([sys.executable, "-c", _FRESH], capture_output=True, text=True,
                          timeout=120, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["after_preload"] == sorted(DEFAULT_LANGUAGES)
    assert seen["published"] == "2024-03-12"
    assert seen["after_czech"] == sorted([*DEFAULT_LANGUAGES, "cs"])
