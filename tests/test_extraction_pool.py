"""The extraction process pool, for real: hung and crashed workers, and pool == inline."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from newsarchive.demo.server import serving
from newsarchive.pool import ExtractionFailed, InlineRunner, PoolRunner, make_runner
from tests import faulty_extraction
from tests.conftest import FIXTURES
from tests.crawling import crawl

VOLATILE = {"fetched_at", "run_id", "capture"}  # capture: another WARC record per run


def live_descendants() -> set[int]:
    """The pids of this process's live descendants (the fork server, its pool workers), from
    /proc; zombies not counted."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # exited while listed
            continue
        state, ppid = text.rsplit(")", 1)[1].split()[:2]
        if state != "Z":
            parents.setdefault(int(ppid), []).append(int(stat.parent.name))
    found, todo = set(), [os.getpid()]
    while todo:
        children = parents.get(todo.pop(), [])
        found.update(children)
        todo.extend(children)
    return found


def comparable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(({k: v for k, v in r.items() if k not in VOLATILE} for r in records),
                  key=lambda r: r["id"])


def test_hung_and_crashed_workers_are_counted_and_the_crawl_completes(tmp_path: Path) -> None:
    with serving(FIXTURES / "site_pool") as hosts:
        run = crawl(
            "events", tmp_path,
            {"start_urls": hosts["pool-events"] + "/news/2024/03/7/index.md"},
            # 6 s: on a loaded machine the crashed page's retry, in a worker still starting, once
            # took longer than 4 and was counted as a timeout
            {"NEWSARCHIVE_EXTRACT_POOL_SIZE": "2", "NEWSARCHIVE_EXTRACT_TIMEOUT": "6",
             "NEWSARCHIVE_EXTRACT_FUNCTION": "tests.faulty_extraction.extract"},
        )
    assert run.returncode == 0, run.log[-3000:]
    assert run.manifest["finish_reason"] == "finished"
    assert run.manifest["dropped"] == {"extraction_timeout": 1, "extraction_crash": 1}
    assert "hang.html" in run.log and "crash.html" in run.log  # the drop lines name the URL
    # The pool recovered: both good pages were extracted, before or after the bad ones.
    titles = sorted(a["title"] for a in run.records["article"])
    assert titles == ["Night service to run four nights a week at first",
                      "Night trains return to the Aldermouth line"]
    (event,) = run.records["event"]
    assert len(event["sources"]) == 4


@pytest.mark.parametrize("max_tasks", ["500", "1"])  # the default; a new worker every page
def test_pool_gives_exactly_the_records_of_inline_extraction(
    sites: dict[str, str], tmp_path: Path, max_tasks: str
) -> None:
    args = {"site": sites["events"], "start": "2024-03-02", "end": "2024-03-05"}
    inline = crawl("events", tmp_path / "inline", args, {"NEWSARCHIVE_EXTRACT_POOL_SIZE": "0"})
    pooled = crawl("events", tmp_path / "pool", args,
                   {"NEWSARCHIVE_EXTRACT_POOL_SIZE": "2",
                    "NEWSARCHIVE_EXTRACT_MAX_TASKS": max_tasks})
    assert inline.returncode == 0 and pooled.returncode == 0, pooled.log[-3000:]
    for kind in ("event", "article", "comment"):
        assert inline.records[kind], kind
        assert comparable(pooled.records[kind]) == comparable(inline.records[kind]), kind


def test_a_pool_broken_by_a_worker_dying_between_pages_is_replaced() -> None:
    """pebble declares its pool broken for good when a worker dies with no page running; every
    later page would fail. The runner starts a new pool and the next page is extracted."""

    async def scenario() -> tuple[int, int, int, set[int]]:
        runner = PoolRunner(1, timeout=30)
        try:
            first = await runner.run(faulty_extraction.exit_soon, 0.2)
            for _ in range(100):  # until pebble has seen the worker go
                await asyncio.sleep(0.1)
                if not runner._pool.active:
                    break
            second = await runner.run(faulty_extraction.worker_pid)
            return first, second, runner.restarts, live_descendants()
        finally:
            runner.close()

    first, second, restarts, alive = asyncio.run(scenario())
    # the next page ran in the new pool's worker: a live process of this test's, not the dead one
    assert first not in alive
    assert second in alive and second != os.getpid()
    assert restarts == 1


def test_workers_are_replaced_after_their_pages_and_no_page_is_lost() -> None:
    """``max_tasks``: a worker leaves after that many pages (its heap goes with it) and a fresh
    one forks from the fork server; a replacement is not a crash."""

    async def scenario() -> tuple[list[int], int, int]:
        runner = PoolRunner(1, timeout=30, max_tasks=2)
        try:
            pids = [await runner.run(faulty_extraction.worker_pid) for _ in range(7)]
            return pids, runner.restarts, runner.retried_crashes
        finally:
            runner.close()

    pids, restarts, retried = asyncio.run(scenario())
    assert len(pids) == 7 and os.getpid() not in pids
    assert [pids.count(pid) for pid in dict.fromkeys(pids)] == [2, 2, 2, 1]
    assert restarts == 0 and retried == 0


def test_a_page_blamed_for_the_next_pages_crash_gets_a_second_worker() -> None:
    """pebble marks a page done only once its result is read in the crawl process; a worker
    that dies on the next page before that gets the death blamed on the finished page (and the
    page that killed it waits for its timeout). The blamed page is retried, not lost."""

    async def scenario() -> tuple[str, ExtractionFailed, int]:
        runner = PoolRunner(1, timeout=3)
        try:
            finished = asyncio.ensure_future(runner.run(faulty_extraction.slow_result, "story"))
            await asyncio.sleep(0.05)
            killer = asyncio.ensure_future(runner.run(faulty_extraction.die))
            result = await finished
            with pytest.raises(ExtractionFailed) as failure:
                await killer
            return result.value, failure.value, runner.retried_crashes
        finally:
            runner.close()

    value, failure, retried = asyncio.run(scenario())
    assert value == "story"
    assert failure.reason in {"extraction_crash", "extraction_timeout"}
    assert retried >= 1


@pytest.mark.parametrize("timeout", [None, 0, -1])
def test_a_pool_without_a_page_timeout_is_refused_at_start(timeout: float | None) -> None:
    """Only a page's timeout frees a page pebble left on a dead worker: a pool without one
    could wait forever, so it is a configuration error, said before the crawl starts."""
    with pytest.raises(ValueError, match="NEWSARCHIVE_EXTRACT_TIMEOUT must be > 0"):
        make_runner(2, timeout)
    assert isinstance(make_runner(0, timeout), InlineRunner)


def test_the_workers_are_forked_off_the_event_loop_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """pebble forks its workers in the thread that schedules the first page, and a fork waits
    for the fork server's warm-up (~2 s): the runner starts them in a thread of its own, so the
    reactor keeps downloading while the first page waits for a worker."""
    from pebble import ProcessPool

    started_in: list[threading.Thread] = []
    start_pool = ProcessPool._start_pool

    def recording_start(pool: ProcessPool) -> None:
        started_in.append(threading.current_thread())
        start_pool(pool)

    monkeypatch.setattr(ProcessPool, "_start_pool", recording_start)

    async def scenario() -> int:
        runner = PoolRunner(1, timeout=30)
        try:
            return await runner.run(faulty_extraction.worker_pid)
        finally:
            runner.close()

    assert asyncio.run(scenario()) > 0
    assert started_in and threading.main_thread() not in started_in


def test_the_fork_server_starts_with_the_crawler_unless_extraction_is_inline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    from newsarchive.extensions import workers

    started: list[bool] = []
    monkeypatch.setattr(workers, "start_fork_server", lambda: started.append(True))
    def start(size: object) -> None:
        crawler = get_crawler(settings_dict={"NEWSARCHIVE_EXTRACT_POOL_SIZE": size})
        workers.StartExtractionWorkers.from_crawler(crawler)

    with pytest.raises(NotConfigured):
        start(0)
    assert not started
    start("")
    assert started == [True]  # unset or empty: the CPU count, a pool


def test_the_extraction_workers_do_not_import_scrapy() -> None:
    """The fork server loads the extraction stack and each worker shares it: Scrapy, Twisted and
    pydantic (itemadapter imports all three) would add ~30 MB and 0.4 s to it for nothing."""
    probe = ("import sys, newsarchive.worker, newsarchive.extraction; "
             "print(' '.join(sorted(m for m in ('scrapy', 'twisted', 'pydantic', 'itemadapter') "
             "if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.split() == []


def test_workers_that_cannot_import_the_extraction_fail_the_run_and_lose_nothing(
    tmp_path: Path,
) -> None:
    """A broken install used to drop every page as ``extraction_error`` and exit 0, with every
    source settled: the next run had nothing left to fetch. Now the run stops and fails, marks
    nothing archived, and the next (repaired) run archives what a run would have."""
    with serving(FIXTURES / "site_pool") as hosts:
        args = {"start_urls": hosts["pool-events"] + "/news/2024/03/7/index.md"}
        pool = {"NEWSARCHIVE_EXTRACT_POOL_SIZE": "1"}
        broken = crawl("events", tmp_path / "archive", args,
                       {**pool, "NEWSARCHIVE_EXTRACT_FUNCTION": "tests.broken_extraction.extract"})
        repaired = crawl("events", tmp_path / "archive", args, pool)
        reference = crawl("events", tmp_path / "reference", args, pool)
    assert broken.returncode == 1, broken.log[-3000:]
    assert "error: run failed" in broken.log and "lxml_html_clean" in broken.log
    assert "extraction_unavailable" in broken.log
    assert broken.manifest == {}  # no manifest: the run did not happen as far as the archive goes
    assert repaired.returncode == 0 and reference.returncode == 0, repaired.log[-3000:]
    assert reference.records["article"]
    for kind in ("event", "article"):
        assert sorted(r["id"] for r in repaired.records[kind]) == \
            sorted(r["id"] for r in reference.records[kind]), kind
