"""Dead links, by kind: every dead source is counted as ``newsarchive/dead/<kind>``.

Kinds: ``dns`` (the name does not exist), ``dns_unavailable`` (no resolver answered for it: it
may resolve later), ``refused`` (nothing listens), ``timeout`` (after
retries), ``http_404`` / ``http_410`` / ``http_451``, ``http_5xx`` (after retries), other HTTP
statuses as ``http_<status>``, and the soft-404s (the page answers, but not with the article):
``soft404_redirect`` (redirected to the home page or a section front), ``soft404_gone_title``
(its title or heading says it is gone) and ``soft404_no_article`` (extraction found no article);
and ``bot_wall`` (a bot-protection challenge or block page instead of the article: it may pass).
Other failures keep their drop reason (``redirect_loop``, ``connection_error``...).
"""

from __future__ import annotations

import logging

from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from twisted.internet.error import ConnectionRefusedError, DNSLookupError
from twisted.python.failure import Failure

from newsarchive.drops import failure_reason
from newsarchive.middlewares.dns import ResolverUnavailable

DEAD_PREFIX = "newsarchive/dead/"
SOFT404_REDIRECT = "soft404_redirect"
SOFT404_GONE_TITLE = "soft404_gone_title"
SOFT404_NO_ARTICLE = "soft404_no_article"
BOT_WALL = "bot_wall"  # a bot-protection challenge or block page (parsing/bot_wall.py)

logger = logging.getLogger(__name__)


def dead_kind(failure: Failure) -> str:
    """The kind of death a failed article request shows."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return "http_5xx" if 500 <= status <= 599 else f"http_{status}"
    if failure.check(ResolverUnavailable):
        return "dns_unavailable"
    if failure.check(DNSLookupError, CannotResolveHostError):
        return "dns"
    if failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
        return "refused"
    return failure_reason(failure)


def count_dead(stats: StatsCollector | None, kind: str, url: str, detail: str = "") -> None:
    if stats is not None:
        stats.inc_value(DEAD_PREFIX + kind)
    logger.info("dead (%s): %s%s", kind, url, f" — {detail}" if detail else "")
