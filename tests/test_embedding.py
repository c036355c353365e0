"""A program that runs Scrapy in-process survives a crawl that cannot start.

A bad spider argument and an output folder another crawl holds raise ordinary exceptions
(``ArgumentError``, a ``ValueError``; ``StateLocked``) from ``crawl()``; the program catches them
and goes on. (``scrapy crawl`` turns the same errors into one line and exit codes 2 and 3: see
``test_e2e_events.py::test_bad_arguments_fail_with_one_line`` and ``test_e2e_cron.py``.)

The program runs in a subprocess because a Twisted reactor runs once per process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.crawling import crawl_env

PROGRAM = textwrap.dedent("""
    import sys
    from scrapy.crawler import AsyncCrawlerProcess
    from scrapy.utils.project import get_project_settings

    from newsarchive.args import ArgumentError
    from newsarchive.extensions.state import state_path
    from newsarchive.state.base import StateLocked
    from newsarchive.state.sqlite import SQLiteState

    output = sys.argv[1]
    holder = SQLiteState(state_path(output))
    holder.acquire("the embedding program")  # as if another crawl held the folder
    settings = get_project_settings()
    settings.set("OUTPUT_DIR", output, priority="cmdline")
    settings.set("NEWSARCHIVE_EXTRACT_POOL_SIZE", 0, priority="cmdline")
    process = AsyncCrawlerProcess(settings)
    bad = process.crawl("events", site="ftp://example.org")
    locked = process.crawl("events", start_urls="http://127.0.0.1:9/news/2024/03/5/index.md")
    process.start()
    for name, task in (("bad", bad), ("locked", locked)):
        error = task.exception()
        print(name, type(error).__name__, isinstance(error, (ArgumentError, StateLocked)),
              isinstance(error, ValueError), error, flush=True)
    print("still running", flush=True)
""")


def test_errors_are_catchable_in_process(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PROGRAM, str(tmp_path / "out")], cwd=tmp_path,
                          env=crawl_env(), capture_output=True, text=True, timeout=120,
                          check=False)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr[-3000:]
    assert lines[-1] == "still running", done.stderr[-3000:]
    bad = next(line for line in lines if line.startswith("bad "))
    assert bad.startswith("bad ArgumentError True True") and "not an http(s) URL" in bad
    locked = next(line for line in lines if line.startswith("locked "))
    assert locked.startswith("locked StateLocked True False")
    assert "another crawl is running on" in locked and "the embedding program" in locked
