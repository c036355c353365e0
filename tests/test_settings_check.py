"""newsarchive's settings are checked before a crawl starts: a malformed value is one
``error:`` line and exit code 2, not a ValueError in a callback on the night it is first read."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.settings import Settings

from newsarchive.args import ArgumentError
from newsarchive.settings_check import check_settings
from tests.crawling import crawl

DAY = "/news/2024/03/5/index.md"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("NEWSARCHIVE_REFRESH_DAYS", "abc", "is not a whole number"),
    ("NEWSARCHIVE_REFRESH_DAYS", "1.5", "is not a whole number"),
    ("NEWSARCHIVE_EXTRACT_POOL_SIZE", "-3", "is not a whole number of 0 or more"),
    ("NEWSARCHIVE_EXTRACT_TIMEOUT", "nan", "is not a number of 0 or more"),
    ("NEWSARCHIVE_WAYBACK_RATE", "-1", "is not a number of 0 or more"),
    ("NEWSARCHIVE_WARC_ENABLED", "maybe", "is not true or false"),
])
def test_malformed_values_are_refused(name: str, value: str, message: str) -> None:
    with pytest.raises(ArgumentError, match=f"{name}: '{value}' {message}"):
        check_settings(Settings({name: value}))


@pytest.mark.parametrize(("name", "value"), [
    ("NEWSARCHIVE_REFRESH_DAYS", "0"), ("NEWSARCHIVE_REFRESH_DAYS", 14),
    ("NEWSARCHIVE_EXTRACT_POOL_SIZE", ""), ("NEWSARCHIVE_EXTRACT_POOL_SIZE", None),
    ("NEWSARCHIVE_EXTRACT_TIMEOUT", "2.5"), ("NEWSARCHIVE_WARC_ENABLED", "false"),
    ("NEWSARCHIVE_WARC_ENABLED", False), ("NEWSARCHIVE_WAYBACK_URL", "http://127.0.0.1:9"),
])
def test_well_formed_values_pass(name: str, value: object) -> None:
    check_settings(Settings({name: value}))


def test_a_malformed_setting_stops_the_crawl_before_it_starts(
    sites: dict[str, str], tmp_path: Path
) -> None:
    """Read only where a day was archived before: the first run went through, the second
    broke in a callback with exit code 0 and nothing archived."""
    run = crawl("events", tmp_path, {"start_urls": sites["events"] + DAY},
                {"NEWSARCHIVE_REFRESH_DAYS": "abc"})
    assert run.returncode == 2, run.log[-3000:]
    errors = [line for line in run.log.splitlines() if line.startswith("error:")]
    assert errors == ["error: scrapy crawl events: setting NEWSARCHIVE_REFRESH_DAYS: 'abc' is "
                      "not a whole number"], run.log[-3000:]
    assert "Traceback" not in run.log and run.run_dir is None


def test_an_output_dir_that_cannot_be_written_is_one_line_and_exit_2(
    sites: dict[str, str], tmp_path: Path
) -> None:
    taken = tmp_path / "a-file"
    taken.write_text("not a folder", "utf-8")
    run = crawl("events", taken, {"start_urls": sites["events"] + DAY})
    assert run.returncode == 2, run.log[-3000:]
    errors = [line for line in run.log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"OUTPUT_DIR {taken}: cannot write there" in errors[0], errors
    assert "Traceback" not in run.log
    assert taken.read_text("utf-8") == "not a folder"
