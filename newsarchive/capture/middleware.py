"""Every exchange the crawl makes, written as WARC/1.1 request + response records.

A downloader middleware at order 950, past every built-in one: its ``process_request`` runs
last, so the request headers are those sent (User-Agent, Accept-Encoding...), and its
``process_response`` runs first, straight after the download handler, so the body is what came
over the wire: still gzip-encoded (``HttpCompressionMiddleware``, 590, decodes it later and
drops ``Content-Encoding``), not yet decoded to text, and redirects (3xx) are seen before
``RedirectMiddleware`` (600) follows them. robots.txt goes through the engine like any request
and is captured the same way. The response gets ``meta[CAPTURE_META]``: the ``Capture`` its
records (and the records extracted from it) point at.

Size limit: Scrapy cancels a download past ``DOWNLOAD_MAXSIZE`` and keeps neither its status
nor its bytes. With capture on, this middleware enforces the limit instead: it lifts Scrapy's
for the download (and gives it back before decompression, whose limit it also is) and stops
the download itself (``StopDownload`` from the ``headers_received`` /
``bytes_received`` signals) once the announced or received size passes the limit; the response
Scrapy then returns (status, headers, the bytes received so far) is written with
``WARC-Truncated: length`` and the request fails as Scrapy's cut would
(``DownloadCancelledError``): the truncated page is archived raw, never parsed. A response cut by
the connection (Scrapy's ``dataloss``/``partial`` flags) is written with
``WARC-Truncated: disconnect``.

Settings: ``NEWSARCHIVE_WARC_ENABLED``, ``NEWSARCHIVE_WARC_MAX_SIZE`` (bytes per file before the
next one is started), ``NEWSARCHIVE_WARC_GZIP_LEVEL``, ``DOWNLOAD_MAXSIZE``.
"""

from __future__ import annotations

import json
import logging
import platform
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import scrapy
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, NotConfigured, StopDownload
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from warcio.statusandheaders import StatusAndHeadersParser

from newsarchive import __version__
from newsarchive.addon import run_dir
from newsarchive.capture import CAPTURE_META, ORIGINAL_URL_META
from newsarchive.capture.index import RunIndex
from newsarchive.capture.records import Exchange, request_parts, response_parts
from newsarchive.capture.recover import recover_open_files
from newsarchive.capture.writer import MemoryPayloadLog, PayloadLog, WarcWriter
from newsarchive.items import Capture
from newsarchive.run_context import run_context

logger = logging.getLogger(__name__)

LIMIT_META = "newsarchive_warc_maxsize"  # the request's own size limit, enforced here
STATS = "newsarchive/warc/"


def warc_date(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def capture_of(response: Response) -> Capture | None:
    """The capture a response was written as (None when capture is off or failed)."""
    try:
        return response.meta.get(CAPTURE_META)
    except AttributeError:  # a response built without a request
        return None


def set_capture(events: list[Any], response: Response) -> None:
    """Point the events parsed from one response at its capture."""
    capture = capture_of(response)
    for event in events:
        event.capture = capture


class WarcCaptureMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.max_size = settings.getint("NEWSARCHIVE_WARC_MAX_SIZE")
        self.gzip_level = settings.getint("NEWSARCHIVE_WARC_GZIP_LEVEL")
        self.default_limit = settings.getint("DOWNLOAD_MAXSIZE")
        self.writer: WarcWriter | None = None
        self._received: dict[Request, int] = {}
        self._stopped: set[Request] = set()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.headers_received, signal=signals.headers_received)
        crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        if not crawler.settings.getbool("NEWSARCHIVE_WARC_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    # -- lifecycle ---------------------------------------------------------------------------
    def spider_opened(self, spider: Spider) -> None:
        output_dir = self.crawler.settings.get("OUTPUT_DIR", "output")
        context = run_context(self.crawler)
        run_id = (context.run_id if context is not None else None) or datetime.now(UTC).strftime(
            "%Y%m%dT%H%M%SZ")
        for path in recover_open_files(Path(output_dir).resolve() / "runs"):
            self.crawler.stats.inc_value(STATS + "recovered_files")
            logger.warning("closed a WARC file a killed run left open: %s", path)
        folder = run_dir(output_dir, run_id) / "warc"
        # the workers of a shared run (REDIS_URL) write side by side in one folder: each names
        # its files and its index after itself, as it does its feeds
        worker_id = context.worker_id if context is not None else None
        prefix = f"{run_id}-{worker_id}" if worker_id else run_id
        self.index_name = f"index-{worker_id}.cdxj" if worker_id else "index.cdxj"
        self.writer = WarcWriter(
            folder, prefix, self.warcinfo(spider, run_id), self.payload_log(),
            max_size=self.max_size, gzip_level=self.gzip_level, on_error=self._failed_soon,
            index=RunIndex(),
        )
        self.writer.start()

    def payload_log(self) -> PayloadLog:
        from newsarchive.extensions.state import run_state

        state = run_state(self.crawler)
        return state if state is not None else MemoryPayloadLog()

    def warcinfo(self, spider: Spider, run_id: str) -> dict[str, str]:
        settings = self.crawler.settings
        context = run_context(self.crawler)
        return {
            "software": f"newsarchive/{__version__} (Scrapy {scrapy.__version__}, "
                        f"warcio {package_version('warcio')}, Python {platform.python_version()})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                          "warc-format/warc-1.1/",
            "isPartOf": run_id,
            "description": f"newsarchive run {run_id}, spider {spider.name}",
            "newsarchive-spider": spider.name,
            "newsarchive-arguments": json.dumps(
                context.raw_arguments if context is not None else {}, sort_keys=True),
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT", ""),
        }

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """The open WARC file fsynced and renamed before the state
        commits (``engine_stopped``); then the run's CDXJ index (built as records were written:
        ``capture/index.py``)."""
        writer = self.writer
        if writer is None:
            return
        files = writer.close()
        counts = writer.counts
        stats = self.crawler.stats
        for name in ("records", "responses", "revisits", "truncated", "bytes", "files"):
            stats.set_value(STATS + name, getattr(counts, name))
        if writer.error is not None:
            stats.set_value(STATS + "failed", str(writer.error))
            return
        if files and writer.index is not None:
            try:
                writer.index.write(writer.folder / self.index_name)
            except Exception:  # the index can be rebuilt from the WARCs: not worth the run
                logger.exception("CDXJ index of %s not written", writer.folder)

    # -- size limit --------------------------------------------------------------------------
    def _limit(self, request: Request) -> int:
        return int(request.meta.get(LIMIT_META, 0))

    def headers_received(self, headers: Any, body_length: int | str, request: Request,
                         spider: Spider) -> None:
        limit = self._limit(request)
        # Twisted gives UNKNOWN_LENGTH (a str) for a chunked or close-delimited body
        if limit and isinstance(body_length, int) and body_length > limit:
            self._stopped.add(request)
            raise StopDownload(fail=False)

    def bytes_received(self, data: bytes, request: Request, spider: Spider) -> None:
        limit = self._limit(request)
        if not limit:
            return
        received = self._received.get(request, 0) + len(data)
        self._received[request] = received
        if received > limit:
            self._stopped.add(request)
            raise StopDownload(fail=False)

    # -- the exchange ------------------------------------------------------------------------
    def process_request(self, request: Request) -> None:
        if request.url.startswith(("http://", "https://")):
            if LIMIT_META not in request.meta:  # a redirect's request already has it
                request.meta[LIMIT_META] = request.meta.get("download_maxsize", self.default_limit)
            request.meta["download_maxsize"] = 0  # enforced here, see the module docstring
        return None

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._received.pop(request, None)
        self._stopped.discard(request)
        self._restore_limit(request)
        return None

    @staticmethod
    def _restore_limit(request: Request) -> None:
        """Give the request its limit back once downloaded: ``HttpCompressionMiddleware``
        (590, after this one) reads ``meta["download_maxsize"]`` as its decompression limit."""
        if LIMIT_META in request.meta:
            request.meta["download_maxsize"] = request.meta[LIMIT_META]

    def process_response(self, request: Request, response: Response) -> Response:
        self._restore_limit(request)
        self._received.pop(request, None)
        stopped = request in self._stopped
        self._stopped.discard(request)
        writer = self.writer
        if writer is not None and response.url.startswith(("http://", "https://")):
            truncated = "length" if stopped else None
            if truncated is None and {"dataloss", "partial"} & set(response.flags):
                truncated = "disconnect"
            self.capture(writer, request, response, truncated)
        if stopped:
            limit = self._limit(request)
            message = (f"Cancelling download of {response.url}: response size larger than "
                       f"download max size ({limit}); captured as truncated")
            logger.warning(message)
            raise DownloadCancelledError(message)
        return response

    def capture(self, writer: WarcWriter, request: Request, response: Response,
                truncated: str | None) -> None:
        request_line, request_headers, request_body = request_parts(request)
        protocol, status_line, response_headers = response_parts(response)
        extra = []
        original = request.meta.get(ORIGINAL_URL_META)
        if original:
            extra.append(("WARC-Newsarchive-Original-URI", str(original)))
        exchange = Exchange(
            url=response.url, request_line=request_line, request_headers=request_headers,
            request_body=request_body, protocol=protocol, status_line=status_line, status=response.status,
            response_headers=response_headers, body=response.body, date=warc_date(),
            record_id=StatusAndHeadersParser.make_warc_id(), truncated=truncated,
            extra_fields=extra,
        )
        file_name = writer.submit(exchange)
        if file_name is None:
            self.crawler.stats.inc_value(STATS + "not_captured")
            request.meta.pop(CAPTURE_META, None)
            return
        # the request's meta is the response's (``response.meta`` fails on a response that
        # is not tied to a request yet, as here)
        request.meta[CAPTURE_META] = Capture(file_name, exchange.record_id)

    # -- failure -----------------------------------------------------------------------------
    def _failed_soon(self, error: Exception) -> None:
        """Stop the crawl on the reactor's next turn, not inside the middleware call that
        wrote the record."""
        from twisted.internet import reactor  # the installed one (never import it at the top)

        reactor.callLater(0, self._failed, error)  # type: ignore[attr-defined]

    def _failed(self, error: Exception) -> None:
        folder = self.writer.folder if self.writer else "?"
        reason = getattr(error, "strerror", None) or error
        message = (f"WARC capture failed ({reason}) writing to {folder}: "
                   "stopping the crawl; the crawl state is not committed")
        logger.critical(message)
        self.crawler.stats.set_value(STATS + "failed", str(error))
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="warc_write_failed"))


def capture_failed(crawler: Crawler) -> str | None:
    """Why this run's capture failed (None when it did not): the state must not commit then."""
    value = crawler.stats.get_value(STATS + "failed") if crawler.stats else None
    return str(value) if value else None


def capture_manifest(settings: Any, stats: dict[str, Any]) -> dict[str, Any]:
    """The manifest's ``capture`` entry (what this run wrote) and, for a re-extraction,
    ``captures_read`` (the WARC files it read)."""
    entries: dict[str, Any] = {}
    if settings.getbool("NEWSARCHIVE_WARC_ENABLED"):
        entries["capture"] = {
            name: stats.get(STATS + name, 0)
            for name in ("files", "records", "responses", "revisits", "truncated", "bytes")
        }
        if stats.get(STATS + "failed"):
            entries["capture"]["failed"] = stats[STATS + "failed"]
    replayed = settings.getlist("NEWSARCHIVE_REPLAY_WARCS")
    if replayed:
        entries["captures_read"] = [str(path) for path in replayed]
    return entries
