"""Comments in JSON-LD: ``comment`` arrays of the page's objects, replies nested in theirs."""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterator

from newsarchive.items import Comment
from newsarchive.parsing.comments.authors import clean_author
from newsarchive.parsing.comments.markup import TAG, clean_text
from newsarchive.parsing.comments.model import ParsedComment, on_page_id, unique_ids
from newsarchive.parsing.comments.page import CommentPage

_BREAK_TAG = re.compile(r"<br\s*/?>", re.I)
_PARA_TAG = re.compile(r"</?(p|div|blockquote|li|ul|ol)\b[^>]*>", re.I)


class JsonLd:
    name = "jsonld"

    def find(self, page: CommentPage) -> list[Comment]:
        comments: list[Comment] = []
        for block in page.jsonld:
            try:
                data = json.loads(block)
            except ValueError:
                continue
            for holder in _comment_holders(data):
                for item in _as_list(holder.get("comment")):
                    _read(page, item, None, comments)
        return unique_ids(comments)


def _read(page: CommentPage, item: object, parent_id: str | None, out: list[Comment]) -> None:
    """Append the comment ``item`` and its replies to ``out``."""
    if not isinstance(item, dict):
        return
    text = _html_to_text(_str(item.get("text") or item.get("commentText")
                              or item.get("description")))
    author, author_url = _author(item.get("author") or item.get("creator"))
    published = page.dates.published(
        _str(item.get("dateCreated") or item.get("datePublished")), None)
    permalink = page.absolute(_str(item.get("url"))) if item.get("url") else None
    anchor = permalink if permalink and "#" in permalink else _str(item.get("@id"))
    on_page = on_page_id(anchor) if anchor and "#" in anchor else None
    comment = ParsedComment(text=text, author=author, author_url=author_url, url=permalink,
                            on_page_id=on_page, published=published)
    cid = comment.record_id(page.article_id)
    if text:
        out.append(comment.to_record(page.article_id, len(out), parent_id))
    for reply in _as_list(item.get("comment")):
        _read(page, reply, cid if text else parent_id, out)


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


def _author(value: object) -> tuple[str | None, str | None]:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        name = clean_author(_str(value.get("name")))
        url = _str(value.get("url")) or None
        return name, url
    return (clean_author(value) if isinstance(value, str) else None), None


def _html_to_text(text: str) -> str:
    # JSON-LD text is plain text or a small HTML fragment; a parse per comment would cost more.
    if "<" in text:
        text = _PARA_TAG.sub("\n\n", _BREAK_TAG.sub("\n", text))
        text = TAG.sub("", text)
    return clean_text(html_lib.unescape(text))
