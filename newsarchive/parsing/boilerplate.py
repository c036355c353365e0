"""Page furniture that trafilatura keeps in article bodies, found on the page and taken out.

Hand-written: trafilatura has no notion of a story's headline or of pop-ups. Three kinds:
- pop-ups (donation and newsletter prompts, cookie and sign-in dialogs): ``role="dialog"``,
  ``aria-modal``, popup classes;
- the headline repeated at the top of the body (it is the record's ``title``), a standfirst the
  body shows twice, and lines of the site's own header (blog title and tagline);
- a trailing "Topics: …" / "Tags: …" line.
Only leading and trailing paragraphs are ever dropped, and only ones the page shows apart from
the story text, so a story that starts with its own headline words keeps them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree
from lxml.html import HtmlElement

from newsarchive.parsing.text import clean_inline

# The blocks whose lines are never story text, found from the page's attributes:
# - dialogs and pop-ups (donation prompts, cookie and sign-in dialogs);
# - subscription, newsletter, paywall and donation prompts (small blocks only: a
#   subscribers-only story body is long);
# - the site's header (masthead, blog title and tagline), unless it holds the story.
# Classes are read as strings and searched in Python (``FURNITURE_CLASS``), the rarer ids and roles
# by an XPath: 1.04 -> 0.74 ms a page on the corpus against one XPath testing every class with
# eight contains() (the same blocks on every page; testing every element in Python costs 0.79).
CLASSES = etree.XPath("//@class")
FURNITURE_CLASS = re.compile(
    "popup|paywall|newsletter|subscribe|signup|sign-up|donat|site-header")
FURNITURE = etree.XPath(
    "//@id[. = 'header' or . = 'masthead' or . = 'site-header' or contains(., 'paywall')"
    " or contains(., 'newsletter')]/.."
    " | //@role[. = 'dialog' or . = 'alertdialog' or . = 'banner']/.. | //@aria-modal/.."
    " | //header"
)
_PROMPT_WORDS = ("paywall", "newsletter", "subscribe", "signup", "sign-up", "donat")
_HOLDS_STORY = etree.XPath("boolean(.//article or .//*[@itemprop='articleBody'] or .//main)")
_HOLDS_H1 = etree.XPath("boolean(.//h1)")
_IN_STORY = etree.XPath("boolean(ancestor::article or ancestor::main)")
_MAX_PROMPT_CHARS = 1000
# "See also: <headline>" lines that link to another story.
_SEE_ALSO = re.compile(
    r"^(?:see also|read also|read more|related|more on this|lesen sie auch|lesen sie mehr|"
    r"mehr zum thema|auch interessant|das könnte sie (?:auch )?interessieren|zum weiterlesen|"
    r"à lire aussi|lire aussi|a lire aussi|lire la suite|vea también|lea también|lee también|"
    r"le puede interesar|te puede interesar|puedes ver|leer más|mira también|leia também|"
    r"veja também|leggi anche|czytaj (?:też|także|również)|zobacz (?:też|także|również)|"
    r"lees ook|lees meer)\s*[:|»>.-]\s*(?P<rest>.+)$",
    re.IGNORECASE,
)
_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "div", "span", "li", "time", "a")
_MAX_HEADER_CHARS = 1500  # a story's header block: headline, standfirst, byline, date
_MAX_LINE = 400
_MIN_HEADLINE = 10
_TAG_LINE = re.compile(
    r"^(?:topics?|tags?|tagged(?: with)?|themen|thema|schlagw(?:ö|oe)rter|schlagworte|stichw(?:ö|oe)rter"
    r"|mots[- ]cl(?:é|e)s|th(?:è|e)mes?|etiquetas|temas|argomenti|tag|categor(?:y|ies)|kategorien?"
    r"|filed under|more on|mehr zu)\s*:\s*\S",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[\W_]+")


def key(text: str | None) -> str:
    return _NON_WORD.sub("", (text or "").casefold())


@dataclass
class Furniture:
    """What a page shows apart from its story, as text keys (see ``key``)."""

    headline: set[str] = field(default_factory=set)  # the story's <h1> and declared title
    elsewhere: set[str] = field(default_factory=set)  # lines of pop-ups, prompts, site header


def page_furniture(tree: HtmlElement, title: str | None) -> Furniture:
    """Read before extraction (one XPath scan; the blocks found are few)."""
    h1s = {key(h1.text_content()) for h1 in tree.iter("h1")} - {""}
    title_key = key(title)
    if title_key:  # the blog's name in an <h1> is not the story's headline
        headline = {title_key} | {k for k in h1s if len(k) > _MIN_HEADLINE
                                  and (k in title_key or title_key in k)}
    else:
        headline = h1s
    elsewhere: set[str] = set()
    for el in furniture_blocks(tree):
        kind = _kind(el)
        if kind is None or _HOLDS_STORY(el):
            continue
        if kind == "popup" or kind == "prompt":
            if not _HOLDS_H1(el) and (kind == "popup" or
                                      len(el.text_content()) <= _MAX_PROMPT_CHARS):
                elsewhere.update(_line_keys(el))
        elif len(el.text_content()) <= _MAX_HEADER_CHARS:
            lines = _line_keys(el)
            if lines.isdisjoint(headline):  # a header holding the story's headline is the story's
                elsewhere.update(lines)
    elsewhere.discard("")
    return Furniture(headline, elsewhere)


def furniture_blocks(tree: HtmlElement) -> set[HtmlElement]:
    """The elements whose class, id or role names a pop-up, a prompt or the site header (and
    every <header>): candidates, sorted out by ``_kind``. A set: each adds its own lines."""
    blocks = {value.getparent() for value in CLASSES(tree) if FURNITURE_CLASS.search(value)}
    blocks.update(FURNITURE(tree))
    return blocks


def _kind(el: HtmlElement) -> str | None:
    classes, ident = el.get("class", "").lower(), el.get("id", "").lower()
    role = el.get("role", "")
    if role in ("dialog", "alertdialog") or el.get("aria-modal") == "true" or "popup" in classes:
        return "popup"
    if any(word in classes for word in _PROMPT_WORDS) or "paywall" in ident \
            or "newsletter" in ident:
        return "prompt"
    if role == "banner" or ident in ("header", "masthead", "site-header") \
            or "site-header" in classes or (el.tag == "header" and not _IN_STORY(el)):
        return "site header"
    return None


def link_texts(tree: HtmlElement) -> set[str]:
    return {key(a.text_content()) for a in tree.iter("a")} - {""}


def may_see_also(body: str) -> bool:
    """Whether the body has a "See also:" line (link texts are read only then)."""
    return any(_SEE_ALSO.match(p) for p in body.split("\n\n") if len(p) <= _MAX_LINE)


def _line_keys(block: HtmlElement) -> set[str]:
    keys = set()
    for el in block.iter(*_BLOCKS):
        text = clean_inline(el.text_content())
        if text and len(text) <= _MAX_LINE:
            keys.add(key(text))
    return keys


def strip_furniture(body: str, headline: set[str], elsewhere: set[str],
                    links: set[str] | None = None) -> str:
    """The body without the headline at its top, a leading paragraph that the body repeats
    further down (a standfirst shown twice), lines of the site header or of pop-ups
    (``elsewhere``) anywhere, "See also: <a link's text>" lines, and a closing tag line."""
    paragraphs = [p for p in body.split("\n\n") if p]
    while paragraphs and key(paragraphs[0]) in headline | elsewhere:
        paragraphs.pop(0)
    if len(paragraphs) > 1 and key(paragraphs[0]) in {key(p) for p in paragraphs[1:]}:
        paragraphs.pop(0)
    paragraphs = [p for p in paragraphs if len(p) > _MAX_LINE or key(p) not in elsewhere]
    if links:
        paragraphs = [p for p in paragraphs if not _see_also(p, links)]
    while paragraphs and len(paragraphs[-1]) <= _MAX_LINE and _TAG_LINE.match(paragraphs[-1]):
        paragraphs.pop()
    return "\n\n".join(paragraphs)


def _see_also(paragraph: str, links: set[str]) -> bool:
    if len(paragraph) > _MAX_LINE:
        return False
    match = _SEE_ALSO.match(paragraph)
    return bool(match) and key(match.group("rest")) in links
