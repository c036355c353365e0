"""``scrapy crawl events`` end to end: the demo event site and three outlets served on loopback.

Each crawl runs as a subprocess, exactly as cron runs it, and the tests read the JSON Lines it
wrote. What the fixture pages say (paragraphs, comments) is read from the fixture files
themselves, so the assertions say what a user would check: every paragraph of the story is in
the body, nothing of the page furniture is.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import jsonschema
import lxml.html
import pytest

from newsarchive.urls import url_id
from tests.conftest import DEMO_SITE
from tests.crawling import CrawlRun, crawl

SCHEMAS = Path(__file__).parent.parent / "schemas"
RANGE = {"start": "2024-03-02", "end": "2024-03-05"}
STORY_PARAGRAPHS = ("//div[contains(@class,'story-body')]/p | "
                    "//div[contains(@class,'entry-content')]/p")
FURNITURE = ["We use cookies", "Sign up for our morning briefing", "Related stories",
             "Share on Facebook", "Leave a Reply", "All rights reserved"]


@pytest.fixture(scope="module")
def first_run(sites: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    output = tmp_path_factory.mktemp("events-run")
    run = crawl("events", output, {"site": sites["events"], **RANGE})
    assert run.returncode == 0, run.log[-3000:]
    return run


def fixture_paragraphs(host_folder: str, path: str) -> list[str]:
    page = DEMO_SITE / host_folder / path.lstrip("/")
    if page.is_dir():
        page = page / "index.html"
    tree = lxml.html.fromstring(page.read_bytes())
    return [" ".join(p.text_content().split()) for p in tree.xpath(STORY_PARAGRAPHS)]


def test_every_record_matches_its_schema(first_run: CrawlRun) -> None:
    for kind in ("event", "article", "comment"):
        schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
        assert first_run.records[kind], f"no {kind} records"
        for record in first_run.records[kind]:
            jsonschema.validate(record, schema)
            assert record["run_id"] == first_run.manifest["run_id"]


def test_run_folder_and_manifest(first_run: CrawlRun) -> None:
    folder = first_run.run_dir
    assert folder is not None
    assert sorted(p.name for p in folder.iterdir()) == [
        "articles.jsonl", "comments.jsonl", "events.jsonl", "manifest.json", "warc"]
    manifest = first_run.manifest
    assert manifest["spider"] == "events"
    assert manifest["finish_reason"] == "finished"
    assert manifest["arguments"]["start"] == "2024-03-02"
    assert manifest["started_at"] <= manifest["finished_at"]
    assert manifest["counts"] == {kind: len(first_run.records[kind])
                                  for kind in ("event", "article", "comment")}
    assert manifest["dropped"] == {}


def test_events_of_the_range(first_run: CrawlRun, sites: dict[str, str]) -> None:
    events = first_run.by_url("event")
    base = sites["events"] + "/news/2024/03"
    assert sorted(events) == sorted([
        f"{base}/2/early-forecast.md", f"{base}/3/storm-warning.md", f"{base}/4/heavy-rain.md",
        f"{base}/5/dam-collapse.md", f"{base}/5/election-results.html", f"{base}/5/summit-opens.md",
    ])
    dam = events[f"{base}/5/dam-collapse.md"]
    assert dam["date"] == "2024-03-05"
    assert dam["headline"].startswith("Harrow Dam collapses in the Marrow Valley")
    assert len(dam["summary"].split("\n\n")) == 2
    assert [(s["label"], s["kind"], s["status"]) for s in dam["sources"]] == [
        ("The Riverside Tribune", "article", "ok"),
        ("Valley Herald", "article", "ok"),
        ("Cover Image", "media", "skipped"),
    ]
    assert dam["sources"][2]["article_id"] is None, "media are recorded, never extracted"
    assert dam["related"] == [{
        "id": url_id(f"{base}/4/heavy-rain.md"), "url": f"{base}/4/heavy-rain.md",
        "headline": "Heavy rain floods towns across the Marrow Valley",
        "context": ["Floods", "Weather", "Marrow Valley"],
    }]
    # The HTML rendering of an event page gives the same kind of record as the Markdown one.
    election = events[f"{base}/5/election-results.html"]
    assert election["headline"] and election["summary"] and len(election["sources"]) == 2
    assert "Most read" not in election["summary"]
    assert election["related"][0]["url"] == f"{base}/5/summit-opens.md"


def test_events_and_articles_point_at_each_other(first_run: CrawlRun) -> None:
    articles = first_run.by_id("article")
    cited_by: dict[str, set[str]] = defaultdict(set)
    for event in first_run.records["event"]:
        for source in event["sources"]:
            if source["kind"] == "article":
                assert source["article_id"] in articles, source
                cited_by[source["article_id"]].add(event["id"])
    assert set(cited_by) == set(articles), "every article is a source of some event"
    for article_id, event_ids in cited_by.items():
        assert set(articles[article_id]["event_ids"]) == event_ids
    assert any(len(ids) == 2 for ids in cited_by.values()), "one article is cited by two events"
    # Fetched once per run although two events cite it.
    assert len({a["url"] for a in articles.values()}) == len(articles)


def test_article_bodies_keep_the_story_and_drop_the_furniture(
    first_run: CrawlRun, sites: dict[str, str]
) -> None:
    host_of = {base: name for name, base in sites.items()}
    checked = 0
    for article in first_run.records["article"]:
        base = re.match(r"https?://[^/]+", article["final_url"]).group(0)
        path = article["final_url"][len(base):].split("?")[0]
        paragraphs = fixture_paragraphs(host_of[base], path)
        assert paragraphs, f"fixture has no story paragraphs: {path}"
        body = " ".join(article["body"].split())
        missing = [p[:60] for p in paragraphs if p not in body]
        assert not missing, f"{path}: paragraphs missing from body: {missing}"
        for text in FURNITURE:
            assert text not in article["body"], f"{path}: {text!r} leaked into the body"
        assert article["title"] and article["published"] and article["authors"]
        assert article["site_name"] in {"The Riverside Tribune", "Valley Herald", "Northern Wire"}
        assert article["language"].startswith("en")
        assert article["word_count"] == len(article["body"].split())
        checked += 1
    assert checked == 9


def test_article_metadata_from_json_ld(first_run: CrawlRun, sites: dict[str, str]) -> None:
    url = sites["outlet-a"] + "/2024/03/05/dam-collapse-kills-twelve.html"
    article = first_run.by_url("article")[url]
    assert article["authors"] == ["Maria Lindqvist", "Tomas Berg"]
    assert article["published"] == "2024-03-05T07:42:00+01:00"
    assert "|" not in article["title"]


def test_comments_of_source_articles_are_threaded(first_run: CrawlRun) -> None:
    comments_of: dict[str, list[dict]] = defaultdict(list)
    for comment in first_run.records["comment"]:
        comments_of[comment["article_id"]].append(comment)
    articles = first_run.by_id("article")
    for article_id, article in articles.items():
        assert article["comment_count"] == len(comments_of.get(article_id, []))
    for article_id, comments in comments_of.items():
        assert article_id in articles
        ids = {c["id"] for c in comments}
        for comment in comments:
            assert comment["parent_id"] is None or comment["parent_id"] in ids
            assert "Reply" not in comment["text"].split()[-1:]
        assert sorted(c["position"] for c in comments) == list(range(len(comments)))
    threaded = [c for c in first_run.records["comment"] if c["parent_id"]]
    depths = []
    by_id = {c["id"]: c for c in first_run.records["comment"]}
    for comment in threaded:
        depth, node = 0, comment
        while node["parent_id"]:
            node, depth = by_id[node["parent_id"]], depth + 1
        depths.append(depth)
    assert max(depths) >= 2, "a reply to a reply keeps its thread"
    assert not any("pingback" in c["text"].lower() for c in first_run.records["comment"])


def test_ids_are_identical_across_runs(
    first_run: CrawlRun, sites: dict[str, str], tmp_path: Path
) -> None:
    second = crawl("events", tmp_path, {"site": sites["events"], **RANGE})
    assert second.returncode == 0, second.log[-3000:]
    for kind in ("event", "article", "comment"):
        assert {r["id"] for r in second.records[kind]} == {r["id"] for r in first_run.records[kind]}
    assert second.manifest["run_id"] != first_run.manifest["run_id"]


def test_articles_fed_one_at_a_time_give_the_same_archive(
    first_run: CrawlRun, sites: dict[str, str], tmp_path: Path
) -> None:
    """Once the events are read, source articles are queued a window at a time and one more as
    each settles (``NEWSARCHIVE_ARTICLE_WINDOW``); a window of one still fetches every one, and
    every event and article record is the same as with the default window."""
    run = crawl("events", tmp_path, {"site": sites["events"], **RANGE},
                settings={"NEWSARCHIVE_ARTICLE_WINDOW": "1"})
    assert run.returncode == 0, run.log[-3000:]
    assert len(first_run.records["article"]) > 3  # the window really bound

    def linked(records: list[dict]) -> dict[str, tuple]:
        return {r["id"]: (r.get("headline") or r.get("title"), sorted(r.get("event_ids", [])),
                          sorted(s.get("article_id") or "" for s in r.get("sources", [])),
                          r.get("body"), r.get("comment_count")) for r in records}

    for kind in ("event", "article"):
        assert linked(run.records[kind]) == linked(first_run.records[kind]), kind
    assert ({r["id"] for r in run.records["comment"]}
            == {r["id"] for r in first_run.records["comment"]})


@pytest.mark.parametrize(("depth", "expected"), [
    ("0", {"5/dam-collapse.md"}),
    ("1", {"5/dam-collapse.md", "4/heavy-rain.md"}),
    ("2", {"5/dam-collapse.md", "4/heavy-rain.md", "3/storm-warning.md"}),
])
def test_start_url_event_page_follows_related_up_to_depth(
    sites: dict[str, str], tmp_path: Path, depth: str, expected: set[str]
) -> None:
    start = sites["events"] + "/news/2024/03/5/dam-collapse.md"
    run = crawl("events", tmp_path, {"start_urls": start, "related_depth": depth})
    assert run.returncode == 0, run.log[-3000:]
    got = {e["url"].split("/news/2024/03/")[1] for e in run.records["event"]}
    assert got == expected


def test_start_urls_take_day_indexes_in_both_renderings(sites: dict[str, str], tmp_path: Path) -> None:
    starts = ",".join([sites["events"] + "/news/2024/03/4/index.html",
                       sites["events"] + "/news/2024/03/2/index.md"])
    run = crawl("events", tmp_path, {"start_urls": starts, "related_depth": "0"})
    assert run.returncode == 0, run.log[-3000:]
    assert sorted(e["date"] for e in run.records["event"]) == ["2024-03-02", "2024-03-04"]


@pytest.mark.parametrize(("args", "message"), [
    ({"site": "http://127.0.0.1:9", "start": "2024-02-30"}, "start: '2024-02-30' is not a date"),
    ({"site": "ftp://example.org"}, "is not an http(s) URL"),
    ({"start_urls": "http://127.0.0.1:9/", "related_depth": "-1"}, "related_depth: must be at least 0"),
    ({"site": "http://127.0.0.1:9", "start": "2024-03-05", "end": "2024-03-01"}, "is after end"),
    ({"sites": "http://127.0.0.1:9"}, "unknown argument(s) sites"),
])
def test_bad_arguments_fail_with_one_line(tmp_path: Path, args: dict[str, str], message: str) -> None:
    run = crawl("events", tmp_path, args)
    assert run.returncode == 2
    errors = [line for line in run.log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], run.log[-2000:]
    assert "Traceback" not in run.log
