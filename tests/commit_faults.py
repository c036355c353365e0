"""A test extension that strikes at one step of finishing a run: ``NEWSARCHIVE_TEST_FAULT``.

``<action>:<step>``. Steps: ``spider_opened`` (Scrapy's signal: the feeds then fail as they are
written) or a ``commit_step`` of ``newsarchive.extensions.commit`` (``feeds_stored``,
``manifest_prepared``, ``state_committed``). Actions:

- ``kill``: the crawl process SIGKILLs itself, as the OOM killer or a power cut would;
- ``fill``: fills the filesystem that holds ``OUTPUT_DIR`` until it has no byte left, so every
  later write gets a real ``ENOSPC`` from the kernel. Run the crawl on a small tmpfs of its own
  (``tests/test_e2e_faults.py`` mounts one in a private mount namespace).
"""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsarchive.extensions.commit import commit_step

FILLER = "disk-filler"


class InjectFault:
    def __init__(self, action: str, step: str, output_dir: Path) -> None:
        self.action, self.step, self.output_dir = action, step, output_dir

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> InjectFault:
        fault = os.environ.get("NEWSARCHIVE_TEST_FAULT")
        if not fault:
            raise NotConfigured
        action, step = fault.split(":")
        extension = cls(action, step, Path(crawler.settings.get("OUTPUT_DIR")))
        crawler.signals.connect(extension.on_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.on_step, signal=commit_step)
        return extension

    def on_opened(self, **kwargs: Any) -> None:
        self.on_step("spider_opened")

    def on_step(self, step: str, **kwargs: Any) -> None:
        if step != self.step:
            return
        if self.action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif self.action == "fill":
            fill_disk(self.output_dir / FILLER)


def fill_disk(path: Path) -> None:
    """Write until the filesystem is full, in smaller and smaller pieces down to one byte."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb", buffering=0) as handle:
        size = 1 << 20
        while size:
            try:
                while handle.write(b"\0" * size) == size:
                    pass
            except OSError as error:
                if error.errno not in (errno.ENOSPC, errno.EFBIG):
                    raise
            size //= 2
