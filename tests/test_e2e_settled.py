"""A source is ``ok`` only when its article is in the archive; what failed says why and is
fetched again next run.

``tests/fixtures/site_commit`` serves a day of two events citing: two good articles; one whose
JSON-LD has broken escapes (lone surrogates in its headline, author and keywords); an empty page
(extraction drops it: ``not_an_article``); and one that makes a test pipeline raise
(``tests.faulty_pipeline``, placed after dedupe, so that dedupe has already written about it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from newsarchive import settings as project_settings
from newsarchive.demo.server import serving
from tests.conftest import FIXTURES
from tests.crawling import CrawlRun, crawl

DAY = "/news/2024/03/7/index.md"
WITH_FAULTY_PIPELINE = json.dumps(
    {**project_settings.ITEM_PIPELINES, "tests.faulty_pipeline.FaultyPipeline": 450})


@pytest.fixture(scope="module")
def hosts() -> Iterator[dict[str, str]]:
    with serving(FIXTURES / "site_commit") as served:
        yield served


@pytest.fixture(scope="module")
def runs(hosts: dict[str, str], tmp_path_factory: pytest.TempPathFactory
         ) -> tuple[CrawlRun, CrawlRun]:
    output = tmp_path_factory.mktemp("settled")
    args = {"start_urls": hosts["commit-events"] + DAY}
    first = crawl("events", output, args, settings={"ITEM_PIPELINES": WITH_FAULTY_PIPELINE})
    assert first.returncode == 0, first.log[-3000:]
    second = crawl("events", output, args)  # the bug is fixed
    assert second.returncode == 0, second.log[-3000:]
    return first, second


def sources(run: CrawlRun) -> dict[str, dict[str, Any]]:
    return {s["url"].rsplit("/", 1)[-1]: s for e in run.records["event"] for s in e["sources"]}


def test_broken_escapes_are_cleaned_and_the_article_archived(runs: tuple[CrawlRun, CrawlRun]) -> None:
    first, _ = runs
    article = next(a for a in first.records["article"] if a["url"].endswith("/surrogate.html"))
    assert article["title"] == "Bridge tolls \ufffd frozen until summer"
    assert article["authors"] == ["Ola \ufffd Brandt"]
    assert "tolls \ufffd" in article["tags"]
    assert sources(first)["surrogate.html"]["status"] == "ok"


def test_ok_means_the_article_is_in_the_archive(runs: tuple[CrawlRun, CrawlRun]) -> None:
    first, _ = runs
    archived = {a["id"] for a in first.records["article"]}
    status = {name: (s["status"], s["reason"]) for name, s in sources(first).items()}
    assert status == {
        "bridge-reopens.html": ("ok", None),
        "surrogate.html": ("ok", None),
        "ferry-timetable.html": ("ok", None),
        "empty.html": ("skipped", "not_an_article"),
        "explode.html": ("skipped", "pipeline_error"),
    }
    for source in sources(first).values():
        assert (source["status"] == "ok") == (source["article_id"] in archived)
    assert first.manifest["dropped"] == {"not_an_article": 1, "pipeline_error": 1}
    assert first.manifest["counts"] == {"event": 2, "article": 3, "comment": 0}


def test_what_was_dropped_is_not_marked_archived(runs: tuple[CrawlRun, CrawlRun]) -> None:
    _, second = runs
    # The three archived articles are skipped; the two dropped ones are fetched again, and the
    # one that only a pipeline bug lost is archived now.
    assert second.manifest["skipped"].get("archived") == 3, second.manifest
    assert [a["url"].rsplit("/", 1)[-1] for a in second.records["article"]] == ["explode.html"]
    status = {name: (s["status"], s["reason"]) for name, s in sources(second).items()}
    assert status["explode.html"] == ("ok", None)
    assert second.manifest["dropped"] == {"not_an_article": 1}  # fetched again, still empty
    # the other event is unchanged (its empty source is still skipped): not emitted again
    assert [e["headline"] for e in second.records["event"]] == ["Ferry timetable changes"]
