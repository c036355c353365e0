"""Refuse requests into private networks (DESIGN §4 "Safety").

A page can link to ``http://10.0.0.1/admin``, ``http://2130706433:6379/`` (127.0.0.1 spelled as one
number) or to a host name whose DNS answer is 127.0.0.1; an archiver must not fetch those on a
stranger's say-so. Two checks, one rule:

- :class:`AddressSafetyMiddleware` (downloader middleware) refuses non-http(s) URLs and hosts that
  *spell* a private, loopback, link-local, reserved, multicast or unspecified address, in any
  spelling the platform's resolver accepts (``inet_aton``: decimal ``2130706433``, octal
  ``017700000001``, hex ``0x7f000001``, short forms ``127.1`` and ``0``, a trailing dot,
  IPv4-mapped/6to4/NAT64 IPv6), and ``localhost`` names.
- :class:`PrivateAddressGuard` wraps the reactor's resolver (the middleware installs it) and
  refuses a *name* whose answer is such an address. The check runs on the answer the connection
  then uses, for every request: pages, redirects, meta refreshes, robots.txt, feeds, sitemaps.
  Twisted reports any failed lookup as "no results" (a ``CannotResolveHostError`` for Scrapy);
  :class:`PrivateAnswerMiddleware` (at 560: its ``process_exception`` runs before
  ``RetryMiddleware``'s) turns the guard's into :class:`PrivateAddressRefused`, so that they are
  neither retried nor counted as DNS errors.

Allowed anyway: the hosts of the spider's start URLs, on any port (tests serve several "hosts"
as ports of 127.0.0.1), ``NEWSARCHIVE_ALLOWED_HOSTS``, and the web archive's host
(``NEWSARCHIVE_WAYBACK_URL``, when lookups are enabled), trusted like a start URL. A host given
as an address is allowed
under every spelling of that address and for every name that resolves to it; a host given as a
name is allowed by that name only (its address under another name or spelling is not).
**Starting a crawl on a private host trusts that host**: any page may then make the crawler
fetch any port of it (a database's HTTP port, an admin panel on the same machine...).

Refused requests are counted as ``newsarchive/refused/private_address`` and reach the spider as
:class:`PrivateAddressRefused` (drop reason ``refused_address``; an event's source says
``refused``). The resolver check covers Scrapy's Twisted download handlers (the default); a
download handler with its own DNS (httpx, aiohttp) or a proxy gets the literal check only.

Settings: ``NEWSARCHIVE_ALLOWED_HOSTS`` (list of host names or IP addresses).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from twisted.python.failure import Failure
from zope.interface import implementer

from newsarchive.middlewares.dns import resolver_unavailable
from newsarchive.run_context import run_context

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
REFUSED_STAT = "newsarchive/refused/private_address"
# What inet_aton takes: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x).
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}", re.IGNORECASE)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class PrivateAddressRefused(IgnoreRequest):
    """A request refused because its host is, or resolves to, a non-public address."""


class PrivateAnswer(DNSLookupError):
    """The resolver guard's refusal (a lookup error, so that Twisted reports it quietly)."""


def count_refusal(crawler: Crawler) -> None:
    if crawler.stats is not None:
        crawler.stats.inc_value(REFUSED_STAT)


def host_name(host: str) -> str:
    """A host as compared here: lower case, no brackets, no trailing dot."""
    host = host.strip().strip("[]").lower()
    return host[:-1] if host.endswith(".") else host


def parse_address(host: str) -> Address | None:
    """The IP address ``host`` spells, or None for a name.

    Dotted quads and IPv6 through ``ipaddress``; every other numeric spelling through the
    platform's own ``inet_aton``, which is what the system resolver applies to such a name
    (``ipaddress`` refuses them; nothing else here parses them the resolver's way).
    """
    host = host_name(host)
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def embedded_ipv4(address: Address) -> Address:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), else the address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def is_private_address(address: Address) -> bool:
    """Not a public unicast address: private, loopback, link-local, shared, reserved,
    unspecified or multicast (``is_global`` is False for all but multicast)."""
    address = embedded_ipv4(address)
    return not address.is_global or address.is_multicast


def is_private_host(host: str) -> bool:
    """True when ``host`` spells a non-public address or is a ``localhost`` name.

    Names are not resolved here: :class:`PrivateAddressGuard` checks their answers.
    """
    name = host_name(host)
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        return True
    address = parse_address(name)
    return address is not None and is_private_address(address)


@dataclass
class AllowList:
    """Hosts trusted although private: names (any address they resolve to) and addresses."""

    names: set[str] = field(default_factory=set)
    addresses: set[Address] = field(default_factory=set)

    def add(self, host: str) -> None:
        name = host_name(host)
        if not name:
            return
        address = parse_address(name)
        if address is None:
            self.names.add(name)
        else:
            self.addresses.add(embedded_ipv4(address))

    def allows_name(self, host: str) -> bool:
        return host_name(host) in self.names

    def allows_address(self, address: Address) -> bool:
        return embedded_ipv4(address) in self.addresses


@implementer(IResolverSimple)
class PrivateAddressGuard:
    """A resolver wrapper: a name whose answer is a non-public address fails with
    :class:`PrivateAddressRefused`, unless the name or the address is allowed.

    Twisted connects to the very address this returns, so a DNS answer that changes between
    a check and the connection (rebinding) cannot slip through.
    """

    def __init__(self, resolver: Any, allow: AllowList | None = None) -> None:
        self.resolver = resolver
        self.allow = allow or AllowList()
        self.refused: dict[str, str] = {}  # host name -> the private answer it got
        # host name -> the error of its last lookup, when no resolver answered it (``dns.py``)
        self.unavailable: dict[str, str] = {}

    def getHostByName(self, name: str, timeout: Any = (1, 3, 11, 45)) -> Deferred[str]:
        deferred: Deferred[str] = self.resolver.getHostByName(name, timeout)
        deferred.addCallbacks(self._check, self._failed, callbackArgs=(name,), errbackArgs=(name,))
        return deferred

    def _failed(self, failure: Failure, name: str) -> Failure:
        """Note a name the resolver could not answer for (Twisted's endpoints report every
        failed lookup alike, without the resolver's error)."""
        message = failure.getErrorMessage()
        if resolver_unavailable(message):
            self.unavailable[host_name(name)] = message
        else:
            self.unavailable.pop(host_name(name), None)
        return failure

    def _check(self, answer: str, name: str) -> str:
        self.unavailable.pop(host_name(name), None)
        try:
            address = ipaddress.ip_address(answer)
        except ValueError:
            return answer
        if self.allow.allows_name(name):
            return answer
        if is_private_address(address) and not self.allow.allows_address(address):
            self.refused[host_name(name)] = answer
            raise PrivateAnswer(name, f"refused: resolves to private address {answer}")
        return answer


def install_guard() -> PrivateAddressGuard | None:
    """The guard around the reactor's resolver, installed on first use; None without one
    (importing ``twisted.internet.reactor`` would install the default reactor: never here)."""
    if "twisted.internet.reactor" not in sys.modules:
        return None
    from twisted.internet import reactor

    current = getattr(reactor, "resolver", None)
    if isinstance(current, PrivateAddressGuard):
        return current
    if current is None or not hasattr(reactor, "installResolver"):
        return None
    guard = PrivateAddressGuard(current)
    reactor.installResolver(guard)
    return guard


class AddressSafetyMiddleware:
    def __init__(self, crawler: Crawler, extra_allowed: list[str]) -> None:
        self.crawler = crawler
        self.extra_allowed = [h for h in extra_allowed if h]
        self._allow: AllowList | None = None
        self.guard = install_guard()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressSafetyMiddleware:
        allowed = crawler.settings.getlist("NEWSARCHIVE_ALLOWED_HOSTS")
        wayback = crawler.settings.get("NEWSARCHIVE_WAYBACK_URL") or ""
        if wayback and crawler.settings.getbool("NEWSARCHIVE_WAYBACK_ENABLED"):
            allowed = [*allowed, urlsplit(wayback).hostname or ""]
        return cls(crawler, allowed)

    def allow_list(self) -> AllowList:
        """Start URLs' hosts (the run context's) and ``NEWSARCHIVE_ALLOWED_HOSTS``, shared with
        the resolver guard (one list per process: every crawl in it trusts the others' start
        hosts)."""
        if self._allow is None:
            self._allow = self.guard.allow if self.guard is not None else AllowList()
            context = run_context(self.crawler)
            starts = context.start_urls if context is not None else ()
            for host in [*self.extra_allowed, *(urlsplit(url).hostname or "" for url in starts)]:
                self._allow.add(host)
        return self._allow

    def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in {"http", "https"}:
            raise IgnoreRequest(f"refused: not http(s): {request.url}")
        host = parts.hostname or ""
        allow = self.allow_list()
        if allow.allows_name(host):
            return None
        answer = self.guard.refused.get(host_name(host)) if self.guard is not None else None
        if answer is not None:  # resolved to a private address before: no second lookup
            count_refusal(self.crawler)
            raise PrivateAddressRefused(
                f"refused private address {host} ({answer}): {request.url}")
        if not is_private_host(host):
            return None
        address = parse_address(host)
        if address is not None and allow.allows_address(address):
            return None
        count_refusal(self.crawler)
        raise PrivateAddressRefused(f"refused private address {host}: {request.url}")


class PrivateAnswerMiddleware:
    """Turns the resolver guard's refusals into :class:`PrivateAddressRefused` (counted, not
    retried: it must sit after ``RetryMiddleware``, whose ``process_exception`` runs later)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAnswerMiddleware:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, CannotResolveHostError | DNSLookupError):
            return None
        guard = install_guard()
        host = host_name(urlsplit(request.url).hostname or "")
        answer = guard.refused.get(host) if guard is not None else None
        if answer is None:
            return None
        count_refusal(self.crawler)
        raise PrivateAddressRefused(f"refused private address {host} ({answer}): {request.url}")
