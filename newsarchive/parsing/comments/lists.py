"""Comments as ``<dl>`` lists: classic Blogger (``dl#comments-block``) and generic
``<dl class="comments">``; each ``<dt>`` is a byline and the ``<dd>`` after it the text."""

from __future__ import annotations

import re

from lxml import etree

from newsarchive.items import Comment
from newsarchive.parsing import comment_xpaths as X
from newsarchive.parsing.comments.authors import clean_author
from newsarchive.parsing.comments.markup import (
    NO_COMMENTS,
    clean_text,
    first,
    junk,
    render,
    select,
    text_of,
)
from newsarchive.parsing.comments.model import ParsedComment, on_page_id, unique_ids
from newsarchive.parsing.comments.page import CommentPage

_DT_FILLER = re.compile(
    r"^(?:\W+|(?:said|says|wrote|schrieb|sagte|on|am|um|at|le|à|el|dit)\b)+", re.I
)


class DlLists:
    name = "dl"

    def find(self, page: CommentPage) -> list[Comment]:
        comments: list[Comment] = []
        for dl in page.dl_lists():
            items: list[tuple[etree._Element, list[etree._Element]]] = []
            for child in dl:
                if child.tag == "dt":
                    items.append((child, []))
                elif child.tag == "dd" and items:
                    items[-1][1].append(child)
            for dt, dds in items:
                comment = _read(page, dt, dds)
                if comment is not None:
                    comments.append(comment.to_record(page.article_id, len(comments)))
        return unique_ids(comments)


def _read(page: CommentPage, dt: etree._Element, dds: list[etree._Element]) -> ParsedComment | None:
    if not dds:
        return None
    author_el = first(dt, X.DL_AUTHOR)
    date_hit = None
    permalink = None
    for el in [dt, *dds]:
        if date_hit is None:
            date_hit = first(el, X.DL_DATE)
        permalink = permalink or first(el, X.DL_PERMALINK)
    permalink = page.absolute(permalink) if isinstance(permalink, str) else None
    author = clean_author(text_of(author_el)) if author_el is not None else None
    if author_el is None or date_hit is None:
        # "Name said..." / "Name on 3 March 2015": the dt's own words
        words = text_of(dt)
        if author_el is None:
            author = clean_author(re.split(r"\s+(?:on|am|le|el)\s+|,", words)[0])
        if date_hit is None and author:
            rest = words.replace(author, "", 1)
            rest = _DT_FILLER.sub("", rest)
            date_hit = rest if any(c.isdigit() for c in rest) else None
    text_dds = [dd for dd in dds if "comment-footer" not in dd.get("class", "")] or dds[:1]
    skip = set()
    for dd in text_dds:
        skip.update(select(dd, X.DL_TEXT_JUNK))
        skip.update(junk(dd))
        if isinstance(date_hit, etree._Element):
            skip.add(date_hit)
    text = clean_text("\n\n".join(render(dd, skip) for dd in text_dds))
    if not text or NO_COMMENTS.match(text) or not (author or date_hit is not None):
        return None
    on_page = on_page_id(dt.get("id")) or on_page_id(
        (select(dt, "./a/@name") or [None])[0]
    ) or (on_page_id(permalink) if permalink and "#" in permalink else None)
    author_url = None
    if isinstance(author_el, etree._Element):
        hrefs = select(author_el, "./@href | .//a/@href")
        author_url = page.absolute(hrefs[0]) if hrefs else None
    return ParsedComment(text=text, author=author, author_url=author_url, url=permalink,
                         on_page_id=on_page, published=page.dates.published(date_hit, permalink))
