"""The add-on: brings newsarchive, with every default, into any Scrapy project.

``ADDONS = {"newsarchive.addon.NewsarchiveAddon": 0}`` in a project's settings gives the behaviour
of this repo's own project: the spiders (``SPIDER_MODULES`` appended), the components (middlewares,
pipelines, extensions, feed storage) and every default of ``newsarchive/settings.py``, the one
place defaults are written, all at add-on priority, so the project's own settings, a spider's and
``-s`` on the command line still win. It also lays out a run's output: one JSON Lines feed per
record type, ``OUTPUT_DIR/runs/<run_id>/{events,articles,comments}.jsonl``, via Scrapy's FEEDS
with ``item_classes`` (the spider's ``run_id`` attribute fills ``%(run_id)s``). These run feeds
are the archive, always there: a FEEDS setting given in a project's settings or on the command
line (``-o``, ``-O``) adds exports beside them (``configure_feeds``).

The repo's own project (``scrapy.cfg`` -> ``newsarchive.settings``) enables the add-on too.

The add-on also gives the web archive its own download slot (``DOWNLOAD_SLOTS``: one request at a time,
``60 / NEWSARCHIVE_WAYBACK_RATE`` seconds apart; see ``newsarchive.spiders.wayback``).

With ``REDIS_URL`` set, it also switches on the scale-out (``newsarchive.scaleout``): the
scrapy-redis scheduler and dupefilter with the run's keys, the Redis crawl state, the ScaleOut
extension and its SeedOnce middleware, and one set of feed files per worker
(``events-<worker_id>.jsonl``...) in the run's folder.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from scrapy.utils.misc import load_object

import newsarchive.exporters  # noqa: F401  (registers RecordAdapter: every feed sees schema fields only)
from newsarchive.items import Article, Comment, Event, exported_fields

FEED_FILES = {"events": Event, "articles": Article, "comments": Comment}
FEED_STORAGE = "newsarchive.extensions.atomicfeed.AtomicFileFeedStorage"

DEFAULTS_MODULE = "newsarchive.settings"
# Settings of newsarchive.settings that describe this repo's own project, not newsarchive.
PROJECT_ONLY = frozenset({"BOT_NAME", "SPIDER_MODULES", "NEWSPIDER_MODULE", "ADDONS",
                          "COMMANDS_MODULE"})
# Component priority dictionaries: our components are added to the project's, entry by entry.
COMPONENT_DICTS = frozenset({"SPIDER_MIDDLEWARES", "DOWNLOADER_MIDDLEWARES", "ITEM_PIPELINES",
                             "EXTENSIONS"})
SPIDER_MODULE = "newsarchive.spiders"
# Scrapy 2.19's remote control: off by default (REMOTE_CONTROL_ENABLED, newsarchive/settings.py),
# but its extension is still loaded to be told so, and its module imports aiohttp's web server.
REMOTE_CONTROL = "scrapy.extensions.remote_control.RemoteControl"
COOKIES = "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"


def run_dir(output_dir: str | Path, run_id: str) -> Path:
    return Path(output_dir).resolve() / "runs" / run_id


def feed_name(name: str, worker_id: str | None = None) -> str:
    """``events.jsonl``, or ``events-<worker_id>.jsonl`` for one worker of a shared run."""
    return f"{name}-{worker_id}.jsonl" if worker_id else f"{name}.jsonl"


def archive_feeds(settings: BaseSettings) -> dict[str, dict[str, object]]:
    """The run feeds for these settings: the archive's own copy of every record, which the
    crawl state counts (``newsarchive.extensions.feeds``)."""
    return feeds_for(settings.get("OUTPUT_DIR", "output"), per_worker=bool(settings.get("REDIS_URL")))


def feeds_for(output_dir: str | Path, per_worker: bool = False) -> dict[str, dict[str, object]]:
    base = Path(output_dir).resolve() / "runs" / "%(run_id)s"
    return {
        str(base / feed_name(name, "%(worker_id)s" if per_worker else None)): {
            "format": "jsonlines",
            "encoding": "utf8",
            "item_classes": [cls],
            "fields": exported_fields(cls),
            "store_empty": True,
            # One file per type and run, named by the run alone, whatever a project sets for
            # its own exports: FEED_EXPORT_BATCH_ITEM_COUNT would make Scrapy switch off every
            # feed (this path has no %(batch_id)d), FEED_URI_PARAMS could drop %(run_id)s.
            "batch_item_count": 0,
            "uri_params": None,
            # A record has every field of its schema, so the exporter need not ask of each
            # field whether the record has it (~25% of its CPU a record); the lines are the same.
            "item_export_kwargs": {"export_empty_fields": True},
        }
        for name, cls in FEED_FILES.items()
    }


def newsarchive_defaults() -> dict[str, Any]:
    """Every setting ``newsarchive/settings.py`` gives, but those naming this repo's project."""
    module = import_module(DEFAULTS_MODULE)
    return {name: getattr(module, name) for name in dir(module)
            if name.isupper() and name not in PROJECT_ONLY}


class NewsarchiveAddon:
    """Each step is a small method, so that a feature switched on by a setting (for example
    Redis when ``REDIS_URL`` is set) adds one more step to ``update_settings``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NewsarchiveAddon:
        return cls(crawler)

    @classmethod
    def update_pre_crawler_settings(cls, settings: BaseSettings) -> None:
        """Settings read before a crawler exists: where ``scrapy crawl NAME`` finds spiders."""
        settings.add_to_list("SPIDER_MODULES", SPIDER_MODULE)

    def update_settings(self, settings: BaseSettings) -> None:
        self.apply_defaults(settings)
        self.configure_feeds(settings)
        self.configure_wayback_slot(settings)
        self.leave_out_remote_control(settings)
        self.leave_out_cookies(settings)
        if settings.get("REDIS_URL"):
            scale_out_settings(settings)

    def apply_defaults(self, settings: BaseSettings) -> None:
        """Every default at add-on priority. Dictionaries are merged entry by entry: a project's
        own entry wins (for a component, even ``None``, which switches it off)."""
        for name, value in newsarchive_defaults().items():
            if name in COMPONENT_DICTS:
                for component, order in value.items():
                    settings.setdefault_in_component_priority_dict(
                        name, load_object(component), order)
            elif isinstance(value, dict) and isinstance(settings[name], BaseSettings):
                for key, entry in value.items():  # FEED_EXPORTERS and the like: entry by entry
                    settings[name].set(key, entry, priority="addon")
            else:
                settings.set(name, value, priority="addon")

    def leave_out_remote_control(self, settings: BaseSettings) -> None:
        """Not even loaded while it is off: importing it (aiohttp) took ~0.36 s of CPU at every
        crawl's start, before the first request. A project's own entry for it wins, and
        ``REMOTE_CONTROL_ENABLED=True`` loads it as before."""
        if not settings.getbool("REMOTE_CONTROL_ENABLED"):
            _leave_out(settings, "EXTENSIONS", REMOTE_CONTROL)

    def leave_out_cookies(self, settings: BaseSettings) -> None:
        """Scrapy's cookies middleware is not loaded while ``COOKIES_ENABLED`` is off (our
        default): it would only raise ``NotConfigured``, after its module imported tldextract
        and requests (~40 ms of the crawl's start)."""
        if not settings.getbool("COOKIES_ENABLED"):
            _leave_out(settings, "DOWNLOADER_MIDDLEWARES", COOKIES)

    def configure_feeds(self, settings: BaseSettings) -> None:
        """The run feeds, and beside them the project's FEEDS, ``-o`` and ``-O``. Those once
        replaced the run feeds: a nightly ``-O out.jsonl`` then overwrote the records of the
        night before, which the crawl state counted as archived (and ``runs/<run_id>/``, where
        downstream jobs read, held none of them). A feed of the project's at a run feed's own
        path changes that feed's options."""
        archive = archive_feeds(settings)
        own = {str(uri): options for uri, options in settings.getdict("FEEDS").items()}
        feeds = {**archive, **{uri: {**archive.get(uri, {}), **options}
                               for uri, options in own.items()}}
        priority = max(settings.getpriority("FEEDS") or 0, SETTINGS_PRIORITIES["addon"])
        settings.set("FEEDS", feeds, priority=priority)
        storages = settings["FEED_STORAGES"]
        storages.setdefault("", FEED_STORAGE, priority="addon")
        storages.setdefault("file", FEED_STORAGE, priority="addon")

    def configure_wayback_slot(self, settings: BaseSettings) -> None:
        """The web archive's own download slot, merged into a project's ``DOWNLOAD_SLOTS``
        (a project's own entry for it wins)."""
        # imported here: the spiders' modules import the capture, which imports this module
        from newsarchive.spiders.wayback import SLOT as WAYBACK_SLOT
        from newsarchive.spiders.wayback import slot_settings as wayback_slot_settings

        slots = settings["DOWNLOAD_SLOTS"]
        if isinstance(slots, BaseSettings):
            slots.setdefault(WAYBACK_SLOT, wayback_slot_settings(settings), priority="addon")
        else:
            merged = dict(slots or {})
            merged.setdefault(WAYBACK_SLOT, wayback_slot_settings(settings))
            settings.set("DOWNLOAD_SLOTS", merged, priority="addon")


def _leave_out(settings: BaseSettings, name: str, component: str) -> None:
    """Take Scrapy's ``component`` out of the ``name`` component dictionary's ``_BASE``, unless
    the project's own ``name`` has an entry for it (which then wins, as before).

    Out of ``<name>_BASE``, not switched off in ``name``: Scrapy's component managers
    (``get_component_priority_dict_with_base``) import every key of ``name`` to normalise it,
    a ``None`` entry too, but not the keys of ``<name>_BASE``."""
    if any(_class_path(key) == component for key in settings[name]):
        return
    base = settings[name + "_BASE"]
    for key in [key for key in base if _class_path(key) == component]:
        base.set(key, None, priority="addon")


def _class_path(component: object) -> str:
    """A component priority dictionary's key (a class or its import path) as an import path."""
    if isinstance(component, str):
        return component
    return f"{getattr(component, '__module__', '')}.{getattr(component, '__qualname__', '')}"


def scale_out_settings(settings: BaseSettings) -> None:
    """``REDIS_URL`` given: shared queue, dupefilter and state (``newsarchive.scaleout``)."""
    settings.set("SCHEDULER", "newsarchive.scaleout.scheduler.RunScheduler", priority="addon")
    settings.set("DUPEFILTER_CLASS", "newsarchive.scaleout.scheduler.RunDupeFilter",
                 priority="addon")
    settings.set("SCHEDULER_PERSIST", True, priority="addon")
    from newsarchive.scaleout.extension import RedisLossGuard, ScaleOut, SeedOnce

    # before the run commit (50) and the crawl state (100): they lock under the run id agreed here
    settings.setdefault_in_component_priority_dict("EXTENSIONS", ScaleOut, 40)
    settings.setdefault_in_component_priority_dict("SPIDER_MIDDLEWARES", SeedOnce, 10)
    # next to the spider, before extraction (800) sees the output
    settings.setdefault_in_component_priority_dict("SPIDER_MIDDLEWARES", RedisLossGuard, 950)
