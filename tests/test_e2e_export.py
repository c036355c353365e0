"""Scrapy's own ``-O``: every record of every type, its schema's fields only, in every format.

``-o``, ``-O`` and a project's FEEDS are exports beside the run feeds (``runs/<run_id>/``), which
are the archive: a record is archived (the crawl state skips it next time) only once a run feed
holding it was written completely; an export error is a failed run (exit code 1, no manifest,
nothing marked archived).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from newsarchive.items import INTERNAL_FIELDS
from tests.crawling import CrawlRun, crawl, read_jsonl

SCHEMAS = Path(__file__).parent.parent / "schemas"
DAY = "/news/2024/03/5/index.md"
VOLATILE = {"fetched_at", "run_id", "capture"}  # capture: another WARC record per run


def content(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in VOLATILE}


@pytest.fixture(scope="module")
def reference(sites: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    """The same day crawled into the project's own feeds."""
    run = crawl("events", tmp_path_factory.mktemp("reference"), {"start_urls": sites["events"] + DAY})
    assert run.returncode == 0, run.log[-3000:]
    assert all(run.records[kind] for kind in ("event", "article", "comment")), run.manifest
    return run


def read_back(path: Path) -> list[dict[str, Any]]:
    """What a user of each format reads: JSON as is; CSV rows with their nested values decoded
    and the columns of other record types left out; XML items as dicts."""
    if path.suffix == ".jsonl":
        return read_jsonl(path)
    if path.suffix == ".json":
        return json.loads(path.read_text("utf-8"))
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        records = []
        for row in rows:
            schema = json.loads((SCHEMAS / f"{row['type']}.schema.json").read_text())
            record = {}
            for name, spec in schema["properties"].items():
                kinds = spec.get("type", [])
                kinds = [kinds] if isinstance(kinds, str) else kinds
                text = row[name]
                if text == "" and "null" in kinds:  # a nullable object too (archived_from)
                    record[name] = None
                elif "array" in kinds or "object" in kinds:
                    record[name] = json.loads(text)
                elif "integer" in kinds or name == "schema_version":
                    record[name] = int(text)
                else:
                    record[name] = text
            records.append(record)
        return records
    tree = ET.parse(path)
    return [{child.tag: child.text for child in item} for item in tree.getroot()]


SUFFIXES = (".jsonl", ".json", ".csv", ".xml")


@dataclass
class DashO:
    run: CrawlRun  # the crawl with -O
    folder: Path  # first/out<suffix>: its exports; out<suffix>: the next run's
    again: CrawlRun  # the next cron run, with the same -O
    snapshot: subprocess.CompletedProcess[str]  # newsarchive snapshot of the archive then


@pytest.fixture(scope="module")
def dash_o(sites: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> DashO:
    """Two cron runs exporting to a file of each format (``-O`` given once per file), and the
    archive's snapshot after them."""
    folder = tmp_path_factory.mktemp("dash-o")
    (folder / "first").mkdir()
    outputs = [item for suffix in SUFFIXES for item in ("-O", str(folder / f"out{suffix}"))]
    args = {"start_urls": sites["events"] + DAY}
    run = crawl("events", folder / "archive", args, settings={"FEEDS": "{}"}, extra=outputs)
    for suffix in SUFFIXES:
        if (folder / f"out{suffix}").exists():
            shutil.copy(folder / f"out{suffix}", folder / "first" / f"out{suffix}")
    again = crawl("events", folder / "archive", args, extra=outputs)
    snapshot = subprocess.run(
        [sys.executable, "-m", "newsarchive", "snapshot", "--output", str(folder / "archive")],
        capture_output=True, text=True, check=False)
    return DashO(run, folder, again, snapshot)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_dash_O_exports_every_record(reference: CrawlRun, dash_o: DashO, suffix: str) -> None:
    run, folder = dash_o.run, dash_o.folder
    assert run.returncode == 0, run.log[-3000:]
    assert " ERROR: " not in run.log and "Traceback" not in run.log, run.log[-3000:]
    records = read_back(folder / "first" / f"out{suffix}")
    want = [r for kind in ("event", "article", "comment") for r in reference.records[kind]]
    assert sorted((r["type"], r["id"]) for r in records) == sorted((r["type"], r["id"]) for r in want)
    assert run.manifest["counts"] == reference.manifest["counts"]
    for record in records:
        assert not INTERNAL_FIELDS & set(record), sorted(record)
    if suffix in (".jsonl", ".json", ".csv"):  # typed formats: the very records, schema-valid
        by_id = {r["id"]: r for r in want}
        for record in records:
            jsonschema.validate(record, json.loads(
                (SCHEMAS / f"{record['type']}.schema.json").read_text()))
            assert content(record) == content(by_id[record["id"]])
    else:  # XML is text: every record's own fields, and only those
        for record in records:
            schema = json.loads((SCHEMAS / f"{record['type']}.schema.json").read_text())
            assert set(record) <= set(schema["properties"]), record.keys()
            assert set(schema["required"]) - set(record) <= {
                k for k, v in reference.by_id(record["type"])[record["id"]].items()
                if v in (None, [], "")}

    # The run feeds hold every record too: the archive, where downstream jobs read.
    assert {(kind, r["id"]) for kind, rs in run.records.items() for r in rs} == \
        {(r["type"], r["id"]) for r in want}

    # The next cron run with the same -O: nothing new, so -O leaves an empty export, and the
    # records of the run before are still in the archive (-O once replaced the run feeds).
    again = dash_o.again
    assert again.returncode == 0, again.log[-3000:]
    assert again.manifest["counts"] == {"event": 0, "article": 0, "comment": 0}, again.manifest
    assert read_back(folder / f"out{suffix}") == []
    assert dash_o.snapshot.returncode == 0, dash_o.snapshot.stderr
    folded = folder / "archive" / "snapshot"
    kept = [r for path in sorted(folded.glob("*.jsonl")) for r in read_jsonl(path)]
    assert sorted((r["type"], r["id"]) for r in kept) == sorted((r["type"], r["id"]) for r in want)


def test_export_error_fails_the_run_and_marks_nothing(sites: dict[str, str], tmp_path: Path) -> None:
    output = tmp_path / "archive"
    args = {"start_urls": sites["events"] + DAY}
    failed = crawl("events", output, args, settings={
        "FEED_EXPORTERS": json.dumps({"jsonlines": "tests.faulty_export.ArticleFailingExporter"})})
    assert failed.returncode == 1, failed.log[-3000:]
    assert "'finish_reason': 'export_error'" in failed.log
    assert any(line.startswith("error: run failed") for line in failed.log.splitlines())
    assert failed.manifest == {}, "a failed run is not a finished run"
    # Nothing was marked archived: the next run archives the whole day.
    after = crawl("events", output, args)
    assert after.returncode == 0, after.log[-3000:]
    assert after.manifest["counts"]["article"] == len(after.records["article"]) > 0
    assert after.manifest["skipped"].get("archived", 0) == 0


def test_own_feeds_are_exports_beside_the_archive(
    sites: dict[str, str], reference: CrawlRun, tmp_path: Path
) -> None:
    """A project's FEEDS that takes events only: its file holds the events, and the archive (the
    run feeds) still holds every record, so their sources are ``ok`` and the next run is done."""
    out = tmp_path / "events.jsonl"
    feeds = {str(out): {"format": "jsonlines", "item_classes": ["newsarchive.items.Event"]}}
    args = {"start_urls": sites["events"] + DAY}
    run = crawl("events", tmp_path / "archive", args, settings={"FEEDS": json.dumps(feeds)})
    assert run.returncode == 0, run.log[-3000:]
    events = read_jsonl(out)
    assert sorted(e["id"] for e in events) == sorted(e["id"] for e in reference.records["event"])
    assert events == run.records["event"]
    assert run.manifest["counts"] == reference.manifest["counts"]
    assert sorted(a["id"] for a in run.records["article"]) == \
        sorted(a["id"] for a in reference.records["article"])
    assert "no run feed takes" not in run.log
    again = crawl("events", tmp_path / "archive", args, settings={"FEEDS": json.dumps(feeds)})
    assert again.returncode == 0, again.log[-3000:]
    assert again.manifest["counts"] == {"event": 0, "article": 0, "comment": 0}, again.manifest


def test_a_run_feed_left_out_by_the_project_is_not_archived(
    sites: dict[str, str], reference: CrawlRun, tmp_path: Path
) -> None:
    """A project can still change a run feed's options (its path is the key): one that no longer
    takes articles leaves them unarchived, their sources say why, and the next run fetches them."""
    archive = tmp_path / "archive"
    articles_feed = str(archive.resolve() / "runs" / "%(run_id)s" / "articles.jsonl")
    feeds = {articles_feed: {"item_classes": ["newsarchive.items.Event"]}}
    args = {"start_urls": sites["events"] + DAY}
    run = crawl("events", archive, args, settings={"FEEDS": json.dumps(feeds)})
    assert run.returncode == 0, run.log[-3000:]
    assert "no run feed takes article records" in run.log
    articles = [s for e in run.records["event"] for s in e["sources"] if s["kind"] == "article"]
    assert articles and all((s["status"], s["reason"]) == ("skipped", "not_exported")
                            for s in articles)
    assert run.manifest["counts"]["article"] == 0
    again = crawl("events", archive, args)
    assert again.returncode == 0, again.log[-3000:]
    assert again.manifest["skipped"].get("archived", 0) == 0
    assert len(again.records["article"]) == len(reference.records["article"])


def archived_ids(run: CrawlRun) -> list[tuple[str, str]]:
    return sorted((kind, r["id"]) for kind, records in run.records.items() for r in records)


def test_project_batches_and_uri_params_leave_the_run_feeds_whole(
    sites: dict[str, str], reference: CrawlRun, tmp_path: Path
) -> None:
    """Scrapy's documented batching (``FEED_EXPORT_BATCH_ITEM_COUNT`` and ``%(batch_id)d`` in
    ``-o``) and a project's ``FEED_URI_PARAMS`` are for the project's exports: the run feeds
    (no ``%(batch_id)d``, named by ``%(run_id)s``) once made Scrapy switch every feed off, and
    the run archived nothing with exit code 0."""
    out = tmp_path / "export-%(name)s-%(batch_id)d.jsonl"
    run = crawl("events", tmp_path / "archive", {"start_urls": sites["events"] + DAY},
                settings={"FEED_EXPORT_BATCH_ITEM_COUNT": "4",
                          "FEED_URI_PARAMS": "tests.project_feed_settings.own_uri_params"},
                extra=["-o", str(out)])
    assert run.returncode == 0, run.log[-3000:]
    assert " ERROR: " not in run.log, run.log[-3000:]
    assert archived_ids(run) == archived_ids(reference)
    assert run.manifest["counts"] == reference.manifest["counts"]
    batches = sorted(tmp_path.glob("export-events-*.jsonl"))
    exported = [record for path in batches for record in read_jsonl(path)]
    assert all(len(read_jsonl(path)) <= 4 for path in batches) and len(batches) > 1
    assert sorted((r["type"], r["id"]) for r in exported) == archived_ids(reference)


def test_batches_without_a_batch_id_are_a_bad_argument(sites: dict[str, str], tmp_path: Path) -> None:
    """Scrapy would log an error, switch every feed off and crawl on: everything fetched,
    nothing archived. The crawl refuses to start instead."""
    run = crawl("events", tmp_path / "archive", {"start_urls": sites["events"] + DAY},
                settings={"FEED_EXPORT_BATCH_ITEM_COUNT": "4"},
                extra=["-o", str(tmp_path / "export.jsonl")])
    assert run.returncode == 2, run.log[-3000:]
    errors = [line for line in run.log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "export.jsonl" in errors[0] and "%(batch_id)d" in errors[0], errors
    assert "Traceback" not in run.log
    assert run.run_dir is None and not (tmp_path / "export.jsonl").exists()


def test_feed_exporter_switched_off_fails_the_run_before_fetching(
    sites: dict[str, str], tmp_path: Path
) -> None:
    output = tmp_path / "archive"
    args = {"start_urls": sites["events"] + DAY}
    off = json.dumps({"newsarchive.extensions.feeds.CheckedFeedExporter": None})
    run = crawl("events", output, args, settings={"EXTENSIONS": off})
    assert run.returncode == 1, run.log[-3000:]
    assert "'finish_reason': 'no_feed_exporter'" in run.log
    assert "'downloader/request_count'" not in run.log, "nothing is fetched"
    assert any(line.startswith("error: run failed") and "EXTENSIONS" in line
               for line in run.log.splitlines())
    assert run.manifest == {}
    after = crawl("events", output, args)
    assert after.returncode == 0, after.log[-3000:]
    assert after.manifest["counts"]["article"] > 0
