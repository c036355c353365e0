"""A project's own item pipeline beside newsarchive's (the add-on in a ``scrapy startproject``
project, or ``ITEM_PIPELINES`` here).

One that returned each record as a dict (``ItemAdapter(item).asdict()``), before or after
newsarchive's pipelines, made a run that archived nothing, held every event and exited 0: no
run feed takes a dict, and the crawl state and the events spider know a record by its item.
Now the run fails at the first such record, saying which pipelines are the project's; nothing is
committed, so once the pipeline is fixed the next run archives everything.
"""

from __future__ import annotations

import json
from pathlib import Path

from newsarchive.demo.server import serving
from tests.conftest import DEMO_SITE
from tests.crawling import crawl

DAYS = {"start": "2024-03-02", "end": "2024-03-05"}


def pipelines(name: str, order: int) -> dict[str, str]:
    return {"ITEM_PIPELINES": json.dumps({f"tests.converting_pipeline.{name}": order})}


def test_a_pipeline_returning_dicts_fails_the_run_and_loses_nothing(tmp_path: Path) -> None:
    output = tmp_path / "out"
    with serving(DEMO_SITE) as hosts:
        args = {"site": hosts["events"], **DAYS}
        whole = crawl("events", tmp_path / "whole", args)
        # before newsarchive's pipelines, then after them
        converting = [crawl("events", output, args, pipelines("ToDict", order))
                      for order in (50, 900)]
        fixed = crawl("events", output, args, pipelines("InPlace", 900))

    for run in converting:
        assert run.returncode == 1, run.log[-2000:]
        assert "as a dict: newsarchive's feeds and crawl state take only its own items" in run.log
        assert "this project's pipelines: tests.converting_pipeline.ToDict" in run.log
        assert run.manifest == {}  # nothing committed

    assert fixed.returncode == 0, fixed.log[-2000:]
    for kind in ("event", "article", "comment"):
        assert sorted(r["id"] for r in fixed.records[kind]) == \
            sorted(r["id"] for r in whole.records[kind]), kind
    assert all("seen-by-project" in a["tags"] for a in fixed.records["article"])


def test_the_error_names_only_the_project_pipelines() -> None:
    """The add-on adds newsarchive's pipelines as classes; a project names its own as paths."""
    from newsarchive.extensions.feeds import project_pipelines
    from newsarchive.pipelines.state import StatePipeline
    from tests.converting_pipeline import InPlace

    assert project_pipelines({StatePipeline: 500, "newsproj.pipelines.ToDict": 300,
                              "newsarchive.pipelines.link.LinkPipeline": 400, InPlace: 600,
                              "off.Pipeline": None}) == [
        "newsproj.pipelines.ToDict", "tests.converting_pipeline.InPlace"]
