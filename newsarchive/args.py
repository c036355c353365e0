"""Spider arguments, validated in one place.

``scrapy crawl NAME -a key=value`` hands spiders strings; each spider turns them into one frozen
dataclass here, once, when it is built. Bad values raise ``ArgumentError`` with a one-line message;
it is an ordinary exception (a ``ValueError``) for programs that run Scrapy in-process, and one
line with exit code 2 for ``scrapy crawl`` (see ``newsarchive.commands.crawl``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


class ArgumentError(ValueError):
    """A spider argument is missing, unknown or malformed."""


def parse_url(name: str, value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ArgumentError(f"{name}: {value!r} is not an http(s) URL")
    return value


def parse_url_list(name: str, value: str) -> tuple[str, ...]:
    urls = tuple(parse_url(name, item) for item in value.split(",") if item.strip())
    if not urls:
        raise ArgumentError(f"{name}: give at least one URL")
    return urls


def parse_day(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ArgumentError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def parse_int(name: str, value: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ArgumentError(f"{name}: {value!r} is not a whole number") from None
    if number < minimum:
        raise ArgumentError(f"{name}: must be at least {minimum}, got {number}")
    return number


def today_utc() -> date:
    """Today in UTC; ``NEWSARCHIVE_TODAY=YYYY-MM-DD`` fixes the clock (tests, replays)."""
    fixed = os.environ.get("NEWSARCHIVE_TODAY")
    return date.fromisoformat(fixed) if fixed else datetime.now(UTC).date()


def _check_known(kwargs: dict[str, str], allowed: set[str]) -> None:
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise ArgumentError(
            f"unknown argument(s) {', '.join(unknown)}; known: {', '.join(sorted(allowed))}"
        )


def _date_range(kwargs: dict[str, str], default_days: int) -> tuple[date, date]:
    end = parse_day("end", kwargs["end"]) if "end" in kwargs else today_utc()
    if "start" in kwargs:
        start = parse_day("start", kwargs["start"])
    else:
        start = end - timedelta(days=default_days - 1)
    if start > end:
        raise ArgumentError(f"start {start} is after end {end}")
    return start, end


@dataclass(frozen=True)
class EventsArgs:
    """Arguments of ``scrapy crawl events``.

    - ``start_urls``: day index pages or event pages, comma-separated; or
    - ``site`` + ``start``/``end``: the day indexes of a date range on an event site
      (default: yesterday and today, UTC); or
    - ``source=portal`` + ``start``/``end``: Wikipedia's Current events portal (default: last 7 days).
    - ``related_depth``: how far related events are followed (default
      ``NEWSARCHIVE_RELATED_DEPTH``, 1; ``None`` here until the spider opens).
    """

    source: str = "site"  # "site" (start_urls or site+range) or "portal"
    start_urls: tuple[str, ...] = ()
    site: str | None = None
    start: date | None = None
    end: date | None = None
    related_depth: int | None = None

    ALLOWED = frozenset({"start_urls", "site", "start", "end", "related_depth", "source"})

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, str]) -> EventsArgs:
        _check_known(kwargs, set(cls.ALLOWED))
        related_depth = (parse_int("related_depth", kwargs["related_depth"])
                         if "related_depth" in kwargs else None)
        source = kwargs.get("source", "").strip().lower()
        if source and source not in {"site", "portal"}:
            raise ArgumentError(f"source: {source!r} is not one of site, portal")
        if "start_urls" in kwargs:
            if "site" in kwargs or source == "portal":
                raise ArgumentError("give either start_urls, or site/source with a date range")
            return cls(
                source="site",
                start_urls=parse_url_list("start_urls", kwargs["start_urls"]),
                related_depth=related_depth,
            )
        if "site" in kwargs:
            if source == "portal":
                raise ArgumentError("site is for event sites; the portal's base is PORTAL_BASE_URL")
            start, end = _date_range(kwargs, default_days=2)
            return cls(
                source="site",
                site=parse_url("site", kwargs["site"]).rstrip("/"),
                start=start,
                end=end,
                related_depth=related_depth,
            )
        if source == "site":
            raise ArgumentError("source=site needs site=BASE_URL or start_urls=URL[,URL...]")
        start, end = _date_range(kwargs, default_days=7)
        return cls(source="portal", start=start, end=end, related_depth=related_depth)

    def with_settings(self, settings: BaseSettings) -> EventsArgs:
        """``related_depth`` not given: ``NEWSARCHIVE_RELATED_DEPTH``."""
        if self.related_depth is not None:
            return self
        depth = parse_int("NEWSARCHIVE_RELATED_DEPTH",
                          str(settings.get("NEWSARCHIVE_RELATED_DEPTH", 1)))
        return replace(self, related_depth=depth)

    def days(self) -> list[date]:
        if self.start is None or self.end is None:
            return []
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def as_dict(self) -> dict[str, object]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class BlogsArgs:
    """Arguments of ``scrapy crawl blogs``: ``start_urls`` (blog home pages or any page of a blog),
    ``since`` (skip older posts), ``max_posts`` (bound a run; 0 = no bound)."""

    start_urls: tuple[str, ...] = field(default=())
    since: date | None = None
    max_posts: int = 0

    ALLOWED = frozenset({"start_urls", "since", "max_posts"})

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, str]) -> BlogsArgs:
        _check_known(kwargs, set(cls.ALLOWED))
        if "start_urls" not in kwargs:
            raise ArgumentError("start_urls=URL[,URL...] is required (blog home pages)")
        return cls(
            start_urls=parse_url_list("start_urls", kwargs["start_urls"]),
            since=parse_day("since", kwargs["since"]) if "since" in kwargs else None,
            max_posts=parse_int("max_posts", kwargs.get("max_posts", "0")),
        )

    def as_dict(self) -> dict[str, object]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


def _jsonable(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
