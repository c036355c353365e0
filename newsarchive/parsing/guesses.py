"""trafilatura's costly metadata guesses only for the fields the article parser will use.

``article._merge`` prefers what the page declares, so trafilatura's guess for a field is thrown
away whenever the page declares it; its categories and licence are never used. Inside
``only(fields)`` the guessers that trafilatura's ``extract_metadata`` calls for those fields
return nothing unless the field is listed: htmldate's date search (``find_date``, "date"), the
author search ("author"), the tag and category link scans ("tags", "categories") and the licence
scan ("license"). The cheap ones (meta tags, JSON-LD, title, site name, URL) always run.

Measured on the 945-page corpus (trafilatura 2.3.1), ``extract_metadata`` alone on the 543 pages
that run it, alternating page by page: 17.46 → 13.55 ms a page, the used fields identical.
(An earlier attempt that called trafilatura's pieces one by one measured no gain; this keeps
trafilatura's own ``extract_metadata`` and only short-cuts the guessers.)

The author search itself is skipped, inside ``only()``, on a page where it cannot find anything:
trafilatura deep-copies the tree, prunes it and runs three XPaths whose regex tests are Python
callbacks per element (8 ms a page), and every element those XPaths can select has an attribute
value holding one of ``AUTHOR_NEEDLES`` (or is an ``<author>``, or has a ``<rel>`` child), which
the pruning (it only removes elements) cannot create. So a page without any of them gets None, as
from trafilatura. Only with the XPaths this was read from (``AUTHOR_XPATHS_SHA256``). Measured on
the 945-page corpus: the search ran on 400 pages, 230 of them without any candidate (1.85 s).

Likewise the tag scan (``extract_catstags("tag", ...)``): every link it keeps is an ``<a>`` whose
href matches ``/tag(?:y|ies|s)?/``, so a page without any href holding "/tag" gets [], as from
trafilatura (``TAGS_XPATHS_SHA256``). On the corpus: 253 of the 312 scans, 0.31 s.

The guessers are wrapped where ``extract_metadata`` looks them up (``trafilatura.metadata``) and
skip only inside ``only()``: any other caller in the process gets trafilatura's behaviour. With
another trafilatura whose ``extract_metadata`` no longer calls them, nothing is wrapped.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

# guesser → (the field it guesses, or None when its first argument names it; what "nothing" is)
_GUESSERS: dict[str, tuple[str | None, Any]] = {
    "find_date": ("date", None),
    "extract_author": ("author", None),
    "extract_catstags": (None, []),  # extract_catstags("category" | "tag", tree)
    "extract_license": ("license", None),
}
_CATSTAGS = {"category": "categories", "tag": "tags"}

# Every element trafilatura's AUTHOR_XPATHS can select has an attribute value holding one of these
# (case as written in the XPaths: their tests are case-sensitive), is an <author>, or has a <rel>
# child (``rel='me'``): "uthor" (author, Author, AuthorName, AuthorCard, AuthorURL, "author name"),
# "byl" and "yline" (byline, Byline, byl), "BBL", "username", "screenname", "writer" and the
# Chinese tokens.
AUTHOR_NEEDLES = re.compile(
    "uthor|zuozhe|bianji|xiaobian|channel-name|submitted-by|posted-by|journalist-name|byl|BBL"
    "|yline|username|screenname|writer")
AUTHOR_XPATHS_SHA256 = "e7cdb233823cbb0a7eadad1211ccea04ebd7789ae4ffc076b2fc765f00286c9f"
TAGS_XPATHS_SHA256 = "7b854e2236a1be4246e395ed4928db6ecf21f62c80d78086ef8439c8f62832d6"
_TAG_HREF = "(?:y|ies|s)?/"  # extract_catstags's href regex: "/" + "tag" + this
_AUTHOR_CODE_NAMES = ("prune_unwanted_nodes", "deepcopy", "AUTHOR_DISCARD_XPATHS",
                      "extract_metainfo", "AUTHOR_XPATHS", "normalize_authors")

_WANTED: ContextVar[frozenset[str] | None] = ContextVar("newsarchive_guesses", default=None)

log = logging.getLogger(__name__)


@contextlib.contextmanager
def only(fields: frozenset[str]) -> Iterator[None]:
    """trafilatura calls made inside guess only ``fields`` among the costly ones."""
    token = _WANTED.set(fields)
    try:
        yield
    finally:
        _WANTED.reset(token)


def _gated(name: str, guesser: Callable[..., Any]) -> Callable[..., Any]:
    field, nothing = _GUESSERS[name]

    def gated(*args: Any, **kwargs: Any) -> Any:
        wanted = _WANTED.get()
        if wanted is not None:
            guessed = field or _CATSTAGS.get(args[0] if args else kwargs.get("metatype"))
            if guessed is not None and guessed not in wanted:
                return [] if isinstance(nothing, list) else nothing
        return guesser(*args, **kwargs)

    gated.newsarchive_gated = True  # type: ignore[attr-defined]
    gated.__wrapped__ = guesser  # type: ignore[attr-defined]
    return gated


def may_name_author(tree: Any) -> bool:
    """False when no element of ``tree`` can be selected by trafilatura's AUTHOR_XPATHS (a
    necessary condition, read in one pass that stops at the first candidate)."""
    if next(tree.iter("author", "rel"), None) is not None:
        return True
    search = AUTHOR_NEEDLES.search
    for el in tree.iter():
        attrib = el.attrib
        if attrib and search("\n".join(attrib.values())):
            return True
    return False


def _skip_unnamed(extract_author: Callable[..., Any]) -> Callable[..., Any]:
    def author_unless_unnamed(tree: Any, *args: Any, **kwargs: Any) -> Any:
        if _WANTED.get() is not None and not may_name_author(tree):
            return None  # what trafilatura's search gives: no candidate at all
        return extract_author(tree, *args, **kwargs)

    author_unless_unnamed.__wrapped__ = extract_author  # type: ignore[attr-defined]
    return author_unless_unnamed


def may_link_tags(tree: Any) -> bool:
    """False when no link of ``tree`` can be one of trafilatura's tag links."""
    return any("/tag" in (a.get("href") or "") for a in tree.iter("a"))


def _skip_tagless(extract_catstags: Callable[..., Any]) -> Callable[..., Any]:
    def catstags_unless_tagless(*args: Any, **kwargs: Any) -> Any:
        if (_WANTED.get() is not None and len(args) == 2 and not kwargs and args[0] == "tag"
                and not may_link_tags(args[1])):
            return []  # what trafilatura's scan gives: no link it would keep
        return extract_catstags(*args, **kwargs)

    catstags_unless_tagless.__wrapped__ = extract_catstags  # type: ignore[attr-defined]
    return catstags_unless_tagless


def _tag_scan_known(metadata: Any) -> bool:
    """Whether ``extract_catstags`` is the scan ``may_link_tags`` was read from."""
    code = getattr(getattr(metadata, "extract_catstags", None), "__code__", None)
    return (code is not None and _TAG_HREF in code.co_consts
            and _paths_sha256(getattr(metadata, "TAGS_XPATHS", None)) == TAGS_XPATHS_SHA256)


def _paths_sha256(xpaths: Any) -> str | None:
    if not isinstance(xpaths, list):
        return None
    try:
        return hashlib.sha256("\n".join(x.path for x in xpaths).encode()).hexdigest()
    except AttributeError:
        return None


def _author_search_known(metadata: Any) -> bool:
    """Whether ``extract_author`` is the search ``may_name_author`` was read from."""
    code = getattr(getattr(metadata, "extract_author", None), "__code__", None)
    return (code is not None and code.co_names == _AUTHOR_CODE_NAMES
            and _paths_sha256(getattr(metadata, "AUTHOR_XPATHS", None)) == AUTHOR_XPATHS_SHA256)


def install() -> bool:
    """Wrap trafilatura's guessers (once); False when this trafilatura does not fit."""
    try:
        from trafilatura import metadata
    except ImportError:
        return False
    extract = getattr(metadata, "extract_metadata", None)
    called = set(extract.__code__.co_names) if hasattr(extract, "__code__") else set()
    if not all(callable(getattr(metadata, n, None)) and n in called for n in _GUESSERS):
        log.warning("trafilatura's extract_metadata changed: every metadata guess runs")
        return False
    shortcuts = {"extract_author": _skip_unnamed if _author_search_known(metadata) else None,
                 "extract_catstags": _skip_tagless if _tag_scan_known(metadata) else None}
    for name in _GUESSERS:
        guesser = getattr(metadata, name)
        if not getattr(guesser, "newsarchive_gated", False):
            shortcut = shortcuts.get(name)
            if shortcut is not None:
                guesser = shortcut(guesser)
            setattr(metadata, name, _gated(name, guesser))
    return True
