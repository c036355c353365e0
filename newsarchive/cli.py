"""``newsarchive`` command line: ``extract`` (records of a saved page), ``demo`` (offline crawl),
``snapshot`` (the newest version of every record), ``reextract`` and ``wacz`` (from the raw
capture, ``newsarchive.capture.commands``) and ``crawl`` (``scrapy crawl`` with newsarchive's
settings, from any folder).

``newsarchive extract`` runs the very parsing code the spiders run, so a saved page can be
debugged or evaluated without a crawl.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from w3lib.encoding import html_to_unicode

from newsarchive.capture.commands import add_commands as add_capture_commands
from newsarchive.items import INTERNAL_FIELDS, Article
from newsarchive.urls import url_id

KINDS = ("auto", "article", "event", "day", "portal")
DEMO_SITE = Path(__file__).parent / "demo" / "site"
DEMO_DAYS = ("2024-03-02", "2024-03-05")
# The demo's hosts are served on DEMO_PORT, DEMO_PORT + 1... in name order: stable URLs, so a
# second demo run finds every record archived. Below Linux's ephemeral range (32768-60999),
# where the crawl's own connections take their local ports.
DEMO_PORT = 18470


def decode_page(data: bytes, content_type: str | None = None) -> str:
    """Bytes to text the way Scrapy does it: header, BOM, <meta charset>, then detection."""
    _encoding, text = html_to_unicode(content_type, data)
    return text


def page_url(args: argparse.Namespace, text: str) -> str:
    """``--url``, else the page's own canonical link, else the file's ``file:`` URL."""
    if args.url:
        return str(args.url)
    from newsarchive.parsing.canonical import canonical_link

    canonical = canonical_link("http://localhost/", text)
    if canonical and canonical.startswith(("http://", "https://")):
        return canonical
    return Path(args.file).resolve().as_uri() if args.file != "-" else "http://localhost/"


def records_for(kind: str, url: str, text: str) -> list[Any]:
    """The records (or, for a day index, the event URLs) a saved page yields.

    Raises ``ValueError`` when the page is not of that kind.
    """
    if kind == "day":
        from newsarchive.parsing.events import parse_day_index

        urls = parse_day_index(url, text)
        if not urls:
            raise ValueError("no links to event pages: this page is not a day index")
        return [{"event_url": u} for u in urls]
    if kind == "event":
        from newsarchive.parsing.events import parse_event_page

        return [parse_event_page(url, text)]
    if kind == "portal":
        from newsarchive.parsing.portal import (
            PORTAL_DEFAULT_BASE,
            parse_portal_html,
            parse_portal_wikitext,
            portal_html_url,
        )

        web = url.startswith(("http://", "https://"))
        if text.lstrip().startswith("<"):
            if not web:  # ids and URLs are the wiki's own: use the portal's URL
                url = portal_html_url(PORTAL_DEFAULT_BASE, "Portal:Current_events")
            return list(parse_portal_html(url, text))
        title = url.split("title=", 1)[-1].split("&", 1)[0] if "title=" in url else ""
        base = url.split("/w/")[0] if web else PORTAL_DEFAULT_BASE
        return list(parse_portal_wikitext(base, title, text))
    from newsarchive.extraction import extract_article_record

    article = Article(id=url_id(url), url=url, final_url=url, html=text)
    result = extract_article_record(article, _now())
    if result.error:
        raise ValueError(result.error)
    return [result.article, *result.comments]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def as_record(record: Any, run_id: str, fetched_at: str) -> dict[str, Any]:
    """A record as a crawl writes it: trimmed and dated the same way (the normalize stage), run
    fields filled in, internal fields left out."""
    if isinstance(record, dict):
        return record
    from newsarchive.pipelines.normalize import normalize

    normalize(record)
    record.run_id = run_id
    record.fetched_at = record.fetched_at or fetched_at
    data = asdict(record)
    for name in INTERNAL_FIELDS:
        data.pop(name, None)
    return data


def cmd_extract(args: argparse.Namespace) -> int:
    from newsarchive.parsing.kind import guess_kind, kind_mismatch
    from newsarchive.spiders.base import new_run_id

    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as error:
        sys.stderr.write(f"error: {args.file}: {error.strerror or error}\n")
        return 2
    text = decode_page(data)
    url = page_url(args, text)
    try:
        if args.kind == "auto":
            kind = guess_kind(url, text)
        else:
            kind = args.kind
            problem = kind_mismatch(kind, url, text)
            if problem:
                raise ValueError(problem)
        records = records_for(kind, url, text)
    except ValueError as error:
        sys.stderr.write(f"error: {args.file}: {error}\n")
        return 1
    if not url.startswith(("http://", "https://")) and kind != "portal":
        sys.stderr.write(f"warning: {args.file}: no --url and no canonical link: ids and URLs "
                         "are the file's, not the page's\n")
    run_id, fetched_at = new_run_id(), _now()
    for record in records:
        data_ = as_record(record, run_id, fetched_at)
        sys.stdout.write(json.dumps(data_, ensure_ascii=False) + "\n")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Serve the bundled demo site on loopback and crawl it with ``scrapy crawl events``."""
    from newsarchive.demo.server import serving

    with ExitStack() as stack:
        try:
            hosts = stack.enter_context(serving(DEMO_SITE, base_port=args.port))
        except OSError as error:
            print(f"demo: port {args.port} or one after it is taken ({error.strerror}); serving "
                  "on free ports instead: the URLs, hence the record ids, differ from earlier "
                  "demo runs, so this run archives everything again (or pass --port)", flush=True)
            hosts = stack.enter_context(serving(DEMO_SITE))
        command = [
            sys.executable, "-m", "scrapy", "crawl", "events",
            "-a", f"site={hosts['events']}", "-a", f"start={DEMO_DAYS[0]}",
            "-a", f"end={DEMO_DAYS[1]}",
            "-s", f"OUTPUT_DIR={args.output}", "-s", "AUTOTHROTTLE_ENABLED=False",
        ]
        print("demo site:", json.dumps(hosts), flush=True)
        print("running:", " ".join(command), flush=True)
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsarchive.settings"}
        code = subprocess.call(command, env=env)
    runs = sorted((Path(args.output) / "runs").glob("*/manifest.json"))
    if runs:
        print(f"archive written to {runs[-1].parent}")
        print(runs[-1].read_text("utf-8"))
    return code


def cmd_snapshot(args: argparse.Namespace) -> int:
    """Fold the runs finished since the last snapshot into ``OUTPUT/snapshot/``."""
    from newsarchive.archive import ArchiveError, snapshot

    try:
        result = snapshot(args.output, full=args.full)
    except (ArchiveError, OSError) as error:
        sys.stderr.write(f"error: snapshot: {error}\n")
        return 2
    for problem in result.problems:
        sys.stderr.write(f"warning: skipped {problem}\n")
    counts = ", ".join(f"{kind} {count}" for kind, count in result.counts.items())
    if result.runs_read:
        print(f"snapshot {result.folder}: {len(result.runs_read)} new runs folded in "
              f"({result.versions_read} record versions read; {len(result.runs)} runs in all): "
              f"{counts}")
    else:
        print(f"snapshot {result.folder}: up to date ({len(result.runs)} runs): {counts}")
    return 1 if result.problems else 0


def cmd_crawl(args: argparse.Namespace) -> int:
    """``scrapy crawl`` with this package's settings, from any folder (no ``scrapy.cfg`` needed)."""
    from scrapy.cmdline import execute

    if not args.spider or args.spider.startswith("-"):
        args.parser.error("which spider? events or blogs (newsarchive crawl SPIDER [options])")
    os.environ["SCRAPY_SETTINGS_MODULE"] = "newsarchive.settings"
    try:
        execute(["scrapy", "crawl", args.spider, *args.scrapy_options])
    except SystemExit as done:  # execute() always ends with sys.exit
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


def add_crawl_command(sub: argparse._SubParsersAction) -> None:
    crawl = sub.add_parser(
        "crawl", help="run a spider with newsarchive's settings, from any folder",
        description="Runs `scrapy crawl SPIDER [options]` with newsarchive's own settings "
                    "(SCRAPY_SETTINGS_MODULE=newsarchive.settings); every `scrapy crawl` option "
                    "works: -a NAME=VALUE, -s NAME=VALUE, -o/-O FILE, -L LEVEL...")
    # nargs="?": argparse would otherwise name the REMAINDER as required too when no spider is
    # given ("required: spider, scrapy_options"), though options are optional
    crawl.add_argument("spider", nargs="?", help="events or blogs")
    crawl.add_argument("scrapy_options", nargs=argparse.REMAINDER,
                       help="options for scrapy crawl")
    crawl.set_defaults(func=cmd_crawl, parser=crawl)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsarchive", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    extract = sub.add_parser("extract", help="print the records a saved page yields, as JSON lines")
    extract.add_argument("file", help="saved page (HTML or Markdown), or - for standard input")
    extract.add_argument("--url", help="the page's URL (decides relative links and ids)")
    extract.add_argument("--kind", choices=KINDS, default="auto",
                         help="what the page is (default: guessed from its content, then its URL);"
                         " a page of another kind is an error")
    extract.set_defaults(func=cmd_extract)
    demo = sub.add_parser("demo", help="crawl the bundled offline demo site")
    demo.add_argument("--output", default="output", help="output folder (default: output)")
    demo.add_argument("--port", type=int, default=DEMO_PORT,
                      help=f"first of the demo site's ports, one per host (default: {DEMO_PORT});"
                      " the same ports keep the URLs and ids of earlier runs")
    demo.set_defaults(func=cmd_demo)
    snap = sub.add_parser("snapshot", help="the newest version of every record, one file per type,"
                          " from all finished runs (incremental)")
    snap.add_argument("--output", default="output", help="output folder (default: output)")
    snap.add_argument("--full", action="store_true",
                      help="rebuild from every run instead of the previous snapshot")
    snap.set_defaults(func=cmd_snapshot)
    add_capture_commands(sub)
    add_crawl_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
