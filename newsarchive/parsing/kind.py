"""What a saved page is (article, event page, day index, portal page): its content first, its URL
when the content does not say. ``newsarchive extract`` guesses with it, and checks with it that a
page is of the kind asked for; the events spider asks ``events.page_kind`` the same way.
"""

from __future__ import annotations

import re
from typing import Literal

from newsarchive.parsing.events import is_day_index_url, is_event_url, page_kind

Kind = Literal["article", "event", "day", "portal"]

DESCRIPTIONS: dict[str, str] = {
    "article": "an article",
    "event": "an event page",
    "day": "a day index (a list of event pages)",
    "portal": "a Current events portal page",
}

# Rendered portal pages name themselves (title, canonical link) and hold each day in a
# ``.vevent`` block; the raw wikitext of a day page is one ``{{Current events|...}}`` template,
# a month page transcludes its days (``{{Portal:Current events/2025 February 28}}``).
_PORTAL_NAME = re.compile(r"Portal:Current[ _]events", re.IGNORECASE)
_VEVENT_CLASS = re.compile(r"""class\s*=\s*["'][^"']*\bvevent\b""", re.IGNORECASE)
_PORTAL_WIKITEXT = re.compile(r"\{\{\s*(?:Portal:)?Current[ _]events\b", re.IGNORECASE)


def is_portal_content(text: str) -> bool:
    if text.lstrip().startswith("<"):
        return bool(_PORTAL_NAME.search(text)) and bool(_VEVENT_CLASS.search(text))
    return bool(_PORTAL_WIKITEXT.search(text))


def is_portal_url(url: str) -> bool:
    return "Portal:Current_events" in url or "Portal%3ACurrent_events" in url


def content_kind(url: str, text: str) -> Kind | None:
    """The kind the page's content shows, or None when it shows none (most articles)."""
    if is_portal_content(text):
        return "portal"
    return page_kind(url, text)


def url_kind(url: str) -> Kind | None:
    if is_portal_url(url):
        return "portal"
    if is_day_index_url(url):
        return "day"
    if is_event_url(url):
        return "event"
    return None


def guess_kind(url: str, text: str) -> Kind:
    """Content first (an event page at ``.../index.md`` is an event), then the URL; a Markdown
    page is an event page, anything else an article."""
    kind = content_kind(url, text) or url_kind(url)
    if kind is not None:
        return kind
    return "event" if url.lower().endswith(".md") else "article"


def kind_mismatch(asked: str, url: str, text: str) -> str | None:
    """Why the page is not of the ``asked`` kind, judged by its content (None: nothing says so)."""
    shown = content_kind(url, text)
    if shown is not None and shown != asked:
        return f"this page is {DESCRIPTIONS[shown]}, not {DESCRIPTIONS[asked]}"
    if asked == "portal" and shown is None:
        return f"this page is not {DESCRIPTIONS['portal']}"
    return None
