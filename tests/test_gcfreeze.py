"""The crawl process's start-up objects are frozen out of garbage collections once the engine
starts (``newsarchive/extensions/gcfreeze.py``)."""

from __future__ import annotations

import gc

import pytest
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from newsarchive import settings as defaults
from newsarchive.extensions.gcfreeze import FreezeStartupObjects


def test_the_objects_alive_when_the_engine_starts_are_frozen() -> None:
    crawler = get_crawler(settings_dict={"NEWSARCHIVE_GC_FREEZE_ENABLED": True,
                                         "MEMUSAGE_ENABLED": False})
    extension = FreezeStartupObjects.from_crawler(crawler)  # signals hold their receivers weakly
    assert gc.get_freeze_count() == 0
    try:
        crawler.signals.send_catch_log(signals.engine_started)
        assert gc.get_freeze_count() > 1000
        assert extension is not None
    finally:
        gc.unfreeze()


def test_switched_off_it_is_not_configured() -> None:
    crawler = get_crawler(settings_dict={"NEWSARCHIVE_GC_FREEZE_ENABLED": False})
    with pytest.raises(NotConfigured):
        FreezeStartupObjects.from_crawler(crawler)


def test_it_is_on_by_default() -> None:
    assert defaults.NEWSARCHIVE_GC_FREEZE_ENABLED
    assert "newsarchive.extensions.gcfreeze.FreezeStartupObjects" in defaults.EXTENSIONS
