"""Opens the crawl state for a run; ``RunCommit`` commits it once the run's output is durable.

The state lives in ``OUTPUT_DIR/state/state.sqlite``. The run's writes stay in memory
(``newsarchive.state.run``) until ``commit``: one transaction that also records the run id, made
only after every feed is stored and the manifest is prepared (see ``extensions.commit``); a killed
or failed run commits nothing. A run whose state was committed but whose manifest was not yet
renamed (a crash in between) is finished when the next crawl opens the state (``recover``).

Settings: ``NEWSARCHIVE_STATE_ENABLED``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsarchive.extensions.feeds import record_exported
from newsarchive.extensions.manifest import MANIFEST_NAME, publish
from newsarchive.state.base import StateLocked
from newsarchive.state.run import RunState
from newsarchive.state.sqlite import SQLiteState

logger = logging.getLogger(__name__)


def state_path(output_dir: str | Path) -> Path:
    return Path(output_dir).resolve() / "state" / "state.sqlite"


class CrawlStateExtension:
    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        self.store = SQLiteState(path)
        try:
            # the lock file names the holder (the acquire adds its pid) for the message below
            self.store.acquire(f"run {getattr(crawler.spider, 'run_id', 'unknown')}")
        except StateLocked as error:
            self.store.close()
            # catchable in-process; ``scrapy crawl`` makes it one line and exit code 3
            raise StateLocked(f"another crawl is running on {path.parent.parent}: {error}") from None
        self.recover(path.parent.parent)
        self.run = RunState(self.store)
        crawler.signals.connect(self.record_exported, signal=record_exported)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlStateExtension:
        if not crawler.settings.getbool("NEWSARCHIVE_STATE_ENABLED"):
            raise NotConfigured
        return cls(crawler, state_path(crawler.settings.get("OUTPUT_DIR", "output")))

    def recover(self, output_dir: Path) -> None:
        """Finish runs whose state was committed but whose manifest was not renamed yet."""
        for part in sorted(output_dir.glob(f"runs/*/{MANIFEST_NAME}.part")):
            run_id = part.parent.name
            if part.with_name(MANIFEST_NAME).exists() or not self.store.has_run(run_id):
                continue  # not committed: an unfinished run, redone by this one
            publish(part)
            logger.warning("run %s: state committed before a crash, manifest now published", run_id)

    def record_exported(self, item: Any, held: bool) -> None:
        if held:
            self.run.record_held(item.id)

    def commit(self, run_id: str) -> None:
        """Apply the run's writes and its run id in one durable transaction."""
        self.run.commit(run_id)
        logger.info("crawl state committed to %s", self.path)

    def close(self) -> None:
        self.store.close()


def run_state(crawler: Crawler) -> RunState | None:
    """The run's state, or None when state is switched off."""
    extension = crawler.get_extension(CrawlStateExtension)
    return extension.run if extension is not None else None

