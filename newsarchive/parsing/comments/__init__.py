"""Reader comments of one article page, as a flat list of threaded ``Comment`` records.

One lxml parse per page (``page``). Invisible markup (``<template>``, ``hidden``,
``display:none``, scripts), comment forms, "recent comments" widgets, sidebars, related posts,
share widgets and author boxes are removed first (``markup``); then the comment systems of
``strategies.STRATEGIES`` are tried in order, and the first that finds comments wins: wpDiscuz,
Blogger (threaded), WordPress native (classic and block themes, Genesis, Astra,
GeneratePress...), Drupal 7-10, schema.org microdata, RDFa, dl-based lists (classic Blogger
``dl#comments-block`` and generic ``<dl>``, ``lists``), JSON-LD ``comment`` arrays (``jsonld``),
and a generic fallback for elements whose class or id names a comment inside a comment section.

Most systems are a ``families.Family``: a set of XPaths (``comment_xpaths.py``) saying which
elements are comments and where a comment keeps its author, date, text, permalink and title.
Each comment is read into a ``model.ParsedComment``, which becomes a ``Comment`` record in one
place (``ParsedComment.to_record``).

Not reader comments, hence skipped: pingbacks and trackbacks, which are links from other sites
(``li.pingback``, ``li.trackback``, and themes that render them as ordinary comments: authors
"Pingback von ..." or texts "[…] excerpt of the citing post […]"); comment forms and
"No comments yet" headers; comments on other posts listed in widgets; hidden templates.
Comments loaded by JavaScript (Disqus, Facebook) are not in the HTML and are not found.

Ids: ``record_id(article_id, on-page id)`` where the page gives one (``comment-123``; WordPress
``li-comment-123``/``div-comment-123`` and wpDiscuz ``wpd-comm-123_0`` are normalised to
``comment-123``; Blogger ``c123``), else ``record_id(article_id, author, published, text)``.
Dates prefer machine-readable values (``time@datetime``, ``@content``, Blogger's ``showComment``
timestamp) over the displayed text; relative texts are resolved against ``fetched_at``
(``dates``). Further pages of a thread are found by ``paging``.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from newsarchive.items import Comment
from newsarchive.parsing.comments.paging import comment_page_urls

__all__ = ["comment_page_urls", "extract_comments"]


def extract_comments(
    url: str, html: str, article_id: str, fetched_at: datetime | None = None,
    published: str | None = None, root: etree._Element | None = None,
) -> list[Comment]:
    """The reader comments on one page, depth-first in display order; [] when there are none.

    Relative dates ("3 days ago", "vor 2 Tagen") are resolved against ``fetched_at``, the time
    the page was captured (now if None; pass the capture's own time when re-reading archived
    pages). Dates shown without a year ("June 28") take it from ``published``, the article's
    date (else the one the page declares), and the thread's order. Markup lxml cannot read
    gives []; any other exception is a bug and is raised.

    ``root``: the page already parsed (``article.parse_page(html)``), which this prunes; parsed
    here when None.
    """
    # imported here: the crawl process needs only ``comment_page_urls`` from this package;
    # the extraction workers' fork server imports these once (``newsarchive/preload.py``)
    from newsarchive.parsing.comments.page import CommentPage
    from newsarchive.parsing.comments.strategies import find_comments

    if not html or "omment" not in html:
        return []
    try:
        page = CommentPage.parse(url, html, article_id, fetched_at, published, root)
        if page is None:
            return []
        return find_comments(page)
    except (etree.LxmlError, ValueError, RecursionError):
        # ValueError includes UnicodeError; RecursionError: markup nested too deep to render
        return []

