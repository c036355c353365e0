"""The comment systems recognised, in the order they are tried: the first that finds comments on
a page wins. Markup-specific systems come first, the generic fallback (elements whose class or id
names a comment inside a comment section) last."""

from __future__ import annotations

from typing import Protocol

from newsarchive.items import Comment
from newsarchive.parsing import comment_xpaths as X
from newsarchive.parsing.comments.families import Family
from newsarchive.parsing.comments.jsonld import JsonLd
from newsarchive.parsing.comments.lists import DlLists
from newsarchive.parsing.comments.page import CommentPage


class Strategy(Protocol):
    """One comment system: its comments on a page, depth-first in display order; [] if none."""

    @property
    def name(self) -> str: ...

    def find(self, page: CommentPage) -> list[Comment]: ...


WPDISCUZ = Family(
    "wpdiscuz", ("wpd-comment", "wc-comment"), X.WPDISCUZ_NODES, X.WPDISCUZ_ID, X.WPDISCUZ_AUTHOR,
    date=X.WPDISCUZ_DATE, text=X.WPDISCUZ_TEXT, permalink=X.WPDISCUZ_PERMALINK,
    scan_tags=frozenset({"div"}), scan_names=("wpd-comment", "wc-comment"),
)
BLOGGER = Family(  # threaded Blogger; the classic dl#comments-block is a dl list
    "blogger", ("comment-thread", "comment-holder"), X.BLOGGER_NODES, (), X.BLOGGER_AUTHOR,
    date=X.BLOGGER_DATE, text=X.BLOGGER_TEXT, permalink=X.BLOGGER_PERMALINK,
    scan_tags=frozenset({"li"}), scan_names=("comment",),
)
WORDPRESS = Family(  # classic and block themes, Genesis, Astra, GeneratePress...
    "wordpress", ("comment",), X.WP_NODES, X.WP_ID, X.WP_AUTHOR + X.GENERIC_AUTHOR,
    date=X.WP_DATE + X.GENERIC_DATE, text=X.WP_TEXT, permalink=X.WP_PERMALINK,
    whole_node_text=True, scan_tags=frozenset({"li"}), scan_names=("comment", "review"),
)
DRUPAL = Family(  # Drupal 7-10
    "drupal", ("comment",), X.DRUPAL_NODES, X.DRUPAL_ID, X.DRUPAL_AUTHOR + X.GENERIC_AUTHOR,
    date=X.DRUPAL_DATE + X.GENERIC_DATE, text=X.DRUPAL_TEXT, permalink=X.DRUPAL_PERMALINK,
    title=X.DRUPAL_TITLE, whole_node_text=True, needs_meta=True,
    scan_tags=frozenset({"article", "div"}), scan_names=("comment",),
)
MICRODATA = Family(  # schema.org Comment / UserComments items
    "microdata", ("Comment",), X.MICRODATA_NODES, (), X.MICRODATA_AUTHOR, X.MICRODATA_AUTHOR_URL,
    X.MICRODATA_DATE + X.GENERIC_DATE, X.MICRODATA_TEXT, X.MICRODATA_PERMALINK,
    X.MICRODATA_TITLE, whole_node_text=True,
)
RDFA = Family(
    "rdfa", ("Comment",), X.RDFA_NODES, (), X.RDFA_AUTHOR, date=X.RDFA_DATE + X.GENERIC_DATE,
    text=X.RDFA_TEXT, permalink=X.RDFA_PERMALINK, whole_node_text=True,
)
GENERIC = Family(
    "generic", ("omment", "eaction"), X.GENERIC_NODES, (), X.GENERIC_AUTHOR,
    date=X.GENERIC_DATE, text=X.GENERIC_TEXT, permalink=X.GENERIC_PERMALINK,
    title=X.GENERIC_TITLE, whole_node_text=True, needs_meta=True,
    scan_tags=frozenset({"li", "article", "div", "section", "tr"}), scan_names=("omment", "entar"),
)

STRATEGIES: tuple[Strategy, ...] = (
    WPDISCUZ, BLOGGER, WORDPRESS, DRUPAL, MICRODATA, RDFA, DlLists(), JsonLd(), GENERIC,
)


def find_comments(page: CommentPage) -> list[Comment]:
    """The comments of the first strategy that finds any."""
    for strategy in STRATEGIES:
        found = strategy.find(page)
        if found:
            return found
    return []
