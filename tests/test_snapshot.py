"""``newsarchive snapshot``: the newest version of every record, from the finished runs only,
folding in only the runs finished since the last snapshot.

Two real crawls of a copy of the ``site_kinds`` fixture; between them the event page's headline
is edited, so the second run writes that event again (its article is archived and not fetched).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsarchive.archive import iter_records, latest, read_snapshot, snapshot
from newsarchive.demo.server import serving
from tests.crawling import REPO, CrawlRun, crawl, read_jsonl

SITE = Path(__file__).parent / "fixtures" / "site_kinds"
EVENT = "/news/2017/09/5/index.md"
OLD_HEADLINE = "# Lighthouse keepers end their strike after nine days"
NEW_HEADLINE = "# Lighthouse keepers end their nine-day strike"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, CrawlRun, CrawlRun]]:
    site = tmp_path_factory.mktemp("site") / "kinds"
    shutil.copytree(SITE, site)
    output = tmp_path_factory.mktemp("archive")
    page = site / "kinds-events" / EVENT.lstrip("/")
    with serving(site) as hosts:
        args = {"start_urls": hosts["kinds-events"] + EVENT}
        first = crawl("events", output, args)
        assert first.returncode == 0, first.log[-3000:]
        page.write_text(page.read_text("utf-8").replace(OLD_HEADLINE, NEW_HEADLINE), "utf-8")
        second = crawl("events", output, args)
        assert second.returncode == 0, second.log[-3000:]
    assert second.manifest["counts"]["event"] == 1, "the edited event is written again"
    yield output, first, second


def run_snapshot(output: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "newsarchive", "snapshot", "--output",
                           str(output), *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done


def by_id(records: Any) -> dict[str, dict[str, Any]]:
    return {record["id"]: record for record in records}


def test_snapshot_holds_the_newest_version_of_each_record(
        two_runs: tuple[Path, CrawlRun, CrawlRun]) -> None:
    output, first, second = two_runs
    run_snapshot(output, "--full")
    events = by_id(read_jsonl(output / "snapshot" / "events.jsonl"))
    edited = second.records["event"][0]
    assert events[edited["id"]]["headline"] == NEW_HEADLINE.lstrip("# ")
    assert events[edited["id"]]["run_id"] == second.manifest["run_id"]
    # Records only the first run wrote are there, once, as that run wrote them.
    first_events = by_id(first.records["event"])
    assert set(events) == set(first_events)
    for event_id, record in first_events.items():
        if event_id != edited["id"]:
            assert events[event_id] == record
    articles = read_jsonl(output / "snapshot" / "articles.jsonl")
    assert by_id(articles) == by_id(first.records["article"])
    assert len(articles) == len(by_id(articles)), "one line per id"
    # The Python reader the command is built on says the same.
    assert by_id(read_snapshot(output, "event")) == events == latest(output, "event")
    assert len(list(iter_records(output, "event"))) == len(first_events) + 1


def test_unfinished_run_is_ignored_then_folded_in_when_finished(
        two_runs: tuple[Path, CrawlRun, CrawlRun], tmp_path: Path) -> None:
    output, _first, second = two_runs
    archive = tmp_path / "archive"
    shutil.copytree(output, archive)
    run_snapshot(archive, "--full")
    # A run still going: its feed is there, newer than anything, but no manifest yet.
    event = dict(second.records["event"][0], headline="Still being written",
                 fetched_at="2099-01-01T00:00:00+00:00", run_id="20990101T000000Z-000000")
    running = archive / "runs" / event["run_id"]
    running.mkdir()
    (running / "events-worker2.jsonl").write_text(json.dumps(event) + "\n", "utf-8")
    done = run_snapshot(archive)
    assert "up to date" in done.stdout
    assert by_id(read_snapshot(archive, "event"))[event["id"]]["headline"] != event["headline"]
    # Once it has finished, the next snapshot folds it in (a worker's feed name included).
    (running / "manifest.json").write_text(json.dumps({"run_id": event["run_id"]}), "utf-8")
    done = run_snapshot(archive)
    assert "1 new runs folded in" in done.stdout
    assert by_id(read_snapshot(archive, "event"))[event["id"]]["headline"] == event["headline"]


def test_incremental_snapshot_reads_only_the_new_runs(
        two_runs: tuple[Path, CrawlRun, CrawlRun], tmp_path: Path) -> None:
    output, first, second = two_runs
    archive = tmp_path / "archive"
    shutil.copytree(output, archive)
    before = snapshot(archive, full=True)
    assert before.runs_read == sorted([first.manifest["run_id"], second.manifest["run_id"]])
    # Folded runs are not read again: their feeds may even be pruned.
    for run_id in before.runs_read:
        for feed in (archive / "runs" / run_id).glob("*.jsonl"):
            feed.write_text("not json\n", "utf-8")
    newer = dict(first.records["article"][0], title="Corrected title",
                 fetched_at="2099-01-02T00:00:00+00:00", run_id="20990102T000000Z-000000")
    run = archive / "runs" / newer["run_id"]
    run.mkdir()
    (run / "articles.jsonl").write_text(json.dumps(newer) + "\n", "utf-8")
    (run / "manifest.json").write_text(json.dumps({"run_id": newer["run_id"]}), "utf-8")
    after = snapshot(archive)
    assert after.runs_read == [newer["run_id"]] and after.versions_read == 1
    assert after.problems == []
    articles = by_id(read_snapshot(archive, "article"))
    assert articles[newer["id"]]["title"] == "Corrected title"
    assert after.counts == before.counts
    manifest = json.loads((archive / "snapshot" / "manifest.json").read_text("utf-8"))
    assert manifest["runs"] == sorted([*before.runs_read, newer["run_id"]])
    assert not list((archive / "snapshot").glob("*.part")), "no partial file left behind"


def test_same_fetched_at_the_later_run_wins(tmp_path: Path) -> None:
    record = {"type": "comment", "id": "0123456789abcdef", "text": "first",
              "fetched_at": "2024-03-05T10:00:00+00:00"}
    for run_id, text in (("20240305T100000Z-bbbbbb", "second"),
                         ("20240305T095900Z-aaaaaa", "first")):
        run = tmp_path / "runs" / run_id
        run.mkdir(parents=True)
        (run / "comments.jsonl").write_text(json.dumps({**record, "text": text, "run_id": run_id})
                                            + "\n", "utf-8")
        (run / "manifest.json").write_text("{}", "utf-8")
    assert latest(tmp_path, "comment")[record["id"]]["text"] == "second"
    snapshot(tmp_path)
    assert [r["text"] for r in read_snapshot(tmp_path, "comment")] == ["second"]
