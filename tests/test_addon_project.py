"""The add-on in a user's own Scrapy project: ``scrapy startproject``, then only
``ADDONS = {"newsarchive.addon.NewsarchiveAddon": 0}``, gives this repo's behaviour.

The end-to-end test generates a project with Scrapy's own ``startproject`` (its template sets
``ROBOTSTXT_OBEY``, ``CONCURRENT_REQUESTS_PER_DOMAIN = 1`` and ``DOWNLOAD_DELAY = 1``, which
stay the user's), crawls the loopback demo site from the project folder, with no
``SCRAPY_SETTINGS_MODULE`` and no newsarchive settings module anywhere, and checks what a user
would: every record valid, the manifest and the crawl state written, exit code 0.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from scrapy.settings import Settings

from newsarchive.addon import COOKIES, REMOTE_CONTROL, NewsarchiveAddon
from newsarchive.contract import load_schema
from tests.crawling import read_jsonl

ADDON = "newsarchive.addon.NewsarchiveAddon"
RANGE = ("2024-03-02", "2024-03-05")


def user_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    return {**env, "PYTHONUNBUFFERED": "1"}


def start_project(folder: Path, extra_settings: str) -> Path:
    subprocess.run([sys.executable, "-m", "scrapy", "startproject", "userproj", str(folder)],
                   check=True, capture_output=True, env=user_env(), timeout=60)
    settings = folder / "userproj" / "settings.py"
    settings.write_text(settings.read_text("utf-8") + f"\nADDONS = {{{ADDON!r}: 0}}\n"
                        + extra_settings, "utf-8")
    return folder


@pytest.fixture(scope="module")
def user_run(sites: dict[str, str], tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[subprocess.CompletedProcess[str], Path]:
    # The user's own setting must beat the add-on's default (OUTPUT_DIR = "output").
    # A project-wide DEPTH_LIMIT (for the project's own spiders) must not cut newsarchive's
    # spiders short: it once dropped related events and their sources without a trace.
    project = start_project(tmp_path_factory.mktemp("userproj"),
                            'OUTPUT_DIR = "archive"\nDEPTH_LIMIT = 1\n')
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "events", "-a", f"site={sites['events']}",
         "-a", f"start={RANGE[0]}", "-a", f"end={RANGE[1]}",
         # test speed only; the template's politeness settings stay the user's otherwise
         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
         "-s", "NEWSARCHIVE_EXTRACT_POOL_SIZE=0"],
        cwd=project, env=user_env(), capture_output=True, text=True, timeout=240, check=False)
    return done, project


def test_generated_project_with_only_the_addon(user_run: tuple[subprocess.CompletedProcess[str],
                                                                Path]) -> None:
    done, project = user_run
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    assert "Traceback" not in log and "] ERROR:" not in log, log[-3000:]
    assert not (project / "output").exists(), "the project's OUTPUT_DIR must win"
    runs = sorted((project / "archive" / "runs").iterdir())
    assert len(runs) == 1, log[-3000:]
    manifest = json.loads((runs[0] / "manifest.json").read_text("utf-8"))
    assert manifest["finish_reason"] == "finished"
    assert (project / "archive" / "state" / "state.sqlite").exists()
    counts = {}
    for kind, name in (("event", "events"), ("article", "articles"), ("comment", "comments")):
        records = read_jsonl(runs[0] / f"{name}.jsonl")
        assert records, f"no {kind} records\n{log[-3000:]}"
        for record in records:
            jsonschema.validate(record, load_schema(kind))
            assert record["run_id"] == manifest["run_id"]
        counts[kind] = len(records)
    assert manifest["counts"] == counts
    articles = read_jsonl(runs[0] / "articles.jsonl")
    assert all(a["title"] and a["body"] for a in articles if a["http_status"] == 200)
    events = read_jsonl(runs[0] / "events.jsonl")
    archived = {e["id"] for e in events}
    in_range = [e for e in events if RANGE[0] <= e["date"] <= RANGE[1]]
    assert {r["id"] for e in in_range for r in e["related"]} <= archived, "related events followed"
    assert {s["article_id"] for e in events for s in e["sources"] if s["kind"] == "article"} \
        <= {a["id"] for a in articles}
    assert sum(a["comment_count"] for a in articles) == counts["comment"]


class UserPipeline:
    """A project's own pipeline (only loaded, never run)."""


def _settings(project: dict[str, object]) -> Settings:
    settings = Settings()
    settings.setdict(project, priority="project")
    NewsarchiveAddon.update_pre_crawler_settings(settings)
    NewsarchiveAddon(crawler=None).update_settings(settings)  # type: ignore[arg-type]
    return settings


def test_addon_defaults_lose_to_the_project_and_merge_components() -> None:
    settings = _settings({
        "SPIDER_MODULES": ["userproj.spiders"],
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "NEWSARCHIVE_REFRESH_DAYS": 2,
        "ITEM_PIPELINES": {"tests.test_addon_project.UserPipeline": 900,
                           "newsarchive.pipelines.dedupe.DedupePipeline": None},
    })
    assert settings.getlist("SPIDER_MODULES") == ["userproj.spiders", "newsarchive.spiders"]
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getint("NEWSARCHIVE_REFRESH_DAYS") == 2
    assert settings.get("PORTAL_BASE_URL") == "https://en.wikipedia.org"
    assert settings.getpriority("PORTAL_BASE_URL") == 15  # add-on priority
    pipelines = settings.getdict("ITEM_PIPELINES")
    assert pipelines["tests.test_addon_project.UserPipeline"] == 900
    names = {getattr(k, "__module__", k) + "." + getattr(k, "__name__", "") for k in pipelines}
    assert "newsarchive.pipelines.state.StatePipeline" in names
    # the user's None (switched off) stays; the add-on does not put the pipeline back
    assert [v for k, v in pipelines.items() if "DedupePipeline" in str(k)] == [None]
    downloader = settings.get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES")
    assert any("newsarchive.middlewares.safety" in str(k) for k, v in downloader.items() if v)
    assert "newsarchive.extensions.atomicfeed" in settings.getdict("FEED_STORAGES")["file"]


def test_addon_merges_plain_dictionaries_entry_by_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    import newsarchive.settings as defaults

    monkeypatch.setattr(defaults, "FEED_EXPORTERS", {"csv": "ours.Csv", "xml": "ours.Xml"},
                        raising=False)
    settings = _settings({"FEED_EXPORTERS": {"csv": "mine.Csv"},
                          "FEED_STORAGES": {"s3": "mine.S3"}})
    assert settings.getdict("FEED_EXPORTERS") == {"csv": "mine.Csv", "xml": "ours.Xml"}
    assert settings.getdict("FEED_STORAGES")["s3"] == "mine.S3"
    assert "atomicfeed" in settings.getdict("FEED_STORAGES")["file"]


def test_the_remote_control_is_left_out_while_off() -> None:
    """Loading Scrapy's remote control (off) imported aiohttp's web server at every crawl's start."""
    extensions = _settings({}).get_component_priority_dict_with_base("EXTENSIONS")
    assert extensions[REMOTE_CONTROL] is None
    switched_on = _settings({"REMOTE_CONTROL_ENABLED": True})
    assert switched_on.get_component_priority_dict_with_base("EXTENSIONS")[REMOTE_CONTROL] == 0
    own_entry = _settings({"EXTENSIONS": {REMOTE_CONTROL: 10}})
    assert own_entry.get_component_priority_dict_with_base("EXTENSIONS")[REMOTE_CONTROL] == 10


def _imported_after_loading(manager: str, setting: str, own: dict[str, int], module: str) -> bool:
    """Whether loading every component a Scrapy manager would load (its own list: it imports
    every key of the setting to normalise it) imports ``module``, in a fresh interpreter."""
    package, name = manager.rsplit(".", 1)
    code = (
        "import sys\n"
        f"from {package} import {name}\n"
        "from scrapy.utils.misc import load_object\n"
        "from tests.test_addon_project import _settings\n"
        f"settings = _settings({{{setting!r}: {own!r}}})\n"
        f"for path in {name}._get_mwlist_from_settings(settings):\n"
        "    load_object(path)\n"
        f"print({module!r} in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[1], check=True)
    return result.stdout.strip() == "True"


def test_loading_the_extensions_does_not_import_aiohttp() -> None:
    assert not _imported_after_loading("scrapy.extension.ExtensionManager", "EXTENSIONS",
                                       {"scrapy.extensions.logstats.LogStats": 0}, "aiohttp")


def test_the_cookies_middleware_is_left_out_while_cookies_are_off() -> None:
    """It only raised NotConfigured, after its module imported tldextract and requests."""
    middlewares = _settings({}).get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES")
    assert COOKIES not in middlewares
    switched_on = _settings({"COOKIES_ENABLED": True})
    assert switched_on.get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES")[COOKIES] == 700
    own_entry = _settings({"DOWNLOADER_MIDDLEWARES": {COOKIES: 710}})
    assert own_entry.get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES")[COOKIES] == 710


def test_loading_the_downloader_middlewares_does_not_import_tldextract() -> None:
    assert not _imported_after_loading(
        "scrapy.core.downloader.middleware.DownloaderMiddlewareManager", "DOWNLOADER_MIDDLEWARES",
        {"scrapy.downloadermiddlewares.stats.DownloaderStats": 1}, "tldextract")


def test_a_depth_limit_on_the_command_line_is_refused(sites: dict[str, str], tmp_path: Path) -> None:
    project = start_project(tmp_path, 'COMMANDS_MODULE = "newsarchive.commands"\n')
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "events", "-a", f"site={sites['events']}",
         "-a", f"start={RANGE[0]}", "-s", "DEPTH_LIMIT=1"],
        cwd=project, env=user_env(), capture_output=True, text=True, timeout=120, check=False)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 2, done.stderr[-3000:]
    assert len(errors) == 1 and "DEPTH_LIMIT=1" in errors[0] and "related_depth" in errors[0]
    assert not (project / "output" / "runs").exists()
