"""Bad input never stops a crawl: each bad page or source is a counted drop, the rest is archived.

The ``events-bad`` host links to an event page without a headline, an empty page, a binary body,
malformed HTML, and an event whose sources answer 404, 500, a redirect loop, a timeout, a PDF,
and pages in windows-1252 and Shift_JIS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crawling import CrawlRun, crawl

DAY = "/news/2024/03/6/index.md"


@pytest.fixture(scope="module")
def bad_run(sites: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    output = tmp_path_factory.mktemp("bad-run")
    run = crawl("events", output, {"start_urls": sites["events-bad"] + DAY, "related_depth": "1"})
    assert run.returncode == 0, run.log[-3000:]
    return run


def test_each_bad_input_is_a_counted_drop(bad_run: CrawlRun) -> None:
    dropped = bad_run.manifest["dropped"]
    assert dropped == {
        "no_headline": 1,      # no-headline.md
        "empty_page": 1,       # empty.md
        "not_html": 1,         # binary.md (/report.pdf is media: recorded, never fetched)
        "http_404": 2,         # /gone, and the related link that points nowhere
        "http_500": 1,         # /error
        "redirect_loop": 1,    # /loop -> /loop2 -> /loop
        "timeout": 1,          # /slow answers after the download timeout
    }, bad_run.manifest
    assert bad_run.manifest["finish_reason"] == "finished"
    for reason in dropped:
        assert f"dropped ({reason})" in bad_run.log


def test_everything_else_is_archived(bad_run: CrawlRun, sites: dict[str, str]) -> None:
    headlines = sorted(e["headline"] for e in bad_run.records["event"])
    assert headlines == [
        "Businesses and residents count the cost as Marrow floodwater recedes",
        "River ferry between Ashcombe and Kessington resumes",
        "River ferry between Ashcombe and Kessington resumes after safety checks",  # malformed
    ]
    broken = next(e for e in bad_run.records["event"] if e["headline"].endswith("safety checks"))
    assert "Source:" not in broken["summary"] and broken["summary"].endswith("2,000 people.")
    assert [s["label"] for s in broken["sources"]] == ["Harbour Gazette", "The Riverside Tribune"]


def test_source_status_tells_dead_from_fetched(bad_run: CrawlRun, sites: dict[str, str]) -> None:
    gone = next(e for e in bad_run.records["event"] if e["headline"].startswith("Businesses"))
    status = {s["url"].rsplit("/", 1)[-1]: (s["kind"], s["status"]) for s in gone["sources"]}
    assert status == {
        "gone": ("article", "dead"),
        "error": ("article", "dead"),
        "loop": ("article", "dead"),
        "slow": ("article", "dead"),
        "report.pdf": ("media", "skipped"),
        "legacy-1252.html": ("article", "ok"),
        "legacy-sjis.html": ("article", "ok"),
        "fine.html": ("article", "ok"),
    }
    articles = bad_run.by_id("article")
    for source in gone["sources"]:
        if source["status"] == "ok":
            assert source["article_id"] in articles
        else:
            assert source["article_id"] not in articles


def test_legacy_encodings_are_decoded(bad_run: CrawlRun, sites: dict[str, str]) -> None:
    articles = bad_run.by_url("article")
    latin = articles[sites["outlet-bad"] + "/legacy-1252.html"]
    assert latin["title"] == "Café owners count the cost as floodwater recedes"
    assert "€" in latin["body"] and "Ã" not in latin["body"]
    assert latin["authors"] == ["Amélie Rousseau"]
    japanese = articles[sites["outlet-bad"] + "/legacy-sjis.html"]
    assert japanese["title"] == "マロウ渓谷でダム決壊、12人死亡"
    assert japanese["language"] == "ja"
    assert len(japanese["body"].split("\n\n")) >= 4
    assert "\ufffd" not in japanese["body"]


def test_one_article_for_tracking_variants(bad_run: CrawlRun, sites: dict[str, str]) -> None:
    fine = [a for a in bad_run.records["article"] if "/fine.html" in a["url"]]
    assert len(fine) == 1, "fine.html and fine.html?utm_campaign=x are one article"
    citing = {e["id"] for e in bad_run.records["event"]
              if any(s["article_id"] == fine[0]["id"] for s in e["sources"])}
    assert set(fine[0]["event_ids"]) == citing and len(citing) == 3


def test_links_into_private_networks_are_refused(sites: dict[str, str], tmp_path: Path) -> None:
    """A page may not make the crawler fetch from another private address than its own."""
    folder = tmp_path / "site" / "events-private" / "news" / "2024" / "03" / "6"
    folder.mkdir(parents=True)
    (folder / "x.md").write_text(
        "# Private link\n\nA summary.\n\n### Source:\n\n"
        "1. [Router](http://10.0.0.1/admin)\n1. [Local](http://localhost:6379/)\n"
        f"1. [Fine]({sites['outlet-bad']}/fine.html)\n"
    )
    from newsarchive.demo.server import serving

    with serving(tmp_path / "site") as hosts:
        run = crawl("events", tmp_path / "out",
                    {"start_urls": hosts["events-private"] + "/news/2024/03/6/x.md"})
    assert run.returncode == 0, run.log[-2000:]
    assert run.manifest["dropped"] == {"refused_address": 2}
    (event,) = run.records["event"]
    assert [s["status"] for s in event["sources"]] == ["refused", "refused", "ok"]
