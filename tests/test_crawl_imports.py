"""What the crawl process imports at start: not what only the extraction workers, or only a
crawl with capture on, need (each import is CPU at every crawl's start, before the first request).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What the crawl process loads: every spider module (Scrapy's spider loader) and our components.
CRAWL_MODULES = [
    "newsarchive.spiders.events", "newsarchive.spiders.blogs", "newsarchive.spiders.articles",
    "newsarchive.middlewares.extract", "newsarchive.capture.middleware",
    "newsarchive.extensions.state", "newsarchive.extensions.feeds", "newsarchive.exporters",
    "newsarchive.pipelines.dedupe", "newsarchive.pipelines.link", "newsarchive.pipelines.state",
]


def _loaded_after(code: str, watched: list[str]) -> dict[str, bool]:
    script = "\n".join([
        "import json, sys",
        *(f"import {module}" for module in CRAWL_MODULES),
        code,
        f"print(json.dumps({{m: m in sys.modules for m in {watched!r}}}))",
    ])
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=REPO, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_crawl_modules_leave_worker_and_capture_only_imports_out() -> None:
    watched = ["cdxj_indexer", "mwparserfromhell", "newsarchive.parsing.portal",
               "newsarchive.parsing.comments.page",
               "newsarchive.parsing.comments.strategies"]
    assert _loaded_after("", watched) == dict.fromkeys(watched, False)


def test_the_capture_index_imports_cdxj_indexer_with_its_first_record() -> None:
    """Not when the capture starts (``spider_opened``, on the reactor thread, before the first
    request) but in the writer's thread, with the first record it indexes."""
    made = "from newsarchive.capture.index import RunIndex\nindex = RunIndex()"
    assert _loaded_after(made, ["cdxj_indexer"]) == {"cdxj_indexer": False}
    indexed = "\n".join([
        made,
        "from io import BytesIO",
        "from warcio.statusandheaders import StatusAndHeaders",
        "from warcio.warcwriter import WARCWriter",
        "headers = StatusAndHeaders('200 OK', [('Content-Type', 'text/html')], protocol='HTTP/1.1')",
        "record = WARCWriter(BytesIO(), gzip=False).create_warc_record(",
        "    'https://news.example/story', 'response', payload=BytesIO(b'<p>story</p>'),",
        "    http_headers=headers)",
        "index.add(record, 'run-00000.warc.gz', 0, 100)",
        "assert index.count == 1",
    ])
    assert _loaded_after(indexed, ["cdxj_indexer"]) == {"cdxj_indexer": True}
