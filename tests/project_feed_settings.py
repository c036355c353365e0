"""A project's own feed settings, for tests that run a crawl with them
(``FEED_URI_PARAMS = "tests.project_feed_settings.own_uri_params"``)."""

from __future__ import annotations

from typing import Any


def own_uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    """A project's URI parameters that keep none of Scrapy's spider attributes (``run_id``)."""
    return {"name": spider.name, "batch_id": params["batch_id"]}
