"""The three manifests a run writes (its own, a worker's part, a shared run's merged one) come
from one builder: their keys, in the file's order, and their figures."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy import Spider
from scrapy.utils.test import get_crawler

from newsarchive.extensions.manifest import RunManifest, merge_parts
from newsarchive.items import Article
from newsarchive.run_context import RunContext

RUN_KEYS = ["run_id", "spider", "newsarchive_version", "arguments", "raw_arguments", "started_at",
            "finished_at", "finish_reason", "counts", "dropped", "skipped", "duplicates", "dead",
            "wayback", "pages_fetched", "capture", "notes"]
MERGED_KEYS = ["run_id", "spider", "newsarchive_version", "arguments", "raw_arguments",
               "started_at", "finished_at", "finish_reason", "counts", "dropped", "skipped",
               "duplicates", "pages_fetched", "notes", "workers", "lost_workers"]


class Arguments:
    def as_dict(self) -> dict[str, object]:
        return {"start": "2024-03-01", "max_pages": 5}


def finished_run(tmp_path: Path, worker_id: str | None = None, articles: int = 2,
                 dropped: int = 1) -> dict:
    crawler = get_crawler(Spider, {"OUTPUT_DIR": str(tmp_path), "NEWSARCHIVE_WARC_ENABLED": True})
    spider = Spider("events")
    spider.run = RunContext("run-1", Arguments(), {"start": "2024-03-01"}, worker_id=worker_id)
    crawler.spider = spider
    stats = crawler.stats
    stats.set_value("newsarchive/dropped/invalid_article", dropped)
    stats.set_value("newsarchive/skipped/before_since", 3)
    stats.set_value("newsarchive/duplicates/same_text", 1)
    stats.set_value("newsarchive/dead/http_404", 2)
    stats.set_value("newsarchive/wayback/found", 1)
    stats.set_value("response_received_count", 7)
    extension = RunManifest(crawler)
    extension.spider_opened(spider)
    for n in range(articles):
        extension.record_exported(Article(id=f"a{n}", url=f"https://example.com/{n}"), True)
    extension.record_exported(Article(id="held", url="https://example.com/held"), False)
    extension.spider_closed(spider, "finished")
    part = extension.prepare()
    assert part is not None
    name = "manifest.json.part" if worker_id is None else f"manifest-{worker_id}.json.part"
    assert part == tmp_path.resolve() / "runs" / "run-1" / name
    return json.loads(part.read_text("utf-8"))


def test_a_runs_manifest(tmp_path: Path) -> None:
    manifest = finished_run(tmp_path)
    assert list(manifest) == RUN_KEYS
    assert manifest["run_id"] == "run-1" and manifest["spider"] == "events"
    assert manifest["arguments"] == {"start": "2024-03-01", "max_pages": 5}
    assert manifest["raw_arguments"] == {"start": "2024-03-01"}
    assert manifest["finish_reason"] == "finished"
    assert manifest["counts"] == {"event": 0, "article": 2, "comment": 0}
    assert manifest["dropped"] == {"invalid_article": 1}
    assert manifest["skipped"] == {"before_since": 3}
    assert manifest["duplicates"] == {"same_text": 1}
    assert manifest["dead"] == {"http_404": 2} and manifest["wayback"] == {"found": 1}
    assert manifest["pages_fetched"] == 7
    assert manifest["capture"]["records"] == 0
    assert manifest["notes"] == []


def test_a_workers_part_and_the_merged_manifest(tmp_path: Path) -> None:
    first = finished_run(tmp_path / "a", "w1", articles=2, dropped=1)
    second = finished_run(tmp_path / "b", "w2", articles=1, dropped=4)
    assert list(first) == [*RUN_KEYS, "worker_id"] and first["worker_id"] == "w1"
    merged = merge_parts([second, first], ["w3"]).as_json()
    assert list(merged) == MERGED_KEYS
    assert merged["counts"] == {"event": 0, "article": 3, "comment": 0}
    assert merged["dropped"] == {"invalid_article": 5}
    assert merged["skipped"] == {"before_since": 6}
    assert merged["pages_fetched"] == 14
    assert merged["finish_reason"] == "finished"
    assert merged["started_at"] == min(first["started_at"], second["started_at"])
    assert list(merged["workers"]) == ["w1", "w2"] or list(merged["workers"]) == ["w2", "w1"]
    assert list(merged["workers"]["w1"]) == ["started_at", "finished_at", "finish_reason",
                                             "counts", "pages_fetched"]
    assert merged["lost_workers"] == ["w3"]
    assert merged["notes"] == ["worker w3 stopped answering before it finished: the other "
                               "workers fetched again what it had taken (the next run does, "
                               "for a worker lost after the run's end)"]
