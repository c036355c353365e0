"""A name that did not resolve because the resolver could not answer, told from one that does not exist.

A source whose name does not exist (NXDOMAIN) is dead: an old link to a domain gone for good.
One whose lookup failed because no name server answered (``EAI_AGAIN``, "Temporary failure in
name resolution", or the lookup timed out) says nothing about the page: the machine's resolver
was down, its network was, or the domain's name servers were. Counted as dead like the first, a
resolver outage during a backfill or a cron night settled every source it hit, and their days
counted as read: the articles never archived by any later run.

Scrapy cannot tell the two apart: Twisted's endpoints turn every failed lookup into "no results
for hostname lookup" (``CannotResolveHostError``). The failure itself, with the resolver's error,
is seen only by the resolver; newsarchive's resolver guard (``middlewares.safety``, which every
lookup of the Twisted download handlers passes through) notes the names whose last lookup failed
that way, and :class:`ResolverUnavailableMiddleware` turns those requests' errors into
:class:`ResolverUnavailable`: drop reason ``dns_unavailable``, a failure that may pass
(``drops.is_transient``), so the day pages citing the source are read again next run.

Hand-written: neither Scrapy nor Twisted keeps the resolver's error.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError
from twisted.internet.error import DNSLookupError

# What Twisted's ThreadedResolver (Scrapy's default resolver) says when getaddrinfo fails with
# EAI_AGAIN ("[Errno -3] Temporary failure in name resolution" on Linux), and when the lookup
# outlasts DNS_TIMEOUT ("timeout error").
_UNAVAILABLE_ERRNO = f"[Errno {socket.EAI_AGAIN}]"
_UNAVAILABLE_TEXTS = ("temporary failure in name resolution", "timeout error", "timed out")


class ResolverUnavailable(CannotResolveHostError):
    """The name's lookup failed because no resolver answered (it may resolve later)."""


def resolver_unavailable(message: str) -> bool:
    """Whether a failed lookup's error says the resolver could not answer, rather than that the
    name does not exist."""
    lowered = message.lower()
    return _UNAVAILABLE_ERRNO in message or any(text in lowered for text in _UNAVAILABLE_TEXTS)


class ResolverUnavailableMiddleware:
    """Turns a lookup error of a name the resolver could not answer for into
    :class:`ResolverUnavailable`. Sits before ``RetryMiddleware`` (550): its
    ``process_exception`` runs once the retries are spent."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResolverUnavailableMiddleware:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, ResolverUnavailable) \
                or not isinstance(exception, CannotResolveHostError | DNSLookupError):
            return None
        from newsarchive.middlewares.safety import host_name, install_guard

        guard = install_guard()
        host = host_name(urlsplit(request.url).hostname or "")
        why = guard.unavailable.get(host) if guard is not None else None
        if why is None and resolver_unavailable(str(exception)):  # a resolver error that got here
            why = str(exception)
        if why is None:
            return None
        raise ResolverUnavailable(f"{host}: the resolver did not answer ({why})")
