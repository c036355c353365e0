"""A DNS resolver for tests: names pinned to addresses, like a hosts file, the rest as Scrapy's.

End-to-end tests need a host *name* that resolves to a loopback address without touching
/etc/hosts or a DNS server. ``-s TWISTED_DNS_RESOLVER=tests.resolving.PinnedResolver
-s TEST_PINNED_HOSTS=panel.internal.test=127.0.0.1`` answers that name from the setting; the
newsarchive safety guard wraps this resolver exactly as it wraps Scrapy's default one.
"""

from __future__ import annotations

from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer


class PinnedResolver(CachingThreadedResolver):
    pinned: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PinnedResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.pinned = dict(
            entry.split("=", 1) for entry in crawler.settings.getlist("TEST_PINNED_HOSTS")
        )
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> defer.Deferred[str]:
        if name in self.pinned:
            return defer.succeed(self.pinned[name])
        return super().getHostByName(name, timeout)
