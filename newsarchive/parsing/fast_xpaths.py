"""trafilatura's XPaths with their regex tests run only on elements that carry the attribute.

trafilatura selects boilerplate, bylines and content areas with XPaths full of
``re:test(@class, 'author|byline|...')``. lxml runs each ``re:test`` as a Python callback, for
every element the XPath reaches, including the many without the attribute, where the test
only searches "" (lxml hands it the string value of an empty node-set). For a regex that cannot
match "", that callback answers false; ``(@class and re:test(@class, ...))`` gives the same
answer and skips the callback (XPath's ``and`` stops at a false left side). That is the only
rewrite: every other part of the XPath is trafilatura's, character for character.

Measured on the 945-page corpus (trafilatura 2.3.1, lxml 6.2): each of the 21 rewritten XPaths
selects the same elements as trafilatura's on every raw page tree, in 10-50% less time
(``BASIC_CLEAN_XPATH`` 3.79 -> 2.34 ms a page, the second ``OVERALL_DISCARD_XPATH`` 4.72 -> 3.04,
the three author XPaths 7.40 -> 5.43); ``extract_article_record`` 31.17 -> 29.44 ms a page
(CPU, interleaved page by page, 2 rounds), the records byte-identical.

The rewritten XPaths replace trafilatura's in its own lists and constants
(``trafilatura.xpaths``, ``trafilatura.settings.BASIC_CLEAN_XPATH`` where trafilatura's modules
import it), behind a dispatcher that uses them only inside ``active()`` (the article parser's
calls); any other caller in the process gets trafilatura's XPath objects.

Also here: the three XPaths trafilatura prunes the raw page with are skipped, inside ``active()``,
on pages where no id or class holds the names they look for (``RAW_PRUNE_NEEDLES``).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import re
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from lxml.etree import XPath

_ACTIVE: ContextVar[bool] = ContextVar("newsarchive_fast_xpaths", default=False)
_READ: ContextVar[tuple[Any, str] | None] = ContextVar("newsarchive_raw_names", default=None)
# re:test(ARG, 'REGEX'[, 'FLAGS']) with ARG one attribute or a union of attributes.
_RE_TEST = re.compile(
    r"re:test\(\s*(?P<arg>@[\w:-]+(?:\s*\|\s*@[\w:-]+)*)\s*,\s*'(?P<regex>[^']*)'"
    r"(?:\s*,\s*'(?P<flags>[^']*)')?\s*\)")
_FLAGS = {"i": re.IGNORECASE, "g": 0}  # lxml's re:test flags ("g" does not change a test)
_NS = {"re": "http://exslt.org/regular-expressions"}

log = logging.getLogger(__name__)


@contextlib.contextmanager
def active() -> Iterator[None]:
    """trafilatura calls made inside use the rewritten XPaths."""
    token = _ACTIVE.set(True)
    read = _READ.set(None)  # a page's ids and classes are never kept past its extraction
    try:
        yield
    finally:
        _READ.reset(read)
        _ACTIVE.reset(token)


def _never_empty(regex: str, flags: str) -> bool:
    """Whether ``regex`` (lxml's re:test flags) cannot match "" (then a missing attribute
    fails the test)."""
    if any(flag not in _FLAGS for flag in flags):
        return False
    value = 0
    for flag in flags:
        value |= _FLAGS[flag]
    try:
        return re.search(regex, "", value) is None
    except re.error:
        return False


def rewrite(path: str) -> str:
    """``path`` with every ``re:test`` that cannot match "" guarded by its attribute's presence."""

    def guarded(match: re.Match[str]) -> str:
        if not _never_empty(match.group("regex"), match.group("flags") or ""):
            return match.group(0)
        return f"(({match.group('arg')}) and {match.group(0)})"

    return _RE_TEST.sub(guarded, path)


class Dispatch:
    """Calls the rewritten XPath inside ``active()`` and trafilatura's own elsewhere."""

    __slots__ = ("fast", "original")

    def __init__(self, original: XPath, fast: XPath) -> None:
        self.original = original
        self.fast = fast

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return (self.fast if _ACTIVE.get() else self.original)(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # ``path``, ``error_log``: trafilatura's
        return getattr(self.original, name)


def dispatch(expression: Any) -> Any:
    """A dispatcher for ``expression``, or ``expression`` itself when nothing is rewritten."""
    if not isinstance(expression, XPath):
        return expression
    path = rewrite(expression.path)
    if path == expression.path:
        return expression
    try:
        return Dispatch(expression, XPath(path, namespaces=_NS))
    except Exception:  # libxml2 does not compile it: keep trafilatura's
        log.warning("could not rewrite a trafilatura XPath: %s", expression.path)
        return expression


def install() -> int:
    """Put dispatchers into trafilatura's XPath lists (once); how many were rewritten."""
    try:
        from trafilatura import settings, xpaths

        # the module, not the function that trafilatura's package exports under its name
        baseline = importlib.import_module("trafilatura.baseline")
    except ImportError:
        return 0
    count = 0
    for name, value in vars(xpaths).items():
        if name.isupper() and isinstance(value, list):
            for index, expression in enumerate(value):
                value[index] = dispatch(expression)
                count += value[index] is not expression
    basic = getattr(settings, "BASIC_CLEAN_XPATH", None)
    if isinstance(basic, XPath) and getattr(baseline, "BASIC_CLEAN_XPATH", None) is basic:
        fast = dispatch(basic)
        if fast is not basic:
            settings.BASIC_CLEAN_XPATH = baseline.BASIC_CLEAN_XPATH = fast
            count += 1
    return count


# trafilatura_sequence prunes the whole raw page with three XPaths before anything else (1.2 ms
# a page together even with the guard above, on every page), which select only elements whose
# id or class holds one of these strings. The pages mostly hold none: such an XPath is skipped,
# its answer known to be empty. One read of the page's ids and classes (0.6 ms) serves the three:
# trafilatura runs them one after the other on the same tree, and pruning only removes elements,
# so the ids and classes read before the first are a superset of those the later ones see.
# Measured on the corpus: skipped on 925, 941 and 504 of the 945 pages, never where the XPath
# selected anything. Keyed by the SHA-256 of trafilatura's XPath text: another XPath is not
# skipped.
RAW_PRUNE_NEEDLES: dict[str, tuple[str, ...]] = {
    # mvp-post-add-(?:box|wrap)|infinite-?scroll, on ids and classes
    "01e7c660fd6406f29932819d2dbd7530e2f3bdac11dde83565e977e391303444": ("mvp-post-add-",
                                                                         "infinite"),
    # contains(@class, 'elementor-share-buttons')
    "3c7afe92279543d5530365aa7b921c6e5b51243033e5622cae1dc85e08976f87": (
        "elementor-share-buttons",),
    # ids ^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments), classes
    # ^[Cc]omment(?!ary)|(?:article|post)-comments
    "9cc18d34e6e2d258172b5df02bc44e578c95ef709b8e06722846c7a410c3a46f": (
        "omment", "comol", "disqus_thread", "dsq-comments"),
}
# The trafilatura_sequence this was read from (the order of its raw prunes).
SEQUENCE_SHA256 = "f03dc4d2946dacbd0e023ca1c51fdf329e0fdc0be342fd0f14924396ec646e05"
_NAMES = XPath("//@class | //@id")


def names_text(tree: Any) -> str:
    """Every id and class value of ``tree``'s document, one a line (read once per tree inside
    ``active()``: see ``RAW_PRUNE_NEEDLES``)."""
    read = _READ.get()
    if read is not None and read[0] is tree:
        return read[1]
    text = "\n".join(_NAMES(tree))
    _READ.set((tree, text))
    return text


class SkipWithout:
    """An XPath that, inside ``active()``, selects nothing without calling libxml2 when no id or
    class of the tree holds one of its ``needles``."""

    __slots__ = ("expression", "needles")

    def __init__(self, expression: Any, needles: tuple[str, ...]) -> None:
        self.expression = expression
        self.needles = needles

    def __call__(self, tree: Any, *args: Any, **kwargs: Any) -> Any:
        if _ACTIVE.get() and not args and not kwargs:
            text = names_text(tree)
            if not any(needle in text for needle in self.needles):
                return []
        return self.expression(tree, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.expression, name)


def install_raw_prunes() -> int:
    """Wrap the raw-page prunes of ``RAW_PRUNE_NEEDLES`` (once); how many were wrapped."""
    import hashlib
    import inspect

    try:
        from trafilatura import core, xpaths
        source = inspect.getsource(core.trafilatura_sequence)
    except (ImportError, AttributeError, OSError, TypeError):
        return 0
    if hashlib.sha256(source.encode()).hexdigest() != SEQUENCE_SHA256:
        log.warning("trafilatura's extraction sequence changed: its raw-page prunes all run")
        return 0
    count = 0
    for name in ("RAW_TREE_PRUNE_XPATH", "REMOVE_COMMENTS_AND_LISTS_XPATH"):
        expressions = getattr(xpaths, name, None)
        for index, expression in enumerate(expressions or ()):
            path = getattr(expression, "path", None)
            if isinstance(expression, SkipWithout) or not isinstance(path, str):
                continue
            needles = RAW_PRUNE_NEEDLES.get(hashlib.sha256(path.encode()).hexdigest())
            if needles is not None:
                expressions[index] = SkipWithout(expression, needles)
                count += 1
    return count
