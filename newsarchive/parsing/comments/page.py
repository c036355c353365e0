"""What every comment strategy reads from: one page, parsed once and cleared of non-comments."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from newsarchive.parsing import comment_xpaths as X
from newsarchive.parsing.comments.dates import DateReader
from newsarchive.parsing.comments.markup import drop_non_comments, parse, select
from newsarchive.parsing.html import join_url


class CommentPage:
    """One page: its URL, its tree (invisible markup, forms and widgets removed), its raw HTML
    (for cheap marker tests), its JSON-LD blocks that mention comments (read before the scripts
    are removed) and how to read its dates."""

    def __init__(
        self, url: str, article_id: str, root: etree._Element, raw: str, dates: DateReader
    ) -> None:
        self.url = url
        self.article_id = article_id
        self.raw = raw
        self.dates = dates
        self.jsonld = [t for t in select(root, X.JSONLD) if '"comment"' in t]
        drop_non_comments(root)
        self.root = root
        self._markers: dict[str, bool] = {}

    @classmethod
    def parse(
        cls, url: str, html: str, article_id: str, fetched_at: datetime | None,
        published: str | None, root: etree._Element | None = None,
    ) -> CommentPage | None:
        """``root``: the page's tree if already parsed (it is pruned here)."""
        if root is None:
            root = parse(html)
        if root is None:
            return None
        return cls(url, article_id, root, html, DateReader.for_page(root, html, fetched_at,
                                                                    published))

    def has(self, marker: str) -> bool:
        """Whether the raw HTML holds ``marker`` (remembered: several strategies ask)."""
        if marker not in self._markers:
            self._markers[marker] = marker in self.raw
        return self._markers[marker]

    def absolute(self, href: str | None) -> str | None:
        """An href as an absolute URL; None for scripts, mail links and bare fragments."""
        if not href:
            return None
        href = href.strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:")) or href == "#":
            return None
        return join_url(self.url, href)
