"""``scrapy crawl`` that exits 1 when the run failed.

Scrapy's own command exits 0 whatever happened after the crawl started: an export error, a feed
that could not be stored, a full disk while the manifest or the crawl state was written. Those
make a newsarchive run failed (``newsarchive.extensions.commit``: nothing committed, the stat
``newsarchive/run_failed``), and cron must see it.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.spiders import Spider

EXIT_FAILED = 1


class Command(ScrapyCrawlCommand):
    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        crawler = super()._create_crawler(spidercls)
        self.crawlers = [*getattr(self, "crawlers", []), crawler]
        return crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        for crawler in getattr(self, "crawlers", []):
            if crawler.stats is not None and crawler.stats.get_value("newsarchive/run_failed"):
                self.exitcode = max(self.exitcode, EXIT_FAILED)
