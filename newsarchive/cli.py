"""``newsarchive`` command line: ``extract`` (records of a saved page) and ``demo`` (offline crawl).

``newsarchive extract`` runs the very parsing code the spiders run, so a saved page can be
debugged or evaluated without a crawl.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from w3lib.encoding import html_to_unicode

from newsarchive.items import INTERNAL_FIELDS, Article
from newsarchive.urls import url_id

KINDS = ("auto", "article", "event", "day", "portal")
DEMO_SITE = Path(__file__).parent / "demo" / "site"
DEMO_DAYS = ("2024-03-02", "2024-03-05")


def decode_page(data: bytes, content_type: str | None = None) -> str:
    """Bytes to text the way Scrapy does it: header, BOM, <meta charset>, then detection."""
    _encoding, text = html_to_unicode(content_type, data)
    return text


def detect_kind(url: str) -> str:
    from newsarchive.parsing.events import is_day_index_url, is_event_url

    if "Portal:Current_events" in url or "Portal%3ACurrent_events" in url:
        return "portal"
    if is_day_index_url(url):
        return "day"
    if is_event_url(url) or url.endswith(".md"):
        return "event"
    return "article"


def records_for(kind: str, url: str, text: str) -> list[Any]:
    """The records (or, for a day index, the event URLs) a saved page yields."""
    if kind == "day":
        from newsarchive.parsing.events import parse_day_index

        return [{"event_url": u} for u in parse_day_index(url, text)]
    if kind == "event":
        from newsarchive.parsing.events import parse_event_page

        return [parse_event_page(url, text)]
    if kind == "portal":
        from newsarchive.parsing.portal import parse_portal_html, parse_portal_wikitext

        if text.lstrip().startswith("<"):
            return list(parse_portal_html(url, text))
        title = url.split("title=", 1)[-1].split("&", 1)[0] if "title=" in url else url
        return list(parse_portal_wikitext(url.split("/w/")[0], title, text))
    from newsarchive.extraction import extract_article_record

    article = Article(id=url_id(url), url=url, final_url=url, html=text)
    result = extract_article_record(article, datetime.now(UTC).isoformat(timespec="seconds"))
    if result.error:
        raise ValueError(result.error)
    return [result.article, *result.comments]


def _as_json(record: Any) -> str:
    data = record if isinstance(record, dict) else asdict(record)
    for name in INTERNAL_FIELDS:
        data.pop(name, None)
    return json.dumps(data, ensure_ascii=False)


def cmd_extract(args: argparse.Namespace) -> int:
    data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    url = args.url or (Path(args.file).resolve().as_uri() if args.file != "-" else "http://localhost/")
    kind = detect_kind(url) if args.kind == "auto" else args.kind
    try:
        records = records_for(kind, url, decode_page(data))
    except ValueError as error:
        sys.stderr.write(f"error: {args.file}: {error}\n")
        return 1
    for record in records:
        sys.stdout.write(_as_json(record) + "\n")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Serve the bundled demo site on loopback and crawl it with ``scrapy crawl events``."""
    from newsarchive.demo.server import serving

    with serving(DEMO_SITE) as hosts:
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsarchive", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    extract = sub.add_parser("extract", help="print the records a saved page yields, as JSON lines")
    extract.add_argument("file", help="saved page (HTML or Markdown), or - for standard input")
    extract.add_argument("--url", help="the page's URL (decides relative links and ids)")
    extract.add_argument("--kind", choices=KINDS, default="auto",
                         help="what the page is (default: guessed from the URL)")
    extract.set_defaults(func=cmd_extract)
    demo = sub.add_parser("demo", help="crawl the bundled offline demo site")
    demo.add_argument("--output", default="output", help="output folder (default: output)")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
