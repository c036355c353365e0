"""trafilatura's fallback extractors (readability, then jusText) only where they can change the body.

After its own extractor, trafilatura always runs readability over the whole page to compare
(``trafilatura.external.compare_extraction``), and jusText when its text is short or unclean.
Readability's text replaces its own only when it is more than twice as long, or when its own
body is structurally deficient (no paragraph text, or more tables than paragraphs); jusText only
when that text is shorter than ``min_extracted_size`` or unclean. So for a long, clean,
paragraphed body (``SKIP_FROM_CHARS`` and more, balanced mode) the comparison could change the
result only if readability found more than twice as much story text. Measured on the 945-page
corpus (``benchmarks/quality.py``; trafilatura 2.3.1): of 1,008 comparisons (some pages compare
twice), 53 changed the body, none of the 305 this skips (at 3,000 characters 1 of 500 would
have), for 1.6 ms a page less (the comparison costs 4.7 ms a page over the corpus).

Where the comparison still runs, readability alone is left out when it provably cannot win
(``readability_cannot_win``): its text is a part of the page's text (scripts and styles dropped,
as readability does first), so when the page holds at most twice the text trafilatura found, and
that body is not structurally deficient, readability could never be preferred; jusText's part of
the comparison then runs as before. On the corpus: 206 of the 641 balanced comparisons that run,
none of which chose readability (its text never exceeded the bound on any of the 945 pages);
0.44 s of readability over the corpus for ~0.2 s of measuring.

The comparison is wrapped where trafilatura's extraction cascade looks it up
(``trafilatura.core``), readability where the comparison does (``trafilatura.external``); both
skip only inside ``gated()`` (the article parser's own calls; any other caller of trafilatura in
the process gets trafilatura's behaviour). With another trafilatura whose function differs,
nothing is wrapped.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from newsarchive.startup_cache import cached_strings

SKIP_FROM_CHARS = 5000
_EXPECTED = ["cleaned_tree", "raw_tree", "body", "text", "options"]
_READABILITY_DROPS = ("script", "style", "fencedframe")  # readability's own first step
_VIDEO = len("VIDEO")  # the text readability gives each video iframe it keeps

_GATED: ContextVar[bool] = ContextVar("newsarchive_fallbacks_gated", default=False)
_NO_READABILITY: ContextVar[bool] = ContextVar("newsarchive_no_readability", default=False)

log = logging.getLogger(__name__)


@contextlib.contextmanager
def gated() -> Iterator[None]:
    """trafilatura calls made inside skip the comparison where it cannot change the body."""
    token = _GATED.set(True)
    try:
        yield
    finally:
        _GATED.reset(token)


def needs_comparison(body: Any, text: str, options: Any) -> bool:
    """Whether trafilatura's fallbacks could replace ``text`` (see the module's docstring)."""
    from trafilatura.external import SANITIZED_XPATH

    if getattr(options, "focus", None) != "balanced" or len(text) < SKIP_FROM_CHARS:
        return True
    if not body.xpath(".//p//text()"):
        return True
    if len(body.findall(".//table")) > len(body.findall(".//p")):
        return True
    return bool(body.xpath(SANITIZED_XPATH))


def readability_cannot_win(raw_tree: Any, body: Any, text: str, options: Any) -> bool:
    """Whether trafilatura would keep ``text`` over readability's whatever readability finds.

    In balanced mode readability replaces a non-empty body only when its text is more than twice
    as long, or when it is over ``2 * min_extracted_size`` and the body has no paragraph text or
    more tables than paragraphs (``trafilatura.external._prefer_readability``). Readability's
    text is a part of ``raw_tree``'s (plus "VIDEO" per video iframe it keeps), whitespace
    collapsed alike, so the length of that bounds it. Drops ``raw_tree``'s scripts and styles,
    as readability itself does first (the tree is trafilatura's copy for readability).
    """
    if getattr(options, "focus", None) != "balanced":
        return False
    for elem in list(raw_tree.iter(*_READABILITY_DROPS)):
        elem.drop_tree()
    most = len(" ".join(raw_tree.text_content().split()))
    most += _VIDEO * sum(1 for _ in raw_tree.iter("iframe"))
    if most > 2 * len(text):
        return False
    if most <= 2 * options.min_extracted_size:
        return True
    return bool(body.xpath(".//p//text()")) and \
        len(body.findall(".//table")) <= len(body.findall(".//p"))


def _gated(compare: Callable[..., Any]) -> Callable[..., Any]:
    def compare_extraction(cleaned_tree: Any, raw_tree: Any, body: Any, text: str,
                           options: Any) -> tuple[Any, str]:
        if _GATED.get():
            if not needs_comparison(body, text, options):
                return body, text
            if readability_cannot_win(raw_tree, body, text, options):
                token = _NO_READABILITY.set(True)
                try:
                    return compare(cleaned_tree, raw_tree, body, text, options)
                finally:
                    _NO_READABILITY.reset(token)
        return compare(cleaned_tree, raw_tree, body, text, options)

    compare_extraction.newsarchive_gated = True  # type: ignore[attr-defined]
    return compare_extraction


def _gated_readability(try_readability: Callable[..., Any]) -> Callable[..., Any]:
    def gated(htmlinput: Any) -> Any:
        if _NO_READABILITY.get():
            from lxml.html import HtmlElement

            return HtmlElement()  # what trafilatura's try_readability gives when it fails
        return try_readability(htmlinput)

    gated.newsarchive_gated = True  # type: ignore[attr-defined]
    gated.__wrapped__ = try_readability  # type: ignore[attr-defined]
    return gated


def install() -> bool:
    """Wrap trafilatura's comparison (once); False when this trafilatura does not fit."""
    try:
        from trafilatura import core, external
    except ImportError:
        return False
    compare = getattr(core, "compare_extraction", None)
    if compare is None:
        return False
    if getattr(compare, "newsarchive_gated", False):
        return True
    if list(inspect.signature(compare).parameters) != _EXPECTED:
        log.warning("trafilatura's compare_extraction changed: its fallbacks run on every page")
        return False
    readability = getattr(external, "try_readability", None)
    code = getattr(compare, "__code__", None)
    if callable(readability) and code is not None and "try_readability" in code.co_names:
        external.try_readability = _gated_readability(readability)
    core.compare_extraction = _gated(compare)
    return True


class HashedStoplist(tuple):
    """jusText's stoplist of all languages (154,484 words, what trafilatura hands jusText when
    the page's language is not set) with its hash computed once. jusText looks its lower-cased
    set up in an ``lru_cache`` keyed by the stoplist, and a tuple's hash is computed afresh on
    every lookup: 3.3 ms a jusText call. Same words, same hash value, same equality: only
    cheaper to hash."""

    _hash: int

    def __new__(cls, words: tuple[str, ...]) -> HashedStoplist:
        stoplist = super().__new__(cls, words)
        stoplist._hash = tuple.__hash__(stoplist)
        return stoplist

    def __hash__(self) -> int:
        return self._hash


def install_stoplist() -> bool:
    """Make trafilatura's all-language jusText stoplist a ``HashedStoplist`` (once, when
    trafilatura first builds it); False when this trafilatura keeps it differently."""
    try:
        from trafilatura import external
    except ImportError:
        return False
    init = getattr(external, "jt_stoplist_init", None)
    try_justext = getattr(external, "try_justext", None)
    names = getattr(getattr(try_justext, "__code__", None), "co_names", ())
    current = getattr(external, "JT_STOPLIST", False)
    if not callable(init) or "JT_STOPLIST" not in names or "jt_stoplist_init" not in names \
            or not (current is None or isinstance(current, tuple)):
        return False
    if isinstance(current, tuple) and not isinstance(current, HashedStoplist):
        external.JT_STOPLIST = HashedStoplist(current)
    if getattr(init, "newsarchive_hashed", False):
        return True

    def jt_stoplist_init() -> tuple[str, ...]:
        words = cached_strings("justext-stoplist", ("justext", "trafilatura"), init, tuple)
        external.JT_STOPLIST = HashedStoplist(words)
        return external.JT_STOPLIST

    jt_stoplist_init.newsarchive_hashed = True  # type: ignore[attr-defined]
    jt_stoplist_init.__wrapped__ = init  # type: ignore[attr-defined]
    external.jt_stoplist_init = jt_stoplist_init
    return True
