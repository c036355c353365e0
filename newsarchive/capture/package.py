"""A run's CDXJ index (cdxj-indexer) and its WACZ package (wacz), for pywb and ReplayWeb.page.

``index.cdxj`` beside a run's WARC files is sorted CDXJ, the format pywb reads (one line per
response/revisit record: SURT key, timestamp, JSON with url, status, digest, offset, length,
filename), built while the records are written (``capture/index.py``). ``newsarchive wacz
RUN_DIR`` packages the run's WARC files with ``wacz create``; its pages list
(``pages/pages.jsonl``) is the run's archived articles and event pages, each at the capture its
record points at.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from newsarchive.capture.writer import WARC_SUFFIX

PAGE_FILES = ("events.jsonl", "articles.jsonl")


def run_warcs(run_dir: Path) -> list[Path]:
    return sorted((run_dir / "warc").glob(f"*{WARC_SUFFIX}"))


def record_dates(files: Iterable[Path]) -> dict[str, tuple[str, str]]:
    """WARC-Record-ID -> (target URI, WARC-Date) of every response and revisit record."""
    found: dict[str, tuple[str, str]] = {}
    for path in files:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type in ("response", "revisit"):
                    headers = record.rec_headers
                    found[headers.get_header("WARC-Record-ID")] = (
                        headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date"))
    return found


def pages(run_dir: Path, dates: dict[str, tuple[str, str]]) -> Iterator[dict[str, str]]:
    """The run's event and article records as WACZ pages (url, ts, title), once each."""
    seen: set[str] = set()
    for name in PAGE_FILES:
        path = run_dir / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                record = json.loads(line)
                capture = record.get("capture") or {}
                found = dates.get(capture.get("record_id", ""))
                if found is None or capture["record_id"] in seen:
                    continue
                seen.add(capture["record_id"])
                url, date = found
                yield {"url": url, "ts": date,
                       "title": record.get("headline") or record.get("title") or url}


def make_wacz(run_dir: Path, output: Path) -> int:
    """Package a run as WACZ; the number of pages listed."""
    from wacz.main import main as wacz_main

    files = run_warcs(run_dir)
    if not files:
        raise FileNotFoundError(f"{run_dir}: no WARC files under warc/")
    listed = list(pages(run_dir, record_dates(files)))
    with tempfile.TemporaryDirectory() as tmp:
        pages_file = Path(tmp) / "pages.jsonl"
        with pages_file.open("w", encoding="utf-8") as handle:
            handle.write(json.dumps({"format": "json-pages-1.0", "id": "pages",
                                     "title": f"newsarchive run {run_dir.name}"}) + "\n")
            for page in listed:
                handle.write(json.dumps(page, ensure_ascii=False) + "\n")
        code = wacz_main(["create", "-o", str(output), "-p", str(pages_file),
                          "--title", f"newsarchive run {run_dir.name}",
                          *[str(path) for path in files]])
    if code:
        raise RuntimeError(f"wacz create failed for {run_dir} (exit {code})")
    return len(listed)
