"""Fetching an article: the URL key the spider computes once travels with the request."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from newsarchive.items import Article
from newsarchive.spiders.events import EventsSpider
from newsarchive.urls import url_id, url_key

URL = "https://www.outlet.test/story?src=feed&utm_source=x"


def events_spider() -> EventsSpider:
    crawler = get_crawler(EventsSpider, {"NEWSARCHIVE_TRACKING_PARAMS": ["src"]})
    crawler.spider = EventsSpider.from_crawler(crawler, site="http://127.0.0.1:9/")
    return crawler.spider


def test_an_article_request_carries_the_articles_url_key() -> None:
    spider = events_spider()
    request = spider.article_request(Article(id=url_id(URL, ["src"]), url=URL))
    assert request.cb_kwargs["key"] == url_key(URL, ["src"]) == "outlet.test/story"


@pytest.mark.parametrize("identity_url", [URL, "https://outlet.test/story", "https://outlet.test/other"])
def test_an_alias_is_the_same_with_the_identity_urls_key_given(identity_url: str) -> None:
    answers = []
    for known in (None, url_key(identity_url, ["src"])):
        spider = events_spider()
        article = Article(id=url_id(URL, ["src"]), url=URL)
        answers.append((spider.article_alias(article, identity_url, known), article.id))
    assert answers[0] == answers[1]
    assert answers[0][1] == url_id(identity_url, ["src"])  # archived under its canonical URL's id
