"""A page is what its content says, and a malformed source link costs only that link.

``kinds-events`` serves an event page at ``/news/2017/09/5/index.md`` (the URL of a day index)
citing one article, one media file and one malformed URL (``http://example.com:abc/x``), with a
related event on 4 September; ``/news/2017/09/6/index.md`` is a day index without events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from newsarchive.demo.server import serving
from newsarchive.urls import url_id
from tests.crawling import CrawlRun, crawl

SITE = Path(__file__).parent / "fixtures" / "site_kinds"
SCHEMAS = Path(__file__).parent.parent / "schemas"
EVENT_AT_INDEX = "/news/2017/09/5/index.md"
NOTHING_NEW = "nothing new"


@pytest.fixture(scope="module")
def hosts() -> Iterator[dict[str, str]]:
    with serving(SITE) as served:
        yield served


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kinds")


@pytest.fixture(scope="module")
def first_run(hosts: dict[str, str], output: Path) -> CrawlRun:
    run = crawl("events", output, {"start_urls": hosts["kinds-events"] + EVENT_AT_INDEX})
    assert run.returncode == 0, run.log[-3000:]
    return run


def test_event_page_at_index_md_is_an_event(first_run: CrawlRun, hosts: dict[str, str]) -> None:
    events = first_run.by_url("event")
    start = hosts["kinds-events"] + EVENT_AT_INDEX
    related = hosts["kinds-events"] + "/news/2017/09/4/keepers-strike.md"
    assert sorted(events) == sorted([start, related])
    event = events[start]
    assert event["id"] == url_id(start)
    assert event["headline"] == "Lighthouse keepers end their strike after nine days"
    assert event["date"] == "2017-09-05"
    # The related link was followed as an event (not 404ed as a day's event list entry).
    assert "http_404" not in first_run.manifest["dropped"]
    assert first_run.manifest["counts"]["event"] == 2


def test_malformed_source_is_kept_invalid_and_counted(first_run: CrawlRun,
                                                      hosts: dict[str, str]) -> None:
    event = first_run.by_url("event")[hosts["kinds-events"] + EVENT_AT_INDEX]
    status = {s["label"]: (s["status"], s["article_id"]) for s in event["sources"]}
    article_url = hosts["kinds-outlet"] + "/2017/09/05/keepers-end-strike.html"
    assert status == {
        "Coastal Courier": ("ok", url_id(article_url)),
        "Port Almanac": ("invalid", None),
        "Cover Image": ("skipped", None),
    }
    assert first_run.manifest["dropped"] == {"invalid_url": 1}
    assert "dropped (invalid_url): http://example.com:abc/x" in first_run.log
    # The event's article and the related event's article are archived all the same.
    assert sorted(a["url"] for a in first_run.records["article"]) == sorted([
        article_url, hosts["kinds-outlet"] + "/2017/09/04/keepers-walk-out.html"])
    schema = json.loads((SCHEMAS / "event.schema.json").read_text())
    for record in first_run.records["event"]:
        jsonschema.validate(record, schema)


def test_nothing_new_only_after_an_earlier_run(hosts: dict[str, str], output: Path,
                                               first_run: CrawlRun,
                                               tmp_path: Path) -> None:
    assert not any(NOTHING_NEW in note for note in first_run.manifest["notes"])
    # A first run on a fresh output folder that archives nothing has no run to compare with.
    empty = crawl("events", tmp_path, {"start_urls": hosts["kinds-events"] + "/news/2017/09/6/index.md"},
                  {"NEWSARCHIVE_PROGRESS_INTERVAL": "0.01"})
    assert empty.returncode == 0, empty.log[-3000:]
    # Progress every interval while it runs, and the last figures as it closes.
    assert empty.log.count("progress [records]") >= 2
    assert sum(empty.manifest["counts"].values()) == 0
    assert not any(NOTHING_NEW in note for note in empty.manifest["notes"]), empty.manifest
    # The same crawl again on the first run's folder: every record unchanged, and it says so.
    again = crawl("events", output, {"start_urls": hosts["kinds-events"] + EVENT_AT_INDEX})
    assert again.returncode == 0, again.log[-3000:]
    assert again.manifest["counts"] == {"event": 0, "article": 0, "comment": 0}
    assert any(NOTHING_NEW in note for note in again.manifest["notes"]), again.manifest


SUMMARY = re.compile(
    r"summary: run (?P<run_id>\S+): (?P<reason>\w+); written: (?P<event>\d+) events, "
    r"(?P<article>\d+) articles, (?P<comment>\d+) comments; dropped (?P<dropped>\d+)"
    r"(?: \((?P<drops>[^)]*)\))?; duplicates (?P<duplicates>\d+)[^;]*; skipped[^;]*; "
    r"(?P<pages>\d+) pages fetched; run folder (?P<folder>\S+)$", re.MULTILINE)


def test_summary_line_says_what_the_manifest_says(first_run: CrawlRun) -> None:
    (match,) = SUMMARY.finditer(first_run.log)
    manifest = first_run.manifest
    assert match["run_id"] == manifest["run_id"]
    assert match["reason"] == manifest["finish_reason"] == "finished"
    assert {kind: int(match[kind]) for kind in ("event", "article", "comment")} == \
        manifest["counts"] == {"event": 2, "article": 2, "comment": 0}
    assert int(match["dropped"]) == sum(manifest["dropped"].values()) == 1
    assert match["drops"] == "invalid_url 1"
    assert int(match["duplicates"]) == sum(manifest["duplicates"].values())
    assert int(match["pages"]) == manifest["pages_fetched"]
    assert Path(match["folder"]) == first_run.run_dir


def test_progress_lines_per_phase(first_run: CrawlRun) -> None:
    # The last lines of each phase, logged as the crawl closes.
    def last(phase: str) -> str:
        return [line for line in first_run.log.splitlines() if f"progress [{phase}]" in line][-1]

    assert last("events").endswith(
        "0 day indexes, 2 event pages read, 0 events waiting for their sources")
    assert last("sources").endswith("2 queued, 2 fetched, 0 dead, 0 skipped, 1 invalid")
    assert "2 articles extracted (2 written), 0 comments (0 written), 2 events written" in \
        last("records")
