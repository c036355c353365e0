"""The ``<link rel=canonical>`` of a page, found without parsing the whole page.

The spider needs it for every article page, on the reactor thread, before extraction: a full
lxml parse there costs CPU the downloads need and a tree Scrapy keeps alive with the response
(measured with ``benchmarks/crawl.py``: 150 MB more RSS and 35% more fetch CPU at 1,000 pages).
So this scans the ``<head>`` with regular expressions: hand-written because link tags are
flat (no nesting), and an HTML parser would be the cost we avoid.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from newsarchive.parsing.html import web_url

HEAD_LIMIT = 256 * 1024  # canonical links sit in <head>; never scan a whole huge page
_HEAD_END = re.compile(r"</head\s*>|<body[\s>]", re.IGNORECASE)
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(
    r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`]+))"""
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def canonical_link(url: str, text: str) -> str | None:
    """The absolute canonical URL a page declares, or None.

    A canonical link to a site's home page is ignored: a template bug common enough that
    trusting it would make every article of the site one story.
    """
    # ``endpos`` instead of a slice: a huge page is not copied to find where its head ends.
    end = _HEAD_END.search(text, 0, HEAD_LIMIT)
    head = text[: end.start()] if end else text[:HEAD_LIMIT]
    head = _COMMENT.sub("", head)
    for tag in _LINK_TAG.findall(head):
        if not _may_be_canonical(tag):
            continue
        attributes = _attributes(tag)
        if "canonical" not in attributes.get("rel", "").lower().split():
            continue
        href = attributes.get("href", "").strip()
        if not href:
            continue
        canonical = web_url(url, href)  # None for another scheme or a malformed URL
        if canonical is not None and urlsplit(canonical).path.strip("/"):
            return canonical
    return None


def _may_be_canonical(tag: str) -> bool:
    """False only for a link tag whose ``rel`` cannot hold "canonical": a head has a dozen link
    tags (styles, icons, preloads), and parsing the attributes of each cost an eighth of the scan.

    Without "&" no attribute value changes when unescaped, so ``rel`` is a substring of the tag,
    and ``str.lower`` maps characters one by one (only a capital sigma looks at its neighbours,
    and it lowers to no ASCII letter): "canonical" in ``rel.lower()`` is then in ``tag.lower()``.
    """
    return "&" in tag or "canonical" in tag.lower()


def _attributes(tag: str) -> dict[str, str]:
    return {
        name.lower(): html.unescape(double or single or bare)
        for name, double, single, bare in _ATTRIBUTE.findall(tag)
    }
