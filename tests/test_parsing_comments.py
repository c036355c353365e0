"""Comment threads from saved pages: tests/fixtures/pages/comments/<case>/.

Each case has page.html, url.txt and expected.json.

expected.json holds ``count``, one entry per expected comment (any of ``author``, ``author_url``,
``published``, ``url``, ``text``, ``text_contains``, ``text_not_contains``, ``parent`` as the index
of the parent comment or null, ``on_page_id`` for the id formula), ``text_never`` (strings no
comment may contain), optionally ``page_urls`` (further comment pages) and ``fetched_at``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from newsarchive.items import Comment
from newsarchive.parsing import comment_xpaths as X
from newsarchive.parsing.comments import (
    comment_page_urls,
    extract_comments,
    markup,
)
from newsarchive.urls import record_id

FIXTURES = Path(__file__).parent / "fixtures" / "pages" / "comments"
CASES = sorted(p for p in FIXTURES.iterdir() if (p / "page.html").is_file())
ARTICLE_ID = "0123456789abcdef"
DEFAULT_FETCHED_AT = "2024-06-01T12:00:00+00:00"
FIELDS = ("author", "author_url", "published", "url", "text")


def load(case: Path) -> tuple[str, str, dict]:
    url = (case / "url.txt").read_text(encoding="utf-8").strip()
    html = (case / "page.html").read_text(encoding="utf-8")
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    return url, html, expected


def run(case: Path) -> tuple[list[Comment], dict, str, str]:
    url, html, expected = load(case)
    fetched_at = datetime.fromisoformat(expected.get("fetched_at", DEFAULT_FETCHED_AT))
    return extract_comments(url, html, ARTICLE_ID, fetched_at), expected, url, html


def mismatches(comments: list[Comment], expected: dict) -> list[str]:
    """Every difference between the extracted comments and the expectation, one line each."""
    problems = []
    if len(comments) != expected["count"]:
        found = [(c.author, c.text[:40]) for c in comments]
        problems.append(f"count: expected {expected['count']}, got {len(comments)}: {found}")
    for i, (want, got) in enumerate(zip(expected["comments"], comments, strict=False)):
        for name in FIELDS:
            if name in want and getattr(got, name) != want[name]:
                problems.append(f"#{i} {name}: expected {want[name]!r}, got {getattr(got, name)!r}")
        if "parent" in want:
            parent = want["parent"]
            wanted_parent = comments[parent].id if parent is not None else None
            if got.parent_id != wanted_parent:
                problems.append(f"#{i} parent: expected comment #{parent}, got {got.parent_id!r}")
        if "on_page_id" in want and got.id != record_id(ARTICLE_ID, want["on_page_id"]):
            problems.append(f"#{i} id: not record_id(article_id, {want['on_page_id']!r})")
        for snippet in want.get("text_contains", []):
            if snippet not in got.text:
                problems.append(f"#{i} text: {snippet!r} missing from {got.text!r}")
        for snippet in want.get("text_not_contains", []):
            if snippet in got.text:
                problems.append(f"#{i} text: {snippet!r} must not be in {got.text!r}")
    for comment in comments:
        for snippet in expected.get("text_never", []):
            if snippet in comment.text or snippet in (comment.author or ""):
                problems.append(f"#{comment.position}: {snippet!r} leaked into {comment.text!r}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_fixture(case: Path) -> None:
    comments, expected, url, html = run(case)
    problems = mismatches(comments, expected)
    if "page_urls" in expected:
        pages = comment_page_urls(url, html)
        if pages != expected["page_urls"]:
            problems.append(f"page_urls: expected {expected['page_urls']}, got {pages}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_thread_invariants(case: Path) -> None:
    comments, _, _, _ = run(case)
    ids = [c.id for c in comments]
    assert len(set(ids)) == len(ids)
    assert [c.position for c in comments] == list(range(len(comments)))
    seen: set[str] = set()
    for comment in comments:
        assert comment.article_id == ARTICLE_ID
        assert comment.parent_id is None or comment.parent_id in seen  # depth-first order
        assert comment.fetched_at is None and comment.run_id is None
        assert comment.text and comment.text == comment.text.strip()
        json.dumps(asdict(comment))
        seen.add(comment.id)
    again, _, _, _ = run(case)
    assert [c.id for c in again] == ids  # deterministic


def test_fixture_set_covers_the_brief() -> None:
    names = {case.name for case in CASES}
    assert sum(name.startswith("none_") for name in names) >= 4
    assert sum(name.startswith("wordpress_") for name in names) >= 2
    for kind in ("wpdiscuz", "blogger_threaded", "blogger_classic", "drupal", "microdata",
                 "jsonld", "generic_dl"):
        assert any(name.startswith(kind) for name in names), kind


def test_id_without_on_page_id_hashes_author_date_text() -> None:
    comments, _, _, _ = run(FIXTURES / "jsonld_forum_posting")
    first = comments[0]
    assert first.id == record_id(ARTICLE_ID, first.author, first.published, first.text)


def test_relative_dates_follow_fetched_at() -> None:
    case = FIXTURES / "wpdiscuz_de_relative_dates"
    url, html, _ = load(case)
    early = extract_comments(url, html, ARTICLE_ID, datetime.fromisoformat("2024-03-10T12:00:00"))
    late = extract_comments(url, html, ARTICLE_ID, datetime.fromisoformat("2024-03-20T12:00:00"))
    relative = [i for i, (a, b) in enumerate(zip(early, late, strict=True))
                if a.published != b.published]
    assert relative, "a relative date ('vor 2 Tagen') should move with fetched_at"
    assert early[relative[0]].published.startswith("2024-03-08")


def test_comment_pages_are_this_articles_only() -> None:
    url = "https://blog.example.com/2020/05/post/"
    html = """
    <nav class="comment-navigation"><div class="nav-previous">
      <a href="https://blog.example.com/2020/05/post/comment-page-1/#comments">Older Comments</a>
      </div><div class="nav-next">
      <a href="/2020/05/post/comment-page-3/#comments">Newer Comments</a></div></nav>
    <a href="https://blog.example.com/2020/05/post/comment-page-3/#comment-77">latest</a>
    <a href="https://blog.example.com/2020/05/post/">this page</a>
    <a href="https://blog.example.com/2019/01/other/comment-page-2/#comment-5">Other post</a>
    <a href="https://blog.example.com/2020/05/post/?cpage=4">4</a>
    """
    assert comment_page_urls(url, html) == [
        "https://blog.example.com/2020/05/post/comment-page-1/",
        "https://blog.example.com/2020/05/post/comment-page-3/",
        "https://blog.example.com/2020/05/post/?cpage=4",
    ]


def test_comment_pages_found_through_entities_and_tags() -> None:
    """WordPress without pretty permalinks (``?p=7&amp;cpage=2``), and a German theme's label
    split by a tag and a no-break space; other links with "comment" in them are not pages."""
    url = "https://blog.example.com/?p=7"
    html = """
    <a href="/?p=7&amp;cpage=2#comments">2</a>
    <a href="https://blog.example.com/?p=7&amp;page=3">&Auml;ltere&nbsp;<span>Kommentare</span></a>
    <a href="/?p=7#respond">Leave a comment</a>
    <a href="/?p=8&amp;cpage=2">Other post's comments</a>
    <a href="/comments/feed/">Comments RSS</a>
    """
    assert comment_page_urls(url, html) == [
        "https://blog.example.com/?p=7&cpage=2",
        "https://blog.example.com/?p=7&page=3",
    ]


def test_comment_pages_of_links_as_the_scan_reads_them() -> None:
    """A link's first ``href`` is its target (``data-href`` counts: a cheap scan), its label ends
    at the first ``</a>`` within 300 characters; a link left open takes the next one into its
    label, and a link closed too late is no link."""
    url = "https://blog.example.com/post/"
    html = """
    <a data-href="/post/comment-page-2/" href="/post/comment-page-9/">2</a>
    <a href="/post/">Open link <a href="/post/comment-page-3/">3</a>
    <a href="/post/comment-page-4/">""" + "x" * 301 + """</a>
    <a title="t" href='/post/?cpage=5'>Older <b>Comments</b></A >
    """
    assert comment_page_urls(url, html) == [
        "https://blog.example.com/post/comment-page-2/",
        "https://blog.example.com/post/?cpage=5",
    ]


@pytest.mark.parametrize(
    "html",
    ["", "   ", "\x00\x01\x02comment", "<?xml version='1.0' encoding='utf-8'?><html>comment</html>",
     "<html><body><ol class='commentlist'><li class='comment'>", "comment" * 3,
     "\udcff<li class='comment' id='comment-1'>x</li>", "<<<>>>comment</p></div>"],
)
def test_bad_input_never_raises(html: str) -> None:
    assert isinstance(extract_comments("https://example.com/", html, ARTICLE_ID), list)
    assert isinstance(comment_page_urls("https://example.com/", html), list)


@pytest.mark.parametrize("html", [
    "<p>no links</p>",
    '<a href="/post/comment-page-2/">2</a>',  # a paging link: the base URL is worked out then
    '<a href="/post/">Older comments</a>',
])
def test_malformed_article_url_gives_no_pages(html: str) -> None:
    assert comment_page_urls("http://[::1/post/", html) == []


def test_reextraction_resolves_relative_dates_against_the_capture_time() -> None:
    """Re-reading an archived page: "vor 2 Tagen" counts from when the page was fetched (the
    record's fetched_at, passed into extraction), never from the clock of the re-run."""
    from newsarchive.extraction import extract_page

    url, html, _ = load(FIXTURES / "wpdiscuz_de_relative_dates")
    captured = extract_page(url, html, ARTICLE_ID, fetched_at="2021-06-10T12:00:00+00:00")
    days = [c.published[:10] for c in captured.comments]
    assert "2021-06-08" in days, days
    assert all(day.startswith(("2021", "2024")) for day in days), days


def test_year_of_dates_shown_without_one_comes_from_the_post() -> None:
    url, html, _ = load(FIXTURES / "wordpress_yearless_dates_en")
    fetched = datetime.fromisoformat("2021-02-01T00:00:00+00:00")
    declared = extract_comments(url, html, ARTICLE_ID, fetched)  # the page's datePublished
    assert [c.published[:10] for c in declared[:2]] == ["2019-12-30", "2020-01-02"]
    given = extract_comments(url, html, ARTICLE_ID, fetched, published="2020-12-01T10:00:00")
    assert [c.published[:10] for c in given[:2]] == ["2020-12-30", "2021-01-02"]


def test_a_bug_in_a_comment_strategy_is_raised_not_read_as_no_comments(monkeypatch) -> None:
    """Only markup lxml cannot read gives []: a programming error surfaces (issue 22)."""
    from newsarchive.parsing.comments import strategies

    class Broken:
        name = "broken"

        def find(self, page: object) -> list[Comment]:
            raise TypeError("a bug")

    url, html, _ = load(FIXTURES / "wpdiscuz_de_relative_dates")
    monkeypatch.setattr(strategies, "STRATEGIES", (Broken(), *strategies.STRATEGIES))
    with pytest.raises(TypeError, match="a bug"):
        extract_comments(url, html, ARTICLE_ID)


def test_every_non_comment_name_contains_a_name_hint() -> None:
    """drop_non_comments looks at an element's names only when they hold a hint: each token and
    part it removes must therefore contain one (lower-case, as the names are lower-cased)."""
    for name in X.NOT_COMMENT_TOKENS + X.SIDEBAR_TOKENS + X.NOT_COMMENT_PARTS:
        assert name == name.lower() and markup._NAME_HINTS.search(name), name


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_a_page_is_parsed_once_and_gives_the_same_comments(
    case: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``extract_page`` hands the article parser's tree to the comment parser: the comments are
    those of a page parsed on its own, and the comment parser never parses the page again."""
    from newsarchive.extraction import extract_page
    from newsarchive.parsing.comments import page as comment_page

    url, html, expected = load(case)
    fetched_at = expected.get("fetched_at", DEFAULT_FETCHED_AT)

    def parsed_again(html: str) -> None:
        raise AssertionError("the comment parser parsed the page again")

    with monkeypatch.context() as patch:
        patch.setattr(comment_page, "parse", parsed_again)
        shared = extract_page(url, html, ARTICLE_ID, fetched_at=fetched_at)
    assert shared.content is not None, shared.error
    alone = extract_comments(url, html, ARTICLE_ID, datetime.fromisoformat(fetched_at),
                             shared.content.metadata.published)
    assert [asdict(c) for c in shared.comments] == [asdict(c) for c in alone]


_OWN = "/2020/05/post/?showcomment=5"  # stays on the article; no "page" in it


@pytest.mark.parametrize(("link", "found"), [
    # Labels are matched after unescaping, tag stripping and clean_inline (invisible characters
    # dropped, NFC), with re.I (which also matches U+017F to "s", U+212A to "k", U+0131 to "i"):
    # a prefilter on the raw page must accept every one of these. Raw "ment" in the label is
    # required (or a paging hint in the raw href), nothing more literal than that.
    (f'<a href="{_OWN}">Older com&shy;ments</a>', True),
    (f'<a href="{_OWN}">Older com\u00adments</a>', True),
    (f'<a href="{_OWN}">Older co&#109;ments</a>', True),
    (f'<a href="{_OWN}">Older com&#109;ents (comment)</a>', True),  # "comments" never literal
    (f'<a href="{_OWN}">NEWER COMMENT\u017f</a>', True),
    (f'<a href="{_OWN}">\u00e4ltere \u212aommentare</a>', True),
    (f'<a href="{_OWN}">a\u0308ltere Kommentare</a>', True),
    (f'<a href="{_OWN}">comentar\u0131os anteriores</a>', True),
    (f'<a href="{_OWN}">Older&nbsp;<span>Comments</span></a>', True),
    ('<a href="/2020/05/post/?&#99;page=2">Kommentare</a>', True),  # href paging once unescaped
    # ...and the raw gates stay: no raw "ment" in the label nor hint in the raw href: not paging
    (f'<a href="{_OWN}">Older com&#109;&#101;nts</a>', False),
    ('<a href="/2020/05/post/comment&#45;page-2/">2</a>', False),
    (f'<a href="{_OWN}">Older Com<b></b>ments</a>', False),  # a tag splits the word
])
def test_paging_labels_and_hrefs_as_matched_after_decoding(link: str, found: bool) -> None:
    url = "https://blog.example.com/2020/05/post/"
    assert bool(comment_page_urls(url, "<p>Post</p>" + link)) is found


SCANNED = [f for f in __import__(
    "newsarchive.parsing.comments.strategies", fromlist=["STRATEGIES"]).STRATEGIES
    if getattr(f, "scan_names", ())]

# every way a scanned family's XPath can select an element, plus elements that look alike but
# are inside removed markup (a widget, a hidden block, a comment form), or differ in tag or case
_SCAN_PAGE = """<html><body><article><p>Story</p></article>
<div id="comments"><ol class="commentlist">
 <li class="comment" id="li-comment-1"><div id="div-comment-1"><cite>Ann</cite> Great</div>
  <ul class="children"><li class="Comment even" id="comment-2"><p>Reply</p></li></ul></li>
 <li class="review"><p>A review</p></li>
 <li id="comment-3"><p>Id only</p></li>
</ol>
<div class="wpd-comment" id="wpd-comm-4_0"><div class="wpd-comment-text">W</div></div>
<div class="comment-thread"><ol><li class="comment"><p class="comment-content">B</p></li></ol></div>
<article class="comment js-comment" data-comment-user-id="5"><p>Drupal</p></article>
<section class="user-comment"><span class="date">1 May 2020</span><p>Generic</p></section>
<table class="kommentare"><tr class="kommentar"><td>Row</td></tr></table>
</div>
<aside id="secondary"><ul class="recentcomments">
 <li class="comment" id="comment-9"><p>Widget</p></li></ul></aside>
<div hidden><div class="comments"><div class="comment" id="comment-10">Hidden</div></div></div>
<form id="commentform"><div class="comment-form-comment">Form</div></form>
<span class="comment" id="comment-11">a span</span>
</body></html>"""


def _pages(html: str) -> tuple[object, object]:
    """The same page twice, pruned: one whose node XPaths read the candidates, one the tree."""
    from newsarchive.parsing.comments.page import CommentPage

    fast = CommentPage.parse("https://example.org/a", html, ARTICLE_ID, None, None)
    slow = CommentPage.parse("https://example.org/a", html, ARTICLE_ID, None, None)
    assert fast is not None and slow is not None
    slow.candidates = None  # CommentPage.nodes falls back to the XPath over the whole tree
    return fast, slow


@pytest.mark.parametrize("family", SCANNED, ids=lambda f: f.name)
@pytest.mark.parametrize("html", [_SCAN_PAGE] + [load(c)[1] for c in CASES],
                         ids=["scan_page"] + [c.name for c in CASES])
def test_node_xpaths_on_candidates_select_what_the_whole_tree_gives(family, html: str) -> None:
    """``CommentPage.nodes`` (the XPath tested on the drop pass's candidates) selects the same
    elements, in the same order, as the XPath over the pruned tree; also after the elements a
    family reads are detached (as ``Family.find`` does)."""
    fast, slow = _pages(html)
    expected = markup.select(slow.root, family.nodes)
    got = fast.nodes(family.nodes, family.scan_tags, family.scan_names)
    assert [markup.text_content(e) for e in got] == [markup.text_content(e) for e in expected]
    assert len(got) == len(expected)
    for el in got[::2]:  # detached elements (and what is inside them) are no longer selected
        el.getparent().remove(el)
    for el in expected[::2]:
        el.getparent().remove(el)
    again = fast.nodes(family.nodes, family.scan_tags, family.scan_names)
    assert [markup.text_content(e) for e in again] == [
        markup.text_content(e) for e in markup.select(slow.root, family.nodes)]


def test_the_scan_page_has_nodes_for_every_scanned_family() -> None:
    fast, _ = _pages(_SCAN_PAGE)
    for family in SCANNED:
        assert fast.nodes(family.nodes, family.scan_tags, family.scan_names), family.name
    # the widget's, the hidden block's and the form's look-alikes were dropped with them
    texts = " ".join(markup.text_content(el) for el, _, _ in fast.candidates
                     if markup.is_attached(el, fast.root))
    assert "Widget" not in texts and "Hidden" not in texts and "Form" not in texts


def test_a_fragment_root_reads_its_node_xpaths_over_the_whole_document() -> None:
    """lxml.html gives a fragment's element, inside a document the drop pass never saw."""
    from lxml import html as lxml_html

    from newsarchive.parsing.comments.dates import DateReader
    from newsarchive.parsing.comments.page import CommentPage

    root = lxml_html.fromstring('<div class="comments"><div class="comment">x</div></div>')
    assert root.getparent() is not None
    page = CommentPage("https://example.org/a", ARTICLE_ID, root, "",
                       DateReader.for_page(root, "", None, None))
    assert page.candidates is None


@pytest.mark.parametrize("expression", [
    "//li[1]", "//li[position() < 3]", "//li[last()]", "//li[@id]/span", "//li[@id] | //div",
    "li[@id]", "//li", "//li[@id]x", "//li[@id='a]",
])
def test_element_test_refuses_what_it_cannot_test_one_element_at_a_time(expression: str) -> None:
    with pytest.raises(ValueError):
        markup.element_test(expression)


def test_a_family_scan_must_lie_within_the_candidates() -> None:
    from newsarchive.parsing.comments.families import Family

    with pytest.raises(ValueError):
        Family("x", ("comment",), "//p[@class]", scan_tags=frozenset({"p"}),
               scan_names=("comment",))
    with pytest.raises(ValueError):
        Family("x", ("comment",), "//li[@class]", scan_tags=frozenset({"li"}),
               scan_names=("remark",))


def _drop_by_xpaths(root) -> list[str]:
    """``drop_non_comments`` as it was before the pass noted forms and JSON-LD scripts: the
    JSON-LD read and the comment forms selected by XPaths over the whole tree."""
    jsonld = markup.select(root, X.JSONLD)
    doomed = []
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if tag in X.DROP_TAGS:
            doomed.append(el)
            continue
        attrib = el.attrib
        if not attrib:
            continue
        names = f"{attrib.get('class', '')} {attrib.get('id', '')}".lower()
        style = attrib.get("style")
        if "hidden" in attrib or (style and markup._HIDDEN_STYLE.search(style)) or (
            len(names) > 1 and markup._NAME_HINTS.search(names)
            and (markup._is_not_comment(names) or markup._is_sidebar(el, names))
        ):
            doomed.append(el)
    doomed.extend(markup.select(root, X.COMMENT_FORMS))
    for el in doomed:
        markup._drop_tree(el)
    return jsonld


_FORMS_PAGE = """<html><head>
<script type="application/ld+json">{"@type": "BlogPosting", "comment": []}</script>
<script type="application/LD+json">{"not": "exactly the type"}</script>
<script type="text/javascript">var comment = 1;</script></head><body>
<form id="aspnetForm" action="/page"><article><p>Story</p>
 <script type="application/ld+json">{"@type": "Article"}</script>
 <div id="comments"><form id="commentform"><textarea></textarea></form></div></article></form>
<template><script type="application/ld+json">{"in": "a template"}</script></template>
<div hidden><form action="/wp-comments-post.php"><input></form></div>
<form class="search"><input name="s"></form>
<form action="/comment/reply"><p>no textarea</p></form>
<div>tail before <form><textarea></textarea></form> tail after</div>
<script type="application/ld+json"></script>
</body></html>"""


@pytest.mark.parametrize("html", [_FORMS_PAGE, _SCAN_PAGE] + [load(c)[1] for c in CASES],
                         ids=["forms_page", "scan_page"] + [c.name for c in CASES])
def test_the_pass_drops_and_reads_what_the_whole_tree_xpaths_did(html: str) -> None:
    """Forms tested, and JSON-LD read, on the elements the pass notes: the same pruned tree and
    the same JSON-LD texts as the XPaths over the whole tree."""
    from lxml import etree

    noted, by_xpaths = markup.parse(html), markup.parse(html)
    assert noted is not None and by_xpaths is not None
    pruned = markup.drop_non_comments(noted)
    expected_jsonld = _drop_by_xpaths(by_xpaths)
    assert pruned.jsonld == expected_jsonld
    assert etree.tostring(noted) == etree.tostring(by_xpaths)
    assert pruned.candidates is not None


def test_the_forms_page_has_what_the_pass_must_get_right() -> None:
    root = markup.parse(_FORMS_PAGE)
    pruned = markup.drop_non_comments(root)
    assert len(pruned.jsonld) == 3  # not the LD+json one, the empty one has no text node
    text = markup.text_content(root)
    assert "Story" in text and "tail before  tail after" in text  # the page's form is kept
    assert markup.select(root, "//form/@id") == ["aspnetForm"]


@pytest.mark.parametrize("names", [
    ("reply", "comment-reply", "says", "avatar", "sr-only"),
    ("comment-meta", "vcard", "comment-author"),
    ("fn", "name", "author", "date", "time", "meta"),
])
def test_any_cls_guarded_by_the_class_attribute_selects_what_the_bare_tests_select(names) -> None:
    """``any_cls`` tests ``@class`` before its per-name tests: the same elements as without."""
    from newsarchive.parsing.html import has_class

    bare = "//*[(" + " or ".join(has_class(n) for n in names) + ")]"
    guarded = f"//*[{X.any_cls(*names)}]"
    assert guarded != bare
    page = ('<div class=""><p class="says">a</p><span class="x\tauthor\n">b</span>'
            '<i class="authors">c</i><b>d</b><a class="REPLY">e</a><em class=" date ">f</em></div>')
    for html in [page] + [load(c)[1] for c in CASES]:
        root = markup.parse(html)
        assert markup.select(root, guarded) == markup.select(root, bare)


_JUNK_PAGE = """<div><p class="reply">a</p><p class="x\treply\ny">b</p><p class="reply\u00a0x">c</p>
<p class="Reply">d</p><p class="replying">e</p><p class="">f</p><p class=" says ">g</p>
<span class="readmore">h</span><div class="read-more">i</div><a class="a-read-more">j</a>
<button>k</button><img src="x"><input><select></select><form></form><b class="my-share">l</b>
<b class="share-this">m</b><b class="sharebox">n</b><i class="avatar-image-container x">o</i>
<!-- a comment --><p class="comment-reply-link\rx">p</p><em>q<img src="y"></em></div>"""


@pytest.mark.parametrize("html", [_JUNK_PAGE] + [load(c)[1] for c in CASES],
                         ids=["junk_page"] + [c.name for c in CASES])
def test_junk_read_in_python_is_the_junk_xpath(html: str) -> None:
    """``markup.junk`` selects what ``X.JUNK`` selects, from every element of the page."""
    root = etree.fromstring(html, etree.HTMLParser())  # comments kept, unlike markup.parse
    if html is _JUNK_PAGE:
        assert len(markup.junk(root)) == 15
    for el in root.iter():
        if isinstance(el.tag, str):
            assert markup.junk(el) == markup.select(el, X.JUNK)


_DL_PAGE = """<html><body><dl id="comments-block"><dt>Ann said...</dt><dd>Hi</dd></dl>
<div id="comments"><dl><dt>Bob</dt><dd>Yo</dd></dl><dl><dt>no dd</dt></dl></div>
<div hidden><dl class="comments"><dt>Cy</dt><dd>hidden</dd></dl></div>
<dl class="comment-list"><dd>no dt</dd></dl><dl class="glossary"><dt>t</dt><dd>d</dd></dl>
<dl class="recent-comments"><dt>Dee</dt><dd>widget</dd></dl></body></html>"""


@pytest.mark.parametrize("html", [_DL_PAGE, _SCAN_PAGE] + [load(c)[1] for c in CASES],
                         ids=["dl_page", "scan_page"] + [c.name for c in CASES])
def test_dl_lists_tested_on_the_noted_lists_are_the_dl_xpath(html: str) -> None:
    fast, slow = _pages(html)
    slow._lists = None  # CommentPage.dl_lists falls back to the XPath over the whole tree
    got = fast.dl_lists()
    assert [markup.text_content(e) for e in got] == [
        markup.text_content(e) for e in markup.select(slow.root, X.DL_LISTS)]
    if html is _DL_PAGE:
        assert len(got) == 2
    for el in got[:1]:
        el.getparent().remove(el)
    assert len(fast.dl_lists()) == max(len(got) - 1, 0)
