"""Nightly runs, for ``benchmarks/crawl.py --nightly``: what each cron run fetches and extracts.

A generated event site (``crawl.write_event_site``) with about ``--pages / 7`` cited pages a day
over 7 + ``--nights`` - 1 days, and the corpus served with validators (``ETag`` and
``Last-Modified``; the server answers conditional requests as a static web server does). Each
night runs ``scrapy crawl events`` over the last 7 days (``NEWSARCHIVE_TODAY`` one day later
each night) on one output folder, so the first night archives a week and each later one a new
day plus what it fetches again for comments: the articles cited by events younger than
``NEWSARCHIVE_COMMENTS_REFRESH_DAYS`` (3).

Twice, in the same run:
- before: as newsarchive did before it remembered comment threads and validators (the state's
  ``article_fetches`` emptied before each night): every young archived article fetched whole
  and extracted again;
- after: only young archived articles whose page had a comment thread, with a conditional
  request (the corpus pages do not change between nights: unchanged, each costs a 304).

Per night: article requests, 304s, pages extracted (article requests answered 200), extraction
CPU (the pool workers' CPU seconds), the whole tree's CPU and wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from benchmarks import crawl as bench
from newsarchive.demo.server import serving

WINDOW_DAYS = 7  # NEWSARCHIVE_REFRESH_DAYS: the nightly command's range


@dataclass
class Night:
    article_requests: int
    not_modified: int
    other_requests: int  # day indexes and event pages
    extraction_cpu: float
    cpu: float
    wall: float
    articles: int
    comments: int
    threaded: int  # articles the state knows to have a comment thread, after the night

    @property
    def extracted(self) -> int:
        return self.article_requests - self.not_modified


def _served(hosts: dict[str, str], kind: str) -> dict[str, int]:
    total = {}
    for name, base in hosts.items():
        with urllib.request.urlopen(f"{base}/__{kind}", timeout=10) as answer:
            counts = json.load(answer)
        total[name] = sum(n for path, n in counts.items()
                          if not path.startswith("/__") and path != "/robots.txt")
    return total


def _forget_fetches(output: Path) -> None:
    """The state as it was before article fetches were recorded: every young archived article
    is fetched whole again (``comments_may_grow`` says yes for an unknown one)."""
    path = output / "state" / "state.sqlite"
    if path.exists():
        with sqlite3.connect(path) as db:
            db.execute("DELETE FROM article_fetches")


def _threaded(output: Path) -> int:
    path = output / "state" / "state.sqlite"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute("SELECT count(*) FROM article_fetches WHERE threaded").fetchone()[0]


def _night(hosts: dict[str, str], work: Path, output: Path, name: str, today: object,
           pool: int) -> Night:
    from benchmarks._procstats import measure

    hits, not_modified = _served(hosts, "hits"), _served(hosts, "not_modified")
    start = today - timedelta(days=WINDOW_DAYS - 1)  # type: ignore[operator]
    command = bench.crawl_command(hosts[bench.EVENT_HOST], start, today, output,
                                  {"NEWSARCHIVE_EXTRACT_POOL_SIZE": str(pool)})
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsarchive.settings",
           "PYTHONUNBUFFERED": "1", "NEWSARCHIVE_TODAY": str(today),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(bench.REPO),
                                                       os.environ.get("PYTHONPATH")]))}
    result = measure(command, cwd=bench.REPO, env=env, log_dir=work / "logs" / name)
    if result.returncode != 0:
        sys.stderr.write(f"{name}: exit {result.returncode}\n{result.stderr[-4000:]}\n")
        raise SystemExit(1)
    after_hits, after_304 = _served(hosts, "hits"), _served(hosts, "not_modified")
    article_requests = sum(after_hits[h] - hits[h] for h in hosts if h != bench.EVENT_HOST)
    manifest = json.loads(max(output.glob("runs/*/manifest.json")).read_text("utf-8"))
    return Night(
        article_requests=article_requests,
        not_modified=sum(after_304[h] - not_modified[h] for h in hosts),
        other_requests=after_hits[bench.EVENT_HOST] - hits[bench.EVENT_HOST],
        extraction_cpu=sum(result.cpu_by_role.get("pool worker", [])),
        cpu=result.cpu, wall=result.wall,
        articles=manifest["counts"]["article"], comments=manifest["counts"]["comment"],
        threaded=_threaded(output),
    )


def nightly(args: argparse.Namespace) -> int:
    from benchmarks._procstats import become_subreaper

    pages_wanted = bench.PAGE_PRESETS.get(args.pages) or int(args.pages)
    pool = args.pool if args.pool is not None else (os.cpu_count() or 1)
    folders = bench.corpus_folders(args.corpus)
    files = bench.corpus_files(folders)
    if not files:
        raise SystemExit(f"error: no .html pages under {args.corpus}")
    become_subreaper()
    nights = args.nights
    events_per_day = max(1, round(pages_wanted / WINDOW_DAYS / bench.SOURCES_PER_EVENT))
    days = WINDOW_DAYS + nights - 1
    pages = bench.cite(files, events_per_day * bench.SOURCES_PER_EVENT * days)
    work = Path(tempfile.mkdtemp(prefix="newsarchive-nightly-"))
    results: dict[str, list[Night]] = {}
    try:
        root = work / "site"
        first, _last = bench.build_root(root, folders, pages, events_per_day)
        with serving(root, handler=bench.SelfCanonicalHandler) as hosts:
            for mode in ("before", "after"):
                output = work / f"out-{mode}"
                results[mode] = []
                for night in range(nights):
                    if mode == "before":
                        _forget_fetches(output)
                    today = first + timedelta(days=WINDOW_DAYS - 1 + night)
                    measured = _night(hosts, work, output, f"{mode}-{night}", today, pool)
                    results[mode].append(measured)
                    print(f"[{mode}] night {night + 1} ({today}): {measured.article_requests} "
                          f"article requests, {measured.not_modified} 304s, extraction CPU "
                          f"{measured.extraction_cpu:.1f} s, CPU {measured.cpu:.1f} s, "
                          f"{measured.wall:.1f} s", flush=True)
        print_nightly(results, args, len(files), events_per_day, pool)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work folder kept: {work}")
    return 0


def print_nightly(results: dict[str, list[Night]], args: argparse.Namespace, files: int,
                  events_per_day: int, pool: int) -> None:
    per_day = events_per_day * bench.SOURCES_PER_EVENT
    print()
    print(f"newsarchive nightly runs: {per_day} cited pages a day ({files} files from "
          f"{args.corpus}), last {WINDOW_DAYS} days each night, pool {pool}, "
          f"{os.cpu_count()} CPUs")
    print(f"command: python benchmarks/crawl.py {' '.join(sys.argv[1:])}")
    print()
    print(f"{'run':<9}{'night':>6}{'article req':>13}{'304':>6}{'extracted':>11}"
          f"{'extract CPU s':>15}{'CPU s':>8}{'wall s':>8}{'articles':>10}{'comments':>10}"
          f"{'threaded':>10}")
    for mode, nights in results.items():
        for number, night in enumerate(nights, 1):
            print(f"{mode:<9}{number:>6}{night.article_requests:>13}{night.not_modified:>6}"
                  f"{night.extracted:>11}{night.extraction_cpu:>15.1f}{night.cpu:>8.1f}"
                  f"{night.wall:>8.1f}{night.articles:>10}{night.comments:>10}{night.threaded:>10}")
    before, after = results["before"][1:], results["after"][1:]
    if before and after:
        def ratio(name: str) -> str:
            top = sum(getattr(night, name) for night in after)
            bottom = sum(getattr(night, name) for night in before)
            return f"{top / bottom:.2f}" if bottom else "n/a"

        print()
        print(f"nights 2-{len(after) + 1}, after / before: article requests "
              f"{ratio('article_requests')}, pages extracted {ratio('extracted')}, "
              f"extraction CPU {ratio('extraction_cpu')}, CPU {ratio('cpu')}, "
              f"wall {ratio('wall')}")
