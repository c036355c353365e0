"""What a user would otherwise run, for ``benchmarks/crawl.py --baselines``: same URLs, same run.

- trafilatura's own CLI: ``trafilatura -i URLS --parallel P --json --with-metadata > FILE`` (to
  stdout rather than ``-o DIR``, whose file names hash the words of a result: copies collide),
  with a config file that turns off its pause between two requests to one host (``SLEEP_TIME``,
  5 s by default; the crawl's AutoThrottle is off too) and its refusal of loopback addresses
  (``SSRF_PROTECTION``: the corpus is served on 127.0.0.1). Over URLs, the CLI downloads in
  ``P`` threads but extracts in its main thread, and its URL store hands out one URL per host per
  round: on one host (the corpus), it fetches and extracts one page at a time.
- a naive Scrapy spider (``_naive_spider.py``): ``trafilatura.extract`` in its callback, in the
  reactor's thread, with the crawl's concurrency settings and no project;
- the same spider extracting nothing: Scrapy's own cost of fetching the pages, the floor under
  the crawl process of any Scrapy crawl of them.

Each runs through this module as a wrapper (``python benchmarks/_baselines.py cli|scrapy ...``)
so that ``benchmarks/crawl.py`` measures it like every other variant (the wrapper's process
tree) and reads the pages it extracted from the wrapper's last line of output.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLI_LABEL = "trafilatura CLI, --parallel {pool}"
SCRAPY_LABEL = "naive Scrapy spider + trafilatura"
BARE_LABEL = "bare Scrapy spider, no extraction"
CLI_CONFIG = """[DEFAULT]
DOWNLOAD_TIMEOUT = 30
MAX_FILE_SIZE = 20000000
MIN_FILE_SIZE = 10
SLEEP_TIME = 0
USER_AGENTS =
COOKIE =
MAX_REDIRECTS = 2
SSRF_PROTECTION = off
INSECURE_SSL_FALLBACK = off
MIN_EXTRACTED_SIZE = 250
MIN_OUTPUT_SIZE = 1
MIN_OUTPUT_COMM_SIZE = 1
MAX_TREE_SIZE =
EXTRACTION_TIMEOUT = 30
MIN_DUPLCHECK_SIZE = 100
MAX_REPETITIONS = 2
EXTENSIVE_DATE_SEARCH = on
EXTERNAL_URLS = off
"""


def commands(job_file: Path, work: Path, pool: int) -> dict[str, tuple[list[str], None]]:
    """The two baselines as ``crawl.py`` variants (label -> (command, no crawl output folder)).

    ``job_file``: ``file<TAB>url`` lines, the crawl's pages.
    """
    wrapper = [sys.executable, str(Path(__file__).resolve())]
    return {
        CLI_LABEL.format(pool=pool): ([*wrapper, "cli", str(job_file), str(work / "cli"), str(pool)],
                                      None),
        SCRAPY_LABEL: ([*wrapper, "scrapy", str(job_file), str(work / "naive"), str(pool)], None),
        BARE_LABEL: ([*wrapper, "bare", str(job_file), str(work / "bare"), str(pool)], None),
    }


def ratio_rows(by_label: dict, crawl: object, pool: int, pages: int, paired_ratio: object,
               capture_floor: float | None = None) -> list[tuple[str, str, str]]:
    """``crawl.py``'s ratio rows for the baselines measured in this run.

    ``capture_floor``: CPU seconds of ``capture_floor_s`` over the crawl's pages, for the
    ceilings of a crawl that captures them.
    """
    rows = []
    for label in (CLI_LABEL.format(pool=pool), SCRAPY_LABEL):
        baseline = by_label.get((label, pages))
        if baseline is None:
            continue
        ratio, rounds = paired_ratio(crawl, baseline)  # type: ignore[operator]
        rounds_text = ", ".join(f"{r:.2f}" for r in rounds)
        rows.append((f"crawl pool {pool} / {label} (pages/s)", f"{ratio:.2f}",
                     f"rounds: {rounds_text}"))
        rows.append((f"crawl pool {pool} / {label} (CPU s)",
                     f"{crawl.median('cpu') / baseline.median('cpu'):.2f}", ""))  # type: ignore[attr-defined]
    bare = by_label.get((BARE_LABEL, pages))
    if bare is not None:
        # the crawl process's own CPU over what Scrapy alone (the bare spider's process) spends
        # fetching the same pages: what newsarchive adds in its crawl process (hand-over,
        # records, state, capture)
        above = [(_main_cpu(run) - _spider_cpu(floor)) / pages * 1000
                 for run, floor in zip(crawl.runs, bare.runs, strict=False)]  # type: ignore[attr-defined]
        rows.append((f"crawl pool {pool}: crawl process CPU above {BARE_LABEL}",
                     f"{statistics.median(above):.2f} ms",
                     "a page   rounds: " + ", ".join(f"{value:.2f}" for value in above)))
        cores = os.cpu_count() or 1
        rows += ceiling_rows(by_label, crawl, bare, pool, pages, cores)
        if capture_floor is not None:
            rows += ceiling_rows(by_label, crawl, bare, pool, pages, cores, capture_floor)
    return rows


def capture_floor_s(files: list[Path]) -> float:
    """CPU seconds the WARC capture cannot do without: each page's body compressed once at the
    project's level and digested once (SHA-1), by the writer's own functions."""
    from newsarchive.capture.writer import gzip_compressor, payload_digest
    from newsarchive.settings import NEWSARCHIVE_WARC_GZIP_LEVEL

    bodies = [file.read_bytes() for file in files]
    began = time.process_time()
    for body in bodies:
        compressor = gzip_compressor(NEWSARCHIVE_WARC_GZIP_LEVEL)
        compressor.compress(body)
        compressor.flush()
        payload_digest(body)
    return time.process_time() - began


def ceiling_rows(by_label: dict, crawl: object, bare: object, pool: int, pages: int,
                 cores: int, capture_floor: float = 0.0) -> list[tuple[str, str, str]]:
    """The best pages/s ratio any Scrapy crawl doing this crawl's extraction could reach.

    Its crawl process would cost only what the bare spider's does (Scrapy fetching the pages,
    nothing else), plus ``capture_floor`` CPU seconds when it captures them, and no core would
    ever idle, so its wall time could not be below the rest of the crawl's CPU (pool workers,
    fork server) plus that, over the cores. A goal above this ceiling is out of reach of any
    crawl process on Scrapy, however lean.
    """
    rows = []
    what, captured = "crawl process at the bare spider's CPU", ""
    if capture_floor:
        captured = ", capture on"
        what += f" + {capture_floor / pages * 1000:.2f} ms a page of capture (gzip, SHA-1)"
    for label in (f"extract only, {pool} processes", f"trafilatura alone, {pool} processes"):
        baseline = by_label.get((label, pages))
        if baseline is None:
            continue
        ceilings = [other.wall / ((run.cpu - _main_cpu(run) + _spider_cpu(floor) + capture_floor) / cores)
                    for run, floor, other in zip(crawl.runs, bare.runs, baseline.runs,  # type: ignore[attr-defined]
                                                 strict=False)]
        rows.append((f"ceiling of crawl pool {pool} / {label}{captured} (pages/s)",
                     f"{statistics.median(ceilings):.2f}",
                     f"{what}, no core idle ({cores} cores)   "
                     "rounds: " + ", ".join(f"{value:.2f}" for value in ceilings)))
    return rows


def _spider_cpu(run: object) -> float:
    """CPU seconds of a baseline's spider process alone (the largest non-pool process; the
    wrapper that starts it and counts its output is the benchmark's, not Scrapy's)."""
    return max(run.cpu_by_role.get("main", ()), default=0.0)  # type: ignore[attr-defined]


def _main_cpu(run: object) -> float:
    """CPU seconds of a run's non-pool processes (the crawl process; a baseline's wrapper and
    spider)."""
    return sum(run.cpu_by_role.get("main", ()))  # type: ignore[attr-defined]


def _urls(job_file: Path, target: Path) -> int:
    urls = [line.split("\t", 1)[1] for line in job_file.read_text("utf-8").splitlines() if line]
    target.write_text("\n".join(urls) + "\n", "utf-8")
    return len(urls)


def run_cli(job_file: Path, work: Path, pool: int) -> int:
    work.mkdir(parents=True, exist_ok=True)
    pages = _urls(job_file, work / "urls.txt")
    (work / "trafilatura.cfg").write_text(CLI_CONFIG, "utf-8")
    out = work / "results.jsonl"
    command = [str(Path(sys.executable).with_name("trafilatura")), "-i", str(work / "urls.txt"),
               "--parallel", str(pool), "--json", "--with-metadata",
               "--config-file", str(work / "trafilatura.cfg")]
    with out.open("wb") as results, (work / "stderr.txt").open("wb") as err:
        done = subprocess.run(command, stdout=results, stderr=err, check=False)
    # exit 1: some URL gave no result (counted below, as pages not extracted)
    if done.returncode not in (0, 1):
        sys.stderr.write((work / "stderr.txt").read_text("utf-8", "replace")[-3000:])
        return done.returncode
    with out.open("rb") as handle:
        written = sum(1 for line in handle if line.startswith(b"{"))
    print(json.dumps({"pages": pages, "articles": written}))
    return 0


def run_scrapy(job_file: Path, work: Path, pool: int, extract: bool = True) -> int:
    from benchmarks.crawl import CRAWL_SETTINGS

    work.mkdir(parents=True, exist_ok=True)
    pages = _urls(job_file, work / "urls.txt")
    out = work / "items.jsonl"
    command = [sys.executable, "-m", "scrapy", "runspider", str(HERE / "_naive_spider.py"),
               "-a", f"urls={work / 'urls.txt'}", "-a", f"extract={'yes' if extract else 'no'}",
               "-O", f"{out}:jsonlines"]
    for key, value in CRAWL_SETTINGS.items():
        command += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    with (work / "stderr.txt").open("wb") as err:
        # cwd: a folder with no scrapy.cfg, so that no project's settings apply
        done = subprocess.run(command, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=err,
                              check=False)
    if done.returncode != 0:
        sys.stderr.write((work / "stderr.txt").read_text("utf-8", "replace")[-3000:])
        return done.returncode
    with out.open("rb") as handle:
        written = sum(1 for line in handle if line.strip())
    print(json.dumps({"pages": pages, "articles": written}))
    return 0


def main(argv: list[str]) -> int:
    kind, job_file, work, pool = argv
    sys.path.insert(0, str(HERE.parent))
    if kind == "cli":
        return run_cli(Path(job_file), Path(work), int(pool))
    return run_scrapy(Path(job_file), Path(work), int(pool), extract=kind != "bare")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
