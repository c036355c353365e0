"""A name no resolver answered for is told from one that does not exist (``middlewares/dns.py``).

Unit tests of the pieces: which resolver errors may pass, the resolver guard noting them, the
middleware turning the request's error into ``ResolverUnavailable`` and the reasons the crawl
gives it. The end-to-end backfill is in ``tests/test_e2e_event_page_failures.py``.
"""

from __future__ import annotations

import socket

import pytest
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError
from scrapy.utils.test import get_crawler
from twisted.internet import defer
from twisted.internet.base import ThreadedResolver
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from newsarchive.dead import dead_kind
from newsarchive.drops import failure_reason, is_transient
from newsarchive.middlewares import safety
from newsarchive.middlewares.dns import (
    ResolverUnavailable,
    ResolverUnavailableMiddleware,
    resolver_unavailable,
)
from newsarchive.middlewares.safety import PrivateAddressGuard

# What Twisted's ThreadedResolver (Scrapy's default) gives for each getaddrinfo failure
AGAIN = str(ThreadedResolver(None)._fail("news.example", str(socket.gaierror(
    socket.EAI_AGAIN, "Temporary failure in name resolution"))).value)
NONAME = str(ThreadedResolver(None)._fail("gone.example", str(socket.gaierror(
    socket.EAI_NONAME, "Name or service not known"))).value)
TIMEOUT = str(ThreadedResolver(None)._fail("slow.example", "timeout error").value)


@pytest.mark.parametrize(("message", "unavailable"), [
    (AGAIN, True), (TIMEOUT, True), (NONAME, False),
    ("DNS lookup failed: no results for hostname lookup: gone.example.", False),
    ("DNS lookup failed: address 'x' not found: [Errno -5] No address associated with hostname.",
     False),
])
def test_which_resolver_errors_may_pass(message: str, unavailable: bool) -> None:
    assert resolver_unavailable(message) is unavailable


class FailingResolver:
    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def getHostByName(self, name: str, timeout: object = ()) -> defer.Deferred[str]:
        if name in self.errors:
            return defer.fail(DNSLookupError(self.errors[name]))
        return defer.succeed("93.184.216.34")


def lookup(guard: PrivateAddressGuard, name: str) -> object:
    results: list[object] = []
    guard.getHostByName(name).addBoth(results.append)
    return results[0]


def test_the_guard_notes_names_no_resolver_answered_until_one_does() -> None:
    resolver = FailingResolver()
    guard = PrivateAddressGuard(resolver)
    resolver.errors = {"news.example": AGAIN, "gone.example": NONAME}
    assert isinstance(lookup(guard, "news.example"), Failure)  # the failure goes on as it was
    assert isinstance(lookup(guard, "gone.example"), Failure)
    assert set(guard.unavailable) == {"news.example"}
    resolver.errors = {}
    assert lookup(guard, "News.Example.") == "93.184.216.34"
    assert guard.unavailable == {}


def test_the_middleware_names_the_error_once_retries_are_spent(monkeypatch) -> None:
    guard = PrivateAddressGuard(FailingResolver())
    guard.unavailable["news.example"] = AGAIN
    monkeypatch.setattr(safety, "install_guard", lambda: guard)
    middleware = ResolverUnavailableMiddleware(get_crawler())
    # what Scrapy reports for every failed lookup of its Twisted handlers
    error = CannotResolveHostError("DNS lookup failed: no results for hostname lookup: x.")
    with pytest.raises(ResolverUnavailable) as raised:
        middleware.process_exception(Request("https://news.example/a.html"), error)
    assert "Temporary failure in name resolution" in str(raised.value)
    assert middleware.process_exception(Request("https://gone.example/a.html"), error) is None
    assert middleware.process_exception(Request("https://x.example/"), ValueError()) is None


def test_reasons_and_dead_kinds() -> None:
    unavailable = Failure(ResolverUnavailable("news.example: the resolver did not answer"))
    unknown = Failure(CannotResolveHostError(NONAME))
    assert (failure_reason(unavailable), dead_kind(unavailable)) == ("dns_unavailable",
                                                                     "dns_unavailable")
    assert (failure_reason(unknown), dead_kind(unknown)) == ("dns_error", "dns")
    assert is_transient("dns_unavailable") and not is_transient("dns_error")
