"""Whether a page has a server-rendered comment section, even an empty one.

A cron run fetches an archived article again only when its comments can grow; a page without
a comment section (most news pages: no comments, or comments loaded by JavaScript from Disqus
or Facebook, which are not in the HTML) is archived once. An empty section with an open form
("Leave a reply") is a thread that has not started yet, so it counts.

A scan of the raw markup for the ids and classes comment sections use (``SECTION_TOKENS``, the
one list of comment-section markup; Disqus's ``disqus_thread`` is left out: its comments never
reach the HTML), schema.org ``itemprop="comment"`` and JSON-LD ``"comment": [...]``. A regex
rather than a parse: it runs in the extraction workers beside the comment parser, once per page.
Hand-written: no library tells whether a page carries a comment thread.
"""

from __future__ import annotations

import re

# Tokens of an id or class attribute that name a comment section, a comment list or its form.
SECTION_TOKENS = (
    "comments", "respond", "commentlist", "comment-list", "comments-area", "comment-respond",
    "commentform", "comment-form", "wp-block-comments", "wpd-thread-wrapper", "wpd-threads",
    "wpdcom", "comments-block", "comment-section", "comments-section", "comment-thread",
    "comment-wrapper", "field--type-comment", "comment-holder",
)
_TOKENS = "|".join(re.escape(token) for token in SECTION_TOKENS)
_SECTION = re.compile(
    rf"""\b(?:id|class)\s*=\s*(["'])(?:[^"'>]*?\s)?(?:{_TOKENS})(?:\s[^"'>]*)?\1"""
    r"""|\bitemprop\s*=\s*["']comment["']"""
    r"""|"comment"\s*:\s*[\[{]""",
    re.IGNORECASE,
)


def has_comment_section(html: str) -> bool:
    """True when the page carries a comment section, comments or a comment form."""
    if "omment" not in html and "espond" not in html and "OMMENT" not in html:
        return False
    return _SECTION.search(html) is not None
