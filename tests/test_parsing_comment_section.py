"""Whether a page has a comment section (what decides if a cron run fetches it again)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsarchive.extraction import extract_article_record
from newsarchive.items import Article, PageFetch
from newsarchive.parsing.comment_section import (
    _MARKUP,
    NEEDLES,
    SECTION_TOKENS,
    has_comment_section,
)
from newsarchive.parsing.comments import extract_comments

PAGES = Path(__file__).parent / "fixtures" / "pages"
COMMENT_CASES = sorted(p for p in (PAGES / "comments").iterdir() if (p / "page.html").is_file())


@pytest.mark.parametrize("case", COMMENT_CASES, ids=lambda p: p.name)
def test_extraction_marks_every_saved_page_with_comments_as_threaded(case: Path) -> None:
    """What the crawl state keeps: a page with comments (found by any family, a guestbook's
    bare ``<dl>`` too) or with a comment section is fetched again while its comments are young."""
    expected = json.loads((case / "expected.json").read_text("utf-8"))
    url = (case / "url.txt").read_text("utf-8").strip()
    article = Article(id="a", url=url, html=(case / "page.html").read_text("utf-8"),
                      fetch=PageFetch("key"))
    result = extract_article_record(article)
    assert result.article.fetch is not None
    if expected["count"] or case.name == "none_form_only":  # an open form: a thread to come
        assert result.article.fetch.threaded


@pytest.mark.parametrize(("markup", "section"), [
    ('<div id="comments" class="comments-area"><div id="respond">form</div></div>', True),
    ("<section class='wp-block-comments'></section>", True),  # block theme, no comment yet
    ('<form id="commentform" class="comment-form"></form>', True),  # open thread
    ('<div class="post comments-section dark">', True),
    ('<div itemprop="comment" itemscope>', True),
    ('<script type="application/ld+json">{"@type": "BlogPosting", "comment": [{"text": "hi"}]}'
     "</script>", True),
    # Disqus's comments are loaded by JavaScript: fetching the page again finds none.
    ('<div id="disqus_thread"></div><script src="//x.disqus.com/embed.js"></script>', False),
    ('<a class="comments-link" href="#">3 comments</a>', False),  # a link, not a section
    ('<script type="application/ld+json">{"commentCount": 0}</script>', False),
    ("<p>Readers commented widely on the decision.</p>", False),
    ("<article><p>No thread here.</p></article>", False),
    # the attribute name is read case-blind and as a whole word
    ('<DIV CLASS="Comments-Area">', True),
    ('<div data-id="respond">', True),  # "-" ends a word: data-id is an id attribute here too
    ('<div pid="comments" subclass="respond">', False),
    ('<div class=" x\tcomments\ny ">', True),
    ('<div class="comments\'>', False),  # the value must close with its own quote
    ('<meta xitemprop="comment">', False),
])
def test_markup(markup: str, section: bool) -> None:
    assert has_comment_section(f"<html><body>{markup}</body></html>") is section


def test_a_news_page_without_comments_has_none() -> None:
    html = (PAGES / "article" / "bignews_jsonld_graph" / "page.html").read_text("utf-8")
    assert not extract_comments("https://example.com/a", html, "a")
    assert not has_comment_section(html)


@pytest.mark.parametrize("token", SECTION_TOKENS)
def test_every_section_token_counts_as_id_or_class_token(token: str) -> None:
    """``SECTION_TOKENS`` is the one list of comment-section markup: each counts as an id and as
    one class among others, but not as the prefix of another class (a ``-link``, say). The page
    says "Comments" as text: the pre-scan skips pages that never spell "omment" or "espond"."""
    page = "<html><body><h2>Comments</h2>{}</body></html>"
    assert has_comment_section(page.format(f'<div id="{token}"></div>'))
    assert has_comment_section(page.format(f"<div class='wrap {token} dark'></div>"))
    assert not has_comment_section(page.format(f'<a class="{token}-link">x</a>'))


def _whole_page_scan(html: str) -> bool:
    """The scan ``has_comment_section`` stands for: ``_MARKUP`` over the whole lowercased page."""
    if "omment" not in html and "espond" not in html and "OMMENT" not in html:
        return False
    lower = html.lower()
    for match in _MARKUP.finditer(lower):
        at = match.start()
        if at and lower[at] != '"' and (lower[at - 1].isalnum() or lower[at - 1] == "_"):
            continue
        value = match.group("value")
        if value is None or not set(SECTION_TOKENS).isdisjoint(value.split()):
            return True
    return False


@pytest.mark.parametrize("markup", [
    '<div class="x">comments</div>',  # the word as text, the class elsewhere
    '<div\nCLASS = "Wrap\u00a0Comments">',  # Unicode whitespace splits a class value
    '<div class="\u00e9 comments">',  # non-ASCII text before the token
    '<div \u00e9id="comments">',  # a non-ASCII letter before "id": not the attribute
    '<div \u00e9class="comments">',
    '<div \u0130d="comments">',  # "İ" lowercases to two characters, neither is "i" then "d"
    '<div class="comments-bloc\u212a">',  # the Kelvin sign lowercases to "k": a token
    '<div class="wp-block-comments">',
    '<div class="x>" id="comments">',  # a ">" inside a value ends nothing for the regex either
    "<div class='x' id='y' class='respond'>",
    '<script>var a = {"comment": [1]}, b = a > 1;</script>',
    '<script>var s = \'<div class="comments">\';</script>',
    '<script>if (a>b) { c = "class=\\"comments\\"" }</script>',
    '<div data-class="comments">', '<div dataclass="comments">', '<div class="x" id="">',
    '<p>"comment" : {</p>', '<p>"Comment":[</p>', "<p>comment</p>" * 50,
    '<div class="wpdcom">', '<div class="wpd-threads">', '<div ID="RESPOND">',
    '<div id="comments"', 'id="comments">', '>id="comments"', '<div class="comments',
    '<div itemprop = "comment">', "<div itemprop='Comment'>", '<div itemprop="comment >',
])
def test_same_answer_as_the_whole_page_scan(markup: str) -> None:
    """The scan reads only the stretches between two ">" that hold a needle, in the page's
    bytes: the answer is the whole page's scan's, non-ASCII neighbours included."""
    for page in (markup, f"<html><body><h2>Comments</h2>{markup}</body></html>",
                 f"{markup}<p>a > b</p>{markup.upper()}"):
        assert has_comment_section(page) is _whole_page_scan(page), page


def test_every_section_token_holds_a_needle() -> None:
    """What lets the scan skip the page's stretches without a needle."""
    for token in SECTION_TOKENS:
        assert any(needle.decode() in token for needle in NEEDLES), token
