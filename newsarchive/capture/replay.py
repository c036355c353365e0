"""The download handler ``newsarchive reextract`` crawls through: responses from WARC files.

Registered for ``http`` and ``https`` in ``DOWNLOAD_HANDLERS``, it answers every request with
the response captured for its URL, exactly as recorded (still gzip-encoded, 3xx included), so
the very spiders, middlewares (decompression, redirects, robots.txt) and pipelines of a crawl
run over it, offline. A URL that was not captured fails as an unreachable page would
(``DownloadFailedError``: the source is ``dead`` as it was in the crawl), and one captured cut
at the size limit fails as the crawl's download did. The response's meta
gets the ``Capture`` it was read from, so the records point at the original capture.

Settings: ``NEWSARCHIVE_REPLAY_WARCS`` (the WARC files to serve), ``NEWSARCHIVE_REPLAY_RESOLVE``
(more WARC files in which revisits' payloads are looked up).
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, DownloadFailedError
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from newsarchive.capture import CAPTURE_META
from newsarchive.capture.archive import CaptureArchive
from newsarchive.items import Capture

logger = logging.getLogger(__name__)


@cache
def _archive(files: tuple[str, ...], resolve: tuple[str, ...]) -> CaptureArchive:
    """One index per crawl although Scrapy builds one handler per scheme."""
    archive = CaptureArchive([Path(f) for f in files], [Path(f) for f in resolve])
    logger.info("replaying %d captured URLs from %d WARC files", len(archive), len(files))
    return archive


class WarcReplayHandler(BaseDownloadHandler):
    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        files = tuple(crawler.settings.getlist("NEWSARCHIVE_REPLAY_WARCS"))
        if not files:
            raise ValueError("NEWSARCHIVE_REPLAY_WARCS names no WARC file to replay")
        self.archive = _archive(files, tuple(crawler.settings.getlist("NEWSARCHIVE_REPLAY_RESOLVE")))

    async def download_request(self, request: Request) -> Response:
        if self.archive.is_truncated(request.url):  # the crawl's download was cut: so is this one
            raise DownloadCancelledError(f"captured truncated (size limit): {request.url}")
        captured = self.archive.lookup(request.url)
        if captured is None:
            self.crawler.stats.inc_value("newsarchive/replay/not_captured")
            raise DownloadFailedError(f"not in the capture: {request.url}")
        self.crawler.stats.inc_value("newsarchive/replay/responses")
        headers = Headers()
        for name, value in captured.headers:
            headers.appendlist(name, value)
        location = captured.location
        request.meta[CAPTURE_META] = Capture(location.path.name, location.record_id)
        respcls = responsetypes.from_args(headers=headers, url=request.url, body=captured.body)
        return respcls(url=request.url, status=captured.status, headers=headers,
                       body=captured.body, request=request, protocol=captured.protocol)
