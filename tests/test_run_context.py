"""The run context: what a spider's validated arguments tell the crawl's components."""

from __future__ import annotations

from datetime import date

from scrapy.utils.test import get_crawler

from newsarchive.args import BlogsArgs, EventsArgs
from newsarchive.run_context import run_context
from newsarchive.spiders.blogs import BlogsSpider
from newsarchive.spiders.events import EventsSpider


def test_blogs_spider_publishes_its_arguments_run_id_and_window() -> None:
    crawler = get_crawler(BlogsSpider)
    crawler.spider = BlogsSpider.from_crawler(
        crawler, start_urls="http://10.0.0.7:8080/blog/", since="2024-02-01")
    context = run_context(crawler)
    assert context is not None and context.run_id == crawler.spider.run_id
    assert context.raw_arguments == {"start_urls": "http://10.0.0.7:8080/blog/",
                                     "since": "2024-02-01"}
    crawler.spider.settle_arguments()  # on spider_opened
    assert context.arguments == BlogsArgs(start_urls=("http://10.0.0.7:8080/blog/",),
                                          since=date(2024, 2, 1))
    assert context.since == date(2024, 2, 1)
    assert context.start_urls == ("http://10.0.0.7:8080/blog/",)
    # a worker joining a shared run takes its id (newsarchive.scaleout sets it on the spider)
    crawler.spider.run_id = "20240101T000000Z-abcdef"
    assert context.run_id == "20240101T000000Z-abcdef"


def test_events_spider_takes_defaults_from_settings_when_it_opens() -> None:
    crawler = get_crawler(EventsSpider, {"NEWSARCHIVE_RELATED_DEPTH": 3})
    crawler.spider = EventsSpider.from_crawler(crawler, site="http://127.0.0.1:9/")
    crawler.spider.settle_arguments()
    context = run_context(crawler)
    assert context is not None and isinstance(context.arguments, EventsArgs)
    assert context.arguments.related_depth == 3
    assert context.since is None and context.start_urls == ("http://127.0.0.1:9",)


def test_a_spider_of_another_kind_has_no_context() -> None:
    crawler = get_crawler()
    assert run_context(crawler) is None
