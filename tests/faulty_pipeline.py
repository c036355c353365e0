"""An item pipeline for tests that raises on one record, the way an unforeseen bug would.

An article whose body contains ``newsarchive-test:pipeline-error`` makes ``process_item`` raise
``RuntimeError``; every other item passes through.
"""

from __future__ import annotations

from typing import Any

from newsarchive.items import Article

MARKER = "newsarchive-test:pipeline-error"


class FaultyPipeline:
    def process_item(self, item: Any) -> Any:
        if isinstance(item, Article) and MARKER in item.body:
            raise RuntimeError("a bug in a pipeline")
        return item
