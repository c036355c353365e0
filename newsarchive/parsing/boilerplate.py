"""Page furniture that trafilatura keeps in article bodies, found on the page and taken out.

Hand-written: trafilatura has no notion of a story's headline or of pop-ups. Three kinds:
- pop-ups (donation and newsletter prompts, cookie and sign-in dialogs): ``role="dialog"``,
  ``aria-modal``, popup classes;
- the headline repeated at the top of the body (it is the record's ``title``), a standfirst the
  body shows twice, and lines of the site's own header (blog title and tagline);
- a trailing "Topics: …" / "Tags: …" line.
Only leading and trailing paragraphs are ever dropped, and only ones the page shows apart from
the story text, so a story that starts with its own headline words keeps them.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from newsarchive.parsing.text import clean_inline

# Dialogs and pop-ups: never story text (a modal holding the article itself is left alone).
POPUPS = (
    "//*[@role='dialog' or @role='alertdialog' or @aria-modal='true'"
    " or contains(concat(' ', normalize-space(@class), ' '), ' popup ')"
    " or contains(@class, 'popup-') or contains(@class, '-popup')]"
    "[not(.//h1 or .//article or .//*[@itemprop='articleBody'])]"
)
# Subscription, newsletter and paywall prompts (small blocks: a subscribers-only story body is
# long and never matches).
PROMPTS = (
    "//*[contains(@class, 'paywall') or contains(@id, 'paywall') or contains(@class, 'newsletter')"
    " or contains(@id, 'newsletter') or contains(@class, 'subscribe') or contains(@class, 'signup')"
    " or contains(@class, 'sign-up') or contains(@class, 'donat')]"
    "[not(.//h1 or .//article or .//*[@itemprop='articleBody'])]"
)
_MAX_PROMPT_CHARS = 1000
# "See also: <headline>" lines that link to another story.
_SEE_ALSO = re.compile(
    r"^(?:see also|read also|read more|related|more on this|lesen sie auch|lesen sie mehr|"
    r"mehr zum thema|auch interessant|das könnte sie (?:auch )?interessieren|zum weiterlesen|"
    r"à lire aussi|lire aussi|a lire aussi|lire la suite|vea también|lea también|lee también|"
    r"le puede interesar|te puede interesar|puedes ver|leer más|mira también|leia também|"
    r"veja também|leggi anche|czytaj (?:też|także|również)|zobacz (?:też|także|również)|"
    r"lees ook|lees meer)\s*[:|»>.-]\s*(?P<rest>.+)$",
    re.IGNORECASE,
)
# The site's header (masthead, blog title and tagline), when it does not hold the story.
SITE_HEADERS = (
    "//*[self::header[not(ancestor::article or ancestor::main)] or @id='header' or @id='masthead'"
    " or @role='banner' or contains(@class, 'site-header') or @id='site-header']"
    "[not(.//article or .//main or .//*[@itemprop='articleBody'] or .//p[string-length() > 400])]"
)
_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "div", "span", "li", "time", "a")
_MAX_HEADER_CHARS = 1500  # a story's header block: headline, standfirst, byline, date
_MAX_LINE = 400
_MIN_HEADLINE = 10
_TAG_LINE = re.compile(
    r"^(?:topics?|tags?|tagged(?: with)?|themen|thema|schlagw(?:ö|oe)rter|schlagworte|stichw(?:ö|oe)rter"
    r"|mots[- ]cl(?:é|e)s|th(?:è|e)mes?|etiquetas|temas|argomenti|tag|categor(?:y|ies)|kategorien?"
    r"|filed under|more on|mehr zu)\s*:\s*\S",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[\W_]+")


def key(text: str | None) -> str:
    return _NON_WORD.sub("", (text or "").casefold())


def popup_texts(tree: HtmlElement) -> set[str]:
    """Keys of the lines shown in dialogs and pop-ups. Their paragraphs are taken out of the
    body afterwards rather than the pop-ups out of the page first: removing them changes which
    of its candidates trafilatura keeps, for the worse on the corpus."""
    found: set[str] = set()
    for el in tree.xpath(POPUPS):
        found.update(_line_keys(el))
    found.discard("")
    return found


def prompt_texts(tree: HtmlElement) -> set[str]:
    """Keys of the lines of subscription, newsletter, paywall and donation prompts."""
    found: set[str] = set()
    for el in tree.xpath(PROMPTS):
        if len(el.text_content()) <= _MAX_PROMPT_CHARS:
            found.update(_line_keys(el))
    found.discard("")
    return found


def link_texts(tree: HtmlElement) -> set[str]:
    return {key(a.text_content()) for a in tree.iter("a")} - {""}


def header_texts(tree: HtmlElement, title: str | None) -> tuple[set[str], set[str]]:
    """Keys of the story's headline (its <h1>s and declared title), and of the lines of the site's
    own header (blog title and tagline). Read before extraction: trafilatura changes the tree."""
    h1s = {key(h1.text_content()) for h1 in tree.iter("h1")} - {""}
    title_key = key(title)
    if title_key:  # the blog's name in an <h1> is not the story's headline
        headline = {title_key} | {k for k in h1s if len(k) > _MIN_HEADLINE
                                  and (k in title_key or title_key in k)}
    else:
        headline = h1s
    site: set[str] = set()
    for el in tree.xpath(SITE_HEADERS):
        if len(el.text_content()) > _MAX_HEADER_CHARS:
            continue
        lines = _line_keys(el)
        if lines.isdisjoint(headline):  # a header that holds the story's headline is the story's
            site.update(lines)
    site.discard("")
    return headline, site


def _line_keys(block: HtmlElement) -> set[str]:
    keys = set()
    for el in block.iter(*_BLOCKS):
        text = clean_inline(el.text_content())
        if text and len(text) <= _MAX_LINE:
            keys.add(key(text))
    return keys


def strip_furniture(body: str, headline: set[str], elsewhere: set[str],
                    links: set[str] | None = None) -> str:
    """The body without the headline at its top, a leading paragraph that the body repeats
    further down (a standfirst shown twice), lines of the site header or of pop-ups
    (``elsewhere``) anywhere, "See also: <a link's text>" lines, and a closing tag line."""
    paragraphs = [p for p in body.split("\n\n") if p]
    while paragraphs and key(paragraphs[0]) in headline | elsewhere:
        paragraphs.pop(0)
    if len(paragraphs) > 1 and key(paragraphs[0]) in {key(p) for p in paragraphs[1:]}:
        paragraphs.pop(0)
    paragraphs = [p for p in paragraphs if len(p) > _MAX_LINE or key(p) not in elsewhere]
    if links:
        paragraphs = [p for p in paragraphs if not _see_also(p, links)]
    while paragraphs and len(paragraphs[-1]) <= _MAX_LINE and _TAG_LINE.match(paragraphs[-1]):
        paragraphs.pop()
    return "\n\n".join(paragraphs)


def _see_also(paragraph: str, links: set[str]) -> bool:
    if len(paragraph) > _MAX_LINE:
        return False
    match = _SEE_ALSO.match(paragraph)
    return bool(match) and key(match.group("rest")) in links
