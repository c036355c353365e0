"""Opens the crawl state for a run; ``RunCommit`` commits it once the run's output is durable.

The state lives in ``OUTPUT_DIR/state/state.sqlite``. The run's writes stay in memory
(``newsarchive.state.run``) until ``commit``: one transaction that also records the run id, made
only after every feed is stored and the manifest is prepared (see ``extensions.commit``); a killed
or failed run commits nothing. A run whose state was committed but whose manifest was not yet
renamed (a crash in between) is finished when the next crawl opens the state (``recover``).

With ``REDIS_URL`` the state is in Redis instead (``newsarchive.state.redis_state``, keys under
``NEWSARCHIVE_REDIS_PREFIX``), shared by the workers of one run: they hold its lock together
(its owner is the run id), and each commits its own writes after its own feeds are stored; the
run's dedupe claims are shared among them while it runs (``newsarchive.state.shared_run``).

Settings: ``NEWSARCHIVE_STATE_ENABLED``, ``REDIS_URL``, ``NEWSARCHIVE_REDIS_PREFIX``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsarchive.extensions.feeds import record_exported
from newsarchive.extensions.manifest import MANIFEST_NAME, publish
from newsarchive.run_context import run_context
from newsarchive.state.base import CrawlState, StateDamaged, StateLocked
from newsarchive.state.run import RunState
from newsarchive.state.shared_run import SharedRun
from newsarchive.state.sqlite import SQLiteState

logger = logging.getLogger(__name__)


def lock_owner(run_id: str) -> str:
    """Who holds the state's lock: the run (the workers of a shared run hold it together)."""
    return f"run {run_id}"


def state_path(output_dir: str | Path) -> Path:
    return Path(output_dir).resolve() / "state" / "state.sqlite"


def open_store(crawler: Crawler) -> tuple[CrawlState, str]:
    """The crawl state the settings name, and where it is (for messages)."""
    settings = crawler.settings
    url = settings.get("REDIS_URL")
    if url:
        from newsarchive.scaleout.connection import RedisUnavailable, connect, redacted
        from newsarchive.scaleout.extension import ScaleOut, fail
        from newsarchive.state.redis_state import RedisState

        prefix = settings.get("NEWSARCHIVE_REDIS_PREFIX", "newsarchive")
        extension = ScaleOut.of(crawler)
        try:
            client = extension.client if extension is not None else connect(url)
        except RedisUnavailable as error:
            fail(str(error))
        return RedisState(client, prefix), f"{redacted(url)} ({prefix})"
    path = state_path(settings.get("OUTPUT_DIR", "output"))
    try:
        return SQLiteState(path), str(path.parent.parent)
    except StateDamaged as error:
        # catchable in-process; ``scrapy crawl`` makes it one line and exit code 1
        raise StateDamaged(
            f"the crawl state is damaged ({error}); nothing was fetched. Restore "
            f"{path.parent} from a backup, or move it aside: the next run then starts a new "
            "state and fetches everything again") from None


class CrawlStateExtension:
    def __init__(self, crawler: Crawler, store: CrawlState, where: str) -> None:
        self.crawler = crawler
        self.path = where
        self.store = store
        try:
            # the lock names the holder (SQLite's adds its pid) for the message below
            context = run_context(crawler)
            self._acquire(lock_owner(context.run_id if context is not None else "unknown"))
        except StateLocked as error:
            self.store.close()
            # catchable in-process; ``scrapy crawl`` makes it one line and exit code 3
            raise StateLocked(f"another crawl is running on {where}: {error}") from None
        self.recover(Path(crawler.settings.get("OUTPUT_DIR", "output")).resolve())
        self.run = RunState(self.store, self._shared_run())
        crawler.signals.connect(self.record_exported, signal=record_exported)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlStateExtension:
        if not crawler.settings.getbool("NEWSARCHIVE_STATE_ENABLED"):
            raise NotConfigured
        return cls(crawler, *open_store(crawler))

    def _scale_out(self) -> Any:
        if not self.crawler.settings.get("REDIS_URL"):
            return None
        from newsarchive.scaleout.extension import ScaleOut

        return ScaleOut.of(self.crawler)

    def _shared_run(self) -> SharedRun | None:
        """The run's dedupe claims shared with its other workers (``REDIS_URL``), or None."""
        extension = self._scale_out()
        if extension is None:
            return None
        return SharedRun(extension.client, extension.coordinator.key("dedupe"))

    def _acquire(self, owner: str) -> None:
        try:
            self.store.acquire(owner)
        except StateLocked:
            if not self._break_dead_runs_lock():
                raise
            self.store.acquire(owner)

    def _break_dead_runs_lock(self) -> bool:
        """In Redis, the lock of a run whose workers all died (killed, or stopped while Redis
        was away) would hold until it lapses: free it when no worker of that run beats."""
        from newsarchive.state.redis_state import RedisState

        extension = self._scale_out()
        holder = self.store.lock_holder() if isinstance(self.store, RedisState) else None
        if extension is None or holder is None or not holder.startswith("run "):
            return False
        run_id = holder.removeprefix("run ")
        if extension.coordinator.run_alive(run_id):
            return False
        logger.warning("crawl state held by run %s, none of whose workers is alive: freed",
                       run_id)
        RedisState.release_for_all(extension.client, extension.coordinator.prefix, holder)
        return True

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
        extension = self._scale_out()
        if extension is not None and extension.failed:
            # items in flight failed in the pipelines that read the state: nothing is applied
            raise ConnectionError(f"Redis went away during the run ({extension.failed})")
        try:
            if extension is not None:
                self._forget_pages_if_a_worker_was_lost(extension)
            self.run.commit(run_id)
        except Exception as error:
            if _is_redis_error(error):  # the commit step reports an OSError as a failed run
                raise ConnectionError(f"Redis: {' '.join(str(error).split())}") from error
            raise
        logger.info("crawl state committed to %s", self.path)

    def _forget_pages_if_a_worker_was_lost(self, extension: Any) -> None:
        """A worker of this run died: records it emitted never reached a finished feed, yet
        events that other workers emitted may count its articles as settled. This worker's
        day pages are then not remembered, so the next run reads them again and fetches
        every source the state does not hold (events unchanged are not emitted again)."""
        lost = extension.coordinator.lost_workers()
        if lost:
            self.run.forget_pages()
            logger.warning("run lost worker(s) %s: day pages will be read again next run",
                           ", ".join(lost))

    def close(self) -> None:
        self.run.close()
        try:
            self.store.close()
        except Exception as error:
            if not _is_redis_error(error):
                raise
            logger.warning("crawl state: Redis gone while closing (%s)", error)


def _is_redis_error(error: BaseException) -> bool:
    try:
        from redis.exceptions import RedisError
    except ImportError:
        return False
    return isinstance(error, RedisError)


def run_state(crawler: Crawler) -> RunState | None:
    """The run's state, or None when state is switched off."""
    extension = crawler.get_extension(CrawlStateExtension)
    return extension.run if extension is not None else None

