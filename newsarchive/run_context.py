"""The run a crawl belongs to, as its components see it: one typed object, not spider attributes.

A newsarchive spider builds its :class:`RunContext` when it is built (``ArchiveSpider.__init__``,
from its validated arguments) and completes it when it opens (arguments that take their defaults
from settings; the hosts its start URLs name). A worker joining a shared run takes that run's id
(``newsarchive.scaleout``). Pipelines, middlewares and extensions call :func:`run_context` and read
only this object; a spider that is not a newsarchive one has none, and they behave as for a run
without arguments (no run id: no manifest; no ``since``; no start hosts allowed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class SpiderArguments(Protocol):
    """A spider's validated arguments (``newsarchive.args``)."""

    def as_dict(self) -> dict[str, object]: ...


@dataclass
class RunContext:
    """What components know about the run: its id, the spider's arguments, what it noted."""

    run_id: str
    arguments: SpiderArguments  # validated, with defaults from settings once the spider opens
    raw_arguments: dict[str, str]  # the ``-a`` strings as given, for the manifest and the capture
    since: date | None = None  # posts published before this day are skipped (blogs)
    start_urls: tuple[str, ...] = ()  # their hosts may be private addresses (safety middleware)
    worker_id: str | None = None  # this process's name in a run shared by several workers
    notes: list[str] = field(default_factory=list)  # said in the log and the manifest at the end

    def before_since(self, published: str | None) -> bool:
        """Published (ISO 8601 date or date-time) before the ``since`` day; an unknown or
        unreadable date is not."""
        if self.since is None or not published:
            return False
        try:
            return date.fromisoformat(published[:10]) < self.since
        except ValueError:
            return False


def run_context(crawler: Crawler) -> RunContext | None:
    """The context of the crawl's spider; None before it exists or for a spider of another kind."""
    context = getattr(crawler.spider, "run", None) if crawler.spider is not None else None
    return context if isinstance(context, RunContext) else None
