"""What every comment strategy reads from: one page, parsed once and cleared of non-comments."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from newsarchive.parsing import comment_xpaths as X
from newsarchive.parsing.comments.dates import DateReader
from newsarchive.parsing.comments.markup import (
    drop_non_comments,
    element_test,
    is_attached,
    parse,
    select,
)
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
        pruned = drop_non_comments(root)
        self.jsonld = [t for t in pruned.jsonld if '"comment"' in t]
        self.candidates = pruned.candidates
        self._lists = pruned.lists
        self.root = root
        self._markers: dict[str, bool] = {}

    def nodes(self, expression: str, tags: frozenset[str], names: tuple[str, ...]) -> list:
        """``select(self.root, expression)`` for a node XPath (``//name[...]``) that selects only
        elements of ``tags`` whose lower-cased class or id holds one of ``names`` (a subset of
        ``markup.CANDIDATE_TAGS``, each name holding one of ``CANDIDATE_NAMES``): the XPath is
        tested on those of the page's candidates still in the tree, not run over every element
        (the five family XPaths and their marker scans cost ~0.8 ms a page over the corpus;
        most pages have no candidate at all)."""
        if self.candidates is None:
            return select(self.root, expression)
        test = element_test(expression)
        root = self.root
        return [
            el for el, tag, own in self.candidates
            if tag in tags and any(name in own for name in names) and is_attached(el, root)
            and test(el)
        ]

    def dl_lists(self) -> list:
        """``select(self.root, X.DL_LISTS)``, tested on the page's ``<dl>`` elements alone."""
        if self._lists is None:
            return select(self.root, X.DL_LISTS)
        test = element_test(X.DL_LISTS)
        return [dl for dl in self._lists if is_attached(dl, self.root) and test(dl)]

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
