"""A comment's author: the name cleaned of "says"/"von"/dates, and, for markup that marks no
element as the author, the short name shown beside the date or as the comment's heading."""

from __future__ import annotations

import re

from lxml import etree

from newsarchive.parsing.comments.markup import (
    BUTTON_LINE,
    MAX_AUTHOR,
    NO_COMMENTS,
    SKIP_TAGS,
    junk,
    render,
    text_content,
)
from newsarchive.parsing.text import clean_inline

_AUTHOR_SUFFIX = re.compile(
    r"\s*(?:(?:says|said|wrote|writes|sagt|sagte|schreibt|schrieb|meint|dit|a dit|écrit|"
    r"a écrit|dice|dijo|escribió|zegt|schreef|ha detto|scrive)\b\s*)?(?::|\.\.\.|…)?\s*$",
    re.I,
)
AUTHOR_PREFIX = re.compile(
    r"^\s*(?:(?:submitted|posted|comment(?:ed)?|written|geschrieben|kommentiert|eingetragen|"
    r"verfasst|gepostet|kommentar|écrit|publié|commentaire|escrito|publicado|comentario|"
    r"scritto|pubblicato|commento|geplaatst|reactie)\s+(?:by|von|par|por|door|di|de|da)|"
    r"by|von|par|por|door|di)\s+", re.I
)
_DASHES = re.compile(r"^-+\s+|\s+-+$")  # "- Name -", not "-thh"
_AUTHOR_DATE_TAIL = re.compile(r"\s+\d{1,2}[./]\d{1,2}[./]\d{2,4}\b.*$")
_MAX_NAME = 60  # a name shown next to the date, when no element is marked as the author
_MAX_HEADING_WORDS = 4
_NAME_TAGS = ("h2", "h3", "h4", "h5", "h6", "strong", "b", "cite", "a")


def clean_author(text: str) -> str | None:
    text = clean_inline(text)
    text = _AUTHOR_DATE_TAIL.sub("", text)
    text = AUTHOR_PREFIX.sub("", _AUTHOR_SUFFIX.sub("", text)).strip(" :–—,|")
    text = _DASHES.sub("", text)
    if not text or len(text) > MAX_AUTHOR:
        return None
    return text


def author_beside(date_el: etree._Element, node: etree._Element) -> etree._Element | None:
    """The short text shown just before the date ("<h3>Name</h3><p>date</p>"), for markup
    that marks no element as the author."""
    el = date_el
    while el is not None and el is not node:
        for sib in el.itersiblings(preceding=True):
            if not isinstance(sib.tag, str) or sib.tag in SKIP_TAGS:
                continue
            text = clean_inline(text_content(sib))
            if not text:
                continue
            if len(text) <= _MAX_NAME and any(c.isalpha() for c in text) \
                    and not BUTTON_LINE.match(text) and not NO_COMMENTS.match(text):
                return sib
            return None
        el = el.getparent()
    return None


def heading_name(node: etree._Element) -> etree._Element | None:
    """A comment's first words set apart as a heading or link ("<h3>Marius</h3>"), short like a
    name: its author, for markup that marks none."""
    for el in node.iter(*_NAME_TAGS):
        words = text_content(el).split()
        if not words:
            continue
        if len(words) > _MAX_HEADING_WORDS or len(" ".join(words)) > _MAX_NAME // 2 or \
                any(c in " ".join(words) for c in ".!?:") or BUTTON_LINE.match(" ".join(words)):
            return None
        rendered = " ".join(render(node, set(junk(node))).split())
        return el if rendered.startswith(" ".join(words)) else None
    return None
