"""``scrapy crawl``, Scrapy's own, except that a crawl that cannot start for a reason the user can
fix ends with one ``error:`` line on stderr and its own exit code, not a traceback: a bad spider
argument (``ArgumentError``, exit 2), an output folder another crawl holds (``StateLocked``,
exit 3) or a crawl state that cannot be read (``StateDamaged``, exit 1).

The components themselves raise these as ordinary exceptions, so a program running Scrapy
in-process (``CrawlerProcess``, ``CrawlerRunner``, ``AsyncCrawlerRunner``) catches them from
``crawl()``; only this command turns them into exit codes. Enabled by ``COMMANDS_MODULE =
"newsarchive.commands"`` (this repo's settings and ``newsarchive crawl``); in another project,
set it too, or get Scrapy's traceback and exit code 1 for the same errors.

A run that started but failed (an export error, a feed that could not be stored, a full disk
while the manifest or the crawl state was written: ``newsarchive.extensions.commit``, which sets
the stat ``newsarchive/run_failed``) exits 1: Scrapy's own command exits 0 whatever happens once
the crawl runs, and cron must see it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from newsarchive.args import ArgumentError
from newsarchive.pool import configured_pool_size, start_fork_server
from newsarchive.state.base import StateDamaged, StateLocked

logger = logging.getLogger(__name__)
EXIT_CODES: dict[type[Exception], int] = {ArgumentError: 2, StateLocked: 3, StateDamaged: 1}
EXIT_FAILED = 1


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if len(args) == 1:
            # before Scrapy builds its crawler process, which prints its start-up lines
            self._refuse_unknown_spider(args[0])
            start_extraction_early(self.settings)

    def _refuse_unknown_spider(self, spider: str) -> None:
        known = known_spiders(self.settings)
        if known is not None and spider not in known:
            sys.stderr.write(f"error: scrapy crawl {spider}: no such spider "
                             f"(this project has: {', '.join(sorted(known)) or 'none'})\n")
            sys.stderr.flush()
            raise SystemExit(2)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's usage errors
            return
        spider = args[0]
        assert self.crawler_process
        known = self.crawler_process.spider_loader.list()
        if spider not in known:  # Scrapy's own answer is a KeyError traceback and exit 1
            sys.stderr.write(f"error: scrapy crawl {spider}: no such spider "
                             f"(this project has: {', '.join(sorted(known)) or 'none'})\n")
            sys.stderr.flush()
            self.exitcode = 2
            return
        crawler = self._create_crawler(spider)
        started = self.crawler_process.crawl(crawler, **opts.spargs)
        self._watch(started, spider)
        self.crawler_process.start()
        if self.exitcode == 0 and self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        if self.exitcode == 0 and crawler.stats and crawler.stats.get_value("newsarchive/run_failed"):
            self.exitcode = EXIT_FAILED
        if self.exitcode == 0 and killed(crawler):
            sys.stderr.write(f"error: scrapy crawl {spider}: stopped before the run ended (a "
                             "forced shutdown: Ctrl-C or SIGTERM twice); nothing of it is marked "
                             "archived, the next run fetches it again\n")
            sys.stderr.flush()
            self.exitcode = EXIT_FAILED

    def _watch(self, started: Any, spider: str) -> None:
        if isinstance(started, Deferred):
            started.addErrback(self._on_failure, spider)
        elif isinstance(started, asyncio.Future):
            started.add_done_callback(lambda task: self._on_done(task, spider))

    def _on_done(self, task: asyncio.Future[Any], spider: str) -> None:
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()  # retrieved now: asyncio no longer prints it at exit
        if not self._known(error, spider):
            logger.error("crawl failed", exc_info=error)

    def _on_failure(self, failure: Failure, spider: str) -> Failure | None:
        return None if self._known(failure.value, spider) else failure

    def _known(self, error: BaseException | None, spider: str) -> bool:
        for kind, code in EXIT_CODES.items():
            if isinstance(error, kind):
                sys.stderr.write(f"error: scrapy crawl {spider}: {error}\n")
                sys.stderr.flush()
                self.exitcode = code
                return True
        return False


def known_spiders(settings: Any) -> list[str] | None:
    """The project's spiders as the crawler process will find them (the add-ons' early
    settings, such as ``SPIDER_MODULES``, applied to a copy); None when they cannot be listed
    here (Scrapy then reports why, as before)."""
    from scrapy.addons import AddonManager
    from scrapy.spiderloader import get_spider_loader

    try:
        early = settings.copy()
        AddonManager.load_pre_crawler_settings(early)
        return list(get_spider_loader(early).list())
    except Exception:  # a spider module that fails to import: Scrapy's own error follows
        return None


def killed(crawler: Any) -> bool:
    """The run started but never ended: the reactor was stopped under it (Scrapy's forced
    shutdown), so no feed was completed, no manifest written, no state committed."""
    from newsarchive.extensions.commit import ENDED_STAT, RunCommit

    started = crawler.stats is not None and crawler.stats.get_value("start_time") is not None
    return (started and crawler.get_extension(RunCommit) is not None
            and not crawler.stats.get_value(ENDED_STAT))


def start_extraction_early(settings: Any) -> None:
    """Start the extraction pool's fork server before Scrapy builds its crawler process.

    No page is extracted before the fork server has loaded and warmed up the extraction stack.
    Started here, once the options are read, it starts ~0.6 s after launch instead of ~0.9-1.3 s
    from the ``StartExtractionWorkers`` extension (which starts it in any other project;
    starting it twice is a no-op), so its warm-up overlaps more of Scrapy's start. A bad pool
    size is left to the extraction middleware to report.
    """
    try:
        if configured_pool_size(settings) > 0:
            start_fork_server()
    except ValueError:
        pass
