"""Archive lookups must not slow the live crawl: the same crawl with and without them.

    python -m benchmarks.wayback --corpus ../shared/corpus/pages --pages 1000 --dead 20 --repeats 3
    python -m benchmarks.wayback --corpus demo --pages 30 --dead 5 --repeats 1   # from a plain clone

(from the repository root: it builds on ``benchmarks.crawl``)

The generated event site of ``benchmarks/crawl.py`` cites ``--pages`` live corpus pages and
``--dead`` pages that answer 404, spread among them; a loopback Wayback-style archive
(``newsarchive.demo.archive``, each answer delayed ``--latency`` s as the Internet Archive's are)
holds a capture of each dead page. Both variants crawl with extraction stubbed out
(``benchmarks.crawl.fetch_only``, inline), so the figure is the crawl's fetching alone:

- off: ``NEWSARCHIVE_WAYBACK_ENABLED=False``;
- on: lookups at ``--rate`` requests a minute.

Measured at the servers: the live span (first to last live article request; the archive lookups
start with the first 404 and run long after), and for the archive its request count, the most
requests in flight at once, the smallest gap between two requests and the rate over its span.
The ratio is live span on / off, the median of each round's pair (rounds interleave the
variants); 1.00 means the live crawl did not wait on the archive.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.crawl import (
    CRAWL_SETTINGS,
    EVENT_HOST,
    Page,
    SelfCanonicalHandler,
    build_root,
    cite,
    corpus_files,
    corpus_folders,
    crawl_command,
)
from newsarchive.demo.archive import ArchiveState, archive_serving
from newsarchive.demo.server import serving

REPO = Path(__file__).resolve().parents[1]

DEAD_HOST = "bench-dead"
CAPTURE_TIMESTAMP = "20240101120000"


class TimedHandler(SelfCanonicalHandler):
    """Logs when each page was asked for, by host."""

    log: list[tuple[float, str, str]] = []

    def do_GET(self) -> None:
        TimedHandler.log.append((time.monotonic(), self.server.folder.name, self.path))
        super().do_GET()


def site_pages(files: list[tuple[str, str, Path]], live: int, dead: int) -> list[Page]:
    """``live`` corpus pages with ``dead`` 404 pages spread evenly among them."""
    pages = cite(files, live)
    step = max(1, len(pages) // max(1, dead))
    for k in range(dead):
        pages.insert(min(len(pages), k * (step + 1)), Page(DEAD_HOST, f"gone/{k}.html",
                                                           files[k % len(files)][2], 0))
    return pages


def crawl_once(command: list[str], output: Path) -> float:
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsarchive.settings", "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    started = time.monotonic()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"crawl failed: exit {done.returncode}")
    shutil.rmtree(output, ignore_errors=True)
    return time.monotonic() - started


def live_span(live_hosts: set[str]) -> tuple[float, int]:
    times = [at for at, host, path in TimedHandler.log if host in live_hosts and path != "/robots.txt"]
    return (max(times) - min(times), len(times)) if times else (0.0, 0)


def archive_figures(archive: ArchiveState) -> dict[str, Any]:
    log = archive.requests()
    gaps = [b.at - a.at for a, b in itertools.pairwise(log)]
    span = log[-1].at - log[0].at if len(log) > 1 else 0.0
    return {
        "requests": len(log),
        "max_in_flight": max((entry.in_flight for entry in log), default=0),
        "min_gap": min(gaps, default=0.0),
        "per_minute": (len(log) - 1) / span * 60 if span else 0.0,
    }


def benchmark(args: argparse.Namespace) -> int:
    folders = corpus_folders(args.corpus)
    files = corpus_files(folders)
    if not files:
        raise SystemExit("error: no .html pages in the corpus")
    live_hosts = {folder.resolve().name for folder in folders}
    work = Path(tempfile.mkdtemp(prefix="bench-wayback-"))
    pages = site_pages(files, args.pages, args.dead)
    start, end = build_root(work / "site", folders, pages)
    (work / "site" / DEAD_HOST).mkdir()  # nothing there: every page 404s
    archive = ArchiveState(delay=args.latency)
    spans: dict[str, list[float]] = {"off": [], "on": []}
    ratios: list[float] = []
    figures: list[dict[str, Any]] = []
    try:
        with serving(work / "site", handler=TimedHandler) as hosts, \
                archive_serving(archive) as server:
            for page in pages:
                if page.host == DEAD_HOST:
                    archive.add(page.url(hosts[DEAD_HOST]), CAPTURE_TIMESTAMP, page.file.read_bytes())
            settings = {**CRAWL_SETTINGS, "NEWSARCHIVE_EXTRACT_POOL_SIZE": "0",
                        "NEWSARCHIVE_EXTRACT_FUNCTION": "benchmarks.crawl.fetch_only",
                        "NEWSARCHIVE_STATE_ENABLED": "False", "RETRY_TIMES": "0"}
            variants = {
                "off": {**settings, "NEWSARCHIVE_WAYBACK_ENABLED": "False"},
                "on": {**settings, "NEWSARCHIVE_WAYBACK_ENABLED": "True",
                       "NEWSARCHIVE_WAYBACK_URL": server.base_url,
                       "NEWSARCHIVE_WAYBACK_RATE": str(args.rate)},
            }
            for round_ in range(args.repeats):
                pair = {}
                for name, variant in variants.items():
                    TimedHandler.log.clear()
                    archive.log.clear()
                    output = work / f"out-{name}"
                    wall = crawl_once(crawl_command(hosts[EVENT_HOST], start, end, output, variant),
                                      output)
                    span, fetched = live_span(live_hosts)
                    pair[name] = span
                    spans[name].append(span)
                    line = (f"round {round_ + 1} {name:>3}: live span {span:6.2f} s ({fetched} pages),"
                            f" wall {wall:6.1f} s")
                    if name == "on":
                        fig = archive_figures(archive)
                        figures.append(fig)
                        line += (f"; archive: {fig['requests']} requests, {fig['max_in_flight']} in flight"
                                 f" at most, min gap {fig['min_gap']:.2f} s, {fig['per_minute']:.1f}/min")
                    print(line, flush=True)
                ratios.append(pair["on"] / pair["off"] if pair["off"] else float("nan"))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"live pages {args.pages}, dead {args.dead}, archive rate {args.rate}/min, "
          f"latency {args.latency} s")
    print(f"live span off: median {statistics.median(spans['off']):.2f} s; "
          f"on: median {statistics.median(spans['on']):.2f} s")
    print(f"ratio on/off (median of rounds): {statistics.median(ratios):.2f} "
          f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="demo", help="folder of saved .html pages, or 'demo'")
    parser.add_argument("--pages", type=int, default=1000, help="live article pages")
    parser.add_argument("--dead", type=int, default=20, help="dead (404) pages among them")
    parser.add_argument("--rate", type=float, default=60.0, help="archive requests a minute")
    parser.add_argument("--latency", type=float, default=0.5, help="seconds each archive answer takes")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return benchmark(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
