"""Reader comments of one article page, as a flat list of threaded ``Comment`` records.

One lxml parse per page. Invisible markup (``<template>``, ``hidden``, ``display:none``, scripts),
comment forms, "recent comments" widgets, sidebars, related posts, share widgets and author boxes
are removed first; then comment *families* are tried in order, and the first that finds comments
wins: wpDiscuz, Blogger (threaded), WordPress native (classic and block themes, Genesis, Astra,
GeneratePress...), Drupal 7-10, schema.org microdata, RDFa, dl-based lists (classic Blogger
``dl#comments-block`` and generic ``<dl>``), JSON-LD ``comment`` arrays, and a generic fallback for
elements whose class or id names a comment inside a comment section.

Each family is a set of XPaths (``comment_xpaths.py``): which elements are comments, and where a
comment keeps its author, date, text, permalink and title. A comment's parent is the nearest
enclosing comment (WordPress ``ul.children``, Blogger ``.comment-replies``, wpDiscuz ``.wpd-reply``,
microdata nesting), or, for Drupal's layout, the comment just before the ``div.indented`` that holds
the reply. Elements are then read deepest first and detached once read, so a comment's XPaths never
see its replies' markup and the whole page is read in one pass.

Not reader comments, hence skipped: pingbacks and trackbacks, which are links from other sites
(``li.pingback``, ``li.trackback``, and themes that render them as ordinary comments: authors
"Pingback von ..." or texts "[…] excerpt of the citing post […]"); comment forms and
"No comments yet" headers; comments on other posts listed in widgets; hidden templates.
Comments loaded by JavaScript (Disqus, Facebook) are not in the HTML and are not found.

Ids: ``record_id(article_id, on-page id)`` where the page gives one (``comment-123``; WordPress
``li-comment-123``/``div-comment-123`` and wpDiscuz ``wpd-comm-123_0`` are normalised to
``comment-123``; Blogger ``c123``), else ``record_id(article_id, author, published, text)``.
Dates prefer machine-readable values (``time@datetime``, ``@content``, Blogger's ``showComment``
timestamp) over the displayed text; relative texts are resolved against ``fetched_at``.
"""

from __future__ import annotations

import html as html_lib
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from newsarchive.items import Comment
from newsarchive.parsing import comment_xpaths as X
from newsarchive.parsing.dates import ShownDate, shown_date
from newsarchive.parsing.html import join_url
from newsarchive.parsing.text import clean_block, clean_inline
from newsarchive.urls import record_id

__all__ = ["comment_container_xpath", "comment_page_urls", "extract_comments"]


@dataclass(frozen=True)
class Family:
    """Where one comment markup keeps each field (relative XPaths, first match wins)."""

    name: str
    markers: tuple[str, ...]  # substrings of the raw HTML; the family is skipped without one
    nodes: str
    ids: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    author_url: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    permalink: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    whole_node_text: bool = False  # no text element found: use the node minus author/date/junk
    needs_meta: bool = False  # keep only comments with an author or a date (generic markup)


_AUTHOR_FALLBACK = X.GENERIC_AUTHOR
_DATE_FALLBACK = X.GENERIC_DATE

FAMILIES: tuple[Family, ...] = (
    Family("wpdiscuz", ("wpd-comment", "wc-comment"), X.WPDISCUZ_NODES, X.WPDISCUZ_ID,
           X.WPDISCUZ_AUTHOR, date=X.WPDISCUZ_DATE, text=X.WPDISCUZ_TEXT,
           permalink=X.WPDISCUZ_PERMALINK),
    Family("blogger", ("comment-thread", "comment-holder"), X.BLOGGER_NODES, (), X.BLOGGER_AUTHOR,
           date=X.BLOGGER_DATE, text=X.BLOGGER_TEXT, permalink=X.BLOGGER_PERMALINK),
    Family("wordpress", ("comment",), X.WP_NODES, X.WP_ID, X.WP_AUTHOR + _AUTHOR_FALLBACK,
           date=X.WP_DATE + _DATE_FALLBACK,
           text=X.WP_TEXT, permalink=X.WP_PERMALINK, whole_node_text=True),
    Family("drupal", ("comment",), X.DRUPAL_NODES, X.DRUPAL_ID,
           X.DRUPAL_AUTHOR + _AUTHOR_FALLBACK, date=X.DRUPAL_DATE + _DATE_FALLBACK,
           text=X.DRUPAL_TEXT, permalink=X.DRUPAL_PERMALINK,
           title=X.DRUPAL_TITLE, whole_node_text=True, needs_meta=True),
    Family("microdata", ("Comment",), X.MICRODATA_NODES, (), X.MICRODATA_AUTHOR,
           X.MICRODATA_AUTHOR_URL, X.MICRODATA_DATE + _DATE_FALLBACK, X.MICRODATA_TEXT,
           X.MICRODATA_PERMALINK,
           X.MICRODATA_TITLE, whole_node_text=True),
    Family("rdfa", ("Comment",), X.RDFA_NODES, (), X.RDFA_AUTHOR,
           date=X.RDFA_DATE + _DATE_FALLBACK,
           text=X.RDFA_TEXT, permalink=X.RDFA_PERMALINK, whole_node_text=True),
    # dl lists and JSON-LD are read by their own functions, between rdfa and generic
    Family("generic", ("omment", "eaction"), X.GENERIC_NODES, (), X.GENERIC_AUTHOR,
           date=X.GENERIC_DATE, text=X.GENERIC_TEXT, permalink=X.GENERIC_PERMALINK,
           title=X.GENERIC_TITLE, whole_node_text=True, needs_meta=True),
)

BLOCK_TAGS = frozenset((
    "p", "div", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4",
    "h5", "h6", "table", "tr", "section", "article", "header", "footer", "figure", "figcaption",
    "hr", "address",
))
SKIP_TAGS = frozenset((
    "script", "style", "noscript", "template", "img", "button", "form", "input", "select",
    "textarea", "svg", "iframe", "video", "audio", "object",
))
# Reply containers whose preceding sibling is the parent comment (Drupal's div.indented).
_REPLY_CONTAINER = re.compile(
    r"indent|children|repl(y|ies)|nested|thread|(^|[-_\s])(sub|answers?)([-_\s]|$)", re.I)
_WS = re.compile(r"\s+")
_BUTTON_LINE = re.compile(
    r"^(reply|replies|like|likes|unlike|report|share|quote|edit|delete|flag|permalink|"
    r"antworten|beantworten|melden|zitieren|gefällt mir|répondre|signaler|citer|j'aime|"
    r"responder|reportar|rispondi|segnala|beantwoorden|alerter|loading\.*|\d+ likes?|#?\d{1,5}|"
    r"odpowiedz|reageer|reageren|odpovědět|ответить|svara|svar|vastaa|yanıtla|válasz|"
    r"your comment is awaiting moderation\.?|ihr kommentar muss noch freigegeben werden\.?|"
    r"votre commentaire est en attente de modération\.?|log in to reply|"
    r"(kommentar|comment|posted|written|submitted|antwort|réponse)\s+(von|by|from|de|par)|"
    r"[↓↑·•|,:;.()\[\]/\s–—-]*)$",
    re.I,
)
_AUTHOR_SUFFIX = re.compile(
    r"\s*(?:(?:says|said|wrote|writes|sagt|sagte|schreibt|schrieb|meint|dit|a dit|écrit|"
    r"a écrit|dice|dijo|escribió|zegt|schreef|ha detto|scrive)\b\s*)?(?::|\.\.\.|…)?\s*$",
    re.I,
)
_AUTHOR_PREFIX = re.compile(
    r"^\s*(?:(?:submitted|posted|comment(?:ed)?|written|geschrieben|kommentiert|eingetragen|"
    r"verfasst|gepostet|kommentar|écrit|publié|commentaire|escrito|publicado|comentario|"
    r"scritto|pubblicato|commento|geplaatst|reactie)\s+(?:by|von|par|por|door|di|de|da)|"
    r"by|von|par|por|door|di)\s+", re.I
)
_ON_PAGE_ID = re.compile(r"^(?:li-|div-|article-)?comment-(\d+)$|^(?:wpd|wc)-comm-(\d+)_\d+$")
_SHOW_COMMENT = re.compile(r"[?&]showComment=(\d{10,13})")
_FR_HOUR = re.compile(r"(\d{1,2})\s*h\s*(\d{2})\b")
_NO_COMMENTS = re.compile(
    r"^(no comments?( yet)?|0 comments?|be the first to comment|leave a (comment|reply)|"
    r"keine kommentare|noch keine kommentare|aucun commentaire|pas de commentaire)",
    re.I,
)
# Pingbacks shown as comments (no li.pingback class): "[…] excerpt of the citing post […]"
_PINGBACK = re.compile(r"(?:^|\n\n|\s[-–]\s)\[(…|\.\.\.)\][^\n]*\[(…|\.\.\.)\]", re.S)
_PINGBACK_AUTHOR = re.compile(r"^(pingback|trackback)\b", re.I)
_DASHES = re.compile(r"^-+\s+|\s+-+$")  # "- Name -", not "-thh"
_AUTHOR_DATE_TAIL = re.compile(r"\s+\d{1,2}[./]\d{1,2}[./]\d{2,4}\b.*$")
# 12.04.2020 17:02, 07.08.09 um 10:25: day first wherever dots separate the parts
_DOTTED = re.compile(r"^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})\b(?:\D*(\d{1,2})[:.](\d{2}))?")
_DT_FILLER = re.compile(
    r"^(?:\W+|(?:said|says|wrote|schrieb|sagte|on|am|um|at|le|à|el|dit)\b)+", re.I
)
_EPOCH = re.compile(r"^\d{9,13}$")
_MAX_AUTHOR = 120
_MAX_BYLINE = 150  # a "Name - date" line
_MAX_NAME_WORDS = 5
_MAX_DATE_LINE = 60
_MAX_NAME = 60  # a name shown next to the date, when no element is marked as the author
_MAX_HEADING_WORDS = 4
_NAME_TAGS = ("h2", "h3", "h4", "h5", "h6", "strong", "b", "cite", "a")
_BYLINE_TAIL = re.compile(r"\s*(?:\[\s*[^\]]{1,20}\]|[|·•]\s*[^\W\d_]{2,20})\s*$")
_WORDY = re.compile(r"(?:[^\W\d_]{2,}\s+){5}")
_DATE_PUBLISHED = re.compile(
    r"\"datePublished\"\s*:\s*\"([^\"]{10,40})\"|"
    r"<meta[^>]+(?:property|name)=[\"']article:published_time[\"'][^>]*content=[\"']([^\"']{10,40})|"
    r"<meta[^>]+content=[\"']([^\"']{10,40})[\"'][^>]*(?:property|name)=[\"']article:published_time"
)


def extract_comments(
    url: str, html: str, article_id: str, fetched_at: datetime | None = None,
    published: str | None = None,
) -> list[Comment]:
    """The reader comments on one page, depth-first in display order; [] when there are none.

    Relative dates ("3 days ago", "vor 2 Tagen") are resolved against ``fetched_at``, the time
    the page was captured (now if None; pass the capture's own time when re-reading archived
    pages). Dates shown without a year ("June 28") take it from ``published``, the article's
    date (else the one the page declares), and the thread's order. Never raises on bad input.
    """
    if not html or "omment" not in html:
        return []
    try:
        root = _parse(html)
        if root is None:
            return []
        return _Extractor(url, article_id, fetched_at, root, html, published).run()
    except (etree.LxmlError, ValueError, TypeError, AttributeError, KeyError, IndexError,
            RecursionError, UnicodeError):
        return []


def comment_page_urls(url: str, html: str) -> list[str]:
    """Absolute URLs (no fragment) of the other pages of this article's comments, in page order.

    Recognises WordPress ``/comment-page-N/`` and ``?cpage=N``, Blogger ``?commentPage=N``, and
    links labelled "Older/Newer comments" that stay on this article. Scans hrefs with a regex
    instead of parsing again: the page is already parsed once by ``extract_comments``.
    """
    if not html or not url:
        return []
    try:
        here = _article_base(url)
        this_page = urldefrag(url)[0]
        found: dict[str, None] = {}
        for match in _ANCHOR.finditer(html):
            raw_href, raw_label = match.group("href", "label")
            # Cheap tests on the raw markup first: few of a page's hundreds of links qualify.
            if not (_PAGING_HREF_HINT.search(raw_href) or _PAGING_LABEL_HINT.search(raw_label)):
                continue
            href = html_lib.unescape(raw_href).strip()
            label = clean_inline(html_lib.unescape(_TAG.sub(" ", raw_label)))
            is_paging = _PAGING_HREF.search(href) or _PAGING_LABEL.search(label)
            if not is_paging or href.startswith(("javascript:", "mailto:")):
                continue
            absolute = urldefrag(urljoin(url, href))[0]
            if absolute == this_page or _article_base(absolute) != here:
                continue
            if absolute.split("//", 1)[-1] == this_page.split("//", 1)[-1]:
                continue
            found.setdefault(absolute, None)
        return list(found)
    except ValueError:
        return []


def comment_container_xpath() -> str:
    """XPath union of comment sections (lists and forms), for article body extraction to drop."""
    return X.CONTAINERS


# --- parsing -------------------------------------------------------------------------------

# Plain etree elements: lxml.html's HtmlElement class lookup costs more than the rest of the pass.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, encoding="utf-8")


_HIDDEN_STYLE = re.compile(X.HIDDEN_STYLE, re.I)
_NOT_COMMENT_TOKENS = frozenset(X.NOT_COMMENT_TOKENS)
_SIDEBAR_TOKENS = frozenset(X.SIDEBAR_TOKENS)
# every token and part above contains one of these: a cheap first test for most elements
_NAME_HINTS = re.compile(
    "omment|respond|repl|side|secondary|widget|related|shar|author|form|pingl|pingb|trackb", re.I)


def _is_not_comment(names: str) -> bool:
    low = names.lower()
    tokens = low.split()
    return any(part in low for part in X.NOT_COMMENT_PARTS) or not _NOT_COMMENT_TOKENS.isdisjoint(
        tokens
    )


def _is_sidebar(el: etree._Element, names: str) -> bool:
    """A sidebar, unless an old theme put the article itself in it."""
    return not _SIDEBAR_TOKENS.isdisjoint(names.lower().split()) and not el.xpath(X.SIDEBAR_KEEP)


def _drop_non_comments(root: etree._Element) -> None:
    """Remove what is never a reader comment, in one pass over the elements."""
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
        names = f"{attrib.get('class', '')} {attrib.get('id', '')}"
        style = attrib.get("style")
        if (
            "hidden" in attrib
            or (style and _HIDDEN_STYLE.search(style))
            or (
                len(names) > 1
                and _NAME_HINTS.search(names)
                and (_is_not_comment(names) or _is_sidebar(el, names))
            )
        ):
            doomed.append(el)
    doomed.extend(root.xpath(X.COMMENT_FORMS))
    for el in doomed:
        _drop_tree(el)


def _drop_tree(el: etree._Element) -> None:
    """Remove an element and its children, keeping its tail text (lxml.html's drop_tree)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _text_content(el: etree._Element) -> str:
    return "".join(el.itertext())


def _parse(html: str) -> etree._Element | None:
    # Encode ourselves: lxml refuses str input that carries an XML encoding declaration.
    data = html.replace("\x00", "").encode("utf-8", errors="replace")
    if not data.strip():
        return None
    return etree.fromstring(data, parser=_PARSER)


def _first(node: etree._Element, xpaths: Iterable[str]) -> object | None:
    """First non-blank hit: an attribute value (str) or an element with some text."""
    for xpath in xpaths:
        for hit in node.xpath(xpath):
            if isinstance(hit, str):
                if hit.strip():
                    return str(hit)
            elif isinstance(hit, etree._Element) and _text_content(hit).strip():
                return hit
    return None


def _hits(node: etree._Element, xpaths: Iterable[str], limit: int = 6) -> list:
    """Every non-blank hit of the XPaths, in order (for dates: the first that reads wins)."""
    found: list = []
    for xpath in xpaths:
        for hit in node.xpath(xpath):
            if isinstance(hit, str):
                if hit.strip() and hit not in found:
                    found.append(hit)
            elif isinstance(hit, etree._Element) and hit not in found \
                    and _text_content(hit).strip():
                found.append(hit)
            if len(found) >= limit:
                return found
    return found


def _element_of(hit: object) -> etree._Element | None:
    if isinstance(hit, etree._Element):
        return hit
    owner = getattr(hit, "getparent", None)  # lxml attribute results know their element
    return owner() if owner else None


def _author_beside(date_el: etree._Element, node: etree._Element) -> etree._Element | None:
    """The short text shown just before the date ("<h3>Name</h3><p>date</p>"), for markup
    that marks no element as the author."""
    el = date_el
    while el is not None and el is not node:
        for sib in el.itersiblings(preceding=True):
            if not isinstance(sib.tag, str) or sib.tag in SKIP_TAGS:
                continue
            text = clean_inline(_text_content(sib))
            if not text:
                continue
            if len(text) <= _MAX_NAME and any(c.isalpha() for c in text) \
                    and not _BUTTON_LINE.match(text) and not _NO_COMMENTS.match(text):
                return sib
            return None
        el = el.getparent()
    return None


def _heading_name(node: etree._Element, text_el: etree._Element | None) -> etree._Element | None:
    """A comment's first words set apart as a heading or link ("<h3>Marius</h3>"), short like a
    name: its author, for markup that marks none."""
    for el in node.iter(*_NAME_TAGS):
        words = _text_content(el).split()
        if not words:
            continue
        if len(words) > _MAX_HEADING_WORDS or len(" ".join(words)) > _MAX_NAME // 2 or \
                any(c in " ".join(words) for c in ".!?:") or _BUTTON_LINE.match(" ".join(words)):
            return None
        rendered = " ".join(_render(node, set(node.xpath(X.JUNK))).split())
        return el if rendered.startswith(" ".join(words)) else None
    return None


def _post_date(raw: str) -> date | None:
    """The article's own publication day, declared in its head (JSON-LD, Open Graph)."""
    match = _DATE_PUBLISHED.search(raw)
    if not match:
        return None
    value = next(g for g in match.groups() if g)
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _text_of(value: object) -> str:
    if isinstance(value, etree._Element):
        return clean_inline(_render(value, set(value.xpath(X.JUNK))).replace("\n", " "))
    return clean_inline(str(value)) if value else ""


def _render(root: etree._Element, skip: set) -> str:
    """Visible text with paragraphs: block elements end a paragraph, <br> ends a line."""
    parts: list[str] = []

    def walk(el: etree._Element, is_root: bool = False) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag and el not in skip and tag not in SKIP_TAGS:
            if tag == "br":
                parts.append("\n")
            elif tag in BLOCK_TAGS:
                parts.append("\n\n")
            if el.text:
                parts.append(el.text if tag == "pre" else _WS.sub(" ", el.text))
            for child in el:
                walk(child)
            if tag in BLOCK_TAGS:
                parts.append("\n\n")
        if el.tail and not is_root:
            parts.append(_WS.sub(" ", el.tail))

    walk(root, True)
    return "".join(parts)


def _is_line(el: etree._Element) -> bool:
    return len(_text_content(el)) <= _MAX_BYLINE


def _enclosing_line(el: etree._Element, stop: etree._Element) -> etree._Element:
    """The short block (a byline such as <p><cite>Name</cite> — date</p>) that holds ``el``."""
    best = el
    for anc in el.iterancestors():
        if anc is stop or len(_text_content(anc)) > _MAX_AUTHOR:
            break
        best = anc
    return best


def _clean_text(raw: str) -> str:
    paragraphs = []
    for para in clean_block(raw).split("\n\n"):
        lines = [line for line in para.split("\n") if not _BUTTON_LINE.match(line)]
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def _clean_author(text: str) -> str | None:
    text = clean_inline(text)
    text = _AUTHOR_DATE_TAIL.sub("", text)
    text = _AUTHOR_PREFIX.sub("", _AUTHOR_SUFFIX.sub("", text)).strip(" :–—,|")
    text = _DASHES.sub("", text)
    if not text or len(text) > _MAX_AUTHOR:
        return None
    return text


def _on_page_id(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if "#" in value:  # permalinks and RDFa @about: "/comment/12#comment-12"
        value = value.rsplit("#", 1)[1]
    match = _ON_PAGE_ID.match(value)
    if match:
        return f"comment-{match.group(1) or match.group(2)}"
    return value if any(c.isdigit() for c in value) else None


class _Extractor:
    def __init__(
        self, url: str, article_id: str, fetched_at: datetime | None, root: etree._Element,
        raw: str, published: str | None = None,
    ) -> None:
        self.url = url
        self.article_id = article_id
        self.base_time = fetched_at or datetime.now(UTC)
        self.root = root
        self.raw = raw
        self._markers: dict[str, bool] = {}
        full_lang = (root.xpath(X.HTML_LANG) or [""])[0].lower().strip().replace("_", "-")
        lang = full_lang.split("-")[0]
        self.languages = [lang, "en"] if lang.isalpha() and lang != "en" else None
        self.month_first = full_lang == "en-us"
        self.post_date = (_day(published) if published else None) or _post_date(raw)

    def _has(self, marker: str) -> bool:
        if marker not in self._markers:
            self._markers[marker] = marker in self.raw
        return self._markers[marker]

    def run(self) -> list[Comment]:
        jsonld = [t for t in self.root.xpath(X.JSONLD) if '"comment"' in t]
        _drop_non_comments(self.root)
        for family in FAMILIES:
            if family.name == "generic":
                found = self._dl_lists() or self._jsonld(jsonld)
                if found:
                    return found
            if not any(self._has(m) for m in family.markers):
                continue
            found = self._family(family)
            if found:
                return found
        return []

    # --- element families ---

    def _family(self, fam: Family) -> list[Comment]:
        nodes = self.root.xpath(fam.nodes, namespaces=X.REGEX_NS)
        if not nodes:
            return []
        node_set = set(nodes)
        parents = {node: self._parent_node(node, node_set) for node in nodes}
        fields: dict[etree._Element, dict] = {}
        # Deepest first: read a comment, then detach it so its parent never sees its markup.
        for node in reversed(nodes):
            fields[node] = self._read(node, fam)
            parent = node.getparent()
            if parent is not None:
                parent.remove(node)
        kept = [n for n in nodes if self._is_comment(fields[n], fam)]
        kept_set = set(kept)
        ids: dict[etree._Element, str] = {}
        comments = []
        for node in kept:
            fields[node]["shown"] = self._date(fields[node]["date_hits"], fields[node]["url"])
        published = self._complete_years([fields[node]["shown"] for node in kept])
        for position, node in enumerate(kept):
            data = fields[node]
            data["published"] = published[position]
            parent = parents[node]
            while parent is not None and parent not in kept_set:
                parent = parents[parent]
            cid = self._record_id(data)
            ids[node] = cid
            comments.append(Comment(
                id=cid, article_id=self.article_id,
                parent_id=ids.get(parent) if parent is not None else None, position=position,
                author=data["author"], author_url=data["author_url"],
                published=data["published"], text=data["text"], url=data["url"],
            ))
        return _unique_ids(comments)

    @staticmethod
    def _parent_node(node: etree._Element, node_set: set) -> etree._Element | None:
        for anc in node.iterancestors():
            if anc in node_set:
                return anc
            if _REPLY_CONTAINER.search(anc.get("class", "")):
                for sib in anc.itersiblings(preceding=True):
                    if sib in node_set:
                        return sib
                    if sib.tag == "a" and not (sib.text or "").strip():
                        continue  # Drupal's <a id="comment-12"></a> anchors
                    break
        return None

    def _read(self, node: etree._Element, fam: Family) -> dict:
        author_el = _first(node, fam.author)
        date_hits = _hits(node, fam.date)
        date_el = next((h for h in date_hits if isinstance(h, etree._Element)), None)
        if author_el is None and date_el is not None:
            author_el = _author_beside(date_el, node)
        permalink = _first(node, fam.permalink)
        permalink = self._absolute(permalink) if isinstance(permalink, str) else None
        text_el = _first(node, fam.text)
        title_el = _first(node, fam.title) if fam.title else None
        skip = set(node.xpath(X.JUNK))
        # the author, date and title are fields (or no part of the text): never in the text
        # (a long block holding the date, "vcard" themes, is the comment itself: kept)
        for extra in (author_el, date_el, title_el):
            if isinstance(extra, etree._Element) and _is_line(extra):
                skip.add(extra)
        skip.update(node.xpath(X.META))
        if not isinstance(text_el, etree._Element):
            text_el = node if fam.whole_node_text else None
        text = _clean_text(_render(text_el, skip)) if text_el is not None else ""
        if not text and text_el is not None:
            # Some themes put the whole comment inside .comment-author or the meta row: keep
            # those, skip only the short lines that hold the author and the date.
            skip = set(node.xpath(X.JUNK))
            for extra in (author_el, date_el, title_el):
                if isinstance(extra, etree._Element) and _is_line(extra):
                    skip.add(_enclosing_line(extra, node))
            text = _clean_text(_render(text_el, skip))
        author = _clean_author(_text_of(author_el)) if author_el is not None else None
        if author and any(c.isdigit() for c in author):
            # "Name 29.07.2020 // 12:56", "Name June 28": the date is in the author element
            split = self._split_byline(author)
            if split:
                author = split[0]
                date_hits = date_hits or [split[1]]
        if text and (author is None or not date_hits):
            # "geschrieben von Name am 21. Jan. 2015, 19:04", "Name - Le 22/01/2020 à 12:01":
            # a byline written into the comment's text, first or last line
            text, byline = self._text_byline(text)
            if byline:
                author = author or byline[0]
                date_hits = date_hits or [byline[1]]
        if author is None and text and date_hits and self._date(date_hits, permalink):
            heading = _heading_name(node, text_el)
            if heading is not None:
                author = _clean_author(_text_of(heading))
                text = _clean_text(_render(text_el, skip | {heading})) if text_el is not None \
                    else text
                if author_el is None:
                    author_el = heading
        if text:  # a line that is only the date ("März 7, 2018") is never text
            text, shown = self._date_line(text)
            if shown and not date_hits:
                date_hits = [shown]
        author_url = None
        if fam.author_url:
            hit = _first(node, fam.author_url)
            author_url = self._absolute(hit) if isinstance(hit, str) else None
        elif isinstance(author_el, etree._Element):
            hrefs = author_el.xpath("./@href | .//a/@href")
            author_url = self._absolute(hrefs[0]) if hrefs else None
        id_hit = _first(node, fam.ids) if fam.ids else None
        own_id = node.get("id") or ""
        on_page = (
            (_on_page_id(own_id) if "comment" in own_id else None)
            or (_on_page_id(id_hit) if isinstance(id_hit, str) else None)
            or _on_page_id(own_id)
            or (_on_page_id(permalink) if permalink and "#" in permalink else None)
        )
        return {
            "on_page_id": on_page,
            "author": author,
            "author_url": author_url,
            "date_hits": date_hits,
            "published": None,  # parsed only for kept comments: dateparser is the slow part
            "text": text,
            "url": permalink,
        }

    def _shown(self, text: str, strict: bool = False) -> ShownDate | None:
        return shown_date(text, self.languages, self.base_time, self.month_first, strict)

    def _split_byline(self, line: str) -> tuple[str, str] | None:
        """("Name", "date words") from "Name - Le 22/01/2020", "Name June 28", "Name, 3 days
        ago"; None unless the line is a short name followed by a date."""
        line = _AUTHOR_PREFIX.sub("", line)
        words = line.split()
        if len(words) < 2 or len(line) > _MAX_BYLINE:
            return None
        for cut in range(1, min(len(words), _MAX_NAME_WORDS + 1)):
            name = _clean_author(" ".join(words[:cut]))
            rest = " ".join(words[cut:])
            if name and not any(c.isdigit() for c in name) and self._shown(rest, strict=True):
                return name, rest
        return None

    def _text_byline(self, text: str) -> tuple[str, tuple[str, str] | None]:
        lines = text.split("\n")
        for index in (0, len(lines) - 1):
            line = lines[index]
            if len(lines) > 1 and len(line) <= _MAX_BYLINE and any(c.isdigit() for c in line):
                split = self._split_byline(_BYLINE_TAIL.sub("", line))
                if split:
                    del lines[index]
                    return _clean_text("\n".join(lines)), split
        return text, None

    def _date_line(self, text: str) -> tuple[str, str | None]:
        """A first or last line that is only a date ("März 7, 2018"): the date, not text."""
        lines = text.split("\n")
        for index in (0, len(lines) - 1):
            line = lines[index].strip()
            if len(lines) > 1 and len(line) <= _MAX_DATE_LINE and any(c.isdigit() for c in line) \
                    and not _WORDY.search(line) and "/" not in line.replace(" / ", "") \
                    and self._shown(line, strict=True):
                del lines[index]
                return _clean_text("\n".join(lines)), line
        return text, None

    @staticmethod
    def _is_comment(data: dict, fam: Family) -> bool:
        text = data["text"]
        if not text or _NO_COMMENTS.match(text) or _PINGBACK.search(text):
            return False
        if data["author"] and _PINGBACK_AUTHOR.match(data["author"]):
            return False
        if fam.needs_meta:
            return bool(data["author"] or data["date_hits"])
        return bool(data["author"] or data["date_hits"] or data["on_page_id"])

    def _record_id(self, data: dict) -> str:
        if data["on_page_id"]:
            return record_id(self.article_id, data["on_page_id"])
        return record_id(self.article_id, data["author"] or "", data["published"] or "",
                         data["text"])

    def _absolute(self, href: str | None) -> str | None:
        if not href:
            return None
        href = href.strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:")) or href == "#":
            return None
        return join_url(self.url, href)

    def _date(self, hits: object, permalink: str | None) -> ShownDate | None:
        """The first candidate that reads as a date; an element's title (the exact time behind
        "3 hours ago") before its text."""
        if permalink:
            match = _SHOW_COMMENT.search(permalink)
            if match:  # Blogger: the comment's own UTC timestamp in milliseconds
                value = _from_epoch(match.group(1))
                if value:
                    return ShownDate(value, True)
        for hit in hits if isinstance(hits, list) else [hits]:
            if hit is None:
                continue
            texts = []
            if isinstance(hit, etree._Element):
                texts.extend(str(t) for t in hit.xpath("./@title | .//*/@title")[:3])
                texts.append(_text_of(hit))
            else:
                texts.append(clean_inline(str(hit)))
            for text in texts:
                if _EPOCH.match(text):
                    value = _from_epoch(text)
                    if value:
                        return ShownDate(value, True)
                    continue
                shown = self._shown(text)
                if shown:
                    return shown
        return None

    def _published(self, hit: object, permalink: str | None) -> str | None:
        return self._complete_years([self._date(hit, permalink)])[0]

    def _complete_years(self, shown: list[ShownDate | None]) -> list[str | None]:
        """ISO dates of one thread, the year of "June 28" inferred: the first such day on or
        after the post's date (else the last before the capture time), and not before the
        comment shown above it when the thread runs oldest first."""
        days = [_day(s.value) if s else None for s in shown]
        yearless = [d for s, d in zip(shown, days, strict=True) if s and not s.has_year and d]
        ascending = sum(b >= a for a, b in itertools.pairwise(yearless)) >= \
            sum(b < a for a, b in itertools.pairwise(yearless))
        limit = self.base_time.date()
        out: list[str | None] = []
        previous: date | None = None
        for item, day in zip(shown, days, strict=True):
            if item is None or day is None:
                out.append(item.value if item else None)
                continue
            if not item.has_year:
                if self.post_date:
                    day = _with_year(day, self.post_date.year)
                    if day < self.post_date:
                        day = _with_year(day, day.year + 1)
                else:
                    day = _with_year(day, limit.year)
                if ascending and previous and day < previous:
                    day = _with_year(day, previous.year + (day.replace(year=2000) <
                                                           previous.replace(year=2000)))
                while day > limit and (not self.post_date or day.year > self.post_date.year):
                    day = _with_year(day, day.year - 1)
                out.append(day.isoformat() + item.value[10:])
            else:
                out.append(item.value)
            previous = day
        return out

    # --- dl lists (classic Blogger and generic) ---

    def _dl_lists(self) -> list[Comment]:
        comments: list[Comment] = []
        for dl in self.root.xpath(X.DL_LISTS):
            items: list[tuple[etree._Element, list[etree._Element]]] = []
            for child in dl:
                if child.tag == "dt":
                    items.append((child, []))
                elif child.tag == "dd" and items:
                    items[-1][1].append(child)
            for dt, dds in items:
                comment = self._dl_item(dt, dds, len(comments))
                if comment is not None:
                    comments.append(comment)
        return _unique_ids(comments)

    def _dl_item(
        self, dt: etree._Element, dds: list[etree._Element], position: int
    ) -> Comment | None:
        if not dds:
            return None
        author_el = _first(dt, X.DL_AUTHOR)
        date_hit = None
        permalink = None
        for el in [dt, *dds]:
            if date_hit is None:
                date_hit = _first(el, X.DL_DATE)
            permalink = permalink or _first(el, X.DL_PERMALINK)
        permalink = self._absolute(permalink) if isinstance(permalink, str) else None
        author = _clean_author(_text_of(author_el)) if author_el is not None else None
        if author_el is None or date_hit is None:
            # "Name said..." / "Name on 3 March 2015": the dt's own words
            words = _text_of(dt)
            if author_el is None:
                author = _clean_author(re.split(r"\s+(?:on|am|le|el)\s+|,", words)[0])
            if date_hit is None and author:
                rest = words.replace(author, "", 1)
                rest = _DT_FILLER.sub("", rest)
                date_hit = rest if any(c.isdigit() for c in rest) else None
        text_dds = [dd for dd in dds if "comment-footer" not in dd.get("class", "")] or dds[:1]
        skip = set()
        for dd in text_dds:
            skip.update(dd.xpath(X.DL_TEXT_JUNK))
            skip.update(dd.xpath(X.JUNK))
            if isinstance(date_hit, etree._Element):
                skip.add(date_hit)
        text = _clean_text("\n\n".join(_render(dd, skip) for dd in text_dds))
        if not text or _NO_COMMENTS.match(text) or not (author or date_hit is not None):
            return None
        on_page = _on_page_id(dt.get("id")) or _on_page_id(
            (dt.xpath("./a/@name") or [None])[0]
        ) or (_on_page_id(permalink) if permalink and "#" in permalink else None)
        published = self._complete_years([self._date(date_hit, permalink)])[0]
        data = {"on_page_id": on_page, "author": author, "published": published, "text": text}
        author_url = None
        if isinstance(author_el, etree._Element):
            hrefs = author_el.xpath("./@href | .//a/@href")
            author_url = self._absolute(hrefs[0]) if hrefs else None
        return Comment(id=self._record_id(data), article_id=self.article_id, position=position,
                       author=author, author_url=author_url, published=published, text=text,
                       url=permalink)

    # --- JSON-LD ---

    def _jsonld(self, blocks: list[str]) -> list[Comment]:
        comments: list[Comment] = []
        for block in blocks:
            try:
                data = json.loads(block)
            except ValueError:
                continue
            for holder in _comment_holders(data):
                for item in _as_list(holder.get("comment")):
                    self._jsonld_comment(item, None, comments)
        return _unique_ids(comments)

    def _jsonld_comment(self, item: object, parent_id: str | None, out: list[Comment]) -> None:
        if not isinstance(item, dict):
            return
        text = _html_to_text(_str(item.get("text") or item.get("commentText")
                                  or item.get("description")))
        author, author_url = _jsonld_author(item.get("author") or item.get("creator"))
        published = self._published(
            _str(item.get("dateCreated") or item.get("datePublished")), None)
        permalink = self._absolute(_str(item.get("url"))) if item.get("url") else None
        anchor = permalink if permalink and "#" in permalink else _str(item.get("@id"))
        on_page = _on_page_id(anchor) if anchor and "#" in anchor else None
        cid = self._record_id({"on_page_id": on_page, "author": author,
                               "published": published, "text": text})
        if text:
            out.append(Comment(id=cid, article_id=self.article_id, parent_id=parent_id,
                               position=len(out), author=author, author_url=author_url,
                               published=published, text=text, url=permalink))
        for reply in _as_list(item.get("comment")):
            self._jsonld_comment(reply, cid if text else parent_id, out)


def _comment_holders(data: object) -> Iterator[dict]:
    """JSON-LD objects (not themselves comments) that carry a ``comment`` property."""
    stack = [data]
    while stack:
        obj = stack.pop()
        if isinstance(obj, list):
            stack.extend(reversed(obj))
        elif isinstance(obj, dict):
            types = obj.get("@type")
            types = types if isinstance(types, list) else [types]
            if "Comment" in types:
                continue
            if "comment" in obj:
                yield obj
            stack.extend(v for k, v in obj.items() if k != "comment" and isinstance(v, dict | list))


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _str(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name") or ""
    return str(value) if value is not None else ""


def _jsonld_author(value: object) -> tuple[str | None, str | None]:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        name = _clean_author(_str(value.get("name")))
        url = _str(value.get("url")) or None
        return name, url
    return (_clean_author(value) if isinstance(value, str) else None), None


_TAG = re.compile(r"<[^>]+>")
_BREAK_TAG = re.compile(r"<br\s*/?>", re.I)
_PARA_TAG = re.compile(r"</?(p|div|blockquote|li|ul|ol)\b[^>]*>", re.I)


def _html_to_text(text: str) -> str:
    # JSON-LD text is plain text or a small HTML fragment; a parse per comment would cost more.
    if "<" in text:
        text = _PARA_TAG.sub("\n\n", _BREAK_TAG.sub("\n", text))
        text = _TAG.sub("", text)
    return _clean_text(html_lib.unescape(text))


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _with_year(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def _from_epoch(digits: str) -> str | None:
    try:
        seconds = int(digits) / (1000 if len(digits) > 11 else 1)
        return datetime.fromtimestamp(seconds, UTC).isoformat()
    except (ValueError, OverflowError, OSError):
        return None


def _unique_ids(comments: list[Comment]) -> list[Comment]:
    """The same on-page id twice (copied markup) would make two records one: keep the first."""
    seen: set[str] = set()
    out = []
    for comment in comments:
        if comment.id in seen:
            continue
        seen.add(comment.id)
        comment.position = len(out)
        out.append(comment)
    valid = {c.id for c in out}
    for comment in out:
        if comment.parent_id not in valid:
            comment.parent_id = None
    return out


# --- comment pagination ---

_ANCHOR = re.compile(
    r"<a\b[^>]*?\bhref\s*=\s*[\"'](?P<href>[^\"'<>]+)[\"'][^>]*>(?P<label>.{0,300}?)</a\s*>",
    re.I | re.S,
)
_PAGING_HREF = re.compile(r"/comment-page-\d+|[?&](?:cpage|commentPage|comments_page)=\d+", re.I)
_PAGING_LABEL = re.compile(
    r"(older|newer|previous|next|more|ältere|neuere|vorherige|nächste|weitere)\s+"
    r"(comments|kommentare)|commentaires\s+(plus\s+)?(anciens|récents)|"
    r"(comentarios\s+(anteriores|más\s+recientes))",
    re.I,
)
# Supersets of the two above, tested on raw (unescaped, tagged) markup.
_PAGING_HREF_HINT = re.compile(r"comment-page-|cpage=|commentpage=|comments_page=", re.I)
_PAGING_LABEL_HINT = re.compile(r"ment", re.I)  # comments, kommentare, commentaires, comentarios
_PAGE_PARAMS = frozenset({"cpage", "commentpage", "comments_page", "page", "showcomment"})


def _article_base(url: str) -> str:
    """The article a (comment page) URL belongs to: no comment-page part, paging or fragment."""
    parts = urlsplit(url)
    path = re.sub(r"/comment-page-\d+/?$", "/", parts.path).rstrip("/")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in _PAGE_PARAMS])
    host = parts.netloc.lower().removeprefix("www.")
    return urlunsplit(("", host, path, query, ""))
