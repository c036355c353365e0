"""A DNS resolver for end-to-end tests that never asks the network.

IP literals and ``localhost`` resolve as usual; every other name fails at once with the
``DNSLookupError`` a dead domain gives, as RFC 6761 §6.4 asks of resolvers for ``.invalid``
names. The system resolver would send such a query to the configured name server (off the
machine); tests must not. Used with ``-s TWISTED_DNS_RESOLVER=tests.offline_resolver.OfflineResolver``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError


class OfflineResolver(CachingThreadedResolver):
    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        if name == "localhost" or _is_ip(name):
            return super().getHostByName(name, timeout)
        return defer.fail(DNSLookupError(f"{name}: not resolved (offline test resolver)"))


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True
