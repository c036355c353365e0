"""Comment markup read by XPaths (``Family``): which elements are comments, where each keeps its
author, date, text, permalink and title, and how replies nest.

A comment's parent is the nearest enclosing comment (WordPress ``ul.children``, Blogger
``.comment-replies``, wpDiscuz ``.wpd-reply``, microdata nesting), or, for Drupal's layout, the
comment just before the ``div.indented`` that holds the reply. Elements are read deepest first
and detached once read, so a comment's XPaths never see its replies' markup and the whole page is
read in one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from newsarchive.items import Comment
from newsarchive.parsing import comment_xpaths as X
from newsarchive.parsing.comments.authors import author_beside, clean_author, heading_name
from newsarchive.parsing.comments.markup import (
    CANDIDATE_NAMES,
    CANDIDATE_TAGS,
    NO_COMMENTS,
    clean_text,
    element_test,
    enclosing_line,
    first,
    hits,
    is_line,
    junk,
    render,
    select,
    text_of,
)
from newsarchive.parsing.comments.model import ParsedComment, on_page_id, unique_ids
from newsarchive.parsing.comments.page import CommentPage

# Reply containers whose preceding sibling is the parent comment (Drupal's div.indented).
_REPLY_CONTAINER = re.compile(
    r"indent|children|repl(y|ies)|nested|thread|(^|[-_\s])(sub|answers?)([-_\s]|$)", re.I)
# Pingbacks shown as comments (no li.pingback class): "[…] excerpt of the citing post […]"
_PINGBACK = re.compile(r"(?:^|\n\n|\s[-–]\s)\[(…|\.\.\.)\][^\n]*\[(…|\.\.\.)\]", re.S)
_PINGBACK_AUTHOR = re.compile(r"^(pingback|trackback)\b", re.I)


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
    # What every element ``nodes`` selects has: one of these tags, and a class or id holding one
    # of these names (lower-cased). Given, ``nodes`` is tested only on such elements
    # (``CommentPage.nodes``), before the markers: a scan of the raw page for each marker that
    # is absent costs more than the test.
    scan_tags: frozenset[str] = frozenset()
    scan_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.scan_names:
            element_test(self.nodes)  # ValueError unless one step with positionless predicates
            if not self.scan_tags <= CANDIDATE_TAGS or not all(
                any(part in name for part in CANDIDATE_NAMES) for name in self.scan_names
            ):
                raise ValueError(f"{self.name}: its scan is not within the candidates")

    def find(self, page: CommentPage) -> list[Comment]:
        """This markup's comments on the page, depth-first in display order; [] if none."""
        if self.scan_names:
            nodes = page.nodes(self.nodes, self.scan_tags, self.scan_names)
            if not nodes or not any(page.has(m) for m in self.markers):
                return []
        else:
            if not any(page.has(m) for m in self.markers):
                return []
            nodes = select(page.root, self.nodes)
            if not nodes:
                return []
        node_set = set(nodes)
        parents = {node: _parent_node(node, node_set) for node in nodes}
        parsed: dict[etree._Element, ParsedComment] = {}
        # Deepest first: read a comment, then detach it so its parent never sees its markup.
        for node in reversed(nodes):
            parsed[node] = self._read(node, page)
            parent = node.getparent()
            if parent is not None:
                parent.remove(node)
        kept = [n for n in nodes if self._is_comment(parsed[n])]
        kept_set = set(kept)
        shown = [page.dates.date(parsed[node].date_hits, parsed[node].url) for node in kept]
        published = page.dates.complete_years(shown)
        ids: dict[etree._Element, str] = {}
        comments = []
        for position, node in enumerate(kept):
            comment = parsed[node]
            comment.published = published[position]
            parent = parents[node]
            while parent is not None and parent not in kept_set:
                parent = parents[parent]
            record = comment.to_record(
                page.article_id, position, ids.get(parent) if parent is not None else None)
            ids[node] = record.id
            comments.append(record)
        return unique_ids(comments)

    def _read(self, node: etree._Element, page: CommentPage) -> ParsedComment:
        dates = page.dates
        author_el = first(node, self.author)
        date_hits = hits(node, self.date)
        date_el = next((h for h in date_hits if isinstance(h, etree._Element)), None)
        if author_el is None and date_el is not None:
            author_el = author_beside(date_el, node)
        permalink = first(node, self.permalink)
        permalink = page.absolute(permalink) if isinstance(permalink, str) else None
        text_el = first(node, self.text)
        title_el = first(node, self.title) if self.title else None
        skip = set(junk(node))
        # the author, date and title are fields (or no part of the text): never in the text
        # (a long block holding the date, "vcard" themes, is the comment itself: kept)
        for extra in (author_el, date_el, title_el):
            if isinstance(extra, etree._Element) and is_line(extra):
                skip.add(extra)
        skip.update(select(node, X.META))
        if not isinstance(text_el, etree._Element):
            text_el = node if self.whole_node_text else None
        text = clean_text(render(text_el, skip)) if text_el is not None else ""
        if not text and text_el is not None:
            # Some themes put the whole comment inside .comment-author or the meta row: keep
            # those, skip only the short lines that hold the author and the date.
            skip = set(junk(node))
            for extra in (author_el, date_el, title_el):
                if isinstance(extra, etree._Element) and is_line(extra):
                    skip.add(enclosing_line(extra, node))
            text = clean_text(render(text_el, skip))
        author = clean_author(text_of(author_el)) if author_el is not None else None
        if author and any(c.isdigit() for c in author):
            # "Name 29.07.2020 // 12:56", "Name June 28": the date is in the author element
            split = dates.split_byline(author)
            if split:
                author = split[0]
                date_hits = date_hits or [split[1]]
        if text and (author is None or not date_hits):
            # "geschrieben von Name am 21. Jan. 2015, 19:04", "Name - Le 22/01/2020 à 12:01":
            # a byline written into the comment's text, first or last line
            text, byline = dates.text_byline(text)
            if byline:
                author = author or byline[0]
                date_hits = date_hits or [byline[1]]
        if author is None and text and date_hits and dates.date(date_hits, permalink):
            heading = heading_name(node)
            if heading is not None:
                author = clean_author(text_of(heading))
                text = clean_text(render(text_el, skip | {heading})) if text_el is not None \
                    else text
                if author_el is None:
                    author_el = heading
        if text:  # a line that is only the date ("März 7, 2018") is never text
            text, shown = dates.date_line(text)
            if shown and not date_hits:
                date_hits = [shown]
        author_url = None
        if self.author_url:
            hit = first(node, self.author_url)
            author_url = page.absolute(hit) if isinstance(hit, str) else None
        elif isinstance(author_el, etree._Element):
            hrefs = select(author_el, "./@href | .//a/@href")
            author_url = page.absolute(hrefs[0]) if hrefs else None
        id_hit = first(node, self.ids) if self.ids else None
        own_id = node.get("id") or ""
        on_page = (
            (on_page_id(own_id) if "comment" in own_id else None)
            or (on_page_id(id_hit) if isinstance(id_hit, str) else None)
            or on_page_id(own_id)
            or (on_page_id(permalink) if permalink and "#" in permalink else None)
        )
        return ParsedComment(text=text, author=author, author_url=author_url, url=permalink,
                             on_page_id=on_page, date_hits=date_hits)

    def _is_comment(self, comment: ParsedComment) -> bool:
        text = comment.text
        if not text or NO_COMMENTS.match(text) or _PINGBACK.search(text):
            return False
        if comment.author and _PINGBACK_AUTHOR.match(comment.author):
            return False
        if self.needs_meta:
            return bool(comment.author or comment.date_hits)
        return bool(comment.author or comment.date_hits or comment.on_page_id)


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
