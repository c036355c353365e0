"""Scrapy settings newsarchive's spiders keep to themselves (``spiders/own_settings.py``): a
project's ``DEPTH_LIMIT`` or ``HTTPERROR_ALLOW_ALL``, meant for its own spiders, once made these
drop related events unseen and archive a 410 error page as the article (never counted dead, never
looked up in a web archive). On the command line they are a bad argument."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from newsarchive.demo.server import serving
from tests.crawling import crawl

DEMO_SITE = Path(__file__).parent.parent / "newsarchive" / "demo" / "site"
GONE = "/news/storm-warning-issued.html"
RANGE = {"start": "2024-03-02", "end": "2024-03-05"}


@pytest.fixture(scope="module")
def gone_site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The demo site, one of whose articles answers 410 Gone with its old page as the body."""
    root = tmp_path_factory.mktemp("site") / "site"
    shutil.copytree(DEMO_SITE, root)
    routes = root / "outlet-c" / "_routes.json"
    table = json.loads(routes.read_text("utf-8"))
    table[GONE] = {"status": 410, "file": GONE.lstrip("/")}
    routes.write_text(json.dumps(table), "utf-8")
    with serving(root) as hosts:
        yield hosts


def test_project_values_do_not_reach_newsarchives_spiders(
    gone_site: dict[str, str], tmp_path: Path
) -> None:
    plain = crawl("events", tmp_path / "plain", {"site": gone_site["events"], **RANGE})
    project = crawl("events", tmp_path / "project", {"site": gone_site["events"], **RANGE},
                    env={"SCRAPY_SETTINGS_MODULE": "tests.project_settings"})
    for run in (plain, project):
        assert run.returncode == 0, run.log[-3000:]
        assert run.manifest["dead"] == {"http_410": 1}, run.manifest
        assert all(a["http_status"] == 200 for a in run.records["article"])
        gone = [s for e in run.records["event"] for s in e["sources"] if s["url"].endswith(GONE)]
        assert [s["status"] for s in gone] == ["dead"], gone
    assert project.manifest["counts"] == plain.manifest["counts"]
    assert sorted(e["id"] for e in project.records["event"]) == \
        sorted(e["id"] for e in plain.records["event"])


@pytest.mark.parametrize("setting", ["HTTPERROR_ALLOW_ALL=True", "HTTPERROR_ALLOWED_CODES=[410]",
                                     "DEPTH_LIMIT=2"])
def test_on_the_command_line_they_are_a_bad_argument(
    gone_site: dict[str, str], tmp_path: Path, setting: str
) -> None:
    name, value = setting.split("=")
    run = crawl("events", tmp_path, {"site": gone_site["events"], **RANGE}, {name: value})
    assert run.returncode == 2, run.log[-3000:]
    errors = [line for line in run.log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"{name}=" in errors[0] and "Traceback" not in run.log, errors
    assert run.run_dir is None
