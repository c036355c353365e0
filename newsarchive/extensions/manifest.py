"""The run manifest: ``OUTPUT_DIR/runs/<run_id>/manifest.json``, written when the crawl ends.

It says what the run was (run id, spider, arguments, start/end), what it archived (records per
type, counted as the feeds took them) and what it did not (drops per reason), and how it ended
(finish reason). ``RunCommit`` writes it in two steps around the crawl-state commit: ``prepare``
(``manifest.json.part``, fsync'd) before, ``publish`` (the rename, then the folder fsync'd) after.
A failed run gets no manifest.

In a run shared by several workers (``REDIS_URL``), each worker prepares and publishes its own
part, ``manifest-<worker>.json``, around its own state commit, and files it with the run
(``newsarchive.scaleout``); the last worker to finish writes ``manifest.json``: the parts merged
(``merge_parts``), with each worker's part under ``workers``.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from newsarchive import __version__
from newsarchive.addon import run_dir
from newsarchive.capture.middleware import capture_manifest
from newsarchive.drops import dropped_counts
from newsarchive.extensions.feeds import record_exported
from newsarchive.run_context import RunContext, run_context

MANIFEST_NAME = "manifest.json"
RECORD_TYPES = ("event", "article", "comment")
logger = logging.getLogger(__name__)


@dataclass
class Manifest:
    """What a manifest file says, in the file's order: the one builder of a run's manifest, a
    worker's part and a shared run's merged manifest. The sections only some of them have are
    left out of the file when None (``dead``, ``wayback``: a process's own run; ``worker_id``: a
    worker's part; ``workers``, ``lost_workers``: the merged manifest)."""

    run_id: str | None
    spider: str
    newsarchive_version: str
    arguments: dict[str, Any]
    raw_arguments: dict[str, Any]
    started_at: str | None
    finished_at: str
    finish_reason: str
    counts: dict[str, int]  # records per type the feeds took, every type listed
    dropped: dict[str, int]
    skipped: dict[str, int]
    duplicates: dict[str, int]
    dead: dict[str, Any] | None = None  # dead sources by kind (newsarchive.dead)
    wayback: dict[str, Any] | None = None  # what the web archive gave for them
    pages_fetched: int = 0
    capture: dict[str, Any] = field(default_factory=dict)  # entries of ``capture_manifest``
    notes: list[str] = field(default_factory=list)
    worker_id: str | None = None
    workers: dict[str, dict[str, Any]] | None = None
    lost_workers: list[str] | None = None

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {}
        for entry in fields(self):
            value = getattr(self, entry.name)
            if entry.name == "capture":
                document.update(value)  # its entries sit at the top level of the file
            elif value is not None or entry.name not in _SECTIONS:
                document[entry.name] = value
        return document


_SECTIONS = frozenset({"dead", "wayback", "worker_id", "workers", "lost_workers"})


class RunManifest:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.counts: Counter[str] = Counter()
        self.started_at: str | None = None
        self.context: RunContext | None = None  # the run's, once the spider closed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunManifest:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.record_exported, signal=record_exported)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.started_at = _now()

    def record_exported(self, item: Any, held: bool) -> None:
        if held:
            self.counts[item.type] += 1

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.spider, self.reason = spider, reason
        self.context = run_context(self.crawler)

    @property
    def run_id(self) -> str | None:
        return self.context.run_id if self.context is not None else None

    def build(self) -> Manifest:
        spider, reason, run_id = self.spider, self.reason, self.run_id
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        context = self.context
        notes = list(context.notes) if context is not None else []
        runs = run_dir(self.crawler.settings.get("OUTPUT_DIR", "output"), run_id).parent
        if not sum(self.counts.values()) and any(  # "since the last run": only if there was one
                path.parent.name != run_id for path in runs.glob("*/" + MANIFEST_NAME)):
            notes.append("nothing new: no record was new or changed since the last run")
        for note in notes:
            logger.info("run %s: %s", run_id, note)
        return Manifest(
            run_id=run_id,
            spider=spider.name,
            newsarchive_version=__version__,
            arguments=context.arguments.as_dict() if context is not None else {},
            raw_arguments=context.raw_arguments if context is not None else {},
            started_at=self.started_at,
            finished_at=_now(),
            finish_reason=reason,
            counts={kind: self.counts.get(kind, 0) for kind in RECORD_TYPES},
            dropped=dropped_counts(stats),
            skipped=_by_last_part(stats, "newsarchive/skipped/"),
            duplicates=_by_last_part(stats, "newsarchive/duplicates/"),
            dead=_under(stats, "newsarchive/dead/"),
            wayback=_under(stats, "newsarchive/wayback/"),
            pages_fetched=stats.get("response_received_count", 0),
            capture=capture_manifest(self.crawler.settings, stats),
            notes=notes,
        )

    @property
    def worker_id(self) -> str | None:
        """This process's name in a run shared by several workers, else None."""
        return self.context.worker_id if self.context is not None else None

    def prepare(self) -> Path | None:
        """Write ``manifest.json.part`` (a worker of a shared run: its own part,
        ``manifest-<worker>.json.part``) and make it durable; None for a run without a run id."""
        if self.run_id is None:
            return None
        folder = run_dir(self.crawler.settings.get("OUTPUT_DIR", "output"), self.run_id)
        manifest = self.build()
        name = MANIFEST_NAME
        if self.worker_id is not None:
            manifest.worker_id = self.worker_id
            name = worker_manifest_name(self.worker_id)
        return write_part(folder / (name + ".part"), manifest.as_json())

    def published(self, part: Path) -> None:
        """After this worker's part is published: the last worker of a shared run writes the
        run's manifest from every worker's part."""
        if self.worker_id is None:
            return
        from newsarchive.scaleout.extension import ScaleOut

        extension = ScaleOut.of(self.crawler)
        if extension is None:
            return
        mine = json.loads(part.with_name(part.name.removesuffix(".part")).read_text("utf-8"))
        result = extension.leave(mine)
        if result is None:
            logger.info("worker %s done; the run's last worker writes its manifest", self.worker_id)
            return
        parts, lost = result
        publish(write_part(part.with_name(MANIFEST_NAME + ".part"),
                           merge_parts(parts, lost).as_json()))


def worker_manifest_name(worker_id: str) -> str:
    return f"manifest-{worker_id}.json"


def write_part(part: Path, manifest: dict[str, Any]) -> Path:
    """``manifest`` as ``part``, durable (fsync'd); nothing left behind if that fails."""
    part.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        with part.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        part.unlink(missing_ok=True)
        raise
    return part


def publish(part: Path) -> Path:
    """``manifest.json.part`` -> ``manifest.json``, durable: the run is finished (a worker's
    ``manifest-<worker>.json.part``: that worker's part is)."""
    final = part.with_name(part.name.removesuffix(".part"))
    os.replace(part, final)
    fsync_dir(final.parent)
    return final


def fsync_dir(folder: Path) -> None:
    """Make renames in ``folder`` durable (the directory entry itself is data)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


SUMMED = ("counts", "dropped", "skipped", "duplicates")


def merge_parts(parts: list[dict[str, Any]], lost: list[str]) -> Manifest:
    """One manifest for a run from its workers' parts: sums of the counts, the earliest start,
    the latest finish, and every part (minus what they share) under ``workers``."""
    parts = sorted(parts, key=lambda part: part.get("started_at") or "")
    first = parts[0]
    reasons = {p["finish_reason"] for p in parts}
    sums: dict[str, dict[str, int]] = {}
    for key in SUMMED:
        total: Counter[str] = Counter()
        for part in parts:
            total.update(part.get(key, {}))
        sums[key] = dict(sorted(total.items()))
    counts = {kind: sums["counts"].get(kind, 0) for kind in RECORD_TYPES}
    notes = [note for p in parts for note in p.get("notes", [])]
    if sum(counts.values()):
        notes = [n for n in notes if not n.startswith("nothing new")]
    for worker in lost:
        notes.append(f"worker {worker} stopped answering before it finished: the other "
                     "workers fetched again what it had taken (the next run does, for a worker "
                     "lost after the run's end)")
    return Manifest(
        run_id=first["run_id"],
        spider=first["spider"],
        newsarchive_version=first["newsarchive_version"],
        arguments=first["arguments"],
        raw_arguments=first["raw_arguments"],
        started_at=min((p["started_at"] for p in parts if p.get("started_at")), default=None),
        finished_at=max(p["finished_at"] for p in parts),
        finish_reason=reasons.pop() if len(reasons) == 1 else "mixed",
        counts=counts,
        dropped=sums["dropped"],
        skipped=sums["skipped"],
        duplicates=sums["duplicates"],
        pages_fetched=sum(p.get("pages_fetched", 0) for p in parts),
        notes=list(dict.fromkeys(notes)),
        workers={
            p["worker_id"]: {key: p[key] for key in
                             ("started_at", "finished_at", "finish_reason", "counts",
                              "pages_fetched")}
            for p in parts
        },
        lost_workers=lost,
    )


def _by_last_part(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {key.rsplit("/", 1)[-1]: value for key, value in sorted(stats.items())
            if key.startswith(prefix)}


def _under(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {key[len(prefix):]: value for key, value in sorted(stats.items()) if key.startswith(prefix)}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
