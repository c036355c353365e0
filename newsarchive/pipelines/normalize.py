"""Stage 1: every record leaves with its run fields, trimmed strings and ISO dates, or is dropped.

Every text of every record (nested sources and related events included) is made encodable
first: a lone UTF-16 surrogate (a broken ``\\ud800`` escape in a page's JSON-LD decodes to one)
cannot be written as UTF-8, and C0 control characters but tab and newline cannot be written in
XML; surrogates become U+FFFD (a split pair is joined), controls are removed. Then invisible
characters are stripped (``parsing.text.strip_invisible``). Both in one walk over the record
(``clean_texts``).

Drops (counted as ``newsarchive/dropped/<reason>``): ``invalid_event`` (no id/url/headline),
``invalid_article`` (no id/url), ``invalid_comment`` (no id/article/text).
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsarchive.drops import count_drop
from newsarchive.items import INTERNAL_FIELDS, Article, Comment, Event
from newsarchive.parsing.dates import iso_date, iso_datetime
from newsarchive.parsing.text import clean_block, clean_inline, strip_invisible
from newsarchive.run_context import run_context


class NormalizePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Event | Article | Comment):
            return item
        clean_texts(item)
        problem = validate(item)
        if problem:
            reason = f"invalid_{item.type}"
            count_drop(self.crawler.stats, reason, getattr(item, "url", None) or item.id, problem)
            raise DropItem(f"{reason}: {problem}")
        normalize(item)
        context = run_context(self.crawler)
        item.run_id = context.run_id if context is not None else None
        item.fetched_at = item.fetched_at or datetime.now(UTC).isoformat(timespec="seconds")
        return item


def validate(item: Event | Article | Comment) -> str | None:
    if not item.id:
        return "no id"
    if isinstance(item, Event):
        if not item.url:
            return "no url"
        if not clean_inline(item.headline):
            return "no headline"
    elif isinstance(item, Article):
        if not item.url:
            return "no url"
    elif isinstance(item, Comment):
        if not item.article_id:
            return "no article_id"
        if not item.text.strip():
            return "no text"
    return None


def normalize(item: Event | Article | Comment) -> None:
    if isinstance(item, Event):
        item.headline = clean_inline(item.headline)
        item.summary = clean_block(item.summary)
        item.date = iso_date(item.date)
        item.context = [c for c in (clean_inline(c) for c in item.context) if c]
        for source in item.sources:
            source.label = clean_inline(source.label)
        for related in item.related:
            related.headline = clean_inline(related.headline)
    elif isinstance(item, Article):
        item.title = clean_inline(item.title) or None
        item.body = clean_block(item.body)
        item.published = iso_datetime(item.published)
        item.modified = iso_datetime(item.modified)
        item.authors = list(dict.fromkeys(a for a in (clean_inline(a) for a in item.authors) if a))
        item.tags = list(dict.fromkeys(t for t in (clean_inline(t) for t in item.tags) if t))
        # Sorted: events are read concurrently, and a record that only differs in this order
        # must hash the same (emit-when-changed).
        item.event_ids = sorted(set(item.event_ids))
    else:
        item.author = clean_inline(item.author) or None
        item.text = clean_block(item.text)
        item.published = iso_datetime(item.published)


_SURROGATES = re.compile(r"[\ud800-\udfff]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_UNENCODABLE = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f]")
# Either of the above or an invisible character (``strip_invisible``): most strings have none, and
# one search says so where ``encodable`` and ``strip_invisible`` would make one each.
_UNCLEAN = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\u00ad\u200b-\u200d\u2060\ufeff]")


def encodable(text: str) -> str:
    """``text`` without what UTF-8 or XML cannot hold (see the module docstring)."""
    if not _UNENCODABLE.search(text):
        return text
    if _SURROGATES.search(text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _CONTROLS.sub("", text)


def clean_texts(record: Any, encode: bool = True) -> None:
    """Every string of a record and of its nested records, in place: made encodable (exported
    fields, not internal ones nor dict values) and then stripped of invisible characters (every
    field, dict values included)."""
    for field in fields(record):
        value = getattr(record, field.name)
        setattr(record, field.name, _clean(value, encode and field.name not in INTERNAL_FIELDS))


def _clean(value: Any, encode: bool) -> Any:
    if isinstance(value, str):
        if encode and not _UNCLEAN.search(value):
            return value
        return strip_invisible(encodable(value) if encode else value)
    if isinstance(value, list):
        return [_clean(entry, encode) for entry in value]
    if isinstance(value, dict):
        return {key: _clean(entry, False) for key, entry in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        clean_texts(value, encode)
    return value
