"""Fault suite: random SIGKILLs during crawls, then resumes; prints lost and doubled records.

A generated event site (``--days`` days of ``--events`` events, each citing ``--sources``
articles with two reader comments each) is served on loopback. A clean crawl into a folder of
its own is the reference. Then, on another folder, crawls are started one after another and each
is SIGKILLed at a random moment between its start and 1.2 times the reference crawl's wall time
(a crawl that finishes first is simply a finished run), until ``--kills`` kills have landed; a
last crawl runs to its end. The site does not change and the clock is fixed past the refresh
window, so every record must be in exactly one finished run (a folder with ``manifest.json``):

- lost: a record (type, id) of the reference that no finished run holds;
- doubled: an id written, unchanged (all fields but ``fetched_at`` and ``run_id``), by two
  finished runs.

``python benchmarks/faults.py --kills 20`` (2 cores: ~2-3 minutes). Exit code 1 if anything
was lost or doubled.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

from newsarchive.demo.server import serving  # noqa: E402

KINDS = ("event", "article", "comment")
WORDS = [
    "harbour", "river", "bridge", "council", "ferry", "storm", "repairs", "tolls", "summit",
    "vote", "election", "rail", "night", "service", "drivers", "port", "hospital", "timetable",
    "budget", "school", "flood", "dam", "valley", "minister", "report", "court", "trial",
    "strike", "workers", "union", "price", "market", "energy", "wind", "farm", "coast",
    "fishing", "boats", "museum", "festival", "library", "road", "works", "traffic", "station",
    "airport", "runway", "cargo", "weather",
]
TODAY = "2024-03-30"  # past the refresh window of every generated day: nothing is fetched twice


def paragraph(rng: random.Random, words: int = 45) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def article_html(rng: random.Random, title: str, day: str, slug: str) -> str:
    body = "".join(f"<p>{paragraph(rng)}</p>" for _ in range(5))
    comments = "".join(
        f'<li id="comment-{slug}-{n}" class="comment depth-1"><article class="comment-body">'
        f'<footer class="comment-meta"><div class="comment-author vcard"><b class="fn">Reader {n}'
        f'</b></div><div class="comment-metadata"><a href="#comment-{slug}-{n}"><time datetime='
        f'"{day}T12:0{n}:00+00:00">{day}</time></a></div></footer><div class="comment-content">'
        f"<p>{paragraph(rng, 15)}</p></div></article></li>" for n in (1, 2))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="article:published_time" content="{day}T09:00:00+00:00"></head>'
            f"<body><main><article><h1>{title}</h1>{body}</article>"
            f'<div id="comments" class="comments-area"><ol class="comment-list">{comments}</ol>'
            "</div></main></body></html>")


def build_site(root: Path, days: int, events: int, sources: int, seed: int) -> list[str]:
    """Writes the site; returns the day index paths."""
    rng = random.Random(seed)
    indexes = []
    for d in range(1, days + 1):
        day = f"2024-03-{d:02d}"
        folder = root / "events" / "news" / "2024" / "03" / str(d)
        folder.mkdir(parents=True)
        links = []
        for e in range(events):
            slug = f"event-{d}-{e}"
            cites = []
            for s in range(sources):
                path = f"/2024/03/{d:02d}/story-{d}-{e}-{s}.html"
                title = f"Story {d}-{e}-{s}: {paragraph(rng, 6)[:-1]}"
                page = root / "outlet" / path.lstrip("/")
                page.parent.mkdir(parents=True, exist_ok=True)
                page.write_text(article_html(rng, title, day, f"{d}-{e}-{s}"), "utf-8")
                cites.append(f"1. [Outlet]({{{{host:outlet}}}}{path})")
            headline = f"Event {d}-{e}: {paragraph(rng, 8)[:-1]}"
            (folder / f"{slug}.md").write_text(
                f"### [2024-03-{d}](/news/2024/03/{d}/index.md)\n\n# {headline}\n\n"
                f"{paragraph(rng)}\n\n### Source:\n\n" + "\n".join(cites) + "\n", "utf-8")
            links.append(f"- [{headline}](/news/2024/03/{d}/{slug}.md)")
        (folder / "index.md").write_text(f"# Events of {day}\n\n" + "\n".join(links) + "\n", "utf-8")
        indexes.append(f"/news/2024/03/{d}/index.md")
    return indexes


def command(start_urls: str, output: Path, pool: int) -> list[str]:
    settings = {"OUTPUT_DIR": str(output), "AUTOTHROTTLE_ENABLED": "False", "RETRY_TIMES": "0",
                "NEWSARCHIVE_EXTRACT_POOL_SIZE": str(pool), "LOG_LEVEL": "WARNING",
                "CONCURRENT_REQUESTS_PER_DOMAIN": "8", "ROBOTSTXT_OBEY": "False"}
    argv = [sys.executable, "-m", "scrapy", "crawl", "events", "-a", f"start_urls={start_urls}"]
    for key, value in settings.items():
        argv += ["-s", f"{key}={value}"]
    return argv


def environment() -> dict[str, str]:
    return {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsarchive.settings",
            "NEWSARCHIVE_TODAY": TODAY}


def finished_records(output: Path) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(type, id) -> that record as written by each finished run."""
    found: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for manifest in sorted(output.glob("runs/*/manifest.json")):
        for kind in KINDS:
            path = manifest.parent / f"{kind}s.jsonl"
            for line in path.read_text("utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    found[(kind, record["id"])].append(record)
    return found


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    strip = ("fetched_at", "run_id")
    return {k: v for k, v in a.items() if k not in strip} == {
        k: v for k, v in b.items() if k not in strip}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--sources", type=int, default=3)
    parser.add_argument("--pool", type=int, default=0, help="extraction pool size (0 = inline)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="newsarchive-faults-") as tmp:
        work = Path(tmp)
        indexes = build_site(work / "site", args.days, args.events, args.sources, args.seed)
        with serving(work / "site") as hosts:
            start_urls = ",".join(hosts["events"] + path for path in indexes)
            started = time.monotonic()
            clean = subprocess.run(command(start_urls, work / "reference", args.pool), cwd=ROOT,
                                   env=environment(), capture_output=True, text=True, check=False)
            wall = time.monotonic() - started
            if clean.returncode != 0:
                sys.stderr.write(clean.stderr[-3000:])
                return 2
            reference = set(finished_records(work / "reference"))
            kinds = Counter(kind for kind, _ in reference)
            print(f"reference crawl: {wall:.1f} s, {dict(kinds)}")

            output = work / "chain"
            kills = runs = 0
            outcomes: Counter[str] = Counter()
            while kills < args.kills:
                runs += 1
                process = subprocess.Popen(command(start_urls, output, args.pool), cwd=ROOT,
                                           env=environment(), stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL)
                delay = rng.uniform(0, 1.2 * wall)
                try:
                    process.wait(timeout=delay)
                    outcomes[f"finished (exit {process.returncode})"] += 1
                except subprocess.TimeoutExpired:
                    process.send_signal(signal.SIGKILL)
                    process.wait()
                    kills += 1
                    outcomes["killed"] += 1
            last = subprocess.run(command(start_urls, output, args.pool), cwd=ROOT,
                                  env=environment(), capture_output=True, text=True, check=False)
            runs += 1
            outcomes[f"finished (exit {last.returncode})"] += 1

        found = finished_records(output)
        lost = reference - set(found)
        doubled = {key for key, versions in found.items()
                   if any(same(a, b) for i, a in enumerate(versions) for b in versions[i + 1:])}
        finished = len(list(output.glob("runs/*/manifest.json")))
        print(f"runs: {runs} ({dict(outcomes)}), finished runs: {finished}")
        print(f"records: {len(reference)} in the reference, {len(found)} in finished runs")
        print(f"lost: {len(lost)}  doubled: {len(doubled)}")
        for kind, record_id in sorted(lost)[:10]:
            print(f"  lost {kind} {record_id}")
        for kind, record_id in sorted(doubled)[:10]:
            print(f"  doubled {kind} {record_id}")
        return 1 if lost or doubled else 0


if __name__ == "__main__":
    raise SystemExit(main())
