"""A CSV exporter for records: one file can hold every record type and be read back.

Scrapy's ``CsvItemExporter`` takes its header from the first item (an event's columns, say, and
every article then loses its own), and writes a list of nested records as their ``repr``. Here,
when the feed names no ``fields``, the header is every record type's exported fields with
``type`` first (``items.record_fields``): a row leaves the other types' columns empty. Lists and
nested records are JSON-encoded, so ``json.loads`` gives them back. Items that are not records
are exported as Scrapy would.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from typing import Any

from scrapy.exporters import CsvItemExporter

from newsarchive.items import Article, Comment, Event, record_fields


class RecordCsvItemExporter(CsvItemExporter):
    def export_item(self, item: Any) -> None:
        if self._headers_not_written and not self.fields_to_export and isinstance(
            item, Event | Article | Comment
        ):
            self.fields_to_export = record_fields()
        super().export_item(item)

    def serialize_field(self, field: Mapping[str, Any], name: str, value: Any) -> Any:
        if is_dataclass(value) and not isinstance(value, type):  # an article's ``capture``
            value = asdict(value)
        if isinstance(value, list | tuple | dict):
            return json.dumps(value, ensure_ascii=False)
        return super().serialize_field(field, name, value)
