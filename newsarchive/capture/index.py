"""A run's CDXJ index, built while its records are written.

cdxj-indexer indexes finished WARC files by reading them again: every record decompressed and
parsed, ~0.6 ms of the crawl process's CPU a page, all of it after the last page, while the
extraction workers sit idle. The writer holds each record as it writes it and knows where it put
it, so ``RunIndex`` asks cdxj-indexer's own ``CDXJIndexer`` for the record's line from that (its
fields, its SURT key, its filter of record types) and sorts the lines with its ``SortingWriter``
(sorted runs spill to temporary files past ``max_buffer``, so memory stays flat with the crawl's
size). The index equals cdxj-indexer's index of the finished files (tests/test_capture_index.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MAX_BUFFER = 4 << 20  # bytes of index lines held in memory before a sorted run is spilled


class _Position:
    """What cdxj-indexer asks its ArchiveIterator about the record being indexed."""

    def __init__(self, offset: int, length: int) -> None:
        self.offset = offset
        self.length = length

    def get_record_offset(self) -> int:
        return self.offset

    def get_record_length(self) -> int:
        return self.length


class RunIndex:
    """Index lines of the records written so far; ``write`` sorts them into a CDXJ file.

    Used by the WARC writer, on the reactor thread.
    """

    def __init__(self, max_buffer: int = MAX_BUFFER) -> None:
        self.max_buffer = max_buffer
        self._indexer: Any = None
        self._lines: Any = None
        self.count = 0

    def _load(self) -> None:
        """cdxj-indexer, loaded with the first record: it pulls surt -> tldextract -> requests
        (0.1-0.2 s), which would otherwise be imported at ``spider_opened``, before the crawl's
        first request (and in every module importing ``capture_of``, and in crawls without
        capture)."""
        from cdxj_indexer.main import CDXJIndexer, SortingWriter

        self._indexer = CDXJIndexer(output=None, inputs=[])
        self._lines = SortingWriter(out=None, max_sort_buff_size=self.max_buffer)

    def add(self, record: Any, filename: str, offset: int, length: int) -> None:
        """Index ``record`` (a warcio record) written at ``offset``, ``length`` bytes long, in
        the WARC file ``filename``. Records cdxj-indexer leaves out (requests, warcinfo) are
        left out."""
        if self._indexer is None:
            self._load()
        indexer = self._indexer
        if not indexer.filter_record(record):
            return
        indexer.curr_filename = filename
        indexer.process_index_entry(_Position(offset, length), record, filename, self._lines)
        self.count += 1

    def write(self, output: Path) -> Path:
        """The sorted index, written to ``output`` (via ``.part``, renamed when complete)."""
        if self._lines is None:
            self._load()
        partial = output.with_name(output.name + ".part")
        with partial.open("w", encoding="utf-8") as handle:
            self._lines.out = handle
            self._lines.flush()
        partial.replace(output)
        return output
