"""The spider a user might write first: fetch each URL, ``trafilatura.extract`` in the callback.

A baseline of ``benchmarks/crawl.py --baselines`` (run with ``scrapy runspider``, no project):
extraction runs in the reactor's thread, so downloads wait while a page is extracted.
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

    def __init__(self, urls: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url_file = Path(urls)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.url_file.read_text("utf-8").split():
            yield scrapy.Request(url)

    def parse(self, response: Response) -> Iterator[dict[str, Any]]:
        result = trafilatura.extract(response.text, url=response.url, output_format="json",
                                     with_metadata=True)
        if result:
            yield {"url": response.url, "extract": result}
