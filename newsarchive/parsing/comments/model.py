"""A comment as read from the page (``ParsedComment``), and the one place it becomes a record."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from newsarchive.items import Comment
from newsarchive.urls import record_id

# A date candidate: an attribute value or text (lxml's str subclass), or an element.
DateHit = str | etree._Element

_ON_PAGE_ID = re.compile(r"^(?:li-|div-|article-)?comment-(\d+)$|^(?:wpd|wc)-comm-(\d+)_\d+$")


@dataclass
class ParsedComment:
    """One comment's fields as its markup gives them, before it has a place in the thread.

    ``date_hits`` are the date candidates (attribute values or elements, best first), read into
    ``published`` only for comments that are kept: dateparser is the slow part.
    """

    text: str
    author: str | None = None
    author_url: str | None = None
    url: str | None = None  # the comment's permalink, absolute
    on_page_id: str | None = None  # "comment-123", normalised (``on_page_id``)
    published: str | None = None
    date_hits: list[DateHit] = field(default_factory=list)

    def record_id(self, article_id: str) -> str:
        """``record_id(article_id, on-page id)``, else of (author, published, text)."""
        if self.on_page_id:
            return record_id(article_id, self.on_page_id)
        return record_id(article_id, self.author or "", self.published or "", self.text)

    def to_record(self, article_id: str, position: int, parent_id: str | None = None) -> Comment:
        return Comment(
            id=self.record_id(article_id), article_id=article_id, parent_id=parent_id,
            position=position, author=self.author, author_url=self.author_url,
            published=self.published, text=self.text, url=self.url,
        )


def on_page_id(value: str | None) -> str | None:
    """The id a page gives a comment, normalised: WordPress ``li-comment-123``/``div-comment-123``
    and wpDiscuz ``wpd-comm-123_0`` are ``comment-123``; None unless it holds a digit."""
    if not value:
        return None
    value = value.strip()
    if "#" in value:  # permalinks and RDFa @about: "/comment/12#comment-12"
        value = value.rsplit("#", 1)[1]
    match = _ON_PAGE_ID.match(value)
    if match:
        return f"comment-{match.group(1) or match.group(2)}"
    return value if any(c.isdigit() for c in value) else None


def unique_ids(comments: list[Comment]) -> list[Comment]:
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
