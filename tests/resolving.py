"""A DNS resolver for tests: names pinned to addresses, like a hosts file, the rest as Scrapy's.

End-to-end tests need a host *name* that resolves to a loopback address without touching
/etc/hosts or a DNS server. ``-s TWISTED_DNS_RESOLVER=tests.resolving.PinnedResolver
-s TEST_PINNED_HOSTS=panel.internal.test=127.0.0.1`` answers that name from the setting; the
newsarchive safety guard wraps this resolver exactly as it wraps Scrapy's default one.

``TEST_UNREACHABLE_HOSTS`` (names whose lookups fail as when no name server answers: getaddrinfo's
``EAI_AGAIN``) and ``TEST_UNKNOWN_HOSTS`` (as for a name that does not exist: ``EAI_NONAME``) fail
at once, with the very error Scrapy's resolver (Twisted's ``ThreadedResolver``) gives for each.
"""

from __future__ import annotations

import socket
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer

UNREACHABLE = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
UNKNOWN = socket.gaierror(socket.EAI_NONAME, "Name or service not known")


class PinnedResolver(CachingThreadedResolver):
    pinned: dict[str, str] = {}
    failing: dict[str, socket.gaierror] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PinnedResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.pinned = dict(
            entry.split("=", 1) for entry in crawler.settings.getlist("TEST_PINNED_HOSTS")
        )
        resolver.failing = {
            **dict.fromkeys(crawler.settings.getlist("TEST_UNREACHABLE_HOSTS"), UNREACHABLE),
            **dict.fromkeys(crawler.settings.getlist("TEST_UNKNOWN_HOSTS"), UNKNOWN),
        }
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> defer.Deferred[str]:
        if name in self.failing:
            return defer.fail(self._fail(name, str(self.failing[name])))
        if name in self.pinned:
            return defer.succeed(self.pinned[name])
        return super().getHostByName(name, timeout)
