"""A spider for tests whose start requests fail, as a bug or a broken dependency in ``start()``
would: Scrapy logs the error and closes the spider with finish reason ``start_error``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy


class BrokenStart(scrapy.Spider):
    name = "broken_start"

    async def start(self) -> AsyncIterator[Any]:
        raise RuntimeError("the start requests could not be made")
        yield  # an async generator, as Scrapy's start() is
