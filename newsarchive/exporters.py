"""A CSV exporter for records: one file can hold every record type and be read back.

Scrapy's ``CsvItemExporter`` takes its header from the first item (an event's columns, say, and
every article then loses its own), and writes a list of nested records as their ``repr``. Here,
when the feed names no ``fields``, the header is every record type's exported fields with
``type`` first (``items.record_fields``): a row leaves the other types' columns empty. Lists and
nested records are JSON-encoded, so ``json.loads`` gives them back. Items that are not records
are exported as Scrapy would.

Every exporter (Scrapy's JSON, XML, CSV as well as this one) reads a record through
``RecordAdapter``, registered with itemadapter when this module is imported: the add-on imports
it, so ``-o``/``-O`` and a project's own FEEDS see a record's schema fields only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from typing import Any

from itemadapter import ItemAdapter
from itemadapter.adapter import DataclassAdapter
from scrapy.exporters import CsvItemExporter

from newsarchive.items import INTERNAL_FIELDS, Article, Comment, Event, exported_fields, record_fields

_PLAIN = frozenset({str, int, float, bool})


class RecordAdapter(DataclassAdapter):
    """A record as exporters see it: its schema's fields (no internal field), nested records as
    dicts (Scrapy's XML exporter would write a nested dataclass as its ``repr``)."""

    def __init__(self, item: Any) -> None:
        super().__init__(item)
        self._fields_dict = {name: value for name, value in self._fields_dict.items()
                             if name not in INTERNAL_FIELDS}

    @classmethod
    def is_item(cls, item: Any) -> bool:
        return isinstance(item, Event | Article | Comment)

    @classmethod
    def is_item_class(cls, item_class: type) -> bool:
        return isinstance(item_class, type) and issubclass(item_class, Event | Article | Comment)

    @classmethod
    def get_field_names_from_class(cls, item_class: type) -> list[str] | None:
        return exported_fields(item_class)

    def __getitem__(self, field_name: str) -> Any:
        value = super().__getitem__(field_name)
        # Most fields are plain: returned before ``is_dataclass`` (slow), 20% of a record's
        # export. Exporters read each field twice (``in`` on an adapter reads the value too).
        if value is None or type(value) in _PLAIN:
            return value
        if isinstance(value, list) and value and is_dataclass(value[0]):
            return [asdict(entry) for entry in value]
        if is_dataclass(value) and not isinstance(value, type):  # Article.archived_from
            return asdict(value)
        return value


if RecordAdapter not in ItemAdapter.ADAPTER_CLASSES:
    ItemAdapter.ADAPTER_CLASSES.appendleft(RecordAdapter)


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
