"""An event page or a source that fails in a way that may pass does not cost its day for good.

A day page past the refresh window counts as read once a run read it, and no later run reads it
again. An event page it lists that answered 503 (or timed out) was counted as a drop, and a
backfill run again over the same days, once the site was back, skipped the day: the event and
the articles it cites were never archived. So was a source article that answered 503 and had no
capture in a web archive (settled ``dead``). Now that day page is not counted as read, whichever
run read it before; a page that is gone (404) still settles its day.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.demo.server import SiteServer, serving_servers
from newsarchive.drops import is_transient
from tests.conftest import DEMO_SITE, FIXTURES
from tests.crawling import crawl

EVENT_PAGE = "/news/2024/03/3/storm-warning.md"
SOURCE = "/2024/03/05/dam-collapse-kills-twelve.html"  # on outlet-a, cited by one event of 5 March
DAYS = {"start": "2024-03-02", "end": "2024-03-05"}


@pytest.fixture
def demo() -> Iterator[tuple[dict[str, str], dict[str, SiteServer]]]:
    """The demo site's base URLs and servers by host name, their routes open to change
    between runs."""
    with serving_servers(DEMO_SITE) as served:
        yield served


def ids(*runs, kind: str) -> list[str]:
    return sorted(record["id"] for run in runs for record in run.records[kind])


@pytest.mark.parametrize("route", [{"status": 503}, {"status": 429}, {"hang": True}],
                         ids=["503", "429", "timeout"])
def test_a_backfill_run_again_archives_the_event_that_failed(
        demo: tuple[dict[str, str], dict[str, SiteServer]], tmp_path: Path, route: dict) -> None:
    hosts, servers = demo
    events = servers["events"]
    args = {"site": hosts["events"], **DAYS}
    whole = crawl("events", tmp_path / "whole", args)
    assert whole.returncode == 0, whole.log[-2000:]

    output = tmp_path / "backfill"
    events.routes[EVENT_PAGE] = route
    failed = crawl("events", output, args, {"DOWNLOAD_TIMEOUT": "1"})
    events.routes.clear()
    assert failed.returncode == 0, failed.log[-2000:]
    assert len(failed.records["event"]) == len(whole.records["event"]) - 1
    assert any("1 day pages will be read again next run" in note
               for note in failed.manifest["notes"])

    again = crawl("events", output, args)
    assert again.returncode == 0, again.log[-2000:]
    for kind in ("event", "article", "comment"):
        assert ids(failed, again, kind=kind) == ids(whole, kind=kind), kind
    headlines = [e["headline"] for e in again.records["event"]]
    assert headlines == ["Weather service issues amber warning for heavy rain in the Marrow Valley"]


def test_a_backfill_run_again_archives_the_source_that_failed(
        demo: tuple[dict[str, str], dict[str, SiteServer]], tmp_path: Path) -> None:
    """The tests' crawls ask no web archive (as one without a capture of the page). A 403
    takes the same way (``test_which_failures_may_pass``)."""
    hosts, servers = demo
    args = {"site": hosts["events"], **DAYS}
    whole = crawl("events", tmp_path / "whole", args)

    output = tmp_path / "backfill"
    outlet = servers["outlet-a"]
    outlet.routes[SOURCE] = {"status": 503}
    failed = crawl("events", output, args)
    outlet.routes.clear()
    assert failed.returncode == 0, failed.log[-2000:]
    assert len(failed.records["article"]) == len(whole.records["article"]) - 1
    statuses = {s["url"]: s["status"] for e in failed.records["event"] for s in e["sources"]}
    assert statuses[hosts["outlet-a"] + SOURCE] == "dead"

    again = crawl("events", output, args)
    assert again.returncode == 0, again.log[-2000:]
    assert [a["url"] for a in again.records["article"]] == [hosts["outlet-a"] + SOURCE]
    for kind in ("article", "comment"):
        assert ids(failed, again, kind=kind) == ids(whole, kind=kind), kind
    # the event citing it, emitted again with the source archived
    [event] = again.records["event"]
    assert {s["url"]: s["status"] for s in event["sources"]}[hosts["outlet-a"] + SOURCE] == "ok"
    assert again.manifest["skipped"].get("settled_day") == 3

    settled = crawl("events", output, args)
    assert settled.records["article"] == settled.records["event"] == []
    assert settled.manifest["skipped"].get("settled_day") == 4


def test_a_day_read_by_an_earlier_run_is_read_again(demo: tuple[dict[str, str], dict[str, SiteServer]],
                                                    tmp_path: Path) -> None:
    """Cron nights: the day is read on its night (its event page then gone), read again inside
    the refresh window (the page now failing with 503): that run's not counting the day as
    read must undo the first night's record too, or the day is settled once past the window
    and the event, back a month later, is never read."""
    hosts, servers = demo
    events = servers["events"]
    args = {"site": hosts["events"], "start": "2024-03-03", "end": "2024-03-03"}
    events.routes[EVENT_PAGE] = {"status": 404}
    night = crawl("events", tmp_path, args, env={"NEWSARCHIVE_TODAY": "2024-03-04"})
    assert night.manifest["dropped"] == {"http_404": 1}
    events.routes[EVENT_PAGE] = {"status": 503}
    refresh = crawl("events", tmp_path, args, env={"NEWSARCHIVE_TODAY": "2024-03-06"})
    assert refresh.manifest["dropped"] == {"http_503": 1}
    events.routes.clear()
    later = crawl("events", tmp_path, args, env={"NEWSARCHIVE_TODAY": "2024-04-06"})
    assert later.returncode == 0, later.log[-2000:]
    headlines = {e["headline"] for e in later.records["event"]}
    assert "Weather service issues amber warning for heavy rain in the Marrow Valley" in headlines


def test_an_event_page_that_is_gone_settles_its_day(demo: tuple[dict[str, str], dict[str, SiteServer]],
                                                    tmp_path: Path) -> None:
    hosts, servers = demo
    events = servers["events"]
    args = {"site": hosts["events"], **DAYS}
    events.routes[EVENT_PAGE] = {"status": 404}
    first = crawl("events", tmp_path, args)
    events.routes.clear()
    assert first.manifest["dropped"] == {"http_404": 1}
    assert not any("read again" in note for note in first.manifest["notes"])
    again = crawl("events", tmp_path, args)
    assert again.records["event"] == []
    assert again.manifest["skipped"].get("settled_day") == 4, again.manifest["skipped"]


@pytest.mark.parametrize(("reason", "transient"), [
    ("http_500", True), ("http_503", True), ("http_599", True), ("http_429", True),
    ("http_408", True), ("timeout", True), ("connection_error", True), ("dns_error", False),
    ("dns_unavailable", True), ("http_403", True), ("http_401", False),
    ("extraction_timeout", True), ("extraction_crash", True), ("extraction_error", False),
    ("not_an_article", False), ("bot_wall", True), ("soft404_no_article", False),
    ("http_404", False), ("http_410", False), ("http_451", False), ("http_5000", False),
    ("too_large", False), ("robots_txt", False), ("refused_address", False),
    ("redirect_loop", False), ("decompression_limit", False),
])
def test_which_failures_may_pass(reason: str, transient: bool) -> None:
    assert is_transient(reason) is transient


OUTLET_NAME = "outlet-a.test"


@pytest.mark.parametrize(("failing", "again"), [("TEST_UNREACHABLE_HOSTS", True),
                                                ("TEST_UNKNOWN_HOSTS", False)],
                         ids=["resolver-down", "no-such-name"])
def test_a_source_whose_name_no_resolver_answered_for_is_fetched_again(
        demo: tuple[dict[str, str], dict[str, SiteServer]], tmp_path: Path, failing: str,
        again: bool) -> None:
    """A backfill while the machine's resolver is down: every source on the outlet's name fails
    its lookup. They were settled dead like sources on a name that does not exist, their days
    counted as read, and the same backfill run again once the resolver was back read nothing."""
    hosts, _servers = demo
    port = hosts["outlet-a"].rsplit(":", 1)[1]
    hosts["outlet-a"] = f"http://{OUTLET_NAME}:{port}"  # the event pages now cite the outlet by name
    args = {"site": hosts["events"], **DAYS}
    resolves = {"TWISTED_DNS_RESOLVER": "tests.resolving.PinnedResolver",
                "TEST_PINNED_HOSTS": f"{OUTLET_NAME}=127.0.0.1",
                "NEWSARCHIVE_ALLOWED_HOSTS": OUTLET_NAME}
    output = tmp_path / "backfill"
    failed = crawl("events", output, args, {**resolves, failing: OUTLET_NAME})
    assert failed.returncode == 0, failed.log[-2000:]
    reason = "dns_unavailable" if again else "dns_error"
    sources = [s for e in failed.records["event"] for s in e["sources"]
               if s["url"].startswith(hosts["outlet-a"]) and s["kind"] != "media"]
    assert sources and {(s["status"], s["reason"]) for s in sources} == {("dead", reason)}
    on_outlet = sorted({s["url"] for s in sources})
    assert failed.manifest["dropped"] == {reason: len(on_outlet)}
    assert failed.manifest["dead"] == {"dns_unavailable" if again else "dns": len(on_outlet)}
    assert any("read again next run" in note for note in failed.manifest["notes"]) is again
    assert not any(a["url"].startswith(hosts["outlet-a"]) for a in failed.records["article"])

    back = crawl("events", output, args, resolves)
    assert back.returncode == 0, back.log[-2000:]
    if again:  # the outlet's articles, and the events citing them with their sources ok
        assert sorted(a["url"] for a in back.records["article"]) == on_outlet
        statuses = {s["url"]: s["status"] for e in back.records["event"] for s in e["sources"]}
        assert {statuses[url] for url in on_outlet} == {"ok"}
    else:  # a name that does not exist settles its day: nothing is fetched again
        assert back.records["article"] == back.records["event"] == []


def test_a_source_whose_extraction_lost_its_worker_is_extracted_again(
        demo: tuple[dict[str, str], dict[str, SiteServer]], tmp_path: Path) -> None:
    """A source fetched whole whose worker was killed (the OOM killer, twice: a page gets a
    second worker first) was settled ``skipped`` and its day counted as read: never extracted
    again. Now the day is read again, as for a source that answered 503."""
    hosts, _servers = demo
    args = {"site": hosts["events"], **DAYS}
    output = tmp_path / "backfill"
    pool = {"NEWSARCHIVE_EXTRACT_POOL_SIZE": "1"}
    failed = crawl("events", output, args,
                   {**pool, "NEWSARCHIVE_EXTRACT_FUNCTION": "tests.faulty_extraction.extract"},
                   env={"NEWSARCHIVE_TEST_CRASH_URL": SOURCE})
    assert failed.returncode == 0, failed.log[-2000:]
    assert failed.manifest["dropped"] == {"extraction_crash": 1}
    statuses = {s["url"]: (s["status"], s["reason"])
                for e in failed.records["event"] for s in e["sources"]}
    assert statuses[hosts["outlet-a"] + SOURCE] == ("skipped", "extraction_crash")
    assert any("read again next run" in note for note in failed.manifest["notes"])

    again = crawl("events", output, args, pool)
    assert again.returncode == 0, again.log[-2000:]
    assert [a["url"] for a in again.records["article"]] == [hosts["outlet-a"] + SOURCE]
    [event] = again.records["event"]  # the event citing it, its source now ok
    assert {s["url"]: s["status"] for s in event["sources"]}[hosts["outlet-a"] + SOURCE] == "ok"


def test_a_source_behind_a_bot_wall_is_fetched_again(tmp_path: Path) -> None:
    """A news site's bot protection answered the source with its challenge page and a 200:
    extraction found no article, and the source was settled as a soft-404, its day read."""
    site = tmp_path / "site"
    shutil.copytree(DEMO_SITE, site)
    (site / "outlet-a" / "challenge.html").write_bytes(
        (FIXTURES / "bot_walls" / "cloudflare_challenge.html").read_bytes())
    with serving_servers(site) as (hosts, servers):
        args = {"site": hosts["events"], **DAYS}
        output = tmp_path / "backfill"
        servers["outlet-a"].routes[SOURCE] = {"file": "challenge.html"}
        walled = crawl("events", output, args)
        servers["outlet-a"].routes.pop(SOURCE)
        again = crawl("events", output, args)

    assert walled.returncode == 0, walled.log[-2000:]
    statuses = {s["url"]: (s["status"], s["reason"])
                for e in walled.records["event"] for s in e["sources"]}
    assert statuses[hosts["outlet-a"] + SOURCE] == ("dead", "bot_wall")
    assert walled.manifest["dead"] == {"bot_wall": 1}
    assert any("read again next run" in note for note in walled.manifest["notes"])
    assert again.returncode == 0, again.log[-2000:]
    assert [a["url"] for a in again.records["article"]] == [hosts["outlet-a"] + SOURCE]
    [event] = again.records["event"]
    assert {s["url"]: s["status"] for s in event["sources"]}[hosts["outlet-a"] + SOURCE] == "ok"
