"""Item pipelines for tests that return a record as another kind of item, as project code often
does (``return dict(item)``, ``return ItemAdapter(item).asdict()``), and one that changes a record
in place (what newsarchive asks of a project's pipeline instead)."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter


class ToDict:
    def process_item(self, item: Any) -> Any:
        return ItemAdapter(item).asdict()


class InPlace:
    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if adapter.get("type") == "article":
            adapter["tags"] = [*adapter["tags"], "seen-by-project"]
        return item
