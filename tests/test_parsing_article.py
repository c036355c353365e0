"""Article body and metadata extraction on saved pages (tests/fixtures/pages/article/<case>/)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, fields
from pathlib import Path

import pytest

from newsarchive.extraction import apply_metadata
from newsarchive.items import Article
from newsarchive.parsing import metadata as md
from newsarchive.parsing.article import (
    ArticleContent,
    NotAnArticle,
    extract_article,
    strip_site_name,
)

CASES_DIR = Path(__file__).parent / "fixtures" / "pages" / "article"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "expected.json").exists())
METADATA_FIELDS = tuple(f.name for f in fields(md.PageMetadata))


def load_case(name: str) -> tuple[str, str, dict]:
    case = CASES_DIR / name
    url = (case / "url.txt").read_text(encoding="utf-8").strip()
    html = (case / "page.html").read_text(encoding="utf-8")
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    return url, html, expected


def mismatches(result: ArticleContent, expected: dict) -> list[str]:
    problems = []
    for name in METADATA_FIELDS:
        got = getattr(result.metadata, name)
        if name in expected and got != expected[name]:
            problems.append(f"{name}: expected {expected[name]!r}, got {got!r}")
    for snippet in expected.get("body_contains", []):
        if snippet not in result.body:
            problems.append(f"body lacks {snippet!r}")
    for snippet in expected.get("body_excludes", []):
        if snippet in result.body:
            problems.append(f"body contains boilerplate {snippet!r}")
    return problems


def test_every_case_folder_is_a_case_that_checks_body_and_metadata():
    """A folder without expected.json would be left out of the golden tests without a word."""
    assert sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir()) == CASES
    for name in CASES:
        _, _, expected = load_case(name)
        assert expected.get("body_contains") and set(expected) & set(METADATA_FIELDS), name


@pytest.mark.parametrize("name", CASES)
def test_fixture_page(name: str):
    url, html, expected = load_case(name)
    result = extract_article(url, html)
    problems = mismatches(result, expected)
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("name", CASES)
def test_body_is_paragraphs_separated_by_one_blank_line(name: str):
    url, html, _ = load_case(name)
    body = extract_article(url, html).body
    paragraphs = body.split("\n\n")
    assert len(paragraphs) >= 4
    assert all(p.strip() == p and p for p in paragraphs)
    assert "\n\n\n" not in body


def test_the_check_can_fail():
    """The fixture comparison reports every wrong field, not only the first."""
    url, html, expected = load_case("wordpress_comments")
    result = extract_article(url, html)
    result.metadata.title, result.metadata.authors = "Wrong", []
    result.body += "\n\nBrilliant write-up."
    problems = mismatches(result, expected)
    assert any(p.startswith("title:") for p in problems)
    assert any(p.startswith("authors:") for p in problems)
    assert any("Brilliant write-up" in p for p in problems)


@pytest.mark.parametrize("html", ["", "   \n\t ", None])
def test_empty_input_is_not_an_article(html):
    with pytest.raises(NotAnArticle):
        extract_article("https://example.com/a", html)


def test_binary_garbage_is_not_an_article():
    garbage = os.urandom(4096).decode("latin-1")
    with pytest.raises(NotAnArticle):
        extract_article("https://example.com/a.bin", garbage)


def test_plain_text_is_not_an_article():
    with pytest.raises(NotAnArticle):
        extract_article("https://example.com/robots.txt", "User-agent: *\nDisallow: /private/\n")


def test_page_decoded_from_windows_1252():
    paragraphs = [
        "Le conseil municipal a voté jeudi soir la rénovation complète de la halle du marché, "
        "fermée depuis l’incendie de l’été dernier.",
        "« Nous voulons que les producteurs reviennent avant Noël », a déclaré la maire, "
        "qui estime le coût des travaux à 2,3 millions d’euros.",
        "Les commerçants, installés provisoirement sur le parking de la gare, réclament une "
        "date précise pour leur retour dans le centre-ville.",
        "L’opposition a dénoncé un calendrier « irréaliste » et demandé un audit indépendant "
        "du chantier avant la signature des marchés publics.",
    ]
    html = (
        '<html lang="fr"><head><meta http-equiv="Content-Type" '
        'content="text/html; charset=windows-1252"><title>Halle du marché – Le Courrier</title>'
        '</head><body><nav><a href="/">Accueil</a> <a href="/sport">Sport</a></nav><article>'
        "<h1>Halle du marché : les travaux votés</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</article><footer>Mentions légales</footer></body></html>"
    )
    decoded = html.encode("cp1252").decode("cp1252")  # what a crawler hands over
    result = extract_article("https://www.lecourrier-exemple.fr/local/halle", decoded)
    assert result.metadata.language == "fr"
    for paragraph in paragraphs:
        assert paragraph in result.body
    assert "Mentions légales" not in result.body
    assert "Ã" not in result.body  # no mojibake


def test_page_without_article_gives_empty_body():
    html = (
        "<!DOCTYPE html><html><head><title>Sections</title></head><body>"
        '<nav class="main-nav"><ul><li><a href="/news">News</a></li><li><a href="/sport">Sport'
        '</a></li><li><a href="/weather">Weather</a></li></ul></nav></body></html>'
    )
    result = extract_article("https://example.com/sections", html)
    assert result.body == ""
    assert result.metadata.title == "Sections"


def test_malformed_html_does_not_raise():
    html = "<html><body><div><p>Unclosed <b>tags <i>everywhere<p>and &bogus; entities</div>"
    result = extract_article("https://example.com/x", html)
    assert isinstance(result, ArticleContent)


def test_jsonld_article_body_keeps_its_paragraphs():
    """When the page has no usable story markup (a paywall teaser), trafilatura falls back to the
    JSON-LD articleBody; the body then keeps that text's paragraphs instead of one long line."""
    paragraphs = [
        f"Paragraph {i} of the council budget story, with enough words to count as a sentence."
        for i in range(1, 7)
    ]
    ld = json.dumps({"@type": "NewsArticle", "headline": "Budget",
                     "articleBody": "\n\n".join(paragraphs)})
    html = (f'<html><head><script type="application/ld+json">{ld}</script></head>'
            '<body><div class="paywall"><p>Subscribe to read this story.</p></div></body></html>')
    result = extract_article("https://example.com/budget", html)
    assert result.body.split("\n\n") == paragraphs
    assert result.metadata.title == "Budget"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["By Jane Doe and John Smith"], ["Jane Doe", "John Smith"]),
        (["Jane Doe, John Smith & Ana Lima"], ["Jane Doe", "John Smith", "Ana Lima"]),
        (["Von Anna Schmidt und Jonas Weber"], ["Anna Schmidt", "Jonas Weber"]),
        (["https://www.facebook.com/janedoe", "Jane Doe"], ["Jane Doe"]),
        (["Jane Doe jane.doe@example.com"], ["Jane Doe"]),
        (["Jane Doe", "jane doe", "JANE DOE"], ["Jane Doe"]),
        (["Tom Pellow, Senior Reporter"], ["Tom Pellow"]),
        (["José Ortega y Gasset"], ["José Ortega y Gasset"]),
        (["", "   "], []),
    ],
)
def test_normalize_authors(raw, expected):
    assert md.normalize_authors(raw) == expected


@pytest.mark.parametrize(
    ("title", "site", "url", "expected"),
    [
        ("Flood barriers go up | The Daily Herald", "The Daily Herald", None,
         "Flood barriers go up"),
        ("The Daily Herald - Flood barriers go up", "The Daily Herald", None,
         "Flood barriers go up"),
        ("Flood barriers go up | World news | The Daily Herald", "The Daily Herald", None,
         "Flood barriers go up | World news"),
        ("Flood barriers go up – dailyherald.com", None, "https://www.dailyherald.com/a",
         "Flood barriers go up"),
        ("Brexit: what happens next - explained", "The Daily Herald", None,
         "Brexit: what happens next - explained"),
        ("The Daily Herald", "The Daily Herald", None, "The Daily Herald"),
    ],
)
def test_strip_site_name(title, site, url, expected):
    assert strip_site_name(title, site, url) == expected


def test_jsonld_author_references_and_graph_are_resolved():
    html = """<html><head><script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [
      {"@type": "Person", "@id": "#a1", "name": "Rita Moreno"},
      {"@type": ["NewsArticle"], "headline": "H", "author": [{"@id": "#a1"}, "Li Wei"],
       "publisher": {"@id": "#org"}},
      {"@type": "Organization", "@id": "#org", "name": "The Example Times"}]}
    </script></head><body><p>x</p></body></html>"""
    meta, _ = md.read_jsonld(md_tree(html), "https://example.com/a")
    assert meta.authors == ["Rita Moreno", "Li Wei"]
    assert meta.site_name == "The Example Times"


def test_broken_jsonld_is_ignored():
    html = ('<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
            '"headline": </script></head><body><p>text</p></body></html>')
    assert md.read_jsonld(md_tree(html), None)[0].title is None


def test_homepage_canonical_is_not_trusted():
    html = ('<html><head><link rel="canonical" href="https://example.com/"></head><body>'
            "<article><p>" + "Some words in a sentence. " * 30 + "</p></article></body></html>")
    result = extract_article("https://example.com/news/2024/story", html)
    assert result.metadata.canonical_url is None  # no canonical: the record's url stands for the page


def md_tree(html: str):
    from lxml.html import fromstring

    return fromstring(html)


def test_furniture_is_dropped_only_around_the_story() -> None:
    from newsarchive.parsing.boilerplate import key, strip_furniture

    body = "\n\n".join([
        "Heavy rain floods streets",  # the headline, again
        "Rain closed schools in three towns. Heavy rain floods streets, said the mayor.",
        "Notes from a hill farm",  # the blog's tagline
        "See also: Ferry bridge to reopen in May",
        "The river will peak on Wednesday.",
        "Topics: Floods, Weather, Rail",
    ])
    headline = {key("Heavy rain floods streets")}
    elsewhere = {key("Notes from a hill farm")}
    links = {key("Ferry bridge to reopen in May")}
    assert strip_furniture(body, headline, elsewhere, links) == (
        "Rain closed schools in three towns. Heavy rain floods streets, said the mayor.\n\n"
        "The river will peak on Wednesday.")
    # a story that opens with its standfirst and repeats it keeps the second copy
    assert strip_furniture("Lead.\n\nMore.\n\nLead.", set(), set()) == "More.\n\nLead."
    # "Topics" inside the story, or a "see also" line that links nowhere, stays
    kept = "Topics: what the council discussed.\n\nSee also: the minutes.\n\nThe end."
    assert strip_furniture(kept, set(), set(), links) == kept


def test_every_metadata_field_is_carried_onto_the_article_record():
    """A field of PageMetadata that apply_metadata leaves out (or a renamed one) fails here."""
    values = {
        f.name: [f"{f.name}-value"] if str(f.type).startswith("list")
        else f"https://example.com/{f.name}-value"
        for f in fields(md.PageMetadata)
    }
    article = Article(id="a1", url="https://example.com/article")
    apply_metadata(article, md.PageMetadata(**values))
    record = asdict(article)
    missing = [name for name, value in values.items() if value not in record.values()]
    assert not missing, f"PageMetadata fields not on the Article record: {missing}"


def test_trafilatura_trees_are_html_elements_chosen_in_c() -> None:
    """``article`` sets trafilatura's parser to make every element an ``HtmlElement`` (lxml.html's
    own lookup runs Python for each element): forms too, and the article still reads."""
    from lxml.html import HtmlElement
    from trafilatura.utils import load_html

    html = ("<html><body><article><h1>Flood</h1><p>" + "The river rose overnight. " * 20
            + "</p><form action='/s'><label>Q</label><input name='q'></form></article>"
            "</body></html>")
    tree = load_html(html)
    assert {type(el) for el in tree.iter()} == {HtmlElement}
    assert "The river rose overnight." in extract_article("https://example.com/flood", html).body


def test_microdata_read_in_document_order() -> None:
    """The microdata scan selects itemprop attributes, then their elements: first in the page
    wins, authors keep the page's order, a reader comment's properties are not the article's."""
    from trafilatura.utils import load_html

    html = ('<html><body><div itemscope itemtype="https://schema.org/NewsArticle">'
            '<h2 itemprop="headline">First</h2><span itemprop="author"><b itemprop="name">Ann'
            '</b></span><p><time itemprop="datePublished" datetime="2024-01-02">x</time></p>'
            '<span itemprop="author">Bob</span><h1 itemprop="headline">Second</h1>'
            '<time itemprop="datePublished" datetime="2024-05-05">y</time>'
            '<div itemprop="comment" itemscope itemtype="https://schema.org/Comment">'
            '<span itemprop="author">Reader</span></div></div></body></html>')
    meta = md.read_microdata(load_html(html))
    assert (meta.title, meta.published, meta.authors) == ("First", "2024-01-02", ["Ann", "Bob"])


def test_furniture_blocks_are_those_of_one_xpath_over_the_attributes() -> None:
    """``furniture_blocks`` reads classes in Python: the same blocks as the XPath it replaced."""
    from lxml import etree, html

    from newsarchive.parsing import boilerplate

    one_xpath = etree.XPath(
        "//@class[contains(., 'popup') or contains(., 'paywall') or contains(., 'newsletter')"
        " or contains(., 'subscribe') or contains(., 'signup') or contains(., 'sign-up')"
        " or contains(., 'donat') or contains(., 'site-header')]/.."
        " | //@id[. = 'header' or . = 'masthead' or . = 'site-header' or contains(., 'paywall')"
        " or contains(., 'newsletter')]/.."
        " | //@role[. = 'dialog' or . = 'alertdialog' or . = 'banner']/.. | //@aria-modal/.."
        " | //header")
    tree = html.fromstring(
        "<html class='has-popup'><body><header>Site</header><div class='Popup'>no</div>"
        "<div class='x popup-y' id='header'>a</div><div id='my-newsletter'>b</div>"
        "<div role='banner'>c</div><div aria-modal='false'>d</div><div class=''>e</div>"
        "<section class='donate-box sign-up'>f</section><p id='masthead'>g</p>"
        "<div role='Dialog'>h</div><span class='site-header-inner'>i</span></body></html>")
    assert boilerplate.furniture_blocks(tree) == set(one_xpath(tree))
    assert len(boilerplate.furniture_blocks(tree)) == 9


# The metadata XPaths as they were written before "/descendant::" and the contains() guards.
_FORMER_METADATA_XPATHS = {
    "JSONLD_XPATH":
        '//script[contains(translate(@type, "JSONLD", "jsonld"), "application/ld+json")]',
    "META_XPATH": "//meta[@content]",
    "CANONICAL_XPATH": '//link[contains(concat(" ", normalize-space(translate(@rel, "CANONICAL",'
                       ' "canonical")), " "), " canonical ")]/@href',
    "REL_TAG_XPATH": '//a[contains(concat(" ", normalize-space(@rel), " "), " tag ")'
                     ' and not(contains(@rel, "category"))]',
    "BYLINE_XPATH": "//*[contains(concat(' ', normalize-space(@class), ' '), ' author ')"
                    " and contains(concat(' ', normalize-space(@class), ' '), ' vcard ')]"
                    "//*[contains(concat(' ', normalize-space(@class), ' '), ' fn ')]"
                    " | //a[@rel='author']",
}
_METADATA_PAGE = """<html><head><meta name="a" content=""><meta name="b">
<script type="Application/LD+JSON">{}</script><script type="text/javascript"></script>
<link rel="Canonical" href="/a"><link rel="alternate canonical\tx" href="/b">
<link rel="canonicals" href="/c"></head><body>
<div class="author vcard"><span class="fn">Ann</span><b class="fnx">no</b>
<div class="vcard author"><i class=" fn ">Bob</i></div></div><p class="author">x</p>
<span class="authorvcard"><span class="fn">no</span></span><a rel="author">Cy</a>
<a rel="tag">t1</a><a rel="category tag">c</a><a rel=" tag\nnofollow">t2</a><a rel="tags">n</a>
</body></html>"""


@pytest.mark.parametrize("name", sorted(_FORMER_METADATA_XPATHS))
def test_metadata_xpaths_select_what_their_former_text_selected(name: str) -> None:
    from lxml import html as lxml_html

    pages = [_METADATA_PAGE] + [
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted((Path(__file__).parent / "fixtures" / "pages").rglob("*.html"))
    ]
    current, former = getattr(md, name), _FORMER_METADATA_XPATHS[name]
    assert current != former
    hits = 0
    for html in pages:
        try:
            tree = lxml_html.fromstring(html)
        except Exception:  # an empty or unparsable fixture: nothing to compare
            continue
        got = tree.xpath(current)
        assert got == tree.xpath(former)
        hits += len(got)
    assert hits
