"""The nightly-runs benchmark and the baselines of the crawl benchmark run from a plain clone."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks._baselines import BARE_LABEL, CLI_LABEL, SCRAPY_LABEL, commands
from newsarchive.demo.server import serving
from tests.crawling import REPO

DEMO_OUTLETS = REPO / "newsarchive" / "demo" / "site"
NIGHT_ROW = re.compile(
    r"^(?P<mode>before|after)\s+(?P<night>\d+)\s+(?P<requests>\d+)\s+(?P<not_modified>\d+)"
    r"\s+(?P<extracted>\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+(?P<articles>\d+)\s+\d+\s+\d+\s*$",
    re.MULTILINE,
)


def test_nightly_runs_fetch_less_after_than_before() -> None:
    done = subprocess.run(
        [sys.executable, "benchmarks/crawl.py", "--corpus", "demo", "--pages", "70",
         "--nightly", "--nights", "2", "--pool", "0"],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = {(m["mode"], int(m["night"])): m for m in NIGHT_ROW.finditer(done.stdout)}
    assert sorted(rows) == [("after", 1), ("after", 2), ("before", 1), ("before", 2)], done.stdout
    # The first night archives a week (7 days x 10 pages) either way.
    assert int(rows[("before", 1)]["extracted"]) == int(rows[("after", 1)]["extracted"]) == 70
    before, after = rows[("before", 2)], rows[("after", 2)]
    # Night 2: a new day (10 pages) plus the young days' pages again (2 x 10) before; after,
    # only the threaded ones again, each a 304.
    assert int(before["requests"]) == 30 and int(before["not_modified"]) == 0
    assert int(after["not_modified"]) > 0
    assert int(after["requests"]) < int(before["requests"])
    assert int(after["extracted"]) == 10 and int(after["articles"]) == 10
    assert "nights 2-2, after / before: article requests" in done.stdout


@pytest.mark.parametrize("label", [CLI_LABEL.format(pool=2), SCRAPY_LABEL, BARE_LABEL])
def test_baselines_extract_every_url(label: str, tmp_path: Path) -> None:
    with serving(DEMO_OUTLETS) as hosts:
        pages = sorted(p for p in (DEMO_OUTLETS / "outlet-a").rglob("*.html"))
        job_file = tmp_path / "jobs.tsv"
        job_file.write_text("".join(
            f"{page}\t{hosts['outlet-a']}/{page.relative_to(DEMO_OUTLETS / 'outlet-a')}\n"
            for page in pages), "utf-8")
        command, _ = commands(job_file, tmp_path, 2)[label]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120,
                              check=False)
        hits = json.loads(_get(hosts["outlet-a"] + "/__hits"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"pages": 3, "articles": 3}
    assert all(hits.get("/" + p.relative_to(DEMO_OUTLETS / "outlet-a").as_posix()) == 1
               for p in pages), hits


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as answer:
        return answer.read().decode()


def test_baseline_rows_give_the_crawl_process_cpu_above_the_bare_spider() -> None:
    from benchmarks._baselines import ratio_rows
    from benchmarks.crawl import Run, Variant, paired_ratio

    def run(main: list[float], workers: list[float]) -> Run:
        return Run(pages_per_s=10.0, wall=1.0, cpu=sum(main) + sum(workers), peak_rss_mb=100,
                   peak_pss_mb=90, articles=500, peak_by_role={},
                   cpu_by_role={"main": main, "pool worker": workers})

    crawl = Variant("crawl, pool 2", 500, [run([4.2], [7.4, 7.4]), run([3.9], [7.0, 7.1])])
    bare = Variant(BARE_LABEL, 500, [run([0.1, 2.1], []), run([0.1, 1.6], [])])
    rows = {name: (value, note) for name, value, note in ratio_rows(
        {(BARE_LABEL, 500): bare}, crawl, 2, 500, paired_ratio)}
    value, note = rows[f"crawl pool 2: crawl process CPU above {BARE_LABEL}"]
    # per round, against the spider's process alone (not the benchmark's wrapper, 0.1 s):
    # (4.2 - 2.1) / 500 = 4.20 ms, (3.9 - 1.6) / 500 = 4.60 ms; the median between
    assert value == "4.40 ms" and note.endswith("rounds: 4.20, 4.60"), (value, note)


def test_ceiling_rows_bound_the_crawl_by_the_bare_spider_and_the_cores() -> None:
    from benchmarks._baselines import ceiling_rows
    from benchmarks.crawl import Run, Variant

    def run(wall: float, main: list[float], workers: list[float]) -> Run:
        return Run(pages_per_s=500 / wall, wall=wall, cpu=sum(main) + sum(workers), peak_rss_mb=100,
                   peak_pss_mb=90, articles=500, peak_by_role={},
                   cpu_by_role={"main": main, "pool worker": workers})

    crawl = Variant("crawl, pool 2", 500,
                    [run(8.0, [2.8], [5.6, 5.6, 0.5]), run(8.2, [3.0], [5.8, 5.6, 0.4])])
    bare = Variant(BARE_LABEL, 500, [run(1.7, [0.1, 1.5], []), run(1.7, [0.1, 1.7], [])])
    extract = Variant("extract only, 2 processes", 500,
                      [run(6.4, [0.2], [6.1, 6.1]), run(6.6, [0.2], [6.2, 6.2])])
    rows = {name: (value, note) for name, value, note in ceiling_rows(
        {("extract only, 2 processes", 500): extract}, crawl, bare, 2, 500, cores=2)}
    # per round: the crawl's CPU with its crawl process at the bare spider's (its process, not
    # the wrapper's 0.1 s), over 2 cores:
    # (14.5 - 2.8 + 1.5) / 2 = 6.6 s -> 6.4 / 6.6 = 0.970; (14.8 - 3.0 + 1.7) / 2 = 6.75 s -> 0.978
    value, note = rows["ceiling of crawl pool 2 / extract only, 2 processes (pages/s)"]
    assert value == "0.97" and note.endswith("rounds: 0.97, 0.98"), (value, note)
    assert len(rows) == 1  # no trafilatura-alone variant ran: no row for it
    # capture on: 0.5 CPU s of compression and digests more for the 500 pages (1.00 ms a page):
    # (13.2 + 0.5) / 2 = 6.85 s -> 6.4 / 6.85 = 0.934; (13.5 + 0.5) / 2 = 7.0 s -> 0.943
    rows = {name: (value, note) for name, value, note in ceiling_rows(
        {("extract only, 2 processes", 500): extract}, crawl, bare, 2, 500, cores=2,
        capture_floor=0.5)}
    value, note = rows["ceiling of crawl pool 2 / extract only, 2 processes, capture on (pages/s)"]
    assert value == "0.94" and "+ 1.00 ms a page of capture" in note, (value, note)
    assert note.endswith("rounds: 0.93, 0.94"), note


def test_capture_floor_compresses_and_digests_real_pages(tmp_path: Path) -> None:
    from benchmarks._baselines import capture_floor_s

    page = tmp_path / "page.html"
    page.write_bytes(b"<html><body>" + b"<p>A paragraph of an article.</p>" * 4000 + b"</body></html>")
    assert capture_floor_s([page] * 20) > 0
