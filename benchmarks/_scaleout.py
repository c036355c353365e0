"""``benchmarks/crawl.py --workers N``: one run shared by N worker processes (``REDIS_URL``)
against the single-process crawl of the same site, in the same benchmark run.

A private ``redis-server`` (no persistence) on a free loopback port holds the run. Each round
crawls the generated site once with one process (pool P) and once with N workers started
together (pool max(1, P // N) each, so the machine's extraction capacity is the same). Reported:
pages/s overall (article pages over the wall time from the first start to the last exit), the
work split (articles per worker, from the run's manifest) with each worker's pages/s over that
wall time, Redis round trips per article page (each worker counts what its client sends: a
command, a pipeline or a Lua script call counts once; the workers log it when they leave the
run), and Redis commands per article page (``INFO stats`` ``total_commands_processed`` before
and after: every command a pipeline holds or a Lua script runs counts, broken down by command).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.crawl import (
    EVENT_HOST,
    REPO,
    SelfCanonicalHandler,
    build_root,
    cite,
    crawl_command,
)
from benchmarks.redis_memory import redis_server
from newsarchive.demo.server import serving

_ROUND_TRIPS = re.compile(r"worker \S+: (\d+) Redis round trips")


def _env() -> dict[str, str]:
    return {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsarchive.settings", "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def _articles(folder: Path) -> int:
    return sum(1 for path in folder.glob("articles*.jsonl")
               for line in path.open("rb") if line.strip())


def _crawl(commands: list[list[str]], logs: Path) -> float:
    logs.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    procs = [subprocess.Popen(command, cwd=REPO, env=_env(), stdout=subprocess.DEVNULL,
                              stderr=(logs / f"{n}.log").open("w"))
             for n, command in enumerate(commands)]
    codes = [proc.wait() for proc in procs]
    wall = time.perf_counter() - began
    if any(codes):
        raise SystemExit(f"error: crawl exit codes {codes}; logs in {logs}")
    return wall


def scale_out(args: Any, files: list, folders: list[Path], pages_wanted: int, pool: int) -> int:
    import redis

    workers = args.workers
    work = Path(tempfile.mkdtemp(prefix="newsarchive-bench-scaleout-"))
    rounds: list[dict[str, Any]] = []
    try:
        with redis_server() as redis_url:
            client = redis.Redis.from_url(redis_url)
            pages = cite(files, pages_wanted)
            root = work / "site"
            start, end = build_root(root, folders, pages)
            with serving(root, handler=SelfCanonicalHandler) as hosts:
                site = hosts[EVENT_HOST]
                for repeat in range(args.repeats):
                    out = work / f"single-{repeat}"
                    single_wall = _crawl([crawl_command(site, start, end, out, {
                        "NEWSARCHIVE_EXTRACT_POOL_SIZE": str(pool), "LOG_LEVEL": "INFO"})],
                        work / "logs" / out.name)
                    (single_folder,) = (out / "runs").iterdir()
                    single_articles = _articles(single_folder)

                    out = work / f"shared-{repeat}"
                    settings = {"NEWSARCHIVE_EXTRACT_POOL_SIZE": str(max(1, pool // workers)),
                                "REDIS_URL": redis_url,
                                "NEWSARCHIVE_REDIS_PREFIX": f"bench-{repeat}",
                                # INFO (both crawls): each worker logs its round trips
                                "LOG_LEVEL": "INFO"}
                    client.config_resetstat()
                    before = int(client.info("stats")["total_commands_processed"])
                    shared_wall = _crawl(
                        [crawl_command(site, start, end, out,
                                       {**settings, "NEWSARCHIVE_WORKER_ID": f"w{n + 1}"})
                         for n in range(workers)], work / "logs" / out.name)
                    commands = int(client.info("stats")["total_commands_processed"]) - before
                    trips = sum(int(m) for log in (work / "logs" / out.name).glob("*.log")
                                for m in _ROUND_TRIPS.findall(log.read_text("utf-8", "replace")))
                    by_command = {name.removeprefix("cmdstat_"): int(stat["calls"])
                                  for name, stat in client.info("commandstats").items()}
                    (folder,) = (out / "runs").iterdir()
                    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
                    split = {w: part["counts"]["article"]
                             for w, part in sorted(manifest["workers"].items())}
                    shared_articles = _articles(folder)
                    rounds.append({
                        "single": single_articles / single_wall, "single_articles": single_articles,
                        "shared": shared_articles / shared_wall, "shared_articles": shared_articles,
                        "split": split, "wall": shared_wall,
                        "commands": commands / max(1, shared_articles),
                        "round_trips": trips / max(1, shared_articles),
                        "by_command": {name: calls / max(1, shared_articles)
                                       for name, calls in by_command.items()}})
                    print(f"[{repeat + 1}] 1 process: {rounds[-1]['single']:.1f} pages/s; "
                          f"{workers} workers: {rounds[-1]['shared']:.1f} pages/s, split "
                          f"{split}, {rounds[-1]['round_trips']:.1f} Redis round trips/page, "
                          f"{rounds[-1]['commands']:.1f} Redis commands/page", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work folder kept: {work}")
    ratios = [r["shared"] / r["single"] for r in rounds]
    middle = sorted(rounds, key=lambda r: r["shared"] / r["single"])[len(rounds) // 2]
    print()
    print(f"newsarchive scale-out benchmark: {pages_wanted} pages, {workers} workers on one "
          f"machine ({os.cpu_count()} CPUs), pool {pool} (one process) / "
          f"{max(1, pool // workers)} (each worker), median of {len(rounds)}")
    print(f"command: python benchmarks/crawl.py {' '.join(sys.argv[1:])}")
    print()
    print(f"{'run':<28}{'articles':>10}{'pages/s':>10}")
    print(f"{'1 process':<28}{middle['single_articles']:>10}{middle['single']:>10.1f}")
    print(f"{f'{workers} workers, one run':<28}{middle['shared_articles']:>10}"
          f"{middle['shared']:>10.1f}")
    for worker, count in middle["split"].items():
        print(f"{f'  worker {worker}':<28}{count:>10}{count / middle['wall']:>10.1f}")
    print()
    print(f"{workers} workers / 1 process (pages/s): {statistics.median(ratios):.2f} "
          f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})")
    print(f"Redis round trips per article page: {middle['round_trips']:.1f} (all workers)")
    print(f"Redis commands per article page: {middle['commands']:.1f}")
    top = sorted(middle["by_command"].items(), key=lambda item: -item[1])[:12]
    print("  by command (calls per page; commands run inside Lua scripts are listed too, and "
          "counted once, as evalsha, above): "
          + ", ".join(f"{name} {calls:.2f}" for name, calls in top))
    return 0
