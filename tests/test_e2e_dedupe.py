"""One record per story, across outlets and across cron runs: ``scrapy crawl events`` end to end.

``tests/fixtures/site_wire`` serves an event site and five outlets. One Northern Wire agency story
runs on four of them with their own templates: verbatim on the Harbour Gazette (wire-a) and the
Valley Herald (wire-b, straight quotes), with two words changed on the Aldermouth Post (wire-c),
with a local intro sentence and without its last paragraph on the Kessington Courier (wire-d).
The events link to them with tracking parameters, a fragment, a redirect (``/r/123``), an AMP
URL, a print page whose ``rel=canonical`` is the article, a percent-encoded path and a
``?src=`` parameter that only ``NEWSARCHIVE_TRACKING_PARAMS`` strips. Two outlets also have their
own reports of the strike (same names and places, other sentences), and the Northern Ledger
(wire-e) a live story whose second version, at another URL, has a new lead paragraph.

The archive is built the way cron builds it: a first run archives the Gazette's copy (the first
archived copy), a second run the whole range on the same output folder, a third run finds
nothing new.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsarchive.dedupe.fingerprint import hamming, simhash_from_hex
from newsarchive.demo.server import serving
from newsarchive.urls import url_id
from tests.conftest import FIXTURES
from tests.crawling import CrawlRun, crawl

SITE_WIRE = FIXTURES / "site_wire"
OUTLETS = ("wire-a", "wire-b", "wire-c", "wire-d", "wire-e")
RANGE = {"start": "2024-05-13", "end": "2024-05-14"}
FIRST_EVENT = "/news/2024/05/14/port-standstill.md"  # cites only the Gazette's copy
SETTINGS = {"NEWSARCHIVE_TRACKING_PARAMS": "src"}
# Four days after the events: past NEWSARCHIVE_COMMENTS_REFRESH_DAYS (archived articles are not
# fetched again for their comments), inside NEWSARCHIVE_REFRESH_DAYS (day pages are).
ENV = {"NEWSARCHIVE_TODAY": "2024-05-18"}

# The story's pages, by role: (host, path of the article as the outlet publishes it).
PAGES = {
    "wire_gazette": ("wire-a", "/2024/05/14/dockworkers-strike-aldermouth/"),
    "wire_herald": ("wire-b", "/business/2024/05/14/aldermouth-dockers-strike-pay.html"),
    "wire_post": ("wire-c", "/news/business-68992011"),
    "wire_courier": ("wire-d", "/news/2024/05/14/port-strike-aldermouth"),
    "own_post": ("wire-c", "/news/local-68993400"),
    "own_ledger": ("wire-e", "/economy/2024/05/14/port-strike-wage-benchmark"),
    "live_1": ("wire-e", "/news/live/2024/05/14/aldermouth-port-strike-talks-stall"),
    "live_2": ("wire-e", "/news/live/2024/05/14/aldermouth-port-strike-shift-offer"),
    "announce": ("wire-a", "/2024/05/13/union-confirms-port-strike/"),
}
WIRE_COPIES = ("wire_gazette", "wire_herald", "wire_post", "wire_courier")


@pytest.fixture(scope="module")
def wire() -> Iterator[dict[str, str]]:
    with serving(SITE_WIRE) as hosts:
        yield hosts


@pytest.fixture(scope="module")
def ids(wire: dict[str, str]) -> dict[str, str]:
    """Expected article id of each page: the id of its own URL."""
    return {role: url_id(wire[host] + path) for role, (host, path) in PAGES.items()}


def hits(hosts: dict[str, str]) -> dict[str, dict[str, int]]:
    """Requests per path so far, per host (the fixture server counts them)."""
    counts = {}
    for name, base in hosts.items():
        with urllib.request.urlopen(base + "/__hits", timeout=5) as answer:
            counts[name] = json.loads(answer.read())
    return counts


def hits_between(before: dict, after: dict) -> dict[str, dict[str, int]]:
    return {host: {path: n - before[host].get(path, 0) for path, n in paths.items()
                   if path not in {"/__hits", "/__headers"} and n > before[host].get(path, 0)}
            for host, paths in after.items()}


def events_run(hosts: dict[str, str], output: Path, settings: dict[str, str] | None = None,
               **args: str) -> CrawlRun:
    run = crawl("events", output, args or {"site": hosts["wire-events"], **RANGE},
                {**SETTINGS, **(settings or {})}, env=ENV)
    assert run.returncode == 0, run.log[-3000:]
    assert run.manifest["finish_reason"] == "finished"
    return run


@pytest.fixture(scope="module")
def archive(wire: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three cron runs on one output folder, with the server's hit counts of each."""
    output = tmp_path_factory.mktemp("wire-archive")
    first = events_run(wire, output, start_urls=wire["wire-events"] + FIRST_EVENT,
                       related_depth="0")
    before_full = hits(wire)
    full = events_run(wire, output)
    before_again = hits(wire)
    again = events_run(wire, output)
    after = hits(wire)
    return {"first": first, "full": full, "again": again,
            "full_hits": hits_between(before_full, before_again),
            "again_hits": hits_between(before_again, after)}


def test_first_run_archives_the_first_copy(archive: dict[str, Any], ids: dict[str, str]) -> None:
    first: CrawlRun = archive["first"]
    assert [(a["id"], a["duplicate_of"]) for a in first.records["article"]] == [
        (ids["wire_gazette"], None)]
    assert first.manifest["duplicates"] == {}


def fetch_count(fetched: dict[str, dict[str, int]], host: str, path: str) -> int:
    """Requests for a page, with or without its trailing slash."""
    return sum(n for p, n in fetched[host].items() if p.rstrip("/") == path.rstrip("/"))


def test_one_record_per_url(
    archive: dict[str, Any], ids: dict[str, str], wire: dict[str, str]
) -> None:
    """The redirect, the AMP page, the print page, tracking parameters, fragments and encodings
    lead to the articles already known: no record of their own, each page fetched once."""
    full: CrawlRun = archive["full"]
    got = sorted(a["id"] for a in full.records["article"])
    assert got == sorted(ids[role] for role in PAGES if role != "wire_gazette"), (
        "the Gazette's copy is archived already; every other page once")
    fetched = archive["full_hits"]
    for role, (host, path) in PAGES.items():
        if role == "wire_herald":
            continue
        # The Gazette's story is fetched once more, through /r/123: where a redirect leads is
        # only known by asking.
        assert fetch_count(fetched, host, path) == 1, role
    assert fetched["wire-a"]["/r/123"] == 1
    assert fetched["wire-c"]["/print" + PAGES["own_post"][1]] == 1
    # The AMP URL has the Herald article's id from the start: one of the two is fetched.
    herald = PAGES["wire_herald"][1]
    assert fetch_count(fetched, "wire-b", herald) + fetch_count(fetched, "wire-b", "/amp" + herald) == 1
    courier = full.by_id("article")[ids["wire_courier"]]
    assert courier["canonical_url"] == wire["wire-d"] + PAGES["wire_courier"][1]
    post = full.by_id("article")[ids["own_post"]]
    assert "/print/" not in post["url"] and post["canonical_url"] == wire["wire-c"] + PAGES["own_post"][1]


def test_sources_citing_one_story_share_its_article_id(
    archive: dict[str, Any], ids: dict[str, str]
) -> None:
    events = {e["url"].rsplit("/", 1)[-1]: e for e in archive["full"].records["event"]}
    assert sorted(events) == ["government-stays-out.md", "port-strike.md", "shift-offer.md",
                              "strike-called.md"], "the first run's event is unchanged"
    cited = [(s["article_id"], s["status"]) for s in events["government-stays-out.md"]["sources"]]
    assert cited == [
        (ids["wire_gazette"], "ok"),  # /r/123, redirected to the Gazette's copy
        (ids["wire_herald"], "ok"),  # the AMP URL
        (ids["own_post"], "ok"),  # the print page, rel=canonical to the article
        (ids["own_ledger"], "ok"),  # ?src=wirefeed, a NEWSARCHIVE_TRACKING_PARAMS parameter
        (ids["wire_courier"], "ok"),  # port%2Dstrike%2Daldermouth/
    ]
    cited = [(s["article_id"], s["status"]) for s in events["port-strike.md"]["sources"]]
    assert cited == [
        (ids["wire_gazette"], "ok"), (ids["wire_herald"], "ok"), (ids["wire_post"], "ok"),
        (ids["wire_courier"], "ok"), (ids["own_post"], "ok"), (ids["own_ledger"], "ok"),
        (None, "skipped"),  # the cover image
    ]
    archived = {a["id"] for run in ("first", "full") for a in archive[run].records["article"]}
    for event in archive["full"].records["event"]:
        for source in event["sources"]:
            assert source["kind"] == "media" or source["article_id"] in archived, source
    # An article names the events citing it by its own URL; those citing it through an alias
    # are added only while it is not yet emitted (the order of fetches decides; known gap).
    articles = archive["full"].by_id("article")
    own_post = set(articles[ids["own_post"]]["event_ids"])
    assert events["port-strike.md"]["id"] in own_post
    assert own_post <= {events["port-strike.md"]["id"], events["government-stays-out.md"]["id"]}


def test_syndicated_copies_are_duplicates_of_the_first_archived(
    archive: dict[str, Any], ids: dict[str, str]
) -> None:
    articles = archive["full"].by_id("article")
    gazette = archive["first"].records["article"][0]
    herald, courier = articles[ids["wire_herald"]], articles[ids["wire_courier"]]
    assert herald["duplicate_of"] == ids["wire_gazette"]  # same text, other quotes: exact
    assert herald["content_hash"] == gazette["content_hash"]
    assert courier["duplicate_of"] == ids["wire_gazette"]  # local intro, last paragraph cut: near
    assert courier["content_hash"] != gazette["content_hash"]
    # The duplicates are still whole records of their own page.
    assert courier["site_name"] == "Kessington Courier"
    assert courier["body"].startswith("Hundreds of Kessington families") or (
        "Hundreds of Kessington families" in courier["body"])
    assert "(Reporting by Lena Vik" not in courier["body"]


def test_copy_with_two_words_changed_is_a_near_duplicate(
    archive: dict[str, Any], ids: dict[str, str]
) -> None:
    post = archive["full"].by_id("article")[ids["wire_post"]]
    assert post["duplicate_of"] == ids["wire_gazette"]


def test_own_reports_and_live_updates_are_not_duplicates(
    archive: dict[str, Any], ids: dict[str, str]
) -> None:
    articles = archive["full"].by_id("article")
    for role in ("own_post", "own_ledger", "announce", "live_1", "live_2"):
        assert articles[ids[role]]["duplicate_of"] is None, role
    # Same names and places, other sentences: far apart, not merged with the wire story.
    gazette = simhash_from_hex(archive["first"].records["article"][0]["simhash"])
    for role in ("own_post", "own_ledger"):
        assert hamming(gazette, simhash_from_hex(articles[ids[role]]["simhash"])) > 16, role
    # The live story's second version replaces the lead and keeps the rest (3-shingle Jaccard
    # .72, inside the range of lightly edited copies): it is kept apart because it is a new
    # version on the story's own site, not a copy on another site. Both stay whole records.
    live_1, live_2 = articles[ids["live_1"]], articles[ids["live_2"]]
    assert "The port authority at Aldermouth offered" in live_2["body"]
    assert "The port authority at Aldermouth offered" not in live_1["body"]
    assert live_1["content_hash"] != live_2["content_hash"]
    assert archive["full"].manifest["duplicates"].get("near", 0) >= 1


def test_manifest_counts_duplicates_by_kind(archive: dict[str, Any], ids: dict[str, str]) -> None:
    full: CrawlRun = archive["full"]
    marked = [a for a in full.records["article"] if a["duplicate_of"]]
    gazette_hash = archive["first"].records["article"][0]["content_hash"]
    exact = sum(a["content_hash"] == gazette_hash for a in marked)
    assert exact == 1
    assert full.manifest["duplicates"] == {
        "exact": exact,
        "near": len(marked) - exact,
        "url": 2,  # /r/123 and the print page; the AMP URL is the Herald's id from the start
    }
    assert full.manifest["skipped"]["archived"] == 1  # the Gazette's copy, from the first run
    assert full.manifest["counts"]["article"] == len(full.records["article"]) == len(PAGES) - 1
    assert full.manifest["dropped"] == {}


def test_next_run_fetches_and_emits_nothing_already_archived(archive: dict[str, Any]) -> None:
    again: CrawlRun = archive["again"]
    fetched = archive["again_hits"]
    assert fetched["wire-events"].get("/news/2024/05/14/index.md") == 1, "day pages are read"
    for host in OUTLETS:
        assert not {p: n for p, n in fetched[host].items() if p != "/robots.txt"}, host
    assert again.manifest["counts"] == {"event": 0, "article": 0, "comment": 0}
    assert all(not records for records in again.records.values())
    assert again.manifest["duplicates"] == {}
    assert again.manifest["skipped"]["archived"] == len(PAGES)
    assert again.manifest["skipped"]["unchanged_event"] == 5
    assert any("nothing new" in note for note in again.manifest["notes"])


@pytest.fixture(scope="module")
def single_run(wire: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    return events_run(wire, tmp_path_factory.mktemp("wire-single"))


def test_within_one_run_copies_point_at_one_original(
    single_run: CrawlRun, ids: dict[str, str]
) -> None:
    """Which copy is fetched first is up to the network; whichever it is, the others point at it."""
    articles = single_run.by_id("article")
    assert set(articles) == set(ids.values())
    for roles in (WIRE_COPIES,):
        cluster = [articles[ids[role]] for role in roles]
        originals = [a for a in cluster if a["duplicate_of"] is None]
        assert len(originals) == 1, [(a["url"], a["duplicate_of"]) for a in cluster]
        for article in cluster:
            assert article["duplicate_of"] in (None, originals[0]["id"])
    for role in ("own_post", "own_ledger", "announce", "live_1", "live_2"):
        assert articles[ids[role]]["duplicate_of"] is None, role
    duplicates = single_run.manifest["duplicates"]
    assert duplicates["url"] == 2
    assert duplicates.get("exact", 0) + duplicates.get("near", 0) == sum(
        bool(a["duplicate_of"]) for a in articles.values())


def test_dedupe_drop_drops_copies_instead(
    wire: dict[str, str], ids: dict[str, str], tmp_path: Path
) -> None:
    drop = {"NEWSARCHIVE_DEDUPE_DROP": "True"}
    events_run(wire, tmp_path, drop, start_urls=wire["wire-events"] + FIRST_EVENT,
               related_depth="0")
    run = events_run(wire, tmp_path, drop)
    got = {a["id"] for a in run.records["article"]}
    assert not got & {ids[r] for r in ("wire_herald", "wire_courier", "wire_post")}
    assert got >= {ids[r] for r in ("own_post", "own_ledger", "announce")}
    assert got >= {ids["live_1"], ids["live_2"]}  # a live story's versions are not copies
    assert all(a["duplicate_of"] is None for a in run.records["article"])
    assert run.manifest["dropped"] == {"duplicate_exact": 1, "duplicate_near": 2}
    assert run.manifest["duplicates"] == {"exact": 1, "near": 2, "url": 2}
    assert run.manifest["counts"]["article"] == len(run.records["article"])
