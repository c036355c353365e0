"""Event-site pages (DESIGN §2): day indexes and event pages, as Markdown or as HTML renderings.

Markdown is rendered to HTML with markdown-it-py, so one HTML reader serves both renderings and
they cannot drift apart. The reader walks the headings: the ``h1`` is the headline, the paragraphs
after it the summary, and the lists under the "Source" and "Related" headings the links.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Literal
from urllib.parse import urlsplit

import lxml.html
from lxml import etree
from markdown_it import MarkdownIt

from newsarchive.items import Event, Related, Source
from newsarchive.parsing.html import join_url
from newsarchive.parsing.sources import checked_url_key, is_valid_link, make_source, source_kind
from newsarchive.parsing.text import clean_inline
from newsarchive.urls import url_id

DAY_INDEX_PATH = re.compile(r"/news/(\d{4})/(\d{1,2})/(\d{1,2})/index\.(?:md|html?)$")
EVENT_PATH = re.compile(r"/news/(\d{4})/(\d{1,2})/(\d{1,2})/(?!index\.)[^/]+\.(?:md|html?)$")
CONTEXT_PREFIX = re.compile(r"^\s*context\s*:\s*", re.IGNORECASE)
SOURCE_HEADING = re.compile(r"^\s*sources?\s*:?\s*$", re.IGNORECASE)
RELATED_HEADING = re.compile(r"^\s*related(?: events)?\s*:?\s*$", re.IGNORECASE)

# Where the content of an HTML rendering lives when the page has a site template around it.
NESTED_BLOCKS_XPATH = ".//h1 | .//h2 | .//h3 | .//h4 | .//ol | .//ul"
CONTENT_XPATH = "//main | //article | //*[@role='main'] | //*[@id='content']"

_markdown = MarkdownIt("commonmark")
# markdown-it logs each block rule it tries at DEBUG; under Scrapy (root logger at DEBUG, level
# filtered by the handler) that builds a log record per rule per block of every event page.
logging.getLogger("markdown_it").setLevel(logging.INFO)


PageKind = Literal["event", "day"]


class NotAnEventPage(ValueError):
    """The page has no event on it (no headline): the caller counts a drop."""


def is_markdown(url: str, body: str) -> bool:
    path = urlsplit(url).path.lower()
    if path.endswith(".md"):
        return True
    if path.endswith((".html", ".htm")):
        return False
    return body.lstrip()[:1] != "<"


def to_html_tree(url: str, body: str) -> etree._Element | None:
    """Parse either rendering into an lxml tree (None for an empty body)."""
    if not body or not body.strip():
        return None
    html = _markdown.render(body) if is_markdown(url, body) else body
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def date_from_path(url: str) -> str | None:
    """YYYY-MM-DD from ``/news/YYYY/MM/D/...`` (day not zero-padded), or None."""
    match = re.search(r"/news/(\d{4})/(\d{1,2})/(\d{1,2})/", urlsplit(url).path)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def day_index_path(year: int, month: int, day: int) -> str:
    return f"/news/{year:04d}/{month:02d}/{day}/index.md"


def is_day_index_url(url: str) -> bool:
    return bool(DAY_INDEX_PATH.search(urlsplit(url).path))


def is_event_url(url: str) -> bool:
    return bool(EVENT_PATH.search(urlsplit(url).path))


def page_kind(url: str, body: str) -> PageKind | None:
    """What an event-site page is by its content, whatever its URL says (None: it does not say).

    A headline (``# ...``) with a "Source" section is an event page; a page linking to event
    pages with neither a "Source" nor a "Related" section is a day index. The spiders and
    ``newsarchive extract`` ask this first and fall back on the URL only when it is None: an
    event page served at ``.../index.md`` is still an event.
    """
    tree = to_html_tree(url, body)
    if tree is None:
        return None
    root = _content_root(tree)
    headings = [clean_inline(node.text_content()) for node in root.iter("h1", "h2", "h3", "h4")]
    has_source = any(SOURCE_HEADING.match(text) for text in headings)
    has_related = any(RELATED_HEADING.match(text) for text in headings)
    if has_source and any(clean_inline(h.text_content()) for h in root.iter("h1")):
        return "event"
    if not has_source and not has_related and parse_day_index(url, body):
        return "day"
    return None


def parse_day_index(url: str, body: str) -> list[str]:
    """Absolute URLs of the event pages a day index links to, in page order, without repeats."""
    tree = to_html_tree(url, body)
    if tree is None:
        return []
    seen: dict[str, None] = {}
    for href in tree.xpath("//a/@href"):
        absolute = _absolute(url, href.strip())
        if is_event_url(absolute) and is_valid_link(absolute):
            seen.setdefault(absolute.split("#", 1)[0], None)
    return list(seen)


def _content_root(tree: etree._Element) -> etree._Element:
    for node in tree.xpath(CONTENT_XPATH):
        if node.xpath(".//h1"):
            return node
    return tree


def _sections(root: etree._Element) -> tuple[etree._Element | None, dict[str, list]]:
    """The headline element and the elements under each later heading, in document order."""
    headline = None
    sections: dict[str, list] = {"summary": [], "source": [], "related": [], "other": []}
    current = None
    for node in root.iter("h1", "h2", "h3", "h4", "p", "ol", "ul", "blockquote"):
        if node.tag == "h1" and headline is None:
            headline, current = node, "summary"
            continue
        if node.tag in {"h1", "h2", "h3", "h4"}:
            text = clean_inline(node.text_content())
            if SOURCE_HEADING.match(text):
                current = "source"
            elif RELATED_HEADING.match(text):
                current = "related"
            elif headline is not None:
                current = "other"
            continue
        if current is None or _inside_list(node):
            continue
        sections[current].append(node)
    return headline, sections


def _inside_list(node: etree._Element) -> bool:
    """Lists and paragraphs inside a list item belong to that item, not to a section."""
    return any(ancestor.tag in {"li", "ol", "ul"} for ancestor in node.iterancestors())


def _own_text(node: etree._Element) -> str:
    """Text of a paragraph without headings or lists that malformed HTML nested into it
    (libxml2 keeps ``<h3>``/``<ol>`` inside a ``<p>`` left open by an unclosed inline tag)."""
    if not node.xpath(NESTED_BLOCKS_XPATH):
        return node.text_content()
    clone = copy.deepcopy(node)
    for nested in clone.xpath(NESTED_BLOCKS_XPATH):
        nested.drop_tree()
    return clone.text_content()


def _list_items(nodes: list) -> list[etree._Element]:
    return [li for node in nodes if node.tag in {"ol", "ul"} for li in node.iterchildren("li")]


def _absolute(url: str, href: str) -> str:
    """``href`` resolved against the page; a malformed one (bad port...) is kept as written."""
    return join_url(url, href) or href


def _parse_sources(url: str, nodes: list) -> list[Source]:
    sources: list[Source] = []
    seen: set[str] = set()
    for li in _list_items(nodes):
        for link in li.iter("a"):
            href = (link.get("href") or "").strip()
            if not href or href.startswith(("#", "mailto:", "javascript:")):
                continue
            absolute = _absolute(url, href)
            if not absolute.lower().startswith(("http://", "https://")):
                continue
            checked = checked_url_key(absolute)
            key = checked or absolute
            if key in seen:
                continue
            seen.add(key)
            label = clean_inline(link.text_content())
            sources.append(make_source(absolute, label, source_kind(absolute, label), checked))
    return sources


def _parse_related(url: str, nodes: list) -> list[Related]:
    related: list[Related] = []
    for li in _list_items(nodes):
        link = next(iter(li.iter("a")), None)
        if link is None or not link.get("href"):
            continue
        absolute = _absolute(url, link.get("href").strip())
        if not is_valid_link(absolute):
            continue  # no id, cannot be followed: the event keeps its valid related links
        context: list[str] = []
        for emphasis in li.xpath(".//em | .//i"):
            text = clean_inline(emphasis.text_content())
            if CONTEXT_PREFIX.match(text):
                context = [t for t in (clean_inline(p) for p in
                                       CONTEXT_PREFIX.sub("", text).split(",")) if t]
        related.append(
            Related(
                id=url_id(absolute),
                url=absolute,
                headline=clean_inline(link.text_content()),
                context=context,
            )
        )
    return related


def _event_date(url: str, root: etree._Element) -> str | None:
    """The date line's day-index link inside the content (not a "Latest" link in a header)."""
    for href in root.xpath(".//a/@href"):
        absolute = _absolute(url, href)
        if is_day_index_url(absolute):
            return date_from_path(absolute)
    return date_from_path(url)


def parse_event_page(url: str, body: str, event_source: str = "site") -> Event:
    """One event page into an ``Event`` (run fields left empty).

    Raises ``NotAnEventPage`` when the page has no headline: such a page cannot be archived.
    """
    tree = to_html_tree(url, body)
    if tree is None:
        raise NotAnEventPage("empty page")
    root = _content_root(tree)
    headline_node, sections = _sections(root)
    headline = clean_inline(headline_node.text_content()) if headline_node is not None else ""
    if not headline:
        raise NotAnEventPage("no headline (h1 / '# ...')")
    paragraphs = (clean_inline(_own_text(node)) for node in sections["summary"])
    summary = "\n\n".join(p for p in paragraphs if p)
    related = _parse_related(url, sections["related"])
    # The page gives topics per related link; the event's own context is their union, in page order.
    context = list(dict.fromkeys(topic for item in related for topic in item.context))
    return Event(
        id=url_id(url),
        url=url,
        date=_event_date(url, root),
        headline=headline,
        summary=summary,
        context=context,
        category=None,
        sources=_parse_sources(url, sections["source"]),
        related=related,
        event_source=event_source,
    )
