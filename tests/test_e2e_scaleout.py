"""``-s REDIS_URL=...``: the scrapy-redis queue and dupefilter, the Redis crawl state, one run
shared by several workers. Real Redis (``redis_url`` fixture), a key prefix per test."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsarchive.archive import latest
from newsarchive.demo.server import serving
from newsarchive.state.redis_state import RedisState
from newsarchive.urls import url_key
from tests.conftest import FIXTURES
from tests.crawling import CrawlRun, crawl
from tests.reply_cutter import ReplyCutter
from tests.scaleout import (
    PrivateRedis,
    comparable,
    differences,
    exit_times,
    log_of,
    run_records,
    server_hits,
    start_workers,
    wait_all,
)

SITE_BLOGS = FIXTURES / "site_blogs"

RANGE = {"start": "2024-03-02", "end": "2024-03-05"}



@pytest.fixture(scope="module")
def single_process(sites: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    run = crawl("events", tmp_path_factory.mktemp("plain"), {"site": sites["events"], **RANGE})
    assert run.returncode == 0, run.log[-3000:]
    return run


def redis_settings(redis_url: str, prefix: str, **more: str) -> dict[str, str]:
    return {"REDIS_URL": redis_url, "NEWSARCHIVE_REDIS_PREFIX": prefix, **more}


def test_one_worker_on_redis_archives_what_one_process_does(
    sites: dict[str, str], single_process: CrawlRun, redis_url: str, prefix: str, tmp_path: Path,
) -> None:
    run = crawl("events", tmp_path, {"site": sites["events"], **RANGE},
                redis_settings(redis_url, prefix, NEWSARCHIVE_WORKER_ID="w1"))
    assert run.returncode == 0, run.log[-3000:]
    assert run.run_dir is not None
    assert sorted(p.name for p in run.run_dir.iterdir()) == [
        "articles-w1.jsonl", "comments-w1.jsonl", "events-w1.jsonl", "manifest-w1.json",
        "manifest.json", "warc"]
    # the worker's capture is named after it, as its feeds are: workers share the run's folder
    assert sorted(p.name for p in (run.run_dir / "warc").iterdir()) == [
        f"{run.run_dir.name}-w1-00000.warc.gz", "index-w1.cdxj"]
    assert "scheduler/enqueued/redis" in run.log  # the requests went through the Redis queue
    records = run_records(run.run_dir)
    assert comparable(records) == comparable(run_records(single_process.run_dir))
    manifest = json.loads((run.run_dir / "manifest.json").read_text("utf-8"))
    assert manifest["run_id"] == run.run_dir.name
    assert manifest["counts"] == {kind: len(items) for kind, items in records.items()}
    assert list(manifest["workers"]) == ["w1"]
    assert manifest["workers"]["w1"]["counts"] == manifest["counts"]
    # the state is in Redis, not in the output folder
    assert not (tmp_path / "state").exists()

    again = crawl("events", tmp_path, {"site": sites["events"], **RANGE},
                  redis_settings(redis_url, prefix))
    assert again.returncode == 0, again.log[-3000:]
    assert again.run_dir is not None and again.run_dir != run.run_dir  # a new run
    assert comparable(run_records(again.run_dir)) == {}  # nothing new: the Redis state knew
    assert json.loads((again.run_dir / "manifest.json").read_text("utf-8"))["counts"] == {
        "event": 0, "article": 0, "comment": 0}


@pytest.mark.parametrize("url", ["redis://127.0.0.1:1/0", "http://127.0.0.1:6379/0",
                                 "redis://127.0.0.1:6379/99"])
def test_a_wrong_redis_url_is_one_line_and_exit_2(url: str, tmp_path: Path) -> None:
    run = crawl("events", tmp_path, {"start_urls": "http://127.0.0.1:9/news/2024/03/5/index.md"},
                {"REDIS_URL": url, "LOG_LEVEL": "WARNING"})
    assert run.returncode == 2
    lines = [line for line in run.log.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and "REDIS_URL" in errors[0] and "Traceback" not in run.log
    assert not (tmp_path / "runs").exists()


# --- one run, three workers ------------------------------------------------------------------

# Slow enough that every worker is up before the run could finish, and each takes part.
SHARED = {"CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0.1", "NEWSARCHIVE_REDIS_HEARTBEAT": "5"}


def hits_during(hosts: dict[str, str], action: Any) -> tuple[Any, dict[str, dict[str, int]]]:
    before = {name: server_hits(base) for name, base in hosts.items()}
    result = action()
    hits = {}
    for name, base in hosts.items():
        after = server_hits(base)
        hits[name] = {path: n - before[name].get(path, 0) for path, n in after.items()
                      if n > before[name].get(path, 0) and path != "/__hits"}
    return result, hits


def shared_run(
    spider: str, output: Path, args: dict[str, str], redis_url: str, prefix: str,
) -> tuple[Path, dict[str, Any]]:
    workers = start_workers(spider, output, args, redis_settings(redis_url, prefix, **SHARED), 3)
    codes = wait_all(workers)
    logs = {w: log_of(output, w) for w, _ in workers}
    assert codes == {"w1": 0, "w2": 0, "w3": 0}, {w: logs[w][-2000:] for w in logs}
    folders = sorted((output / "runs").iterdir())
    assert len(folders) == 1, folders  # one run, not three
    manifest = json.loads((folders[0] / "manifest.json").read_text("utf-8"))
    return folders[0], manifest


@pytest.fixture(scope="module")
def blogs() -> Iterator[dict[str, str]]:
    with serving(SITE_BLOGS) as hosts:
        yield hosts


def test_three_workers_archive_an_event_site_as_one_process_does(
    sites: dict[str, str], single_process: CrawlRun, redis_url: str, prefix: str, tmp_path: Path,
) -> None:
    args = {"site": sites["events"], **RANGE}
    (folder, manifest), hits = hits_during(
        sites, lambda: shared_run("events", tmp_path, args, redis_url, prefix))
    records = run_records(folder)
    # the same records (run and time fields aside), none twice
    assert comparable(records) == comparable(run_records(single_process.run_dir))
    for event in records["event"]:
        assert all(source["status"] in ("ok", "dead", "skipped", "archived")
                   for source in event["sources"])
    # nothing fetched twice (robots.txt: once per worker and host)
    for host, paths in hits.items():
        twice = {p: n for p, n in paths.items() if n > 1 and p != "/robots.txt"}
        assert not twice, (host, twice)
    # the work was shared, every worker has its part, and the manifest adds the parts up (a
    # worker that starts late on a loaded machine may find nothing left: seen once in CI)
    assert sorted(manifest["workers"]) == ["w1", "w2", "w3"]
    busy = [w for w, part in manifest["workers"].items() if sum(part["counts"].values()) > 0]
    assert len(busy) >= 2, manifest["workers"]
    for worker in manifest["workers"]:
        assert (folder / f"events-{worker}.jsonl").exists()
    assert manifest["counts"] == {kind: len(items) for kind, items in records.items()}
    assert manifest["lost_workers"] == []
    assert manifest["finish_reason"] == "finished"
    # the archive's readers take the run like any other
    for kind, items in records.items():
        assert latest(tmp_path, kind) == {record["id"]: record for record in items}


def test_three_workers_archive_blogs_as_one_process_does(
    blogs: dict[str, str], redis_url: str, prefix: str, tmp_path: Path,
) -> None:
    args = {"start_urls": ",".join(blogs[name] + "/" for name in
                                   ("blog-feed", "blog-sitemap", "blog-pages")),
            "since": "2024-01-01"}
    alone = crawl("blogs", tmp_path / "alone", args)
    assert alone.returncode == 0, alone.log[-3000:]
    (folder, manifest), hits = hits_during(
        blogs, lambda: shared_run("blogs", tmp_path / "shared", args, redis_url, prefix))
    records = run_records(folder)
    assert comparable(records) == comparable(run_records(alone.run_dir))
    assert records["comment"], "the blogs' comment threads (paginated too) are archived"
    for host, paths in hits.items():
        twice = {p: n for p, n in paths.items() if n > 1 and p != "/robots.txt"}
        assert not twice, (host, twice)
    assert sorted(manifest["workers"]) == ["w1", "w2", "w3"]
    assert manifest["counts"] == {kind: len(items) for kind, items in records.items()}


def test_a_late_joiner_takes_part_in_the_run_and_all_end_together(
    sites: dict[str, str], single_process: CrawlRun, redis_url: str, prefix: str, tmp_path: Path,
) -> None:
    args = {"site": sites["events"], **RANGE}
    # slow enough for a worker started late (a few seconds to start) to find work left
    settings = redis_settings(redis_url, prefix, **{**SHARED, "DOWNLOAD_DELAY": "1.5",
                                                    "LOG_LEVEL": "DEBUG"})
    early = start_workers("events", tmp_path, args, settings, 2)
    # the run is under way: seeded, and pages fetched
    deadline = time.monotonic() + 120
    while sum(log_of(tmp_path, w).count("Crawled (200)") for w, _ in early) < 2:
        assert time.monotonic() < deadline, log_of(tmp_path, "w1")[-3000:]
        time.sleep(0.05)
    late = start_workers("events", tmp_path, args, settings, 1, first=3)
    ended = exit_times(early + late)
    logs = {w: log_of(tmp_path, w) for w in ended}
    assert "joined run" in logs["w3"] and "seeds its start requests" not in logs["w3"]
    (folder,) = (tmp_path / "runs").iterdir()  # the late joiner's run is the others'
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert sorted(manifest["workers"]) == ["w1", "w2", "w3"]
    assert sum(manifest["workers"]["w3"]["counts"].values()) > 0, manifest["workers"]
    assert manifest["finish_reason"] == "finished" and manifest["lost_workers"] == []
    # one end for all: each worker stopped once the run was done, none before
    for worker, log in logs.items():
        assert log.count("queue empty and every worker idle: done") == 1, (worker, log[-2000:])
    assert max(ended.values()) - min(ended.values()) < 15, ended
    records = run_records(folder)
    assert comparable(records) == comparable(run_records(single_process.run_dir))
    assert manifest["counts"] == {kind: len(items) for kind, items in records.items()}


def test_max_posts_bounds_the_run_not_each_worker(
    redis_url: str, prefix: str, tmp_path: Path,
) -> None:
    """Three blogs, one for each worker (their home pages are slow: each worker is busy with
    one while the others take the next), ``max_posts=2``: two posts in the run, not six."""
    import shutil

    site = tmp_path / "site"
    shutil.copytree(SITE_BLOGS, site)
    for name in ("blog-feed", "blog-sitemap", "blog-pages"):
        routes_file = site / name / "_routes.json"
        routes = json.loads(routes_file.read_text("utf-8")) if routes_file.exists() else {}
        routes["/"] = {"delay": 3, "file": "index.html"}
        routes_file.write_text(json.dumps(routes), "utf-8")
    with serving(site) as hosts:
        args = {"start_urls": ",".join(hosts[name] + "/" for name in
                                       ("blog-feed", "blog-sitemap", "blog-pages")),
                "since": "2024-01-01", "max_posts": "2"}
        slow = {"DOWNLOAD_TIMEOUT": "10"}
        alone = crawl("blogs", tmp_path / "alone", args, slow)
        assert alone.returncode == 0, alone.log[-3000:]
        shared = tmp_path / "shared"
        workers = start_workers("blogs", shared, args, redis_settings(
            redis_url, prefix, **SHARED, **slow, LOG_LEVEL="DEBUG"), 3)
        assert set(wait_all(workers).values()) == {0}, log_of(shared, "w1")[-3000:]
    assert len(alone.records["article"]) == 2
    (folder,) = (shared / "runs").iterdir()
    records = run_records(folder)
    assert len(records["article"]) == 2, [a["url"] for a in records["article"]]
    # each worker read one blog's home page, so each had posts to schedule
    home_hits = {w: sum(f"Crawled (200) <GET {hosts[n]}/>" in log_of(shared, w)
                        for n in ("blog-feed", "blog-sitemap", "blog-pages"))
                 for w in ("w1", "w2", "w3")}
    assert sorted(home_hits.values()) == [1, 1, 1], home_hits


# --- faults ------------------------------------------------------------------------------------


def test_a_worker_killed_mid_run_loses_nothing_its_run_fetches_it_again(
    sites: dict[str, str], single_process: CrawlRun, redis_url: str, prefix: str, tmp_path: Path,
) -> None:
    args = {"site": sites["events"], **RANGE}
    settings = redis_settings(redis_url, prefix, **{**SHARED, "DOWNLOAD_DELAY": "0.3",
                                                    "LOG_LEVEL": "DEBUG"})
    outlets = tuple(f"<GET {sites[name]}/" for name in ("outlet-a", "outlet-b", "outlet-c"))
    workers = start_workers("events", tmp_path, args, settings, 3)
    victim = dict(workers)["w2"]
    deadline = time.monotonic() + 120
    # kill w2 as soon as it has downloaded an article: it had read event pages, emitted
    # records (in feeds that never get their final names) and holds an article in flight
    while not any(line.startswith("Crawled (200)", line.find("] DEBUG: ") + 9)
                  and any(o in line for o in outlets)
                  for line in log_of(tmp_path, "w2").splitlines()):
        assert time.monotonic() < deadline and victim.poll() is None, log_of(tmp_path, "w2")
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    codes = wait_all(workers)
    assert codes == {"w1": 0, "w2": -signal.SIGKILL, "w3": 0}, log_of(tmp_path, "w1")[-3000:]
    (first,) = (tmp_path / "runs").iterdir()
    manifest = json.loads((first / "manifest.json").read_text("utf-8"))
    assert manifest["lost_workers"] == ["w2"]
    assert sorted(manifest["workers"]) == ["w1", "w3"]
    # its feeds never got their final names, nor its manifest part
    assert not (first / "events-w2.jsonl").exists() and not (first / "manifest-w2.json").exists()
    # a survivor put back what w2 had taken, and the same run fetched it again: complete
    logs = log_of(tmp_path, "w1") + log_of(tmp_path, "w3")
    assert "worker(s) w2 lost;" in logs and "requests they had taken put back" in logs
    expected = comparable(run_records(single_process.run_dir))
    got = comparable(run_records(first))  # asserts no id twice
    assert got == expected, differences(got, expected)
    assert manifest["counts"] == {k: len(v) for k, v in run_records(first).items()}
    assert manifest["finish_reason"] == "finished"

    # the next run adds nothing the archive does not hold already
    again = crawl("events", tmp_path, args, redis_settings(redis_url, prefix))
    assert again.returncode == 0, again.log[-3000:]
    for key, record in comparable(run_records(again.run_dir)).items():
        assert expected.get(key) == record, key


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.kill()


def wait_for_articles(output: Path, workers: list[tuple[str, Any]]) -> None:
    """Until some worker starts on the articles (every event page has been read)."""
    deadline = time.monotonic() + 120
    while not any("source articles" in log_of(output, w) for w, _ in workers):
        assert time.monotonic() < deadline, log_of(output, "w1")[-3000:]
        time.sleep(0.05)


def test_redis_restarted_mid_run_the_run_goes_on(
    sites: dict[str, str], single_process: CrawlRun, private_redis: PrivateRedis, tmp_path: Path,
) -> None:
    args = {"site": sites["events"], **RANGE}
    settings = redis_settings(private_redis.url, "restart",
                              **{**SHARED, "DOWNLOAD_DELAY": "0.3",
                                 "NEWSARCHIVE_REDIS_HEARTBEAT": "10",
                                 "NEWSARCHIVE_REDIS_RETRY_SECONDS": "30"})
    workers = start_workers("events", tmp_path, args, settings, 2)
    wait_for_articles(tmp_path, workers)
    private_redis.kill()
    time.sleep(1.5)
    private_redis.start()  # the same data, from its append-only file
    codes = wait_all(workers)
    assert codes == {"w1": 0, "w2": 0}, log_of(tmp_path, "w1")[-3000:]
    (folder,) = (tmp_path / "runs").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["finish_reason"] == "finished" and manifest["lost_workers"] == []
    assert comparable(run_records(folder)) == comparable(run_records(single_process.run_dir))


def test_redis_gone_for_good_workers_stop_cleanly_and_mark_nothing_unwritten(
    sites: dict[str, str], single_process: CrawlRun, private_redis: PrivateRedis, tmp_path: Path,
) -> None:
    args = {"site": sites["events"], **RANGE}
    settings = redis_settings(private_redis.url, "gone",
                              **{**SHARED, "DOWNLOAD_DELAY": "0.3",
                                 "NEWSARCHIVE_REDIS_RETRY_SECONDS": "2"})
    workers = start_workers("events", tmp_path, args, settings, 2)
    wait_for_articles(tmp_path, workers)
    private_redis.kill()
    stopped = time.monotonic()
    codes = wait_all(workers, timeout=60)
    assert time.monotonic() - stopped < 45  # bounded: retries, then a clean stop
    assert set(codes.values()) == {1}  # a failed run (nothing committed)
    (folder,) = (tmp_path / "runs").iterdir()
    assert not list(folder.glob("manifest*.json"))  # not a finished run, nor a finished worker
    for worker, _ in workers:
        log = log_of(tmp_path, worker)
        assert "Traceback" not in log, log[-3000:]
        errors = [line for line in log.splitlines()
                  if "ERROR" in line and "unavailable for 2 s" in line]
        assert len(errors) == 1, log[-3000:]
        assert "Spider closed (redis_unavailable)" in log, log[-3000:]
        assert "error: run failed, nothing marked archived: " in log, log[-3000:]

    # Redis back: what its state calls archived is in a finished feed
    private_redis.start()
    written = {r["id"] for r in run_records(folder)["article"]}
    with RedisState.from_url(private_redis.url, "gone") as state:
        for article in run_records(single_process.run_dir)["article"]:
            for url in {article["url"], article["final_url"], article["canonical_url"]} - {None}:
                record = state.url_record(url_key(url))
                assert record is None or record.record_id in written, url
    # and the next run completes the archive (started once the stopped workers' heartbeats
    # have lapsed: a worker started sooner joins their run, whose end it then is)
    time.sleep(float(SHARED["NEWSARCHIVE_REDIS_HEARTBEAT"]) + 0.5)
    again = crawl("events", tmp_path, args, redis_settings(private_redis.url, "gone"))
    assert again.returncode == 0, again.log[-3000:]
    union: dict[tuple[str, str], dict[str, Any]] = {}
    for run_folder in (tmp_path / "runs").iterdir():
        for key, record in comparable(run_records(run_folder)).items():
            assert union.setdefault(key, record) == record  # at most the same record again
    assert union == comparable(run_records(single_process.run_dir))


# --- linking and dedupe across workers ---------------------------------------------------------

WIRE = FIXTURES / "site_wire"
WIRE_RANGE = {"start": "2024-05-13", "end": "2024-05-14"}
WIRE_FIRST = "/news/2024/05/14/port-standstill.md"  # cites only the Gazette's copy
WIRE_SETTINGS = {"NEWSARCHIVE_TRACKING_PARAMS": "src"}
WIRE_ENV = {"NEWSARCHIVE_TODAY": "2024-05-18"}


def test_three_workers_link_and_dedupe_a_syndicated_story_as_one_process_does(
    redis_url: str, prefix: str, tmp_path: Path,
) -> None:
    """``site_wire`` (see ``test_e2e_dedupe``): one agency story on four outlets, reached
    through redirects, AMP and print URLs, tracking parameters; a first run archives one copy,
    then the whole range: three workers must mark the same duplicates, link the same events to
    the same articles, as one process does."""
    with serving(WIRE) as hosts:
        first_args = {"start_urls": hosts["wire-events"] + WIRE_FIRST, "related_depth": "0"}
        full_args = {"site": hosts["wire-events"], **WIRE_RANGE}
        alone = tmp_path / "alone"
        for args in (first_args, full_args):
            run = crawl("events", alone, args, WIRE_SETTINGS, env=WIRE_ENV)
            assert run.returncode == 0, run.log[-3000:]
        expected = comparable(run_records(run.run_dir))

        shared = tmp_path / "shared"
        settings = redis_settings(redis_url, prefix, **WIRE_SETTINGS)
        run = crawl("events", shared, first_args, settings, env=WIRE_ENV)
        assert run.returncode == 0, run.log[-3000:]
        before = set((shared / "runs").iterdir())
        workers = start_workers("events", shared, full_args, {**settings, **SHARED}, 3,
                                env=WIRE_ENV)
        assert set(wait_all(workers).values()) == {0}, log_of(shared, "w1")[-3000:]
    (folder,) = set((shared / "runs").iterdir()) - before
    records = comparable(run_records(folder))
    # Which of several links to one article is fetched (``url``, ``final_url``: the first
    # event read wins) depends on the order pages are read, in one process as in three; and
    # an alias found after its owner was emitted adds its events to the events only (see the
    # report of issue 19), in one process as in three. Everything else must be the same.
    def stable(items: dict[Any, dict[str, Any]]) -> dict[Any, dict[str, Any]]:
        return {key: {f: v for f, v in record.items()
                      if key[0] != "article" or f not in ("url", "final_url", "event_ids")}
                for key, record in items.items()}

    assert stable(records) == stable(expected), differences(stable(records), stable(expected))
    events = {key[1]: record for key, record in {**expected, **records}.items()
              if key[0] == "event"}
    for key, record in records.items():
        if key[0] == "article":  # every event it lists cites it (under its id or an alias)
            assert record["event_ids"], key
            for event_id in record["event_ids"]:
                cited = {s["article_id"] for s in events.get(event_id, {}).get("sources", [])}
                assert event_id not in events or key[1] in cited, (key, event_id)
    duplicates = [r for (kind, _), r in records.items() if kind == "article" and r["duplicate_of"]]
    assert len(duplicates) >= 3  # the other three copies point at the first archived one


def test_three_workers_read_a_day_again_whose_source_failed(
    single_process: CrawlRun, redis_url: str, prefix: str, tmp_path: Path,
) -> None:
    """A source answering 503 (no web archive asked) in a shared backfill: whichever worker
    settles it, the day page listing its event is not counted as read (the workers share the
    tasks that name it), and the same backfill run again archives the article."""
    from newsarchive.demo.server import serving_servers
    from tests.conftest import DEMO_SITE

    source = "/2024/03/05/dam-collapse-kills-twelve.html"
    settings = redis_settings(redis_url, prefix, **SHARED)
    with serving_servers(DEMO_SITE) as (hosts, servers):
        args = {"site": hosts["events"], **RANGE}
        servers["outlet-a"].routes[source] = {"status": 503}
        first = start_workers("events", tmp_path, args, settings, 3)
        assert wait_all(first) == {"w1": 0, "w2": 0, "w3": 0}
        servers["outlet-a"].routes.clear()
        again = start_workers("events", tmp_path, args, settings, 3, first=4)
        assert wait_all(again) == {"w4": 0, "w5": 0, "w6": 0}
    runs = sorted((tmp_path / "runs").iterdir())
    assert len(runs) == 2, runs
    failed, later = (run_records(folder) for folder in runs)
    assert [a["url"] for a in later["article"]] == [hosts["outlet-a"] + source]
    assert len(failed["article"]) + 1 == len(single_process.records["article"])


@pytest.mark.parametrize("spider", ["events", "blogs"])
def test_replies_lost_after_redis_applied_the_command_change_no_record(
    spider: str, sites: dict[str, str], blogs: dict[str, str], single_process: CrawlRun,
    reply_cutter: ReplyCutter, prefix: str, tmp_path: Path,
) -> None:
    """Redis applies a command and its reply never arrives (killed, failed over): the client
    sends it again. Every 4th write of the run loses its reply that way."""
    if spider == "events":
        hosts, args, alone = sites, {"site": sites["events"], **RANGE}, single_process
    else:
        hosts = blogs
        args = {"start_urls": ",".join(blogs[name] + "/" for name in
                                       ("blog-feed", "blog-sitemap", "blog-pages")),
                "since": "2024-01-01"}
        alone = crawl("blogs", tmp_path / "alone", args)
        assert alone.returncode == 0, alone.log[-3000:]
    reply_cutter.cut_every(4, [b"\r\nEVALSHA\r\n", b"\r\nSADD\r\n", b"\r\nSET\r\n",
                               b"\r\nRPUSH\r\n", b"\r\nZADD\r\n", b"\r\nEXEC\r\n"])
    output = tmp_path / "shared"

    def run_workers() -> dict[str, int]:
        workers = start_workers(spider, output, args,
                                redis_settings(reply_cutter.url, prefix, **SHARED), 2)
        return wait_all(workers)

    codes, hits = hits_during(hosts, run_workers)
    assert codes == {"w1": 0, "w2": 0}, log_of(output, "w1")[-3000:]
    assert reply_cutter.cut > 20
    (folder,) = (output / "runs").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["finish_reason"] == "finished" and manifest["lost_workers"] == []
    got, expected = comparable(run_records(folder)), comparable(run_records(alone.run_dir))
    assert got == expected, differences(got, expected)
    for host, paths in hits.items():  # nor fetched twice
        twice = {p: n for p, n in paths.items() if n > 1 and p != "/robots.txt"}
        assert not twice, (host, twice)
