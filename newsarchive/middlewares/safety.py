"""Refuse links that point into private networks (DESIGN §4 "Safety").

A page can link to ``http://10.0.0.1/admin`` or ``http://localhost:6379/``; an archiver must not
fetch those on a stranger's say-so. Requests to non-http(s) URLs and to loopback, private,
link-local or reserved addresses are refused, except for the hosts of the start URLs (any port:
tests serve several "hosts" as ports of 127.0.0.1) and ``NEWSARCHIVE_ALLOWED_HOSTS``.

Settings: ``NEWSARCHIVE_ALLOWED_HOSTS`` (list of host names or IP addresses).
Only literal addresses and ``localhost`` names are checked; resolving every host name here would
block the reactor, and DNS rebinding needs a resolver-level guard.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_private_host(host: str) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return (
        address.is_private or address.is_loopback or address.is_link_local
        or address.is_reserved or address.is_multicast or address.is_unspecified
    )


class AddressSafetyMiddleware:
    def __init__(self, crawler: Crawler, extra_allowed: list[str]) -> None:
        self.crawler = crawler
        self.extra_allowed = {h.lower() for h in extra_allowed}
        self._allowed: set[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressSafetyMiddleware:
        return cls(crawler, crawler.settings.getlist("NEWSARCHIVE_ALLOWED_HOSTS"))

    def allowed_hosts(self, spider: Spider) -> set[str]:
        if self._allowed is None:
            starts = getattr(spider, "start_urls_for_safety", list)()
            self._allowed = self.extra_allowed | {
                (urlsplit(url).hostname or "").lower() for url in starts
            }
        return self._allowed

    def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in {"http", "https"}:
            raise IgnoreRequest(f"refused: not http(s): {request.url}")
        host = (parts.hostname or "").lower()
        spider = self.crawler.spider
        if is_private_host(host) and host not in self.allowed_hosts(spider):
            raise IgnoreRequest(f"refused private address {host}: {request.url}")
        return None
