"""The languages dates are read in: the page's own and a few defaults, never all of dateparser's.

dateparser asked without ``languages`` tries every locale it knows (205) on a string none of them
reads, building each one's dictionaries and regular expressions on first use: 1.6 s of CPU and
~37 MB a process (dateparser 1.5). htmldate (trafilatura's date search) always asks so. Here a
page's dates are read in its declared language (``PageMetadata.language``) and
``DEFAULT_LANGUAGES``; dateparser builds a locale the first time a page needs it (8-25 ms each).
dateparser tries the given languages in its own order (``use_given_order`` off), as it tries all
of them, so a date that one of them reads reads as before unless a language left out comes first
and reads it too. A date in words on a page that declares no language and is in none of the
defaults is not read (numbers-only dates read the same in every locale); nothing falls back to
all 205, as no page of the corpus needs it.

htmldate has no option for languages: it takes its parser from
``htmldate.extractors.get_external_parser`` when it calls it, and caches ``try_date_expr`` by the
string only. ``install()`` replaces both where htmldate looks them up (hand-written since neither
library offers a hook): inside ``reading(languages)`` (the article parser's trafilatura call)
the parser is one restricted to those languages (one per tuple of languages, htmldate's settings)
and the cache is keyed by the languages too; anywhere else htmldate behaves as it did. With
another htmldate whose functions differ, nothing is replaced.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import cache, lru_cache
from typing import Any

from newsarchive.startup_cache import cached_strings

# What pages that declare no language are written in, and the most common languages of news on
# the web. In the 945-page corpus, the 59 pages without a declared language are in German (30),
# English (~18), Chinese (4), Polish and French (2 each), Russian (1); the order below is
# dateparser's own (`languages_info.language_order`, by frequency on the web), without Japanese,
# Turkish and Persian (on no undeclared page). Each costs the fork server 8-25 ms of CPU at
# start. With these, every record extracted from the corpus is byte-identical to reading dates
# in all 205 languages, and a worker builds no other locale over the 945 pages.
DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "ru", "es", "fr", "de", "pt", "it", "zh", "pl")

# Codes that pages declare and dateparser knows by another name.
_ALIASES = {"no": "nb", "iw": "he", "in": "id", "ji": "yi"}
_EXPECTED = ["string", "outputformat", "extensive_search", "min_date", "max_date"]

_LANGUAGES: ContextVar[tuple[str, ...] | None] = ContextVar("newsarchive_date_languages",
                                                            default=None)
log = logging.getLogger(__name__)


def languages_for(language: str | None,
                  others: tuple[str, ...] = DEFAULT_LANGUAGES) -> tuple[str, ...]:
    """The page's language (a primary subtag, "de") and ``others``; the defaults alone when
    dateparser does not know the page's language or it has none."""
    code = dateparser_language(language)
    if code is None:
        return DEFAULT_LANGUAGES
    return tuple(dict.fromkeys((code, *others)))


def dateparser_language(language: str | None) -> str | None:
    """dateparser's code for a primary language subtag, or None when it has no such locale."""
    if not language:
        return None
    code = _ALIASES.get(language.lower(), language.lower())
    return code if code in _dateparser_languages() else None


@lru_cache(maxsize=1)
def _dateparser_languages() -> frozenset[str]:
    from dateparser.data.languages_info import language_order

    return frozenset(language_order)


@contextlib.contextmanager
def reading(languages: tuple[str, ...]) -> Iterator[None]:
    """htmldate calls made inside read dates in ``languages`` only."""
    token = _LANGUAGES.set(tuple(languages))
    try:
        yield
    finally:
        _LANGUAGES.reset(token)


def external_parser(languages: tuple[str, ...]) -> Any:
    """htmldate's dateparser parser (its settings), restricted to ``languages``."""
    from htmldate import extractors

    parser = getattr(extractors, "newsarchive_parser_for", None)
    return parser(languages) if parser else extractors.get_external_parser()


def install() -> bool:
    """Route htmldate's date parsing to the languages of ``reading`` (once); False when this
    htmldate does not fit."""
    try:
        from htmldate import core, extractors, meta
    except ImportError:
        return False
    if getattr(extractors.try_date_expr, "newsarchive_languages", False):
        return True
    build = getattr(extractors.get_external_parser, "__wrapped__", None)
    uncached = getattr(extractors.try_date_expr, "__wrapped__", None)
    if build is None or uncached is None or \
            list(inspect.signature(uncached).parameters) != _EXPECTED:
        log.warning("htmldate changed: its dates are read in every dateparser language")
        return False
    parser_for = _parser_factory(build)
    extractors.newsarchive_parser_for = parser_for
    extractors.get_external_parser = _routed_parser(extractors.get_external_parser, parser_for)
    keyed = _keyed_cache(uncached, getattr(extractors, "CACHE_SIZE", 8192))
    for module in (extractors, core, meta):  # each imported the name
        if hasattr(module, "try_date_expr"):
            module.try_date_expr = keyed
    return True


def _parser_factory(build: Callable[[], Any]) -> Callable[[tuple[str, ...]], Any]:
    @cache
    def parser_for(languages: tuple[str, ...]) -> Any:
        parser = build()  # htmldate's own DateDataParser(languages=None, settings=...)
        parser.languages = list(languages)
        return parser

    return parser_for


def _routed_parser(default: Callable[[], Any],
                   parser_for: Callable[[tuple[str, ...]], Any]) -> Callable[[], Any]:
    def get_external_parser() -> Any:
        languages = _LANGUAGES.get()
        return default() if languages is None else parser_for(languages)

    return get_external_parser


def _keyed_cache(uncached: Callable[..., str | None], size: int) -> Callable[..., str | None]:
    @lru_cache(maxsize=size)
    def cached(languages: tuple[str, ...] | None, *args: Any) -> str | None:
        return uncached(*args)

    def try_date_expr(string: str | None, outputformat: str, extensive_search: bool,
                      min_date: Any, max_date: Any) -> str | None:
        return cached(_LANGUAGES.get(), string, outputformat, extensive_search, min_date,
                      max_date)

    try_date_expr.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    try_date_expr.newsarchive_languages = True  # type: ignore[attr-defined]
    return try_date_expr


def install_month_words() -> bool:
    """htmldate's month names of every dateparser locale read from the startup cache
    (``newsarchive.startup_cache``) instead of importing all 205 locales in every process; False
    when this htmldate keeps them differently."""
    try:
        from htmldate import extractors
    except ImportError:
        return False
    words = getattr(extractors, "month_words", None)
    if getattr(words, "newsarchive_cached", False):
        return True
    uncached = getattr(words, "__wrapped__", None)
    cue = getattr(getattr(extractors, "has_date_cue", None), "__code__", None)
    if uncached is None or cue is None or "month_words" not in _names_used(cue):
        return False

    @cache
    def month_words() -> frozenset[str]:
        return cached_strings("htmldate-month-words", ("htmldate", "dateparser"), uncached,
                              frozenset)

    month_words.newsarchive_cached = True  # type: ignore[attr-defined]
    month_words.__wrapped__ = uncached  # type: ignore[attr-defined]
    extractors.month_words = month_words
    return True


def _names_used(code: Any) -> set[str]:
    """Global names a function's code looks up, its generator expressions' included."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if inspect.iscode(constant):
            names |= _names_used(constant)
    return names
