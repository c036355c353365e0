"""``newsarchive crawl``: a spider with newsarchive's settings from a folder with no ``scrapy.cfg``
(as after ``pip install``): every ``scrapy crawl`` option passes through."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jsonschema

from newsarchive.contract import load_schema
from tests.crawling import TEST_SETTINGS, read_run


def newsarchive(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    return subprocess.run([sys.executable, "-m", "newsarchive", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=240, check=False)


def test_crawl_from_a_folder_without_scrapy_cfg(sites: dict[str, str], tmp_path: Path) -> None:
    assert not any(parent.joinpath("scrapy.cfg").exists() for parent in [tmp_path, *tmp_path.parents])
    options = [item for key, value in TEST_SETTINGS.items() for item in ("-s", f"{key}={value}")]
    done = newsarchive(tmp_path, "crawl", "events", "-a",
                       f"start_urls={sites['events']}/news/2024/03/5/dam-collapse.md",
                       "-a", "related_depth=0", *options)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    run = read_run(done.returncode, log, tmp_path / "output", set())  # OUTPUT_DIR's default
    assert run.manifest["finish_reason"] == "finished", log[-3000:]
    assert [e["url"].rsplit("/", 1)[-1] for e in run.records["event"]] == ["dam-collapse.md"]
    assert run.records["article"]
    for kind, records in run.records.items():
        for record in records:
            jsonschema.validate(record, load_schema(kind))


def test_crawl_bad_argument_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = newsarchive(tmp_path, "crawl", "events", "-a", "site=ftp://example.org")
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: scrapy crawl events: site: 'ftp://example.org' is not an http(s) URL"]
    assert "Traceback" not in done.stderr


def test_crawl_of_an_unknown_spider_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = newsarchive(tmp_path, "crawl", "event")  # a typo of "events"
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: scrapy crawl event: no such spider (this project has: blogs, events)"]
    assert "Traceback" not in done.stderr
    assert "started (bot:" not in done.stderr, "Scrapy's start-up lines before the error"


def test_crawl_without_a_spider_asks_for_one(tmp_path: Path) -> None:
    """argparse once said "required: spider, scrapy_options", though options are optional."""
    done = newsarchive(tmp_path, "crawl")
    assert done.returncode == 2
    assert "which spider? events or blogs" in done.stderr and "scrapy_options" not in done.stderr
    assert not (tmp_path / "output").exists()


def test_wacz_of_a_missing_run_folder_is_a_bad_argument(tmp_path: Path) -> None:
    done = newsarchive(tmp_path, "wacz", str(tmp_path / "runs" / "nope"))
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "no such run folder" in errors[0] and "Traceback" not in done.stderr
