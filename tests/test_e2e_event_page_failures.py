"""An event page that fails in a way that may pass does not cost its day for good.

A day page past the refresh window counts as read once a run read it, and no later run reads it
again. An event page it lists that answered 503 (or timed out) was counted as a drop, and a
backfill run again over the same days, once the site was back, skipped the day: the event and
the articles it cites were never archived. Now that day page is not counted as read; a page that
is gone (404) still settles its day.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.demo.server import SiteServer, start_servers
from newsarchive.drops import is_transient
from tests.conftest import DEMO_SITE
from tests.crawling import crawl

EVENT_PAGE = "/news/2024/03/3/storm-warning.md"
DAYS = {"start": "2024-03-02", "end": "2024-03-05"}


@pytest.fixture
def demo() -> Iterator[tuple[dict[str, str], SiteServer]]:
    """The demo site, its event host's routes open to change between runs."""
    hosts, servers = start_servers(DEMO_SITE)
    try:
        yield hosts, next(s for s in servers if s.folder.name == "events")
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def ids(*runs, kind: str) -> list[str]:
    return sorted(record["id"] for run in runs for record in run.records[kind])


@pytest.mark.parametrize("route", [{"status": 503}, {"status": 429}, {"hang": True}],
                         ids=["503", "429", "timeout"])
def test_a_backfill_run_again_archives_the_event_that_failed(
        demo: tuple[dict[str, str], SiteServer], tmp_path: Path, route: dict) -> None:
    hosts, events = demo
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


def test_an_event_page_that_is_gone_settles_its_day(demo: tuple[dict[str, str], SiteServer],
                                                    tmp_path: Path) -> None:
    hosts, events = demo
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
    ("http_408", True), ("timeout", True), ("dns_error", True), ("connection_error", True),
    ("http_404", False), ("http_410", False), ("http_451", False), ("http_5000", False),
    ("too_large", False), ("robots_txt", False), ("refused_address", False),
    ("redirect_loop", False), ("decompression_limit", False),
])
def test_which_failures_may_pass(reason: str, transient: bool) -> None:
    assert is_transient(reason) is transient
