"""``NEWSARCHIVE_RELATED_DEPTH`` is the default of the events spider's ``related_depth``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crawling import crawl

START = "/news/2024/03/5/dam-collapse.md"


@pytest.mark.parametrize(("args", "expected_depth", "expected"), [
    ({}, 2, {"5/dam-collapse.md", "4/heavy-rain.md", "3/storm-warning.md"}),
    ({"related_depth": "0"}, 0, {"5/dam-collapse.md"}),  # the argument wins over the setting
])
def test_setting_gives_the_default_depth(sites: dict[str, str], tmp_path: Path,
                                         args: dict[str, str], expected_depth: int,
                                         expected: set[str]) -> None:
    run = crawl("events", tmp_path, {"start_urls": sites["events"] + START, **args},
                settings={"NEWSARCHIVE_RELATED_DEPTH": "2"})
    assert run.returncode == 0, run.log[-3000:]
    assert {e["url"].split("/news/2024/03/")[1] for e in run.records["event"]} == expected
    assert run.manifest["arguments"]["related_depth"] == expected_depth
