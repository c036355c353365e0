"""An extraction function for pool tests: pathological pages that hang or kill their worker.

Real pathological pages (catastrophic regex backtracking, a C extension crash on broken markup)
are rare and version-dependent; this stands in for them deterministically. A page containing
``newsarchive-test:hang`` sleeps forever, ``newsarchive-test:crash`` kills its process with
SIGKILL, as does a page whose URL ends with ``NEWSARCHIVE_TEST_CRASH_URL`` (the environment the
workers inherit); every other page goes through the real extraction.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from newsarchive.extraction import extract_article_record
from newsarchive.items import Article, ArticleResult, page_text


def extract(article: Article, fetched_at: str | None = None) -> ArticleResult:
    html = page_text(article.html)
    if "newsarchive-test:hang" in html:
        time.sleep(3600)
    crash_url = os.environ.get("NEWSARCHIVE_TEST_CRASH_URL")
    if "newsarchive-test:crash" in html or (crash_url and article.url.endswith(crash_url)):
        os.kill(os.getpid(), signal.SIGKILL)
    return extract_article_record(article, fetched_at)


def exit_soon(delay: float) -> int:
    """Returns this worker's pid, and the worker exits with an error ``delay`` seconds later,
    idle, as when the OOM killer picks it between two pages."""
    threading.Timer(delay, os._exit, args=(1,)).start()
    return os.getpid()


def worker_pid() -> int:
    return os.getpid()


def _slowly_unpickled(value: str) -> SlowResult:
    time.sleep(0.6)  # runs in the crawl process, in pebble's result thread
    return SlowResult(value)


class SlowResult:
    """A result that takes the crawl process 0.6 s to unpickle: pebble's result thread is busy
    with it while its pool manager notices the worker's death."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return _slowly_unpickled, (self.value,)


def slow_result(value: str) -> SlowResult:
    return SlowResult(value)


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
