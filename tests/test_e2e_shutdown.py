"""Ctrl-C: a crawl stopped while its articles download loses nothing it already read.

Scrapy finishes the downloads under way and drops the queued ones. The events spider holds an
event until its sources are fetched, so an event whose second source was still queued cannot be
emitted: the run finishes cleanly (its feeds complete, the downloaded article archived), says
how many events it could not emit, and does not count their day pages as archived. The next
run, even with the day past the refresh window, reads them again and emits the event.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

from newsarchive.demo.server import serving
from tests.conftest import FIXTURES
from tests.crawling import REPO, CrawlRun, crawl, crawl_command, crawl_env, read_run, run_folders

DAY = {"start": "2024-03-09", "end": "2024-03-09"}


def interrupted(output: Path, args: dict[str, str], settings: dict[str, str],
                presses: int = 1) -> CrawlRun:
    """A crawl stopped with Ctrl-C (``presses`` times) once its article downloads are under
    way."""
    before = run_folders(output)
    process = subprocess.Popen(
        crawl_command("events", output, args, {"CONCURRENT_REQUESTS": "1", **settings}),
        cwd=REPO, env=crawl_env({"NEWSARCHIVE_TODAY": "2024-03-09"}), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    log = []
    assert process.stdout is not None
    for line in process.stdout:  # wait until the article download is under way
        log.append(line)
        if "source articles" in line:
            break
    time.sleep(1)
    for _ in range(presses):
        process.send_signal(signal.SIGINT)
        time.sleep(0.2)
    rest, _ = process.communicate(timeout=60)
    return read_run(process.returncode, "".join(log) + rest, output, before)


def test_interrupted_crawl_loses_no_event(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "site_shutdown", root)
    output = tmp_path / "out"
    with serving(root) as hosts:
        args = {"site": hosts["shutdown-events"], **DAY}
        stopped = interrupted(output, args, {})
        assert stopped.manifest["finish_reason"] == "shutdown", stopped.log[-2000:]
        assert stopped.records["event"] == []
        assert len(stopped.records["article"]) == 1, "the download under way was archived"
        assert any("1 events not emitted" in note for note in stopped.manifest["notes"])
        assert not list(stopped.run_dir.glob("*.part")), "a clean stop completes its feeds"

        # A week later: the day is past the refresh window, yet it is read again.
        later = crawl("events", output, args, env={"NEWSARCHIVE_TODAY": "2024-03-20"})
    assert later.returncode == 0, later.log[-2000:]
    assert [e["headline"] for e in later.records["event"]] == ["Harbour reopens after storm repairs"]
    assert [s["status"] for s in later.records["event"][0]["sources"]] == ["ok", "ok"]
    # the article archived by the stopped run is not fetched again; the other one is
    assert len(later.records["article"]) == 1
    assert later.records["article"][0]["id"] != stopped.records["article"][0]["id"]


def test_scrapys_pause_and_resume_with_jobdir_loses_no_event(tmp_path: Path) -> None:
    """Scrapy's documented pause/resume (``JOBDIR``, Ctrl-C, the same command again). Its
    saved queue and seen requests once resumed the run without the held event (never emitted,
    its pages never read again) and its state file could not be pickled. Left out, the run
    resumes from the crawl state as any interrupted run does."""
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "site_shutdown", root)
    output = tmp_path / "out"
    jobdir = {"JOBDIR": str(tmp_path / "job")}
    with serving(root) as hosts:
        args = {"site": hosts["shutdown-events"], **DAY}
        stopped = interrupted(output, args, jobdir)
        assert stopped.manifest["finish_reason"] == "shutdown", stopped.log[-2000:]
        resumed = crawl("events", output, args, jobdir, env={"NEWSARCHIVE_TODAY": "2024-03-09"})
    assert resumed.returncode == 0, resumed.log[-2000:]
    assert [e["headline"] for e in resumed.records["event"]] == ["Harbour reopens after storm repairs"]
    assert [s["status"] for s in resumed.records["event"][0]["sources"]] == ["ok", "ok"]
    archived = stopped.records["article"] + resumed.records["article"]
    assert len({a["id"] for a in archived}) == len(archived) == 2
    assert not (tmp_path / "job").exists()
    assert "Traceback" not in stopped.log + resumed.log
    assert "JOBDIR" in stopped.log and "left out" in stopped.log


def test_a_crawl_closed_before_its_event_pages_loses_no_event(sites: dict[str, str],
                                                               tmp_path: Path) -> None:
    """Scrapy's close conditions (here ``CLOSESPIDER_PAGECOUNT``: the day indexes read, their
    event pages not) stop a run with event pages still queued. Those events were never seen, so
    no event was held and the day pages counted as read: past the refresh window, no later run
    read the days again and their events and articles were lost for good."""
    args = {"site": sites["events"], "start": "2024-03-02", "end": "2024-03-05"}
    whole = crawl("events", tmp_path / "whole", args)
    assert whole.returncode == 0, whole.log[-2000:]

    output = tmp_path / "bounded"
    stopped = crawl("events", output, args, {"CLOSESPIDER_PAGECOUNT": "4"})
    assert stopped.manifest["finish_reason"] == "closespider_pagecount", stopped.log[-2000:]
    assert any("before every event page was read" in note for note in stopped.manifest["notes"])
    later = crawl("events", output, args)
    assert later.returncode == 0, later.log[-2000:]
    for kind in ("event", "article", "comment"):
        archived = {r["id"] for run in (stopped, later) for r in run.records[kind]}
        assert archived == {r["id"] for r in whole.records[kind]}, kind
        assert len(stopped.records[kind]) + len(later.records[kind]) == len(archived), \
            f"a {kind} emitted twice"


def test_a_forced_shutdown_fails_the_run_and_loses_nothing(tmp_path: Path) -> None:
    """Ctrl-C twice (or SIGTERM twice, as service managers send) makes Scrapy stop at once: no
    feed completed, no manifest, nothing committed. ``scrapy crawl`` exited 0 all the same, so
    cron took the run for a success; it fails now, and the next run archives it all."""
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "site_shutdown", root)
    output = tmp_path / "out"
    with serving(root) as hosts:
        args = {"site": hosts["shutdown-events"], **DAY}
        killed = interrupted(output, args, {}, presses=2)
        assert killed.returncode == 1, killed.log[-2000:]
        assert "forcing unclean shutdown" in killed.log
        assert "error: scrapy crawl events: stopped before the run ended" in killed.log
        assert killed.manifest == {}
        assert killed.records["event"] == killed.records["article"] == []
        later = crawl("events", output, args, env={"NEWSARCHIVE_TODAY": "2024-03-20"})
    assert later.returncode == 0, later.log[-2000:]
    assert [e["headline"] for e in later.records["event"]] == ["Harbour reopens after storm repairs"]
    assert [s["status"] for s in later.records["event"][0]["sources"]] == ["ok", "ok"]
    assert len(later.records["article"]) == 2
