"""Closing the WARC files a killed run left open: cut to the last whole record, then renamed.

A file still named ``*.warc.gz.open`` whose ``flock`` nobody holds belongs to a run that died
(the writer holds the lock while it writes; the kernel drops it with the process). Every record
was written as one gzip member in one ``write``, so the file is whole up to some record, then
may end in part of a member: it is cut after the last record warcio reads whole, fsynced and
renamed, and then ``warcio check`` passes on it. A file without one whole record is removed.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from newsarchive.capture.writer import OPEN_SUFFIX

logger = logging.getLogger(__name__)


def whole_length(path: Path) -> int:
    """Bytes of ``path`` up to the end of its last whole record."""
    end = 0
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle, check_digests=False)
        try:
            for record in iterator:
                record.content_stream().read()  # the whole record must decompress
                iterator.read_to_end(record)
                end = iterator.get_record_offset() + iterator.get_record_length()
        except Exception:  # a partial member: everything before it is whole
            pass
    return end


def recover_file(path: Path) -> Path | None:
    """Close one dead run's ``.open`` file; its final name (None: nothing whole, removed)."""
    fd = os.open(path, os.O_RDWR)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return None  # a live writer holds it
        end = whole_length(path)
        if end == 0:
            os.unlink(path)
            return None
        os.ftruncate(fd, end)
        os.fsync(fd)
        final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
        os.replace(path, final)
        return final
    finally:
        os.close(fd)


def recover_open_files(runs_dir: Path) -> list[Path]:
    """Close every dead ``.open`` WARC file under ``runs_dir/*/warc/``."""
    recovered = []
    for path in sorted(runs_dir.glob(f"*/warc/*{OPEN_SUFFIX}")):
        final = recover_file(path)
        if final is not None:
            recovered.append(final)
    return recovered
