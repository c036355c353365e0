"""An extraction function for pool tests: pathological pages that hang or kill their worker.

Real pathological pages (catastrophic regex backtracking, a C extension crash on broken markup)
are rare and version-dependent; this stands in for them deterministically. A page containing
``newsarchive-test:hang`` sleeps forever, ``newsarchive-test:crash`` kills its process with
SIGKILL; every other page goes through the real extraction.
"""

from __future__ import annotations

import os
import signal
import time

from newsarchive.extraction import ArticleResult, extract_article_record
from newsarchive.items import Article


def extract(article: Article, fetched_at: str | None = None) -> ArticleResult:
    html = article.html or ""
    if "newsarchive-test:hang" in html:
        time.sleep(3600)
    if "newsarchive-test:crash" in html:
        os.kill(os.getpid(), signal.SIGKILL)
    return extract_article_record(article, fetched_at)
