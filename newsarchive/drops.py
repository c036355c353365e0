"""Counting what is not archived. Every drop is a stat ``newsarchive/dropped/<reason>`` and a log line."""

from __future__ import annotations

import logging

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from newsarchive.middlewares.dns import ResolverUnavailable
from newsarchive.middlewares.safety import PrivateAddressRefused

DROP_PREFIX = "newsarchive/dropped/"

logger = logging.getLogger(__name__)


def count_drop(stats: StatsCollector | None, reason: str, what: str, detail: str = "") -> None:
    """Count one dropped page or record under ``reason`` and say so in the log."""
    if stats is not None:
        stats.inc_value(DROP_PREFIX + reason)
    logger.warning("dropped (%s): %s%s", reason, what, f" — {detail}" if detail else "")


def failure_reason(failure: Failure) -> str:
    """A short, stable reason name for a failed request."""
    if failure.check(PrivateAddressRefused):
        return "refused_address"
    if failure.check(DownloadCancelledError):
        # Scrapy cancels a download only above DOWNLOAD_MAXSIZE (by Content-Length, or while
        # the body streams in: then the message is empty) or when the crawl stops.
        return "too_large"
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timeout"
    if failure.check(ResolverUnavailable):
        return "dns_unavailable"
    if failure.check(DNSLookupError, CannotResolveHostError):
        return "dns_error"
    if failure.check(ConnectError, ConnectionLost, ResponseFailed, ResponseNeverReceived,
                     DownloadConnectionRefusedError, DownloadFailedError, ResponseDataLossError):
        return "connection_error"
    if failure.check(IgnoreRequest):
        message = str(failure.value).lower()
        if "during decompression" in message:  # HttpCompressionMiddleware above DOWNLOAD_MAXSIZE
            return "decompression_limit"
        if "redirect" in message:
            return "redirect_loop"
        if "robots" in message:
            return "robots_txt"
        if "refused" in message:
            return "refused_address"
        return "ignored"
    return "download_error"


def dropped_counts(stats: dict[str, object]) -> dict[str, int]:
    """The drop counters of a stats dict, by reason."""
    return {
        key[len(DROP_PREFIX):]: int(value)  # type: ignore[call-overload]
        for key, value in sorted(stats.items())
        if key.startswith(DROP_PREFIX)
    }


# Failures that say nothing about the page itself: asked again later, it may well answer. Not
# a name that does not exist: for an old link that is most often a domain gone for good, and
# every backfill run again would read its days again; but a name no resolver answered for
# (``dns_unavailable``: the machine's resolver or network down, see ``middlewares/dns.py``).
# 403 too: news sites' bot walls (Cloudflare's challenge, Akamai's and DataDome's blocks) answer
# 403 to a crawler for an hour or a day, and a 403 that is for good costs a backfill run over its
# day only that day's pages and the source fetched again. And a page fetched whole whose
# extraction ran out of time or lost its worker (the OOM killer): this machine's resources, not
# the page, most often (a page that always does costs a backfill run its extraction timeout).
# A bot wall's challenge page answered with a 200 (``bot_wall``) is the 403's case.
TRANSIENT_REASONS = frozenset({"timeout", "connection_error", "http_403", "http_408", "http_429",
                               "dns_unavailable", "extraction_timeout", "extraction_crash",
                               "bot_wall"})


def is_transient(reason: str) -> bool:
    """Whether a failure of this reason (``failure_reason``) may pass: a server error, a
    timeout, a lost or refused connection, a name no resolver answered for, a 403 (bot walls),
    an extraction out of time or whose worker died; not a 404 or 410, a name that does not
    exist, a page that is no article, nor a page refused by our own limits."""
    return reason in TRANSIENT_REASONS or (reason.startswith("http_5") and len(reason) == 8)
