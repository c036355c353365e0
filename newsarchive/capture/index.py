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

    Used by one thread at a time: the WARC writer's thread, then whoever closed it.
    """

    def __init__(self, max_buffer: int = MAX_BUFFER) -> None:
        # imported here: cdxj-indexer pulls surt -> tldextract -> requests (~60 ms), which a
        # crawl without capture (and every module importing ``capture_of``) does not need
        from cdxj_indexer.main import CDXJIndexer, SortingWriter

        self._indexer = CDXJIndexer(output=None, inputs=[])
        self._lines = SortingWriter(out=None, max_sort_buff_size=max_buffer)
        self.count = 0

    def add(self, record: Any, filename: str, offset: int, length: int) -> None:
        """Index ``record`` (a warcio record) written at ``offset``, ``length`` bytes long, in
        the WARC file ``filename``. Records cdxj-indexer leaves out (requests, warcinfo) are
        left out."""
        indexer = self._indexer
        if not indexer.filter_record(record):
            return
        indexer.curr_filename = filename
        indexer.process_index_entry(_Position(offset, length), record, filename, self._lines)
        self.count += 1

    def write(self, output: Path) -> Path:
        """The sorted index, written to ``output`` (via ``.part``, renamed when complete)."""
        partial = output.with_name(output.name + ".part")
        with partial.open("w", encoding="utf-8") as handle:
            self._lines.out = handle
            self._lines.flush()
        partial.replace(output)
        return output
