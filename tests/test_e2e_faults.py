"""Faults while a run finishes: either a finished run with its state, or no state change.

A crawl of the demo day is killed (SIGKILL) or runs out of disk (a real ``ENOSPC``: the crawl
runs on a 16 MB tmpfs of its own, filled at that moment by ``tests.commit_faults``) at each step
of ``newsarchive.extensions.commit``; the next, fault-free run must leave every record of a clean
crawl in exactly one finished run.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from newsarchive import settings as project_settings
from newsarchive.demo.server import start_servers
from tests.conftest import FIXTURES
from tests.crawling import REPO, CrawlRun, crawl, crawl_command, crawl_env, read_jsonl, read_run

DAY = "/news/2024/03/5/index.md"
WITH_FAULTS = {"EXTENSIONS": json.dumps(
    {**project_settings.EXTENSIONS, "tests.commit_faults.InjectFault": 1000})}
KINDS = ("event", "article", "comment")


def finished_ids(output: Path) -> Counter[tuple[str, str]]:
    """(type, id) of every record in every finished run (a folder with a manifest)."""
    ids: Counter[tuple[str, str]] = Counter()
    for manifest in output.glob("runs/*/manifest.json"):
        for kind in KINDS:
            ids.update((kind, r["id"]) for r in read_jsonl(manifest.parent / f"{kind}s.jsonl"))
    return ids


def state_rows(output: Path) -> dict[str, int]:
    path = output / "state" / "state.sqlite"
    if not path.exists():
        return {"records": 0, "runs": 0}
    with sqlite3.connect(path) as db:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("records", "runs")}


@pytest.fixture(scope="module")
def reference(sites: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    output = tmp_path_factory.mktemp("reference")
    run = crawl("events", output, {"start_urls": sites["events"] + DAY})
    assert run.returncode == 0, run.log[-3000:]
    ids = finished_ids(output)
    assert {kind for kind, _ in ids} == set(KINDS)
    return set(ids)


def assert_next_run_completes(output: Path, sites: dict[str, str], reference: set) -> CrawlRun:
    after = crawl("events", output, {"start_urls": sites["events"] + DAY})
    assert after.returncode == 0, after.log[-3000:]
    ids = finished_ids(output)
    assert set(ids) == reference, "lost records"
    assert max(ids.values()) == 1, "doubled records"
    return after


@pytest.mark.parametrize("step", ["feeds_stored", "manifest_prepared", "state_committed"])
def test_killed_while_finishing(
    step: str, sites: dict[str, str], reference: set, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    killed = crawl("events", output, {"start_urls": sites["events"] + DAY}, settings=WITH_FAULTS,
                   env={"NEWSARCHIVE_TEST_FAULT": f"kill:{step}"})
    assert killed.returncode == -9, killed.log[-3000:]
    assert killed.manifest == {}, "not finished"
    committed = step == "state_committed"
    assert state_rows(output)["runs"] == int(committed)
    assert (state_rows(output)["records"] > 0) == committed
    after = assert_next_run_completes(output, sites, reference)
    if committed:  # the next crawl published the killed run's manifest and had nothing to do
        assert (killed.run_dir / "manifest.json").exists()
        assert sum(after.manifest["counts"].values()) == 0
        assert "manifest now published" in after.log


def unshare_works() -> bool:
    try:
        return subprocess.run(["unshare", "-rm", "true"], capture_output=True, timeout=10,
                              check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.mark.skipif(not unshare_works(), reason="needs `unshare -rm` (a private mount namespace) "
                    "to mount a small tmpfs without root")
@pytest.mark.parametrize("step", ["spider_opened", "feeds_stored", "manifest_prepared"])
def test_full_disk_fails_the_run(
    step: str, sites: dict[str, str], reference: set, tmp_path: Path
) -> None:
    """The crawl runs on a 16 MB tmpfs in a private mount namespace; the tmpfs is filled at
    ``step``; what it holds is copied out when the crawl ends, and the next run goes on there."""
    disk, output = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    output.mkdir()
    command = crawl_command("events", disk, {"start_urls": sites["events"] + DAY}, WITH_FAULTS)
    script = ('mount -t tmpfs -o size=16m tmpfs "$1" && shift 2 && "$@"; rc=$?; '
              f'cp -a {disk}/. {output}/; exit $rc')
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", str(disk), "--", *command],
                          cwd=REPO, env=crawl_env({"NEWSARCHIVE_TEST_FAULT": f"fill:{step}"}),
                          capture_output=True, text=True, timeout=240, check=False)
    failed = read_run(done.returncode, done.stdout + done.stderr, output, set())
    (output / "disk-filler").unlink()
    assert failed.returncode == 1, failed.log[-3000:]
    assert "No space left on device" in failed.log or "disk is full" in failed.log
    errors = [line for line in failed.log.splitlines() if line.startswith("error: run failed")]
    assert len(errors) == 1, failed.log[-3000:]
    assert failed.manifest == {}, "a failed run is not finished"
    assert not list(output.glob("runs/*/manifest.json*")), "no manifest, prepared or not"
    assert state_rows(output) == {"records": 0, "runs": 0}, "nothing marked archived"
    shutil.rmtree(disk, ignore_errors=True)
    assert_next_run_completes(output, sites, reference)


def test_second_crawl_on_the_same_folder_exits_3_without_state(tmp_path: Path) -> None:
    """The output folder's lock does not depend on the crawl state (with the state off, two
    crawls on one folder used to write the same records twice)."""
    hosts, servers = start_servers(FIXTURES / "site_commit")
    slow_path = "/bridge-reopens.html"
    outlet = next(s for s in servers if s.folder.name == "commit-outlet")
    outlet.routes[slow_path] = {"delay": 30}
    output = tmp_path / "out"
    no_state = {"NEWSARCHIVE_STATE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "60"}
    args = {"start_urls": hosts["commit-events"] + "/news/2024/03/7/index.md"}
    try:
        slow = subprocess.Popen(crawl_command("events", output, args, no_state), cwd=REPO,
                                env=crawl_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while outlet.hits.get(slow_path, 0) == 0:
                assert time.monotonic() < deadline and slow.poll() is None, "never fetched"
                time.sleep(0.1)
            second = crawl("events", output, args, settings=no_state, timeout=60)
            assert slow.poll() is None, "the first crawl is still going"
        finally:
            slow.kill()
            slow.wait(timeout=30)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    assert second.returncode == 3, second.log[-3000:]
    errors = [line for line in second.log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "another crawl is running on" in errors[0], second.log[-3000:]
    assert f"pid={slow.pid}" in errors[0]
    assert len(list(output.glob("runs/*"))) <= 1, "the second crawl wrote no run folder"


def test_a_damaged_crawl_state_fails_at_once_and_is_left_as_it_was(
        sites: dict[str, str], tmp_path: Path, reference: set) -> None:
    """A state file cut short (a copy or a disk error) made Scrapy print a traceback; one
    damaged in the middle was read as settling nothing, the spider failed to start, and the run
    exited 0 with nothing archived and committed into it, at every run after."""
    output = tmp_path / "out"
    first = crawl("events", output, {"start_urls": sites["events"] + DAY})
    assert first.returncode == 0, first.log[-3000:]
    path = output / "state" / "state.sqlite"
    damaged = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(damaged)

    again = crawl("events", output, {"start_urls": sites["events"] + DAY})
    assert again.returncode == 1, again.log[-3000:]
    errors = [line for line in again.log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "the crawl state is damaged" in errors[0], again.log[-3000:]
    assert "move it aside" in errors[0] and "Traceback" not in again.log
    assert "Crawled (" not in again.log, "nothing is fetched"
    assert path.read_bytes() == damaged
    assert len(list(output.glob("runs/*/manifest.json"))) == 1

    shutil.move(output / "state", tmp_path / "damaged-state")  # what the error says to do
    fresh = crawl("events", output, {"start_urls": sites["events"] + DAY})
    assert fresh.returncode == 0, fresh.log[-3000:]
    assert {(kind, r["id"]) for kind in KINDS for r in fresh.records[kind]} == reference


def test_a_spider_whose_start_failed_fails_the_run(tmp_path: Path) -> None:
    """Scrapy logs the error and closes the spider (``start_error``); the crawl exited 0."""
    run = crawl("broken_start", tmp_path,
                settings={"SPIDER_MODULES": "tests.failing_spiders,newsarchive.spiders"})
    assert run.returncode == 1, run.log[-3000:]
    assert "the start requests could not be made" in run.log
    errors = [line for line in run.log.splitlines() if line.startswith("error:")]
    assert errors == ["error: run failed, nothing marked archived: the spider failed while "
                      "making its start requests (the error is above)"], run.log[-3000:]
    assert state_rows(tmp_path)["runs"] == 0
