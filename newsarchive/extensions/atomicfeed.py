"""Feed files that appear under their final name only once complete.

Scrapy's ``FileFeedStorage`` writes in place, so a downstream job reading ``runs/*/events.jsonl``
could read half a file. This storage writes ``<name>.part`` and renames it when the feed closes
(``os.replace`` is atomic on one filesystem). A killed crawl leaves only ``.part`` files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

from scrapy import Spider
from scrapy.extensions.feedexport import FileFeedStorage


class AtomicFileFeedStorage(FileFeedStorage):
    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.final_path = Path(self.path)
        self.part_path = self.final_path.with_name(self.final_path.name + ".part")

    def open(self, spider: Spider) -> IO[bytes]:
        self.part_path.parent.mkdir(parents=True, exist_ok=True)
        if self.write_mode == "ab" and self.final_path.exists():
            # Appending: carry on from the finished file (Scrapy's semantics for local feeds).
            os.replace(self.final_path, self.part_path)
        return self.part_path.open(self.write_mode)

    def store(self, file: IO[bytes]) -> None:
        file.flush()
        os.fsync(file.fileno())
        file.close()
        os.replace(self.part_path, self.final_path)
        fd = os.open(self.final_path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:  # the rename itself durable: the folder's entry is data too
            os.fsync(fd)
        finally:
            os.close(fd)
