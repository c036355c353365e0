"""Helpers for crawls that share a run through Redis: per-worker feeds, a key prefix per test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VOLATILE = ("run_id", "fetched_at", "capture")  # capture: the WARC file names the run and worker
KINDS = {"event": "events", "article": "articles", "comment": "comments"}


def run_records(run_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every record of a run folder, whether one process or several workers wrote it."""
    records: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    for kind, name in KINDS.items():
        for path in sorted(run_dir.glob(f"{name}*.jsonl")):
            with path.open(encoding="utf-8") as handle:
                records[kind] += [json.loads(line) for line in handle if line.strip()]
    return records


def comparable(records: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Records by (type, id), without the fields that differ between any two runs."""
    out = {}
    for kind, items in records.items():
        for record in items:
            key = (kind, record["id"])
            assert key not in out, f"{kind} {record['id']} written twice"
            out[key] = {k: v for k, v in record.items() if k not in VOLATILE}
    return out


def delete_prefix(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*", count=10_000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def start_workers(
    spider: str, output_dir: Path, args: dict[str, str], settings: dict[str, str], count: int,
    env: dict[str, str] | None = None, first: int = 1,
) -> list[tuple[str, Any]]:
    """``count`` workers of one run (``w<first>``...), started together as ``scrapy crawl``
    subprocesses."""
    import subprocess

    from tests.crawling import REPO, crawl_command, crawl_env

    output_dir.mkdir(parents=True, exist_ok=True)
    workers = []
    for n in range(first, first + count):
        worker_id = f"w{n}"
        log = (output_dir / f"{worker_id}.log").open("w")
        command = crawl_command(spider, output_dir, args,
                                {**settings, "NEWSARCHIVE_WORKER_ID": worker_id})
        workers.append((worker_id, subprocess.Popen(command, cwd=REPO, env=crawl_env(env),
                                                    stdout=log, stderr=subprocess.STDOUT)))
    return workers


def exit_times(workers: list[tuple[str, Any]], timeout: float = 180) -> dict[str, float]:
    """When (``time.monotonic()``) each worker exited; every one exits with code 0."""
    import time

    deadline = time.monotonic() + timeout
    ended: dict[str, float] = {}
    while len(ended) < len(workers):
        for worker_id, proc in workers:
            if worker_id not in ended and proc.poll() is not None:
                assert proc.returncode == 0, (worker_id, proc.returncode)
                ended[worker_id] = time.monotonic()
        if time.monotonic() > deadline:
            for _, proc in workers:
                proc.kill()
            raise AssertionError(f"workers still running after {timeout} s: {ended}")
        time.sleep(0.05)
    return ended


def wait_all(workers: list[tuple[str, Any]], timeout: float = 180) -> dict[str, int]:
    import time

    deadline = time.monotonic() + timeout
    codes = {}
    for worker_id, proc in workers:
        try:
            codes[worker_id] = proc.wait(max(1.0, deadline - time.monotonic()))
        except Exception:
            proc.kill()
            codes[worker_id] = proc.wait()
    return codes


def log_of(output_dir: Path, worker_id: str) -> str:
    return (output_dir / f"{worker_id}.log").read_text("utf-8", "replace")


def server_hits(base: str) -> dict[str, int]:
    import urllib.request

    with urllib.request.urlopen(base + "/__hits", timeout=5) as answer:  # loopback only
        return json.loads(answer.read())


class PrivateRedis:
    """A redis-server of the test's own on a free loopback port, persisted to an append-only
    file in ``folder`` (fsync on every write) so that it can be killed and started again."""

    def __init__(self, folder: Path, *options: str) -> None:
        """``options``: more ``redis-server`` options (they win over the ones above)."""
        import socket

        self.folder = folder
        self.options = options
        folder.mkdir(parents=True, exist_ok=True)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: Any = None

    def start(self) -> None:
        import shutil
        import subprocess
        import time

        import redis

        binary = shutil.which("redis-server")
        assert binary, "redis-server not on PATH"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--save", "", "--appendonly", "yes", "--appendfsync", "always", *self.options],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("private redis-server did not start")

    def kill(self) -> None:
        import signal

        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


def differences(got: dict[Any, dict[str, Any]], expected: dict[Any, dict[str, Any]]) -> dict:
    """Field by field, what differs between two ``comparable`` record sets (for messages)."""
    out: dict[Any, Any] = {}
    for key in sorted(set(got) | set(expected)):
        a, b = got.get(key), expected.get(key)
        if a is None or b is None:
            out[key] = "missing" if a is None else "extra"
        elif a != b:
            out[key] = {f: (a.get(f), b.get(f)) for f in set(a) | set(b) if a.get(f) != b.get(f)}
    return out
