"""Which hosts the safety middleware takes for private addresses: every spelling the platform's
resolver accepts, checked against the resolver itself."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from twisted.internet import defer

from newsarchive.middlewares.safety import (
    AllowList,
    PrivateAddressGuard,
    PrivateAnswer,
    is_private_host,
    parse_address,
)

PRIVATE_SPELLINGS = [
    "127.0.0.1", "2130706433", "127.1", "127.0.1", "017700000001", "0177.0.0.1", "0x7f000001",
    "0x7f.0.0.1", "0X7F.1", "0", "0.0.0.0", "0x0", "167772161", "10.1", "012.0.0.1",
    "2852039166", "169.254.169.254", "0xa9fea9fe", "3232235521", "192.168.1", "100.64.0.1",
    "127.0.0.1.", "[::1]", "::1", "[::ffff:127.0.0.1]", "::ffff:7f00:1", "[::ffff:a9fe:a9fe]",
    "2002:7f00:1::", "64:ff9b::a00:1", "[fe80::1]", "fc00::1", "::", "224.0.0.1", "255.255.255.255",
    "localhost", "LOCALHOST.", "foo.localhost", "ip6-localhost",
]
PUBLIC = ["8.8.8.8", "134744072", "0x8080808", "example.com", "10.example.com", "1.2.3.4.5",
          "0x7f000001.example", "2001:4860:4860::8888", "[::ffff:8.8.8.8]", "127.0.0.1.nip.io"]


@pytest.mark.parametrize("host", PRIVATE_SPELLINGS)
def test_every_spelling_of_a_private_address_is_private(host: str) -> None:
    assert is_private_host(host)


@pytest.mark.parametrize("host", PUBLIC)
def test_public_addresses_and_names_pass(host: str) -> None:
    assert not is_private_host(host)


@pytest.mark.parametrize("host", [h for h in PRIVATE_SPELLINGS + PUBLIC
                                  if "." in h and ":" not in h and not h.endswith(".")
                                  and not any(c.isalpha() and c not in "xX" for c in h)
                                  and h.count(".") <= 3] + ["2130706433", "0", "167772161"])
def test_numeric_hosts_read_as_the_platform_resolver_reads_them(host: str) -> None:
    """The platform's own answer for the name, without DNS, is the address parsed here."""
    expected = socket.gethostbyname(host)
    assert parse_address(host) == ipaddress.ip_address(expected)


def test_allow_list_takes_an_address_in_any_spelling_and_a_name_as_itself() -> None:
    allow = AllowList()
    allow.add("127.0.0.2")
    allow.add("Blog.Internal.")
    assert allow.allows_address(parse_address("0x7f000002"))  # type: ignore[arg-type]
    assert allow.allows_address(parse_address("::ffff:127.0.0.2"))  # type: ignore[arg-type]
    assert not allow.allows_address(parse_address("127.1"))  # type: ignore[arg-type]
    assert allow.allows_name("blog.internal") and not allow.allows_name("other.internal")


class FixedResolver:
    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers

    def getHostByName(self, name: str, timeout: object = ()) -> defer.Deferred[str]:
        return defer.succeed(self.answers[name])


def answer(guard: PrivateAddressGuard, name: str) -> str | type[Exception]:
    results: list[object] = []
    guard.getHostByName(name).addBoth(results.append)
    (result,) = results
    if isinstance(result, Exception) or hasattr(result, "value"):
        return type(getattr(result, "value", result))
    return result  # type: ignore[return-value]


def test_the_guard_refuses_names_whose_answer_is_private_unless_allowed() -> None:
    guard = PrivateAddressGuard(FixedResolver({
        "news.example": "93.184.216.34", "rebind.example": "127.0.0.1",
        "meta.example": "169.254.169.254", "blog.internal": "10.0.0.5", "alias.example": "127.0.0.2",
    }))
    guard.allow.add("blog.internal")
    guard.allow.add("127.0.0.2")
    assert answer(guard, "news.example") == "93.184.216.34"
    assert answer(guard, "rebind.example") is PrivateAnswer
    assert answer(guard, "meta.example") is PrivateAnswer
    assert answer(guard, "blog.internal") == "10.0.0.5"  # allowed by name
    assert answer(guard, "alias.example") == "127.0.0.2"  # allowed by address
    assert guard.refused == {"rebind.example": "127.0.0.1", "meta.example": "169.254.169.254"}
