"""URL identity: which spellings of a URL are one story (same ``url_key``/``url_id``) and which not."""

from __future__ import annotations

import pytest

from newsarchive.urls import canonical_url, is_tracking_param, record_id, strip_tracking, url_id, url_key

STORY = "https://www.example.com/2024/05/14/dockworkers-strike.html"


@pytest.mark.parametrize("variant", [
    # tracking parameters, built in
    STORY + "?utm_source=newsletter&utm_medium=email&utm_campaign=am",
    STORY + "?fbclid=IwAR0xyz",
    STORY + "?gclid=Cj0KCQ&utm_content=top",
    STORY + "?mc_cid=1a2b&mc_eid=3c4d",
    # fragments
    STORY + "#comments",
    STORY + "?utm_source=x#section-2",
    # www. and http/https
    "http://www.example.com/2024/05/14/dockworkers-strike.html",
    "https://example.com/2024/05/14/dockworkers-strike.html",
    "http://www2.example.com/2024/05/14/dockworkers-strike.html",
    # case of scheme and host, default ports, trailing dot
    "HTTPS://WWW.EXAMPLE.COM/2024/05/14/dockworkers-strike.html",
    "https://www.example.com:443/2024/05/14/dockworkers-strike.html",
    "http://example.com:80/2024/05/14/dockworkers-strike.html",
    "https://www.example.com./2024/05/14/dockworkers-strike.html",
    # percent-encoding of unreserved characters, surrounding whitespace, trailing slash
    "https://www.example.com/2024/05/14/dockworkers%2Dstrike.html",
    "https://www.example.com/2024/05/14/%64ockworkers-strike.html",
    "  https://www.example.com/2024/05/14/dockworkers-strike.html\n",
    "https://www.example.com/2024/05/14/dockworkers-strike.html/",
    # AMP renderings
    "https://amp.example.com/2024/05/14/dockworkers-strike.html",
    "https://www.example.com/amp/2024/05/14/dockworkers-strike.html",
    "https://www.example.com/2024/05/14/dockworkers-strike.amp.html",
    "https://www.example.com/2024/05/14/dockworkers-strike.html?amp=1",
    "https://www.example.com/2024/05/14/dockworkers-strike.html?amp",
    "https://www.example.com/2024/05/14/dockworkers-strike.html?outputType=amp",
    "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/2024/05/14/dockworkers-strike.html",
])
def test_spellings_of_one_story_share_key_and_id(variant: str) -> None:
    assert url_key(variant) == url_key(STORY) == "example.com/2024/05/14/dockworkers-strike.html"
    assert url_id(variant) == url_id(STORY)


@pytest.mark.parametrize(("first", "second"), [
    ("https://example.com/story/amp/", "https://example.com/story"),
    ("https://example.com/story/amp", "https://example.com/story/"),
    ("https://example.com/2024/story.amp", "https://example.com/2024/story"),
    ("https://example.com/story?id=7&amp=1", "https://example.com/story?id=7"),
    ("https://example.com/article?b=2&a=1", "https://example.com/article?a=1&b=2"),
    ("https://example.com/caf%C3%A9", "https://example.com/café"),
])
def test_more_pairs_that_are_one_url(first: str, second: str) -> None:
    assert url_key(first) == url_key(second)


@pytest.mark.parametrize(("first", "second"), [
    # content-selecting query parameters are kept
    ("https://example.com/article?id=7", "https://example.com/article?id=8"),
    ("https://example.com/live?page=2", "https://example.com/live"),
    # other hosts, other ports, other paths
    ("https://example.com/story", "https://example.org/story"),
    ("http://127.0.0.1:8001/story", "http://127.0.0.1:8002/story"),
    ("https://news.example.com/story", "https://example.com/story"),
    ("https://example.com/story", "https://example.com/Story"),
    # "amp" that is not an AMP marker
    ("https://example.com/amplifiers/", "https://example.com/"),
    ("https://example.com/reviews/amp-review", "https://example.com/reviews"),
    ("https://example.com/champ/story", "https://example.com/ch/story"),
    ("https://example.com/story?amp=0", "https://example.com/story"),
    ("https://example.com/story.ampere.html", "https://example.com/story.html"),
    ("https://example.com/story?example=amp", "https://example.com/story"),
])
def test_different_urls_stay_apart(first: str, second: str) -> None:
    assert url_key(first) != url_key(second)
    assert url_id(first) != url_id(second)


def test_extra_tracking_params_come_from_the_caller() -> None:
    linked = "https://example.com/story?src=wirefeed&id=7"
    assert url_key(linked) == "example.com/story?id=7&src=wirefeed"
    assert url_key(linked, ["src"]) == url_key("https://example.com/story?id=7")
    assert url_id(linked, ["SRC"]) == url_id("https://example.com/story?id=7")
    assert is_tracking_param("Utm_Source") and is_tracking_param("fbclid")
    assert is_tracking_param("src", ["src"]) and not is_tracking_param("src")
    assert not is_tracking_param("id")


def test_canonical_url_keeps_scheme_www_and_amp_for_storage() -> None:
    """The stored URL is only cleaned; identity rules (www, scheme, AMP) live in ``url_key``."""
    assert canonical_url("HTTP://WWW.Example.com:80/a/amp/?utm_source=x&b=2&a=1#top") == (
        "http://www.example.com/a/amp/?a=1&b=2")
    assert canonical_url("https://example.com") == "https://example.com/"
    assert strip_tracking("https://example.com/a?gclid=1&q=x") == "https://example.com/a?q=x"
    assert strip_tracking("https://example.com/a") == "https://example.com/a"


def test_ids_are_sha256_prefixes_of_the_key() -> None:
    assert len(url_id(STORY)) == 16
    assert url_id(STORY) == record_id("example.com/2024/05/14/dockworkers-strike.html")
    assert record_id("a", "b") != record_id("ab")


def test_url_key_is_cached_per_url_and_tracking_params() -> None:
    url = "https://www.example.com/story?src=feed&id=7"
    assert url_key(url) == "example.com/story?id=7&src=feed"
    assert url_key(url, ["src"]) == "example.com/story?id=7"
    assert url_key(url, ("src",)) == "example.com/story?id=7"  # any iterable, same key
    assert url_key(url) == "example.com/story?id=7&src=feed"  # not the stripped one cached above
    for _ in range(2):  # a malformed URL raises every time (errors are not cached)
        with pytest.raises(ValueError):
            url_key("http://[::1/story")
