"""Raw capture end to end: a crawl of ``tests/capture_site`` writes WARC files that a user checks
with warcio, replays, re-extracts, and that a second run and a killed run leave whole.

Replay: pywb cannot be a test extra here. pywb 2.10 needs ``fakeredis<1.0``, which needs
``redis<3``, against ``redis>=5`` (scrapy-redis, the Redis state); pip then falls back to pywb
2.8.0 with gevent 22.10, whose import fails on this Python (``pkg_resources`` cannot resolve
gevent's ``zope.interface`` plugin requirement). The replay test therefore does what pywb's
raw (``id_``) replay does, by hand and no more: look the URL up in the run's CDXJ index
(cdxj-indexer's lines, built as the records are written), read the record at its offset with warcio,
resolve a revisit through its payload digest, and serve status, headers and payload over HTTP;
the bytes fetched back must be the origin's. The WACZ is checked with ``wacz validate``.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from newsarchive.capture.recover import whole_length
from newsarchive.capture.writer import payload_digest
from tests.capture_site import (
    ARCHIVED,
    CYRILLIC,
    DAY,
    EVENT_PATH,
    INDEX_PATH,
    MAXSIZE,
    TRUNCATED,
    CaptureSite,
    capture_site,
)
from tests.crawling import REPO, CrawlRun, crawl, crawl_command, crawl_env, read_run, run_folders

SETTINGS = {"DOWNLOAD_MAXSIZE": str(MAXSIZE)}
VOLATILE = ("fetched_at", "run_id")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaptureSite]:
    with capture_site(tmp_path_factory.mktemp("capture-site")) as served:
        yield served


def crawl_site(site: CaptureSite, output: Path, today: str = DAY, **settings: str) -> CrawlRun:
    run = crawl("events", output, {"site": site.events, "start": DAY, "end": DAY},
                {**SETTINGS, **settings}, env={"NEWSARCHIVE_TODAY": today})
    assert run.returncode == 0, run.log[-3000:]
    return run


@pytest.fixture(scope="module")
def first(site: CaptureSite, tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    return crawl_site(site, tmp_path_factory.mktemp("capture-out"))


def warc_files(run: CrawlRun) -> list[Path]:
    assert run.run_dir is not None
    return sorted((run.run_dir / "warc").glob("*.warc.gz"))


def records(path: Path) -> list[dict[str, Any]]:
    """Every record of a WARC file: type, WARC headers, HTTP status line/headers, raw payload."""
    found = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            http = record.http_headers
            found.append({
                "type": record.rec_type,
                "warc": dict(record.rec_headers.headers),
                "status": int(http.get_statuscode()) if http and record.rec_type != "request" else None,
                "http": dict(http.headers) if http else {},
                "payload": record.raw_stream.read(),
            })
    return found


def origin_bytes(url: str) -> bytes:
    """What the fixture server sends for ``url`` (entity body: de-chunked, not decoded)."""
    return fetch(url)[2]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_every_exchange_is_captured_with_the_bytes_sent(first: CrawlRun, site: CaptureSite) -> None:
    files = warc_files(first)
    assert files and not list((first.run_dir / "warc").glob("*.open"))
    assert first.run_dir is not None
    for path in files:
        assert path.name.startswith(first.run_dir.name + "-")
        check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)],
                               capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
        found = records(path)
        assert found[0]["type"] == "warcinfo"
        info = found[0]["payload"].decode()
        assert f"isPartOf: {first.run_dir.name}" in info and "newsarchive-spider: events" in info
    every = [record for path in files for record in records(path)]
    responses = {r["warc"]["WARC-Target-URI"]: r for r in every if r["type"] in ("response", "revisit")}
    requests = {r["warc"]["WARC-Concurrent-To"]: r for r in every if r["type"] == "request"}
    for url, response in responses.items():
        assert response["warc"]["WARC-Record-ID"] in requests, f"no request record for {url}"
        assert requests[response["warc"]["WARC-Record-ID"]]["warc"]["WARC-Target-URI"] == url
        assert response["warc"]["WARC-Block-Digest"].startswith("sha1:")
        assert response["warc"]["WARC-Payload-Digest"].startswith("sha1:")
    # every kind of exchange: robots.txt of both hosts, day index, event page, redirect, sources
    expected = {site.events + "/robots.txt", site.url("/robots.txt"), site.events + INDEX_PATH,
                site.events + EVENT_PATH, site.url("/moved"),
                *(site.url(p) for p in ARCHIVED + TRUNCATED)}
    assert expected <= set(responses)
    assert responses[site.url("/moved")]["status"] == 301
    assert responses[site.url("/moved")]["http"]["Location"] == site.url("/target.html")
    # the payload is what the server sent: gzip-encoded, de-chunked, in windows-1251
    for url, response in responses.items():
        if response["type"] == "revisit" or response["status"] != 200:
            continue
        sent = origin_bytes(url)
        if url in {site.url(p) for p in TRUNCATED}:
            assert response["warc"]["WARC-Truncated"] == "length"
            assert sent.startswith(response["payload"]) and len(response["payload"]) < len(sent)
        else:
            assert "WARC-Truncated" not in response["warc"]
            assert response["payload"] == sent, url
            assert response["warc"]["WARC-Payload-Digest"] == payload_digest(sent)
    gzipped = responses[site.url("/gzip.html")]
    assert gzipped["http"]["Content-Encoding"] == "gzip" and gzipped["payload"][:2] == b"\x1f\x8b"
    assert CYRILLIC.encode("cp1251") in responses[site.url("/legacy.html")]["payload"]
    assert "chunked" not in json.dumps(responses[site.url("/chunked.html")]["http"]).lower()
    # a cut download is archived raw and counted, never parsed into a record
    assert first.manifest["capture"]["truncated"] == 2
    assert {a["final_url"] for a in first.records["article"]} == {site.url(p) for p in ARCHIVED}


def test_records_point_at_their_capture(first: CrawlRun, site: CaptureSite) -> None:
    by_id = {r["warc"]["WARC-Record-ID"]: (path.name, r) for path in warc_files(first)
             for r in records(path) if r["type"] in ("response", "revisit")}
    pointed = first.records["event"] + first.records["article"]
    assert pointed
    for record in pointed:
        capture = record["capture"]
        file_name, response = by_id[capture["record_id"]]
        assert capture["warc_file"] == file_name
        assert response["warc"]["WARC-Target-URI"] == record.get("final_url", record["url"])
    legacy = next(a for a in first.records["article"] if a["url"] == site.url("/legacy.html"))
    assert CYRILLIC in legacy["body"]  # decoded from windows-1251 after capture


def test_replay_from_the_cdxj_index_gives_the_original_bytes(first: CrawlRun, site: CaptureSite) -> None:
    assert first.run_dir is not None
    index = first.run_dir / "warc" / "index.cdxj"
    with replaying(index) as base:
        for path in [*ARCHIVED, "/moved"]:
            url = site.url(path)
            status, headers, body = fetch(base + url)
            assert body == origin_bytes(url), url
            assert status == (301 if path == "/moved" else 200)
        status, headers, body = fetch(base + site.url("/gzip.html"))
        assert headers["Content-Encoding"] == "gzip"


def test_wacz_package_is_valid(first: CrawlRun, tmp_path: Path) -> None:
    assert first.run_dir is not None
    output = tmp_path / "run.wacz"
    made = subprocess.run([sys.executable, "-m", "newsarchive", "wacz", str(first.run_dir),
                           "-o", str(output)], capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    valid = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(output)],
                           capture_output=True, text=True, check=False)
    assert valid.returncode == 0 and "valid" in valid.stdout, valid.stdout + valid.stderr
    import zipfile

    with zipfile.ZipFile(output) as package:
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").splitlines()[1:]]
    assert {p["url"] for p in pages} == (
        {a["final_url"] for a in first.records["article"]} | {e["url"] for e in first.records["event"]})


def reextract(inputs: list[Path], *settings: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "newsarchive", "reextract", *map(str, inputs)]
    for setting in settings:
        command += ["-s", setting]
    for key, value in {"NEWSARCHIVE_EXTRACT_POOL_SIZE": "0", "LOG_LEVEL": "INFO"}.items():
        command += ["-s", f"{key}={value}"]
    return subprocess.run(command, cwd=REPO, env=dict(os.environ), capture_output=True, text=True,
                          timeout=240, check=False)


def comparable(run: CrawlRun) -> dict[str, dict[str, Any]]:
    return {f"{kind}:{r['id']}": {k: v for k, v in r.items() if k not in VOLATILE}
            for kind, found in run.records.items() for r in found}


def test_reextract_gives_the_crawls_records(first: CrawlRun, site: CaptureSite, tmp_path: Path) -> None:
    """Offline: the fixture servers see no request while the capture is re-extracted."""
    assert first.run_dir is not None
    hits = {name: dict(server.hits) for name, server in site.servers.items()}
    done = reextract([first.run_dir], f"OUTPUT_DIR={tmp_path}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert {name: dict(server.hits) for name, server in site.servers.items()} == hits
    again = read_run(done.returncode, done.stderr, tmp_path, set())
    assert comparable(again) == comparable(first)
    assert again.manifest["captures_read"] == [str(p) for p in warc_files(first)]
    assert again.manifest["dropped"] == first.manifest["dropped"]  # the cut pages fail alike
    assert "newsarchive/replay/not_captured" not in done.stderr


def test_reextract_with_a_changed_extractor_emits_only_changed_records(first: CrawlRun) -> None:
    assert first.run_dir is not None
    before = run_folders(first.output_dir)
    done = reextract([first.run_dir], "NEWSARCHIVE_EXTRACT_FUNCTION=tests.capture_extraction.extract")
    assert done.returncode == 0, done.stderr[-3000:]
    again = read_run(done.returncode, done.stderr, first.output_dir, before)
    changed = [a for a in first.records["article"] if "gzip" in a["url"]]
    assert [a["id"] for a in again.records["article"]] == [a["id"] for a in changed]
    assert again.records["article"][0]["title"] == "Re-extracted: " + changed[0]["title"]
    assert again.records["event"] == [] and again.records["comment"] == []
    assert again.manifest["skipped"]["unchanged"] > 0


def test_second_run_writes_revisits(first: CrawlRun, site: CaptureSite, tmp_path: Path) -> None:
    output = tmp_path / "out"
    shutil.copytree(first.output_dir, output)
    second = crawl_site(site, output, today="2024-03-06")  # the day page is refreshed
    first_by_digest = {r["warc"]["WARC-Payload-Digest"]: r for p in warc_files(first)
                       for r in records(p) if r["type"] == "response"}
    again = [r for p in warc_files(second) for r in records(p)]
    revisits = [r for r in again if r["type"] == "revisit"]
    assert {r["warc"]["WARC-Target-URI"] for r in revisits} >= {
        site.events + INDEX_PATH, site.events + EVENT_PATH, site.events + "/robots.txt"}
    for revisit in revisits:
        warc = revisit["warc"]
        assert warc["WARC-Profile"].endswith("/warc/1.1/revisit/identical-payload-digest")
        assert revisit["payload"] == b""
        original = first_by_digest[warc["WARC-Payload-Digest"]]
        assert warc["WARC-Refers-To-Target-URI"] == original["warc"]["WARC-Target-URI"]
        assert warc["WARC-Refers-To-Date"] == original["warc"]["WARC-Date"]
    for response in (r for r in again if r["type"] == "response" and r["status"] == 200):
        assert "WARC-Truncated" in response["warc"] or \
            response["warc"]["WARC-Payload-Digest"] not in first_by_digest


def test_sigkill_mid_capture_then_a_new_run(site: CaptureSite, tmp_path: Path) -> None:
    output = tmp_path / "out"
    outlet = site.servers["outlet"]
    outlet.routes["/target.html"] = {**outlet.routes["/target.html"], "delay": 60}
    try:
        before = run_folders(output)
        process = subprocess.Popen(
            crawl_command("events", output, {"site": site.events, "start": DAY, "end": DAY},
                          SETTINGS),
            cwd=REPO, env=crawl_env({"NEWSARCHIVE_TODAY": DAY}),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        open_file = None
        while time.monotonic() < deadline:  # wait until the other sources are captured
            found = list(output.glob("runs/*/warc/*.open"))
            if found and found[0].stat().st_size > 20_000:
                open_file = found[0]
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        assert open_file is not None, "the crawl never got to capture"
        killed = read_run(-9, "", output, before)
        assert killed.run_dir is not None and not (killed.run_dir / "manifest.json").exists()
    finally:
        outlet.routes["/target.html"] = {k: v for k, v in outlet.routes["/target.html"].items()
                                         if k != "delay"}
    second = crawl_site(site, output)
    assert not list(output.glob("runs/*/warc/*.open"))
    every_file = sorted(output.glob("runs/*/warc/*.warc.gz"))
    assert killed.run_dir in {p.parent.parent for p in every_file}  # recovered, whole records
    for path in every_file:
        check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)],
                               capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
    # the archive is complete: the killed run committed nothing, the new run archived it all
    assert {a["final_url"] for a in second.records["article"]} == {site.url(p) for p in ARCHIVED}
    # and nothing the state marks captured lacks its capture
    captured = {(r["warc"]["WARC-Target-URI"], r["warc"]["WARC-Date"], r["warc"]["WARC-Payload-Digest"])
                for p in every_file for r in records(p) if r["type"] == "response"}
    with sqlite3.connect(output / "state" / "state.sqlite") as db:
        marked = db.execute("SELECT uri, date, digest FROM payloads").fetchall()
    assert marked and set(marked) <= captured


def test_a_full_disk_stops_the_crawl_and_commits_nothing(site: CaptureSite, tmp_path: Path) -> None:
    """A real refused write: ``RLIMIT_FSIZE`` makes the kernel refuse to grow any file past
    100 kB (EFBIG), as a full disk refuses (ENOSPC); records are stored uncompressed so that
    the WARC file is the one to reach the limit."""
    output = tmp_path / "out"

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, resource.RLIM_INFINITY))

    done = subprocess.run(
        crawl_command("events", output, {"site": site.events, "start": DAY, "end": DAY},
                      {**SETTINGS, "NEWSARCHIVE_WARC_GZIP_LEVEL": "0"}),
        cwd=REPO, env=crawl_env({"NEWSARCHIVE_TODAY": DAY}), capture_output=True, text=True,
        timeout=120, check=False, preexec_fn=limit_file_size)
    log = done.stdout + done.stderr
    assert "WARC capture failed (File too large)" in log and "stopping the crawl" in log, log[-3000:]
    assert "run failed, nothing marked archived: WARC capture failed" in log
    assert done.returncode == 1
    with sqlite3.connect(output / "state" / "state.sqlite") as db:
        assert db.execute("SELECT count(*) FROM urls").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM payloads").fetchone()[0] == 0
    [left] = output.glob("runs/*/warc/*.open")
    assert whole_length(left) == left.stat().st_size  # no half record (the next run closes
    # the file: see test_sigkill_mid_capture_then_a_new_run)


# -- a minimal raw replay over the CDXJ index (see the module docstring) ------------------------

def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=5) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:  # 3xx not followed
        return error.code, dict(error.headers), error.read()


class ReplayHandler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        url = self.path.lstrip("/")
        entry = self.server.by_url.get(url)
        if entry is None:
            self.send_error(404)
            return
        record = read_at(self.server.folder / entry["filename"], int(entry["offset"]))
        http = record.http_headers
        body = record.raw_stream.read()
        if record.rec_type == "revisit":
            original = self.server.by_digest[entry["digest"]]
            body = read_at(self.server.folder / original["filename"],
                           int(original["offset"])).raw_stream.read()
        self.send_response(int(http.get_statuscode()))
        for name, value in http.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def read_at(path: Path, offset: int) -> Any:
    handle = path.open("rb")
    handle.seek(offset)
    return next(iter(ArchiveIterator(handle)))


class _ReplayServer(ThreadingHTTPServer):
    daemon_threads = True


class replaying:
    def __init__(self, index: Path) -> None:
        self.server = _ReplayServer(("127.0.0.1", 0), ReplayHandler)
        self.server.folder = index.parent
        self.server.by_url, self.server.by_digest = {}, {}
        for line in index.read_text("utf-8").splitlines():
            entry = json.loads(line.split(" ", 2)[2])
            self.server.by_url[entry["url"]] = entry
            if entry.get("mime") != "warc/revisit":
                self.server.by_digest.setdefault(entry.get("digest"), entry)

    def __enter__(self) -> str:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
