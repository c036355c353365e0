"""A feed exporter for tests that fails on article records, as an exporter that cannot
serialize a value does (Scrapy's JSON exporters raised ``TypeError`` on a ``bytes`` field)."""

from __future__ import annotations

from typing import Any

from scrapy.exporters import JsonLinesItemExporter

from newsarchive.items import Article


class ArticleFailingExporter(JsonLinesItemExporter):
    def export_item(self, item: Any) -> None:
        if isinstance(item, Article):
            raise TypeError("Object of type bytes is not JSON serializable")
        super().export_item(item)
