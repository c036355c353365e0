"""The spider a user might write first: fetch each URL, ``trafilatura.extract`` in the callback.

A baseline of ``benchmarks/crawl.py --baselines`` (run with ``scrapy runspider``, no project):
extraction runs in the reactor's thread, so downloads wait while a page is extracted. With
``-a extract=no`` it extracts nothing (an item per page, its URL and size): Scrapy's own cost of
fetching the pages, the floor under any Scrapy crawl of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import scrapy
import trafilatura
from scrapy.http import Response


class NaiveSpider(scrapy.Spider):
    name = "naive"

    def __init__(self, urls: str, extract: str = "yes", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url_file = Path(urls)
        self.extract = extract != "no"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.url_file.read_text("utf-8").split():
            yield scrapy.Request(url)

    def parse(self, response: Response) -> Iterator[dict[str, Any]]:
        if not self.extract:
            yield {"url": response.url, "bytes": len(response.body)}
            return
        result = trafilatura.extract(response.text, url=response.url, output_format="json",
                                     with_metadata=True)
        if result:
            yield {"url": response.url, "extract": result}
