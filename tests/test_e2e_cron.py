"""Cron runs end to end: what a run on an existing output folder fetches and emits again.

The portal fixture (``tests/fixtures/site_portal``) is copied to a temporary folder and served
from there, so the tests can change it between runs the way Wikipedia changes: its ``_next``
folder holds the portal one day later (a copy edit on March 4, a source added on March 5, a new
day, an edit on February 27 that is past the refresh window). ``NEWSARCHIVE_TODAY`` fixes each
run's clock; ``/__hits`` on each host says what a run requested.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from newsarchive.demo.server import SiteServer, start_servers
from tests.crawling import REPO, TEST_SETTINGS, CrawlRun, crawl, read_jsonl

FIXTURE = Path(__file__).parent / "fixtures" / "site_portal"
MAIN_PAGE = "/wiki/Portal:Current_events"
RAW = "/w/index.php"
BACKFILL = {"start": "2024-02-27", "end": "2024-03-07"}
SLOW_ARTICLE = "/2024/03/06/haley-suspends-campaign/"  # on the wire host
# Sources of events less than NEWSARCHIVE_COMMENTS_REFRESH_DAYS (3) old are fetched again for
# their comments if their page had a comment thread (the wire's WordPress pages, not the
# courier's); on 2024-03-07 those of March 5-7. The server answers 304 to the conditional request.
YOUNG_ON_MARCH_7 = {"courier": {}, "wire": {SLOW_ARTICLE: 1}}


@dataclass
class Site:
    hosts: dict[str, str]
    servers: dict[str, SiteServer]
    root: Path

    def hits(self, host: str) -> dict[str, int]:
        with urllib.request.urlopen(self.hosts[host] + "/__hits", timeout=5) as answer:
            return json.load(answer)

    def all_hits(self) -> dict[str, dict[str, int]]:
        return {host: self.hits(host) for host in self.hosts}

    def served_since(self, before: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        """Requests per host and path since ``before`` (``all_hits()``), robots.txt aside."""
        served = {}
        for host, after in self.all_hits().items():
            served[host] = {path: n - before[host].get(path, 0) for path, n in after.items()
                            if n != before[host].get(path, 0)
                            and not path.startswith("/__") and path != "/robots.txt"}
        return served

    def crawl(self, output: Path, args: dict[str, str], today: str
              ) -> tuple[CrawlRun, dict[str, dict[str, int]]]:
        before = self.all_hits()
        run = crawl("events", output, args, settings={"PORTAL_BASE_URL": self.hosts["wiki"]},
                    env={"NEWSARCHIVE_TODAY": today})
        assert run.returncode == 0, run.log[-3000:]
        return run, self.served_since(before)

    def start_crawl(self, output: Path, args: dict[str, str], today: str,
                    settings: dict[str, str]) -> subprocess.Popen[str]:
        """A crawl in the background, started as ``tests.crawling.crawl`` starts one."""
        command = [sys.executable, "-m", "scrapy", "crawl", "events"]
        for key, value in args.items():
            command += ["-a", f"{key}={value}"]
        every = {**TEST_SETTINGS, "OUTPUT_DIR": str(output),
                 "PORTAL_BASE_URL": self.hosts["wiki"], **settings}
        for key, value in every.items():
            command += ["-s", f"{key}={value}"]
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsarchive.settings",
               "PYTHONUNBUFFERED": "1", "NEWSARCHIVE_TODAY": today}
        return subprocess.Popen(command, cwd=REPO, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def wait_for_hit(self, host: str, path: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.hits(host).get(path, 0) == 0:
            assert time.monotonic() < deadline, f"{path} never requested"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("portal-site") / "site"
    shutil.copytree(FIXTURE, root)
    hosts, servers = start_servers(root)
    try:
        yield Site(hosts, {server.folder.name: server for server in servers}, root)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def ids(run: CrawlRun, kind: str) -> set[str]:
    return {record["id"] for record in run.records[kind]}


def finished_records(output: Path, kind: str) -> list[dict[str, Any]]:
    """Every record of every finished run (a run folder with a manifest)."""
    return [record for manifest in sorted(output.glob("runs/*/manifest.json"))
            for record in read_jsonl(manifest.parent / f"{kind}s.jsonl")]


def state_rows(output: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{output / 'state' / 'state.sqlite'}?mode=ro", uri=True) as db:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("urls", "records", "pages")}


# -- the portal, run after run -------------------------------------------------------------------

@dataclass
class Chain:
    output: Path
    runs: list[tuple[CrawlRun, dict[str, dict[str, int]]]]


@pytest.fixture(scope="module")
def chain(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Chain:
    """Four runs on one output folder:
    1. backfill 2024-02-27..03-07 on 03-07; 2. the same again, same clock;
    3. the same range once every day in it is settled (clock 03-20), range 02-27..02-29 only;
    4. the next day (clock 03-08), no arguments, on the changed portal."""
    output = tmp_path_factory.mktemp("cron-portal")
    runs = [site.crawl(output, BACKFILL, "2024-03-07"),
            site.crawl(output, BACKFILL, "2024-03-07"),
            site.crawl(output, {"start": "2024-02-27", "end": "2024-02-29"}, "2024-03-07")]
    shutil.copytree(site.root / "_next", site.root, dirs_exist_ok=True)
    runs.append(site.crawl(output, {}, "2024-03-08"))
    return Chain(output, runs)


def test_first_run_archives_the_range(chain: Chain) -> None:
    run, served = chain.runs[0]
    assert sorted({e["date"] for e in run.records["event"]}) == [
        "2024-02-27", "2024-02-28", "2024-02-29"] + [f"2024-03-0{d}" for d in range(1, 8)]
    assert run.manifest["counts"] == {"event": 16, "article": 15, "comment": 0}
    assert served["wiki"] == {RAW: 10}, "a range reaching past the last 7 days: day by day"


def test_second_run_fetches_only_the_refresh_window_and_emits_nothing(chain: Chain) -> None:
    run, served = chain.runs[1]
    # Feb 27-29 are archived and a week old: not fetched. Mar 1-7 are all on the main page.
    assert served["wiki"] == {MAIN_PAGE: 1}
    # Of the 10 articles cited on Mar 1-7, only those with young comments and a comment thread
    # are fetched again, conditionally: unchanged, they cost a 304 and no extraction.
    assert {"courier": served["courier"], "wire": served["wire"]} == YOUNG_ON_MARCH_7
    assert run.manifest["counts"] == {"event": 0, "article": 0, "comment": 0}
    assert run.manifest["skipped"]["not_modified"] == 1
    assert run.manifest["skipped"]["no_comment_thread"] == 2
    assert "unchanged_article" not in run.manifest["skipped"]
    assert all(path.stat().st_size == 0 for path in run.run_dir.glob("*.jsonl"))
    assert run.manifest["skipped"]["settled_day"] == 3
    assert run.manifest["skipped"]["unchanged_event"] == 11
    note = "nothing new: no record was new or changed since the last run"
    assert run.manifest["notes"] == [note]
    assert note in run.log


def test_a_settled_range_is_not_fetched_at_all(chain: Chain) -> None:
    run, served = chain.runs[2]
    assert served == {"wiki": {}, "courier": {}, "wire": {}}
    assert run.manifest["counts"] == {"event": 0, "article": 0, "comment": 0}
    note = "every day of the range is archived and past the refresh window"
    assert note in run.manifest["notes"] and note in run.log


def test_next_day_emits_exactly_the_changed_and_new_records(chain: Chain) -> None:
    first = chain.runs[0][0]
    run, served = chain.runs[3]
    assert run.manifest["arguments"]["start"] == "2024-03-02"  # default: the last 7 days
    assert served["wiki"] == {MAIN_PAGE: 1}, "the edit of Feb 27 is past the window: not fetched"
    # The new articles, and the archived ones with a comment thread cited on Mar 6-7 (young
    # comments: fetched again; the courier's have no thread).
    assert served["courier"] == {"/world/2024/03/08/ireland-family-care-referendums.html": 1}
    assert served["wire"] == {"/2024/03/06/super-tuesday-takeaways/": 1, SLOW_ARTICLE: 1}

    before = first.by_id("event")
    events = run.by_id("event")
    edited, added, new = (
        next(e for e in events.values() if e["summary"].startswith(words))
        for words in ("The Parliament of France", "Super Tuesday", "Voters in Ireland"))
    assert len(events) == 3
    # Edits keep the event's id: the same event, emitted again with what changed.
    assert edited["id"] in before and added["id"] in before and new["id"] not in before
    assert edited["summary"].endswith("making France the first country to do so explicitly.")
    assert edited["sources"] == before[edited["id"]]["sources"]
    assert [s["label"] for s in added["sources"]] == ["The Harbour Courier", "Meridian Wire"]
    assert [s["status"] for s in added["sources"]] == ["ok", "ok"]
    assert new["date"] == "2024-03-08"

    articles = run.by_id("article")
    assert set(articles) == {added["sources"][1]["article_id"], new["sources"][0]["article_id"]}
    assert articles[added["sources"][1]["article_id"]]["event_ids"] == [added["id"]]
    # Across all runs: one record per id, except the events emitted again because they changed.
    emitted = Counter(e["id"] for e in finished_records(chain.output, "event"))
    assert {i for i, n in emitted.items() if n > 1} == {edited["id"], added["id"]}
    assert max(Counter(a["id"] for a in finished_records(chain.output, "article")).values()) == 1


# -- a killed run, and a second run while one is going ---------------------------------------

@dataclass
class Killed:
    output: Path
    first: CrawlRun
    locked: CrawlRun
    locked_seconds: float
    killed_pid: int
    killed_dir: Path
    rows_before: dict[str, int]
    rows_after: dict[str, int]
    finished_before: dict[Path, bytes]
    after: CrawlRun


@pytest.fixture(scope="module")
def killed(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Killed:
    """Feb 27-29 archived; then a run of Feb 27-Mar 7 hangs on one slow source article,
    a second crawl is started on the same folder, the hanging one is SIGKILLed, and the next
    run completes the range."""
    root = tmp_path_factory.mktemp("killed-site") / "site"
    shutil.copytree(FIXTURE, root)
    hosts, servers = start_servers(root)
    try:
        own = Site(hosts, {server.folder.name: server for server in servers}, root)
        output = tmp_path_factory.mktemp("cron-killed")
        first, _ = own.crawl(output, {"start": "2024-02-27", "end": "2024-02-29"}, "2024-03-07")
        rows_before = state_rows(output)
        finished_before = {p: p.read_bytes() for p in output.glob("runs/**/*") if p.is_file()}
        own.servers["wire"].routes[SLOW_ARTICLE] = {"delay": 20}
        slow = own.start_crawl(output, BACKFILL, "2024-03-07", {"DOWNLOAD_TIMEOUT": "60"})
        try:
            own.wait_for_hit("wire", SLOW_ARTICLE)
            started = time.monotonic()
            locked = crawl("events", output, BACKFILL, settings={"PORTAL_BASE_URL": hosts["wiki"]},
                           env={"NEWSARCHIVE_TODAY": "2024-03-07"}, timeout=60)
            locked_seconds = time.monotonic() - started
            assert slow.poll() is None, "the slow run is still going"
        finally:
            slow.send_signal(signal.SIGKILL)
            slow.communicate(timeout=30)
        (killed_dir,) = [p.parent for p in output.glob("runs/*/events.jsonl.part")]
        rows_after = state_rows(output)
        del own.servers["wire"].routes[SLOW_ARTICLE]
        after, _ = own.crawl(output, BACKFILL, "2024-03-07")
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    return Killed(output, first, locked, locked_seconds, slow.pid, killed_dir, rows_before,
                  rows_after, finished_before, after)


def test_second_crawl_on_the_same_output_exits_at_once(killed: Killed) -> None:
    locked = killed.locked
    assert locked.returncode == 3, locked.log[-2000:]
    assert killed.locked_seconds < 20
    errors = [line for line in locked.log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, locked.log[-2000:]
    message = errors[0]
    assert "another crawl is running on" in message and str(killed.output) in message
    assert f"pid={killed.killed_pid}" in message, "names the run holding the folder"
    assert killed.killed_dir.name in message
    assert "Traceback" not in locked.log
    assert locked.run_dir is None or locked.run_dir == killed.killed_dir, "wrote no run folder"


def test_killed_run_leaves_state_and_finished_files_as_they_were(killed: Killed) -> None:
    names = sorted(p.name for p in killed.killed_dir.iterdir() if p.name != "warc")
    assert "events.jsonl.part" in names and "articles.jsonl.part" in names
    # its capture: closed by the next run, cut after its last whole record (newsarchive.capture)
    assert not list((killed.killed_dir / "warc").glob("*.open"))
    assert all(name.endswith(".jsonl.part") for name in names), names  # and no manifest
    assert killed.rows_after == killed.rows_before
    assert killed.rows_before["pages"] == 3  # Feb 27-29
    for path, data in killed.finished_before.items():
        assert path.read_bytes() == data


def test_next_run_archives_what_the_killed_run_missed(killed: Killed) -> None:
    after = killed.after
    assert after.manifest["finish_reason"] == "finished"
    assert sorted({e["date"] for e in after.records["event"]}) == [
        f"2024-03-0{d}" for d in range(1, 8)]
    events = finished_records(killed.output, "event")
    articles = finished_records(killed.output, "article")
    for records in (events, articles):
        assert max(Counter(r["id"] for r in records).values()) == 1, "no duplicates"
    assert (len(events), len(articles)) == (16, 15), "the whole range, once"
    archived = {a["id"] for a in articles}
    for event in events:
        for source in event["sources"]:
            if source["kind"] == "article":
                assert source["status"] == "ok" and source["article_id"] in archived


# -- the event site ------------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "refetched"), [("2024-03-06", True), ("2024-03-20", False)])
def test_event_site_rerun_emits_nothing(
    sites: dict[str, str], tmp_path: Path, today: str, refetched: bool
) -> None:
    """Within the refresh window the day pages are read again (and nothing has changed);
    past it they are not even fetched."""
    args = {"site": sites["events"], "start": "2024-03-02", "end": "2024-03-05"}
    first = crawl("events", tmp_path, args, env={"NEWSARCHIVE_TODAY": today})
    assert first.returncode == 0 and first.manifest["counts"]["event"] == 6, first.log[-3000:]
    hits_url = sites["events"] + "/__hits"
    with urllib.request.urlopen(hits_url, timeout=5) as answer:
        before = json.load(answer)
    second = crawl("events", tmp_path, args, env={"NEWSARCHIVE_TODAY": today})
    with urllib.request.urlopen(hits_url, timeout=5) as answer:
        after = json.load(answer)
    assert second.returncode == 0, second.log[-3000:]
    assert second.manifest["counts"] == {"event": 0, "article": 0, "comment": 0}
    assert "nothing new: no record was new or changed since the last run" in second.manifest["notes"]
    day_indexes = [p for p in after if p.endswith(("/index.md", "/index.html"))
                   and after[p] != before.get(p, 0)]
    assert bool(day_indexes) == refetched, day_indexes
    if not refetched:
        assert second.manifest["skipped"]["settled_day"] == 4


def test_a_night_the_cron_did_not_run_is_caught_up(sites: dict[str, str], tmp_path: Path) -> None:
    """The default window is yesterday and today: after a night without a run, the day in
    between was once read by no run ever. Now the next run reads back to the last day a run
    read; a new archive reads only its window. (Related events not followed: the demo's
    missed day is also reached as a related event of the next.)"""
    site = {"site": sites["events"], "related_depth": "0"}
    everything = crawl("events", tmp_path / "all", {**site, "start": "2024-03-02",
                                                    "end": "2024-03-05"})
    assert everything.returncode == 0, everything.log[-3000:]
    output = tmp_path / "cron"
    monday = crawl("events", output, site, env={"NEWSARCHIVE_TODAY": "2024-03-03"})
    thursday = crawl("events", output, site, env={"NEWSARCHIVE_TODAY": "2024-03-06"})
    for run in (monday, thursday):
        assert run.returncode == 0, run.log[-3000:]
    assert (monday.manifest["arguments"]["start"], thursday.manifest["arguments"]["start"]) == \
        ("2024-03-02", "2024-03-04")
    assert any(note.startswith("caught up 1 day(s) no run had read, 2024-03-04 to 2024-03-04")
               for note in thursday.manifest["notes"]), thursday.manifest["notes"]
    archived = [e["id"] for run in (monday, thursday) for e in run.records["event"]]
    assert sorted(archived) == sorted(e["id"] for e in everything.records["event"])

    fresh = crawl("events", tmp_path / "fresh", site, env={"NEWSARCHIVE_TODAY": "2024-03-06"})
    assert fresh.returncode == 0, fresh.log[-3000:]
    assert fresh.manifest["arguments"]["start"] == "2024-03-05"
    assert not any(note.startswith("caught up") for note in fresh.manifest["notes"])


def test_portal_nights_without_a_run_are_caught_up(site: Site, tmp_path: Path) -> None:
    """The portal's default window is the last 7 days; after 9 nights without a run, the 2 days
    before it that no run read are read too (as wikitext day pages: past the main page)."""
    first, _ = site.crawl(tmp_path, {}, "2024-03-01")
    later, served = site.crawl(tmp_path, {}, "2024-03-10")
    assert first.manifest["arguments"]["start"] == "2024-02-24"
    assert later.manifest["arguments"]["start"] == "2024-03-02", later.manifest["notes"]
    assert any(note.startswith("caught up 2 day(s) no run had read, 2024-03-02 to 2024-03-03")
               for note in later.manifest["notes"]), later.manifest["notes"]
    # each day of March 2-10 read as its wikitext (``/w/index.php?title=...``): 9, not 7
    assert served["wiki"]["/w/index.php"] == 9, served["wiki"]
