"""Crawl throughput benchmark: the real crawl against extraction alone, in the same run.

    python benchmarks/crawl.py --corpus ../shared/corpus/pages --pages 2000 [--pool P] [--repeats 3]
    python benchmarks/crawl.py --corpus demo --pages small --repeats 1     # from a plain clone

A folder of saved pages (``--corpus DIR``, or ``demo``: the article pages of the bundled demo
site's outlets) is served on 127.0.0.1 next to a generated event site: day indexes
(``/news/YYYY/MM/D/index.md``, 50 events a day) and event pages (DESIGN §2 Markdown) that cite
10 corpus pages each. With more pages asked for than the corpus holds, files are cited again as
``?copy=k`` (the server ignores the query; the crawler sees a new URL).

Each measured run is a subprocess, and gets the same treatment: pages/s (article pages over the
subprocess's wall time, start-up included), CPU seconds (``getrusage`` of the finished tree: the
crawl's pool workers fold in) and the peak memory of the whole process tree, as PSS (each
shared page split between the processes sharing it: the pool workers share the extraction
stack their fork server loaded) and as summed RSS (shared pages counted once per process);
see ``_procstats``.

- extract only, 1 process / P processes: read each file, decode it as Scrapy would (w3lib
  ``html_to_unicode``), ``extract_article_record`` — the ceiling the crawl is measured against;
- trafilatura alone, P processes: the same, but plain ``trafilatura.extract`` (the body only, its
  defaults) — what the crawl, with metadata and comments, should cost no more than (issue 21);
- fetch only: the full crawl with an extraction function that extracts nothing (pool 0);
- crawl, pool off: the full crawl, extraction inline (``NEWSARCHIVE_EXTRACT_POOL_SIZE=0``);
- crawl, pool P: the full crawl as users run it (raw capture on: WARC files written);
- crawl, pool P, capture off: the same with ``NEWSARCHIVE_WARC_ENABLED=False``, for the cost of
  the capture (pages/s ratio, WARC bytes per page, peak memory); and fetch only, capture off:
  the capture's CPU in the crawl process per page (fetch only on - off), which a busy machine
  disturbs less than pages/s. ``--only TEXT`` runs just the variants whose label contains it.

Medians over ``--repeats`` (each round runs every variant once); then the ratios with their
targets (speed ratios: the median of each round's paired ratio, listed), and the crawl's peak
memory at N/4 pages as well, to see whether memory grows with the number of pages.

``--baselines`` adds, in the same rounds, what a user would otherwise run over the same URLs:
trafilatura's own CLI, a naive Scrapy spider calling ``trafilatura.extract``, and the same spider
extracting nothing (Scrapy's own floor for fetching the pages) (``_baselines``).
``--nightly`` measures consecutive cron runs instead, before and after refetching only threaded
articles conditionally: requests, 304s and extraction CPU per night (``_nightly``).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from newsarchive.demo.server import SiteHandler, serving  # noqa: E402
from newsarchive.items import Article, ArticleResult  # noqa: E402

DEMO_SITE = REPO / "newsarchive" / "demo" / "site"
EVENT_HOST = "bench-events"
PAGE_PRESETS = {"small": 30}
EVENTS_PER_DAY = 50
SOURCES_PER_EVENT = 10
FIRST_DAY = date(2024, 1, 1)
CRAWL_SETTINGS = {
    "ROBOTSTXT_OBEY": "False",
    "AUTOTHROTTLE_ENABLED": "False",
    # The corpus is one host standing for many outlets: lift the per-domain limit to the
    # project's overall one (CONCURRENT_REQUESTS, 32), as a crawl of many outlets would run.
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "LOG_LEVEL": "WARNING",
}
TARGET_CRAWL_VS_EXTRACT = 0.95  # issue 21, at 500 pages
TARGET_CRAWL_VS_TRAFILATURA = 1.0  # issue 21, at 5,000 pages: less work a page than trafilatura's
TARGET_FIRST_ARTICLE_S = 2.0  # issue 21, at 500 pages
TARGET_POOL_SPEEDUP = 1.6
TARGET_RSS_MB = 400
TARGET_CAPTURE_COST = 0.97  # crawl with capture / without, pages/s


# --- run inside the crawl (NEWSARCHIVE_EXTRACT_FUNCTION) ------------------------------------------

def fetch_only(article: Article, fetched_at: str | None = None) -> ArticleResult:
    """Stand-in for extraction in the fetch-only crawl: the article as fetched, nothing parsed."""
    article.html = None
    article.comment_pages = []
    article.fetched_at = fetched_at
    return ArticleResult(article, [], {}, None)


# --- the site ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    host: str  # host folder name, as the server names it
    path: str  # path of the file inside the host folder (posix)
    file: Path
    copy: int  # 0 for the first citation of a file, k for ?copy=k

    def url(self, base: str) -> str:
        return f"{base}/{quote(self.path)}" + (f"?copy={self.copy}" if self.copy else "")


def corpus_folders(corpus: str) -> list[Path]:
    """Host folders to serve: ``demo`` = the demo site's outlets, else the folder itself."""
    if corpus == "demo":
        return [p for p in sorted(DEMO_SITE.iterdir()) if p.is_dir() and p.name.startswith("outlet")]
    folder = Path(corpus)
    if not folder.is_dir():
        raise SystemExit(f"error: --corpus {corpus}: not a folder")
    return [folder]


def corpus_files(folders: list[Path]) -> list[tuple[str, str, Path]]:
    """(host, path inside the host, file) of every saved HTML page, in a stable order."""
    files = []
    for folder in folders:
        host = folder.resolve().name
        for file in sorted(folder.rglob("*.htm*")):
            if file.is_file() and file.suffix.lower() in {".html", ".htm"}:
                files.append((host, file.relative_to(folder).as_posix(), file))
    return files


def cite(files: list[tuple[str, str, Path]], count: int) -> list[Page]:
    """``count`` pages, cycling through the files; repeats are new URLs (``?copy=k``)."""
    return [Page(*files[i % len(files)], copy=i // len(files)) for i in range(count)]


def write_event_site(folder: Path, pages: list[Page],
                     events_per_day: int = EVENTS_PER_DAY) -> tuple[date, date]:
    """Day indexes and event pages citing ``pages``; returns the date range to crawl."""
    events = math.ceil(len(pages) / SOURCES_PER_EVENT)
    days: dict[date, list[tuple[str, str]]] = {}
    for number in range(events):
        day = FIRST_DAY + timedelta(days=number // events_per_day)
        day_path = f"/news/{day.year}/{day.month:02d}/{day.day}"
        slug = f"event-{number:05d}.md"
        headline = f"Benchmark event {number}: officials report on the day's developments"
        sources = pages[number * SOURCES_PER_EVENT:(number + 1) * SOURCES_PER_EVENT]
        lines = [
            f"### [{day.isoformat()[:8]}{day.day}]({day_path}/index.md)", "",
            f"# {headline}", "",
            f"Summary of benchmark event {number}. Officials confirm the figures on {day:%d %B %Y}; "
            "reporters from several outlets describe what happened and what comes next.", "",
            "### Source:", "",
        ]
        lines += [f"1. [Outlet {page.host}]({page.url('{{host:' + page.host + '}}')})"
                  for page in sources]
        lines += [f"1. [Cover Image]({{{{host:{EVENT_HOST}}}}}/media/event-{number}.jpg)", ""]
        earlier = days.get(day, [])
        if earlier:  # one related event, already read: exercises the request dupefilter
            lines += ["### Related:", "",
                      f"1. [{earlier[-1][1]}]({earlier[-1][0]}) _Context: Benchmark, Politics_", ""]
        target = folder / day_path.lstrip("/") / slug
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines), "utf-8")
        days.setdefault(day, []).append((f"{day_path}/{slug}", headline))
    for day, listed in days.items():
        lines = [f"# Events of {day:%d %B %Y}", ""] + [f"- [{title}]({path})" for path, title in listed]
        index = folder / f"news/{day.year}/{day.month:02d}/{day.day}/index.md"
        index.write_text("\n".join(lines) + "\n", "utf-8")
    return FIRST_DAY, max(days)


def build_root(root: Path, folders: list[Path], pages: list[Page],
               events_per_day: int = EVENTS_PER_DAY) -> tuple[date, date]:
    """Server root: the event host, plus a symlink per corpus folder (nothing is copied)."""
    if root.exists():
        shutil.rmtree(root)
    (root / EVENT_HOST).mkdir(parents=True)
    for folder in folders:
        name = folder.resolve().name
        if name == EVENT_HOST or (root / name).exists():
            raise SystemExit(f"error: two host folders named {name!r}")
        (root / name).symlink_to(folder.resolve(), target_is_directory=True)
    return write_event_site(root / EVENT_HOST, pages, events_per_day)


# --- the server: every URL its own story ----------------------------------------------------------

CANONICAL_LINK = re.compile(rb"<link\b[^>]*\brel\s*=\s*[\"']?canonical\b[^>]*>", re.IGNORECASE)
HREF = re.compile(rb"\bhref\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE)


class SelfCanonicalHandler(SiteHandler):
    """Serves each page with ``<link rel=canonical>`` pointing at the URL it was fetched from.

    The crawler fetches but does not extract a page whose canonical URL is an article it already
    has (``?copy=k`` copies, corpus pages whose canonical is shared). Made self-canonical, as
    most article pages on the web are, N URLs are N articles to extract, like the baseline.
    """

    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        if "html" in content_type and body:
            own = (self.server.hosts[self.server.folder.name] + self.path).encode()
            own = own.replace(b"&", b"&amp;").replace(b'"', b"&quot;")
            body = CANONICAL_LINK.sub(lambda m: HREF.sub(b'href="' + own + b'"', m.group(0)), body)
        super()._send(status, body, content_type, headers)


# --- extraction-only baseline (a subprocess of this script) -------------------------------------

def _auto_detect(text: bytes) -> str | None:
    """Scrapy's ``TextResponse._auto_detect_fun``: the first of ascii, utf-8, cp1252 that decodes."""
    from w3lib.encoding import resolve_encoding

    for encoding in ("ascii", "utf-8", "cp1252"):
        try:
            text.decode(encoding)
        except UnicodeError:
            continue
        return resolve_encoding(encoding)
    return None


def extract_file(job: tuple[str, str, str]) -> bool:
    """One page as the crawl sees it: decoded like Scrapy, extracted like the pool worker."""
    from w3lib.encoding import html_to_unicode

    from newsarchive.extraction import extract_article_record
    from newsarchive.urls import url_id

    path, url, fetched_at = job
    _encoding, text = html_to_unicode("text/html", Path(path).read_bytes(), auto_detect_fun=_auto_detect)
    article = Article(id=url_id(url), url=url, final_url=url, http_status=200, html=text)
    ok = extract_article_record(article, fetched_at).error is None
    if ok:
        from benchmarks._first_article import mark

        mark()
    return ok


def extract_file_plain(job: tuple[str, str, str]) -> bool:
    """One page decoded like Scrapy, its body extracted by plain ``trafilatura.extract`` (its
    defaults: text, fallback extractors on, no metadata, no comments)."""
    import trafilatura
    from w3lib.encoding import html_to_unicode

    path, url, _fetched_at = job
    _encoding, text = html_to_unicode("text/html", Path(path).read_bytes(), auto_detect_fun=_auto_detect)
    ok = bool(trafilatura.extract(text, url=url))
    if ok:
        from benchmarks._first_article import mark

        mark()
    return ok


def _warm_up() -> None:
    import newsarchive.extraction  # noqa: F401


def _warm_up_plain() -> None:
    import trafilatura  # noqa: F401


def extract_only(job_file: Path, processes: int, plain: bool = False) -> int:
    fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
    jobs = [(*line.split("\t", 1), fetched_at)
            for line in job_file.read_text("utf-8").splitlines() if line]
    extract, warm_up = (extract_file_plain, _warm_up_plain) if plain else (extract_file, _warm_up)
    if processes <= 1:
        results = [extract(job) for job in jobs]
    else:
        context = multiprocessing.get_context("forkserver")
        with context.Pool(processes, initializer=warm_up) as pool:
            results = list(pool.imap_unordered(extract, jobs, chunksize=1))
    print(json.dumps({"pages": len(jobs), "articles": sum(results)}))
    return 0


# --- measured runs ----------------------------------------------------------------------------------

@dataclass
class Variant:
    label: str
    pages: int
    runs: list = field(default_factory=list)  # Measurement + articles, per repeat

    def median(self, name: str) -> float:
        return statistics.median(getattr(run, name) for run in self.runs)


def paired_ratio(top: Variant, bottom: Variant) -> tuple[float, list[float]]:
    """Median over rounds of top/bottom pages/s, each round's runs paired, and the rounds' ratios.

    The variants run one after another in each round, so a round's two runs saw the same
    machine; the machine drifts between rounds (seen: the crawl's CPU for the same work rising
    10% from the first round to the third). A ratio of the two medians can pair runs of
    different rounds; the median of the paired ratios cannot.
    """
    ratios = [a.pages_per_s / b.pages_per_s for a, b in zip(top.runs, bottom.runs, strict=False)]
    return statistics.median(ratios), ratios


@dataclass
class Run:
    pages_per_s: float
    wall: float
    cpu: float
    peak_rss_mb: float
    peak_pss_mb: float
    articles: int
    peak_by_role: dict[str, list[float]]  # MB per process at the peak, by role (main, pool worker...)
    cpu_by_role: dict[str, list[float]]  # CPU seconds per process, by role
    warc_bytes: int = 0  # WARC bytes the crawl wrote (its manifest's ``capture.bytes``)
    first_article: float = math.nan  # seconds from launch to the first article extracted


def crawl_command(site: str, start: date, end: date, output: Path, settings: dict[str, str]) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "events",
               "-a", f"site={site}", "-a", f"start={start}", "-a", f"end={end}"]
    from newsarchive import settings as project

    extensions = {**project.EXTENSIONS, "benchmarks._first_article.FirstArticle": 1000}
    for key, value in {**CRAWL_SETTINGS, "OUTPUT_DIR": str(output), "EXTENSIONS": json.dumps(extensions),
                       **settings}.items():
        command += ["-s", f"{key}={value}"]
    return command


def crawl_articles(output: Path, log_dir: Path) -> tuple[int, int]:
    """Article records the crawl wrote (its feed is the proof that the pages went through), and
    the WARC bytes it wrote.

    Drops are printed: a page that is not an article, or a failed fetch, is a page not extracted.
    """
    feeds = sorted(output.glob("runs/*/articles.jsonl"))
    if not feeds:
        return 0, 0
    manifest = feeds[-1].parent / "manifest.json"
    warc_bytes = 0
    if manifest.exists():
        shutil.copy(manifest, log_dir / "manifest.json")
        data = json.loads(manifest.read_text("utf-8"))
        dropped = data.get("dropped") or {}
        warc_bytes = int((data.get("capture") or {}).get("bytes", 0))
        if dropped:
            print(f"    dropped: {json.dumps(dropped, sort_keys=True)}")
    with feeds[-1].open("rb") as handle:
        return sum(1 for line in handle if line.strip()), warc_bytes


def run_measured(command: list[str], work: Path, name: str, pages: int, output: Path | None) -> Run:
    from benchmarks._first_article import ENV, read
    from benchmarks._procstats import measure

    first_path = work / f"first-{name}"
    first_path.unlink(missing_ok=True)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsarchive.settings", "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
           ENV: str(first_path)}
    launched = time.time()
    result = measure(command, cwd=REPO, env=env, log_dir=work / "logs" / name)
    first = read(str(first_path), launched)
    if result.returncode != 0:
        sys.stderr.write(f"{name}: exit {result.returncode}\n{result.stderr[-4000:]}\n")
        raise SystemExit(1)
    warc_bytes = 0
    if output is not None:
        articles, warc_bytes = crawl_articles(output, work / "logs" / name)
        shutil.rmtree(output, ignore_errors=True)
    else:
        articles = json.loads(result.stdout.strip().splitlines()[-1])["articles"]
    return Run(pages / result.wall, result.wall, result.cpu, result.peak_rss_mb,
               result.peak_pss_mb, articles, result.peak_by_role, result.cpu_by_role, warc_bytes,
               math.nan if first is None else first)


def print_table(variants: list[Variant], repeats: int) -> None:
    print(f"{'run':<34}{'pages':>7}{'pages/s':>9}{'wall s':>9}{'CPU s':>9}"
          f"{'peak RSS MB':>13}{'peak PSS MB':>13}{'articles':>10}{'1st article s':>15}")
    for variant in variants:
        print(f"{variant.label:<34}{variant.pages:>7}{variant.median('pages_per_s'):>9.1f}"
              f"{variant.median('wall'):>9.1f}{variant.median('cpu'):>9.1f}"
              f"{variant.median('peak_rss_mb'):>13.0f}{variant.median('peak_pss_mb'):>13.0f}"
              f"{int(variant.median('articles')):>10}{variant.median('first_article'):>15.2f}"
              + ("" if len(variant.runs) == repeats else f"   ({len(variant.runs)} run)"))


def benchmark(args: argparse.Namespace) -> int:
    from benchmarks._procstats import become_subreaper
    pages_wanted = PAGE_PRESETS.get(args.pages) or int(args.pages)
    pool = args.pool if args.pool is not None else (os.cpu_count() or 1)
    folders = corpus_folders(args.corpus)
    files = corpus_files(folders)
    if not files:
        raise SystemExit(f"error: no .html pages under {args.corpus}")
    if not become_subreaper():
        print("warning: cannot become a child subreaper; pool workers' CPU may be undercounted")
    sizes = [pages_wanted] + ([max(1, pages_wanted // 4)] if args.rss_quarter else [])
    work = Path(tempfile.mkdtemp(prefix="newsarchive-bench-"))
    try:
        variants: list[Variant] = []
        for size in sizes:
            pages = cite(files, size)
            root = work / f"site-{size}"
            start, end = build_root(root, folders, pages)
            with serving(root, handler=SelfCanonicalHandler) as hosts:
                variants += measure_size(args, hosts, pages, start, end, pool, work,
                                         quarter=size != pages_wanted)
        print()
        print(f"newsarchive crawl benchmark: {pages_wanted} pages ({len(files)} files from "
              f"{args.corpus}), pool {pool}, median of {args.repeats}, {os.cpu_count()} CPUs")
        print(f"command: python benchmarks/crawl.py {' '.join(sys.argv[1:])}")
        print()
        print_table(variants, args.repeats)
        print_ratios(variants, pool, pages_wanted)
        if args.baselines:
            print_baseline_ratios(variants, pool, pages_wanted,
                                  [page.file for page in cite(files, pages_wanted)])
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work folder kept: {work}")
    return 0


def measure_size(args: argparse.Namespace, hosts: dict[str, str], pages: list[Page], start: date,
                 end: date, pool: int, work: Path, quarter: bool) -> list[Variant]:
    size = len(pages)
    site = hosts[EVENT_HOST]
    job_file = work / f"jobs-{size}.tsv"
    job_file.write_text("".join(f"{p.file}\t{p.url(hosts[p.host])}\n" for p in pages), "utf-8")
    script = [sys.executable, str(Path(__file__).resolve()), "--extract-only", str(job_file)]
    crawls = {
        "fetch only (crawl, no extraction)": {
            "NEWSARCHIVE_EXTRACT_POOL_SIZE": "0",
            "NEWSARCHIVE_EXTRACT_FUNCTION": "benchmarks.crawl.fetch_only"},
        "fetch only, capture off": {
            "NEWSARCHIVE_EXTRACT_POOL_SIZE": "0", "NEWSARCHIVE_WARC_ENABLED": "False",
            "NEWSARCHIVE_EXTRACT_FUNCTION": "benchmarks.crawl.fetch_only"},
        "crawl, pool off": {"NEWSARCHIVE_EXTRACT_POOL_SIZE": "0"},
        f"crawl, pool {pool}": {"NEWSARCHIVE_EXTRACT_POOL_SIZE": str(pool)},
        f"crawl, pool {pool}, capture off": {"NEWSARCHIVE_EXTRACT_POOL_SIZE": str(pool),
                                             "NEWSARCHIVE_WARC_ENABLED": "False"},
    }
    commands: dict[str, tuple[list[str], Path | None]] = {
        "extract only, 1 process": ([*script, "--processes", "1"], None),
        f"extract only, {pool} processes": ([*script, "--processes", str(pool)], None),
        f"trafilatura alone, {pool} processes": ([*script, "--processes", str(pool), "--plain"], None),
    }
    if quarter:  # memory at N/4: the crawl only
        commands = {}
        crawls = {f"crawl, pool {pool}": crawls[f"crawl, pool {pool}"]}
    for label, settings in crawls.items():
        output = work / "out"
        commands[label] = (crawl_command(site, start, end, output, settings), output)
    if args.baselines and not quarter:
        from benchmarks._baselines import commands as baseline_commands

        commands.update(baseline_commands(job_file, work, pool))
    if args.only:
        commands = {label: command for label, command in commands.items()
                    if any(text in label for text in args.only)}
    variants = {label: Variant(label, size) for label in commands}
    for repeat in range(1 if quarter else args.repeats):
        for label, (command, output) in commands.items():
            name = f"{size}-{repeat}-{''.join(c if c.isalnum() else '_' for c in label)}"
            began = time.perf_counter()
            run = run_measured(command, work, name, size, output)
            variants[label].runs.append(run)
            print(f"[{repeat + 1}] {label}, {size} pages: {run.pages_per_s:.1f} pages/s, "
                  f"CPU {run.cpu:.1f} s, peak RSS {run.peak_rss_mb:.0f} MB, "
                  f"{run.articles} articles, first at {run.first_article:.2f} s "
                  f"({time.perf_counter() - began:.0f} s)", flush=True)
    return list(variants.values())


def _listed(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


def print_ratios(variants: list[Variant], pool: int, pages: int) -> None:
    by_label = {(v.label, v.pages): v for v in variants}
    fetched, unfetched = (by_label.get((f"fetch only{suffix}", pages))
                          for suffix in (" (crawl, no extraction)", ", capture off"))
    if fetched is not None and unfetched is not None:
        extra = [(a.cpu - b.cpu) / pages * 1000 for a, b in zip(fetched.runs, unfetched.runs, strict=False)]
        print()
        print(f"capture CPU in the crawl process (fetch only, on - off): "
              f"{statistics.median(extra):.2f} ms a page   rounds: {_listed(extra)}; "
              f"CPU s on/off {fetched.median('cpu'):.1f}/{unfetched.median('cpu'):.1f}")
    if not all(key in by_label for key in [(f"crawl, pool {pool}", pages), ("crawl, pool off", pages),
                                           (f"extract only, {pool} processes", pages)]):
        if goal_rows(by_label, pool, pages):  # --only: not every variant ran
            print_rows(goal_rows(by_label, pool, pages))
        print_by_role(variants)
        return
    crawl = by_label[(f"crawl, pool {pool}", pages)]
    inline = by_label[("crawl, pool off", pages)]
    extract = by_label[(f"extract only, {pool} processes", pages)]
    quarter = [v for v in variants if v.label == crawl.label and v.pages != pages]
    vs_extract, vs_extract_rounds = paired_ratio(crawl, extract)
    speedup, speedup_rounds = paired_ratio(crawl, inline)
    rows = [
        (f"crawl pool {pool} / extract only {pool} processes (pages/s)",
         f"{vs_extract:.2f}", f">= {TARGET_CRAWL_VS_EXTRACT}   rounds: {_listed(vs_extract_rounds)}"),
        (f"crawl pool {pool} / crawl pool off (pages/s)",
         f"{speedup:.2f}x", f">= {TARGET_POOL_SPEEDUP}x   rounds: {_listed(speedup_rounds)}"),
        (f"crawl pool {pool} / extract only {pool} processes (CPU s)",
         f"{crawl.median('cpu') / extract.median('cpu'):.2f}", ""),
        (f"peak memory (PSS), crawl pool {pool}, {pages} pages",
         f"{crawl.median('peak_pss_mb'):.0f} MB", f"< {TARGET_RSS_MB} MB at 5,000 pages"),
        (f"peak RSS summed over processes, crawl pool {pool}, {pages} pages",
         f"{crawl.median('peak_rss_mb'):.0f} MB", "(counts shared pages in each process)"),
    ]
    uncaptured = by_label.get((f"crawl, pool {pool}, capture off", pages))
    if uncaptured is not None:
        capture_cost, capture_rounds = paired_ratio(crawl, uncaptured)
        rows += [
            (f"crawl pool {pool}, capture on / off (pages/s)", f"{capture_cost:.2f}",
             f">= {TARGET_CAPTURE_COST}   rounds: {_listed(capture_rounds)}"),
            ("WARC bytes written per page (capture on)",
             f"{crawl.median('warc_bytes') / pages / 1024:.1f} KB", "(gzip members, requests included)"),
            (f"peak memory (PSS), crawl pool {pool}, capture on / off",
             f"{crawl.median('peak_pss_mb'):.0f}/{uncaptured.median('peak_pss_mb'):.0f} MB",
             "unchanged (records are streamed)"),
        ]
    rows += [(f"peak RSS / PSS, crawl pool {pool}, {v.pages} pages",
              f"{v.median('peak_rss_mb'):.0f}/{v.median('peak_pss_mb'):.0f} MB",
              "(not growing with pages)") for v in quarter]
    print_rows(rows + goal_rows(by_label, pool, pages))
    median_run = sorted(crawl.runs, key=lambda run: run.peak_rss_mb)[len(crawl.runs) // 2]
    print()
    print(f"peak RSS by process, crawl pool {pool}, {pages} pages: "
          f"{by_role(median_run.peak_by_role, 'MB')}")
    # Where the crawl's CPU goes beyond extraction: the crawl process's own share, and the
    # workers' against the baseline's.
    for variant in (crawl, extract):
        median_run = sorted(variant.runs, key=lambda run: run.cpu)[len(variant.runs) // 2]
        print(f"CPU s by process, {variant.label}, {pages} pages: {by_role(median_run.cpu_by_role, 's')}")


def print_by_role(variants: list[Variant]) -> None:
    """Peak memory and CPU by process of each crawl (its median run by peak RSS)."""
    print()
    for variant in variants:
        if not variant.label.startswith("crawl"):
            continue
        run = sorted(variant.runs, key=lambda r: r.peak_rss_mb)[len(variant.runs) // 2]
        print(f"{variant.label}, {variant.pages} pages: peak {by_role(run.peak_by_role, 'MB')}; "
              f"CPU {by_role(run.cpu_by_role, 's')}")


def goal_rows(by_label: dict, pool: int, pages: int) -> list[tuple[str, str, str]]:
    """The crawl's first article, and the crawl against plain trafilatura (the body alone)."""
    crawl = by_label.get((f"crawl, pool {pool}", pages))
    plain = by_label.get((f"trafilatura alone, {pool} processes", pages))
    if crawl is None:
        return []
    rows = [(f"first archived article, crawl pool {pool} (s from launch)",
             f"{crawl.median('first_article'):.2f}", f"< {TARGET_FIRST_ARTICLE_S} at 500 pages")]
    extract = by_label.get((f"extract only, {pool} processes", pages))
    if extract is not None and ("crawl, pool off", pages) not in by_label:  # --only: else above
        ratio, rounds = paired_ratio(crawl, extract)
        rows.append((f"crawl pool {pool} / extract only {pool} processes (pages/s)", f"{ratio:.2f}",
                     f">= {TARGET_CRAWL_VS_EXTRACT}   rounds: {_listed(rounds)}"))
    if plain is not None:
        ratio, rounds = paired_ratio(crawl, plain)
        rows += [
            (f"crawl pool {pool} / trafilatura alone {pool} processes (pages/s)", f"{ratio:.2f}",
             f">= {TARGET_CRAWL_VS_TRAFILATURA} at 5,000 pages   rounds: {_listed(rounds)}"),
            (f"crawl pool {pool} / trafilatura alone {pool} processes (CPU s)",
             f"{crawl.median('cpu') / plain.median('cpu'):.2f}", ""),
        ]
    return rows


def print_rows(rows: list[tuple[str, str, str]]) -> None:
    print()
    print(f"{'ratio':<62}{'measured':>10}   target")
    for name, value, target in rows:
        print(f"{name:<62}{value:>10}   {target}")


def print_baseline_ratios(variants: list[Variant], pool: int, pages: int, files: list[Path]) -> None:
    from benchmarks._baselines import capture_floor_s, ratio_rows

    by_label = {(v.label, v.pages): v for v in variants}
    rows = ratio_rows(by_label, by_label[(f"crawl, pool {pool}", pages)], pool, pages, paired_ratio,
                      capture_floor_s(files))
    print()
    for name, value, note in rows:
        print(f"{name:<62}{value:>10}   {note}")


def by_role(values: dict[str, list[float]], unit: str) -> str:
    """``main 133 MB, pool worker 141 + 135 MB, ...``: largest roles first."""
    digits = 0 if unit == "MB" else 1
    return ", ".join(
        f"{role} {' + '.join(f'{value:.{digits}f}' for value in sorted(sizes, reverse=True))} {unit}"
        for role, sizes in sorted(values.items(), key=lambda kv: -sum(kv[1]))
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="demo",
                        help="folder of saved .html pages, or 'demo' (the bundled demo outlets)")
    parser.add_argument("--pages", default="2000", help="article pages to crawl, or 'small' (30)")
    parser.add_argument("--pool", type=int, default=None, help="extraction pool size (CPU count)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-rss-quarter", dest="rss_quarter", action="store_false",
                        help="skip the extra crawl at N/4 pages (memory growth)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and logs")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="a Scrapy setting for every crawl (repeatable), e.g. to try a pool option")
    parser.add_argument("--baselines", action="store_true",
                        help="also run trafilatura's CLI and a naive Scrapy spider over the same URLs")
    parser.add_argument("--nightly", action="store_true",
                        help="measure consecutive nightly runs (requests, 304s, extraction CPU), "
                             "before/after conditional refetching, instead of throughput")
    parser.add_argument("--nights", type=int, default=3, help="nightly runs for --nightly (3)")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="run only the variants whose label contains TEXT (repeatable)")
    parser.add_argument("--workers", type=int, default=0,
                        help="N workers sharing one run through a private redis-server, against "
                             "one process (see benchmarks/_scaleout.py)")
    parser.add_argument("--extract-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--processes", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.extract_only:
        return extract_only(args.extract_only, args.processes, args.plain)
    for setting in args.settings:
        name, sep, value = setting.partition("=")
        if not sep:
            parser.error(f"--set: {setting!r} is not NAME=VALUE")
        CRAWL_SETTINGS[name] = value
    if args.pages not in PAGE_PRESETS and not args.pages.isdigit():
        parser.error(f"--pages: {args.pages!r} is not a number or one of {', '.join(PAGE_PRESETS)}")
    if args.nightly:
        from benchmarks._nightly import nightly

        return nightly(args)
    if args.workers:
        from benchmarks._scaleout import scale_out

        folders = corpus_folders(args.corpus)
        return scale_out(args, corpus_files(folders), folders,
                         PAGE_PRESETS.get(args.pages) or int(args.pages),
                         args.pool if args.pool is not None else (os.cpu_count() or 1))
    return benchmark(args)


if __name__ == "__main__":
    raise SystemExit(main())
