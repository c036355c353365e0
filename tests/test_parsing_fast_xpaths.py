"""trafilatura's XPaths with their regex tests guarded by the attribute's presence select the same
elements as trafilatura's own (pure parsing: inline HTML, real trafilatura)."""

from __future__ import annotations

import sys

import lxml.html
import pytest
from lxml.etree import XPath
from trafilatura import xpaths

from newsarchive.parsing import article, fast_xpaths  # noqa: F401  (article installs them)

# Elements with and without the attributes the regexes read, empty ones, id before and after
# class (re:test(@id|@class) reads the first), case variants for the 'i' flag.
PAGE = """<html><head><title>t</title></head><body>
<div>plain</div><div class="">empty class</div><div id="">empty id</div>
<div id="comments" class="x">a</div><div class="comments" id="y">b</div>
<div class="Author-name byline">c</div><span id="author">d</span><p class="post-author">e</p>
<section class="share-buttons social">f</section><div style="display:none">g</div>
<div class="cookie-banner">h</div><div id="COOKIE-NOTICE">i</div><div class="CookieBot">j</div>
<div class="sidebar widget">k<a href="/tag/x/">tag</a></div><ul class="comment-list"><li>l</li></ul>
<div id="nav" class="menu">m</div><div class="article-body"><p>body text</p></div>
<div class="entry-meta"><a href="/category/news/">News</a></div><h1 class="entry-title">T</h1>
<div class=" hidden">n</div><div class="hide-print">o</div><aside>p</aside>
</body></html>"""


def _dispatchers() -> list[fast_xpaths.Dispatch]:
    found = [getattr(d, "expression", d) for name, value in vars(xpaths).items()
             if name.isupper() and isinstance(value, list) for d in value]
    found = [d for d in found if isinstance(d, fast_xpaths.Dispatch)]
    basic = sys.modules["trafilatura.baseline"].BASIC_CLEAN_XPATH
    return [*found, basic] if isinstance(basic, fast_xpaths.Dispatch) else found


def test_installed_on_trafilatura_xpaths() -> None:
    assert len(_dispatchers()) >= 15
    assert isinstance(sys.modules["trafilatura.baseline"].BASIC_CLEAN_XPATH, fast_xpaths.Dispatch)
    assert fast_xpaths.install() == 0  # once: dispatchers are not rewritten again


@pytest.mark.parametrize("index", range(21))
def test_same_elements_as_trafilatura(index: int) -> None:
    dispatchers = _dispatchers()
    if index >= len(dispatchers):
        pytest.skip("fewer rewritten XPaths")
    expression = dispatchers[index]
    tree = lxml.html.fromstring(PAGE)
    assert expression.fast(tree) == expression.original(tree)


def test_only_regexes_that_cannot_match_nothing_are_guarded() -> None:
    assert fast_xpaths.rewrite("//div[re:test(@class, 'a|b')]") == \
        "//div[((@class) and re:test(@class, 'a|b'))]"
    assert fast_xpaths.rewrite("//*[re:test(@id|@class, 'x', 'i')]") == \
        "//*[((@id|@class) and re:test(@id|@class, 'x', 'i'))]"
    for kept in ("//div[re:test(@class, 'a?')]", "//div[re:test(@class, '^$')]",
                 "//div[re:test(@class, 'a', 'x')]", "//div[re:test(string(@class), 'a')]"):
        assert fast_xpaths.rewrite(kept) == kept


def test_a_missing_attribute_is_an_empty_string_to_re_test() -> None:
    """What the guard relies on: lxml's re:test sees "" for an absent attribute."""
    tree = lxml.html.fromstring("<html><body><p>x</p><p class='y'>y</p></body></html>")
    matches_empty = XPath("//p[re:test(@class, '^$')]", namespaces={"re": fast_xpaths._NS["re"]})
    assert len(matches_empty(tree)) == 1


def test_trafilatura_xpaths_outside_our_calls() -> None:
    calls: list[str] = []

    class Fake:
        def __init__(self, name: str) -> None:
            self.name = name

        def __call__(self, tree: object) -> list[str]:
            calls.append(self.name)
            return []

    dispatch = fast_xpaths.Dispatch(Fake("original"), Fake("fast"))  # type: ignore[arg-type]
    dispatch(None)
    with fast_xpaths.active():
        dispatch(None)
    assert calls == ["original", "fast"]


RAW_PAGES = [
    "<div>plain</div><ul><li>x</li></ul>",
    "<div id='comments'>c</div><ol class='commentlist'><li>x</li></ol>",
    "<div class='mvp-post-add-box'>next story</div><section id='infinite-scroll'>more</section>",
    "<div class='elementor-share-buttons'>share</div>",
    "<div class='Comments-area'>c</div><div id='disqus_thread'></div><div id='commentary'>x</div>",
]


@pytest.mark.parametrize("body", RAW_PAGES)
def test_raw_prunes_select_what_trafilatura_selects(body: str) -> None:
    wrapped = [*xpaths.RAW_TREE_PRUNE_XPATH, *xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH]
    assert all(isinstance(x, fast_xpaths.SkipWithout) for x in wrapped)
    tree = lxml.html.fromstring(f"<html><body>{body}</body></html>")
    with fast_xpaths.active():
        for expression in wrapped:
            assert expression(tree) == expression.expression(tree)


def test_raw_prunes_skipped_without_their_names() -> None:
    calls: list[object] = []

    def selecting(tree: object) -> list[str]:
        calls.append(tree)
        return ["hit"]

    skipping = fast_xpaths.SkipWithout(selecting, ("omment",))
    plain = lxml.html.fromstring("<html><body><div class='story'>x</div></body></html>")
    named = lxml.html.fromstring("<html><body><div id='comments'>x</div></body></html>")
    assert skipping(plain) == ["hit"]  # outside active(): trafilatura's XPath, always
    with fast_xpaths.active():
        assert skipping(plain) == []
        assert skipping(named) == ["hit"]
    assert calls == [plain, named]


def test_names_read_once_per_tree_and_not_kept() -> None:
    tree = lxml.html.fromstring("<html><body><div id='a' class='b c'>x</div></body></html>")
    with fast_xpaths.active():
        assert fast_xpaths.names_text(tree) == "a\nb c"
        tree.find(".//div").set("class", "changed")  # trafilatura only removes elements
        assert fast_xpaths.names_text(tree) == "a\nb c"
    assert fast_xpaths._READ.get() is None


def test_raw_prunes_installed_once() -> None:
    assert fast_xpaths.install_raw_prunes() == 0
