"""Scrapy settings newsarchive's spiders keep to themselves, because a project's value would lose
records without a trace.

Each is fixed at spider priority (``ArchiveSpider.custom_settings``), so a project's own value,
meant for its own spiders, does not reach these; one given on the command line, which outranks
a spider's, is refused as a bad argument (exit code 2). ``JOBDIR`` is left out with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from newsarchive.args import ArgumentError

logger = logging.getLogger(__name__)

IGNORED_JOBDIR = "NEWSARCHIVE_IGNORED_JOBDIR"  # the JOBDIR given, left out


@dataclass(frozen=True)
class OwnSetting:
    value: Any
    read: Callable[[BaseSettings, str], Any]
    why: str


_ERROR_PAGES = ("an error page (404, 410, 5xx...) would be archived as the article, and the "
                "source never counted dead nor looked up in a web archive")
OWN_SETTINGS: dict[str, OwnSetting] = {
    # Counts every hop (day page, event, related event, article; a blog's listing pages one
    # after another); Scrapy's middleware drops a deeper request with a debug line only.
    "DEPTH_LIMIT": OwnSetting(0, BaseSettings.getint, (
        "Scrapy's depth limit would drop an event's sources or a blog's older posts without a "
        "trace; these spiders bound their own depth (-a related_depth, -a since, -a max_posts)")),
    "HTTPERROR_ALLOW_ALL": OwnSetting(False, BaseSettings.getbool, _ERROR_PAGES),
    "HTTPERROR_ALLOWED_CODES": OwnSetting([], BaseSettings.getlist, _ERROR_PAGES),
}
SPIDER_SETTINGS = {name: own.value for name, own in OWN_SETTINGS.items()}


def refuse_overrides(settings: BaseSettings) -> None:
    """``ArgumentError`` for a setting of ``OWN_SETTINGS`` given another value (the command line)."""
    for name, own in OWN_SETTINGS.items():
        given = own.read(settings, name)
        if given != own.value:
            raise ArgumentError(f"{name}={settings.get(name)}: {own.why}")


def leave_out_jobdir(settings: BaseSettings) -> None:
    """Scrapy's ``JOBDIR`` resumes a run from its saved queue and seen requests, without the
    events still waiting for their sources (never emitted, their pages never read again) and
    with a spider state that clashes with the crawl state's. An interrupted newsarchive run
    resumes when it is run again, the crawl state skipping what it archived."""
    jobdir = settings.get("JOBDIR")
    if jobdir:
        above_all = max(settings.getpriority("JOBDIR") or 0, SETTINGS_PRIORITIES["cmdline"]) + 1
        settings.set("JOBDIR", None, priority=above_all)
        settings.set(IGNORED_JOBDIR, jobdir, priority=above_all)


def warn_left_out(settings: BaseSettings) -> None:
    if settings.get(IGNORED_JOBDIR):
        logger.warning(
            "JOBDIR %s left out: newsarchive resumes an interrupted run when it is run again "
            "(the crawl state skips what was archived); Scrapy's saved queue would lose the "
            "events still waiting for their sources", settings.get(IGNORED_JOBDIR))
