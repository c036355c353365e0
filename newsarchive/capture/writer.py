"""The WARC writer: exchanges written as records, one gzip member per record.

It runs on the caller's thread (the reactor's), as Scrapy's feed exporters write their files.
It once ran on a thread of its own behind a queue, so that hashing and compressing a page would
not hold up the reactor; measured, that cost more than the work it moved: on 500-page
fetch-only crawls (the crawl process alone, medians of 8, capture off as the base) the capture
took 1.14 s of CPU with the thread and 0.60 s without (2 vCPUs; every hashlib and gzip call
over 2 KB releases the GIL, ~30 a page, and each hand-over between two busy threads is a
wake-up on another CPU). The work itself is ~0.6 ms a 150 KB page (SHA-1 twice, ISA-L,
warcio's headers, the index line); ``fsync`` runs only when a file is finished (every
``max_size`` bytes, and at the end of the run).

Files: ``<prefix>-<serial>.warc.gz`` in ``folder``, written as ``...warc.gz.open`` under an
``flock`` and renamed when closed (fsynced first), as Heritrix does; a new file is started
before the first record once the current one has reached ``max_size`` bytes. Each file opens
with a ``warcinfo`` record. Each record is written with one ``write``: a process killed at any
point leaves the file whole up to its last record, plus at most one partial member that
``recover`` cuts off. A failed write (a full disk) cuts the partial record off at once, stops
the writer and reports the error.

warcio builds the records (headers, digests); they are written into per-record gzip members of
our own because its gzip wrapper always compresses with zlib at level 9 (``GZIP_LEVEL``): ours
is ISA-L's level 1 by default, ~4x faster than zlib's fastest.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import logging
import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol

from isal import isal_zlib
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive.capture.index import RunIndex
from newsarchive.capture.records import Exchange
from newsarchive.scaleout.connection import is_redis_lost, one_line

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
WARC_SUFFIX = ".warc.gz"


class PayloadLog(Protocol):
    """Payload digests already captured, and where (``RunState`` in a crawl)."""

    def captured_payload(self, digest: str) -> tuple[str, str] | None:
        """(target URI, WARC-Date) of the first capture of this payload, or None."""

    def add_payload(self, digest: str, uri: str, date: str) -> None:
        """Remember a payload captured in full by this run."""


class MemoryPayloadLog:
    """A ``PayloadLog`` for one run only (crawl state switched off)."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, str]] = {}

    def captured_payload(self, digest: str) -> tuple[str, str] | None:
        return self._seen.get(digest)

    def add_payload(self, digest: str, uri: str, date: str) -> None:
        self._seen.setdefault(digest, (uri, date))


def payload_digest(body: bytes) -> str:
    """WARC's usual digest form: ``sha1:`` + base32 of the SHA-1."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


@dataclass
class WriterCounts:
    records: int = 0  # whole records written, warcinfo included
    responses: int = 0
    revisits: int = 0
    truncated: int = 0
    bytes: int = 0  # compressed bytes on disk
    files: int = 0


# Levels 1-3 compress with ISA-L (python-isal), 4-9 with zlib; 0 stores (zlib's 0). On 500
# corpus pages (148 KB average): ISA-L's 1 takes 0.21 ms a page for 22.3% of the raw size,
# zlib's 1 0.92 ms for 22.8% and zlib's 6 2.38 ms for 19.3%. Both write standard gzip members
# every WARC reader reads.
ISAL_MAX_LEVEL = isal_zlib.ISAL_BEST_COMPRESSION


def gzip_compressor(level: int) -> Any:
    """A compressor writing one gzip member at ``level`` (see ``ISAL_MAX_LEVEL``)."""
    if 1 <= level <= ISAL_MAX_LEVEL:
        return isal_zlib.compressobj(level, isal_zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)


class _GzipMember:
    """Collects one record as one gzip member (written in one go by the writer)."""

    def __init__(self, level: int) -> None:
        self._compressor = gzip_compressor(level)
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.parts.append(self._compressor.compress(data))

    def flush(self) -> None:
        self.parts.append(self._compressor.flush())


class WarcWriter:
    def __init__(
        self,
        folder: Path,
        prefix: str,
        info: dict[str, str],
        payloads: PayloadLog,
        max_size: int = 1 << 30,
        gzip_level: int = 1,
        on_error: Callable[[Exception], None] | None = None,
        index: RunIndex | None = None,
    ) -> None:
        self.folder = folder
        self.prefix = prefix
        self.info = info
        self.payloads = payloads
        self.max_size = max_size
        self.gzip_level = gzip_level
        self.on_error = on_error
        self.index = index  # given: every record is indexed as it is written
        self.counts = WriterCounts()
        self.error: Exception | None = None
        self.files: list[Path] = []  # closed files, final names
        self._builder = WARCWriter(None, gzip=False, warc_version="1.1")
        self._fd: int | None = None
        self._fd_serial = -1
        self._offset = 0
        self._closed = False
        self._payload_log_failed = False

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def file_name(self, serial: int) -> str:
        return f"{self.prefix}-{serial:05d}{WARC_SUFFIX}"

    def submit(self, exchange: Exchange) -> str | None:
        """Write an exchange; the name of the file its records went to (None: capture failed,
        now or earlier)."""
        if self.error is not None or self._closed:
            return None
        try:
            if self._fd is None or self._offset >= self.max_size:
                self._finish_file()
                self._open_file(self._fd_serial + 1)
            self._write_exchange(exchange)
        except Exception as error:
            # OSError: the disk; anything else (a bug) stops the capture the same way: the
            # run fails, nothing is marked archived (Redis gone: ``_earlier_capture``)
            self._fail(error)
            return None
        return self.file_name(self._fd_serial)

    def close(self) -> list[Path]:
        """Close (fsync, rename) the open file; the files written."""
        if not self._closed:
            self._closed = True
            try:
                self._finish_file()
            except OSError as error:
                self._fail(error)
        return self.files

    def _open_file(self, serial: int) -> None:
        name = self.file_name(serial)
        path = self.folder / (name + OPEN_SUFFIX)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # tells ``recover`` the file is live
        self._fd, self._fd_serial, self._offset = fd, serial, 0
        self.counts.files += 1
        record = self._builder.create_warcinfo_record(name, self.info)
        self._write_records([record])

    def _finish_file(self) -> None:
        if self._fd is None:
            return
        fd, serial = self._fd, self._fd_serial
        self._fd = None
        os.fsync(fd)
        os.close(fd)
        name = self.file_name(serial)
        os.replace(self.folder / (name + OPEN_SUFFIX), self.folder / name)
        _fsync_dir(self.folder)
        self.files.append(self.folder / name)

    def _write_exchange(self, exchange: Exchange) -> None:
        builder = self._builder
        digest = payload_digest(exchange.body)
        http_headers = StatusAndHeaders(exchange.status_line, exchange.response_headers,
                                        protocol=exchange.protocol)
        fields = {"WARC-Record-ID": exchange.record_id, "WARC-Date": exchange.date,
                  **dict(exchange.extra_fields)}
        earlier = None
        if exchange.body and 200 <= exchange.status < 300 and exchange.truncated is None:
            earlier = self._earlier_capture(digest)
        if earlier is not None:
            response = builder.create_revisit_record(
                exchange.url, digest, earlier[0], earlier[1], http_headers=http_headers,
                warc_headers_dict=fields)
        else:
            fields["WARC-Payload-Digest"] = digest
            if exchange.truncated:
                fields["WARC-Truncated"] = exchange.truncated
            response = builder.create_warc_record(
                exchange.url, "response", payload=BytesIO(exchange.body),
                length=len(exchange.body), http_headers=http_headers, warc_headers_dict=fields)
        request = builder.create_warc_record(
            exchange.url, "request", payload=BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=StatusAndHeaders(exchange.request_line, exchange.request_headers,
                                          protocol="HTTP/1.1", is_http_request=True),
            warc_headers_dict={"WARC-Date": exchange.date,
                               "WARC-Concurrent-To": exchange.record_id})
        self._write_records([response, request])
        if earlier is not None:
            self.counts.revisits += 1
        else:
            self.counts.responses += 1
            if exchange.truncated:
                self.counts.truncated += 1
            elif exchange.body and 200 <= exchange.status < 300:
                self._remember_payload(digest, exchange)

    # A shared run's payload log is its crawl state in Redis. Redis gone past the client's
    # retries (``is_redis_lost``) is the state's failure, not the capture's: the ``ScaleOut``
    # extension stops the worker (``redis_unavailable``). Until then a page is written in full
    # (a response record needs no earlier one), so nothing fetched goes uncaptured and the run
    # ends for its real reason. Any other error (a full Redis, a bug) still stops the capture.
    def _earlier_capture(self, digest: str) -> tuple[str, str] | None:
        try:
            return self.payloads.captured_payload(digest)
        except Exception as error:
            if not is_redis_lost(error):
                raise
            self._payload_log_lost(error)
            return None

    def _remember_payload(self, digest: str, exchange: Exchange) -> None:
        try:
            self.payloads.add_payload(digest, exchange.url, exchange.date)
        except Exception as error:
            if not is_redis_lost(error):
                raise
            self._payload_log_lost(error)

    def _payload_log_lost(self, error: Exception) -> None:
        if not self._payload_log_failed:
            self._payload_log_failed = True
            logger.warning("WARC capture: payload look-ups failed (%s): pages are written in "
                           "full, without revisit records", one_line(error))

    def _write_records(self, records: list[object]) -> None:
        """Each record a gzip member; all of them in one write (cut off again if it fails)."""
        parts: list[bytes] = []
        lengths: list[int] = []
        for record in records:
            member = _GzipMember(self.gzip_level)
            self._builder.out = member
            self._builder.write_record(record)
            parts.extend(member.parts)
            lengths.append(sum(map(len, member.parts)))
        data = b"".join(parts)
        assert self._fd is not None
        try:
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError:
            os.ftruncate(self._fd, self._offset)  # no half record stays behind
            raise
        if self.index is not None:
            name = self.file_name(self._fd_serial)
            offset = self._offset
            for record, length in zip(records, lengths, strict=True):
                self.index.add(record, name, offset, length)
                offset += length
        self._offset += len(data)
        self.counts.records += len(records)
        self.counts.bytes += len(data)

    def _fail(self, error: Exception) -> None:
        self.error = error
        logger.error("WARC capture failed in %s: %s", self.folder, error)
        if self._fd is not None:
            # what was written whole stays readable; the file keeps its .open name: the next
            # run's recovery closes it
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                os.fsync(fd)
            os.close(fd)
        if self.on_error is not None:
            self.on_error(error)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
