"""``scrapy crawl events`` on Wikipedia's Current events portal, served on loopback.

``tests/fixtures/site_portal`` has a ``wiki`` host (the main ``Portal:Current_events`` page with
the last seven days, each day page as raw wikitext at ``/w/index.php?title=…&action=raw`` and
rendered at ``/wiki/Portal:Current_events/2024_March_5``) and two outlets the events cite
(``courier``, a newspaper CMS; ``wire``, a WordPress site). The clock is fixed at 2024-03-07
with ``NEWSARCHIVE_TODAY``; the server's ``/__hits`` and ``/__headers`` say what the crawler
requested and with which headers.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import lxml.html
import pytest

from newsarchive.demo.server import SiteServer, start_servers
from newsarchive.settings import USER_AGENT
from tests.crawling import CrawlRun, crawl

FIXTURE = Path(__file__).parent / "fixtures" / "site_portal"
SCHEMAS = Path(__file__).parent.parent / "schemas"
TODAY = "2024-03-07"
MAIN_PAGE = "/wiki/Portal:Current_events"
DAY_PAGE = "/wiki/Portal:Current_events/"  # + 2024_March_5
RAW = "/w/index.php"  # every day's raw wikitext; the query names the day
OLDER = {"start": "2024-02-27", "end": "2024-03-02"}
VOLATILE = ("fetched_at", "run_id", "capture")  # capture: another WARC record per run
STORY_PARAGRAPHS = ("//div[contains(@class,'article-body')]/p | "
                    "//div[contains(@class,'entry-content')]/p")
FURNITURE = ["Advertisement", "Most read", "Most popular", "Comments are closed", "Subscribe",
             "Share on Facebook", "staff reporter"]

# What the fixture's day pages say: each day's events by their first words, in page order.
EVENTS_BY_DAY = {
    "2024-02-27": ["A wildfire in the Texas Panhandle", "President Joe Biden and former president"],
    "2024-02-28": ["The Supreme Court of the United States agrees"],
    "2024-02-29": ["The Smokehouse Creek Fire becomes", "In his annual address"],
    "2024-03-01": ["Thousands of mourners gather in Moscow", "Elon Musk sues OpenAI"],
    "2024-03-02": ["Armed gangs storm the National Penitentiary"],
    "2024-03-03": ["The Government of Haiti declares", "Nikki Haley wins the District"],
    "2024-03-04": ["The Parliament of France", "The Supreme Court rules unanimously"],
    "2024-03-05": ["Super Tuesday: Donald Trump wins"],
    "2024-03-06": ["The Bank of Canada holds", "Nikki Haley suspends"],
    "2024-03-07": ["Sweden formally becomes the 32nd member"],
}


@dataclass
class PortalSite:
    """The fixture hosts, live: their base URLs and servers (routes can be changed per test)."""

    hosts: dict[str, str]
    servers: dict[str, SiteServer]

    def hits(self, host: str) -> dict[str, int]:
        with urllib.request.urlopen(self.hosts[host] + "/__hits", timeout=5) as answer:
            return json.load(answer)

    def headers(self, host: str) -> dict[str, dict[str, str]]:
        with urllib.request.urlopen(self.hosts[host] + "/__headers", timeout=5) as answer:
            return json.load(answer)

    def crawl(self, output: Path, args: dict[str, str] | None = None,
              today: str = TODAY) -> tuple[CrawlRun, dict[str, dict[str, int]]]:
        """Run ``scrapy crawl events`` against the wiki; also return what each host served."""
        before = {host: self.hits(host) for host in self.hosts}
        run = crawl("events", output, args or {}, settings={"PORTAL_BASE_URL": self.hosts["wiki"]},
                    env={"NEWSARCHIVE_TODAY": today})
        served = {}
        for host in self.hosts:
            after = self.hits(host)
            served[host] = {path: n - before[host].get(path, 0) for path, n in after.items()
                            if n != before[host].get(path, 0) and not path.startswith("/__")}
        return run, served


@pytest.fixture(scope="module")
def portal() -> Iterator[PortalSite]:
    hosts, servers = start_servers(FIXTURE)
    try:
        yield PortalSite(hosts, {server.folder.name: server for server in servers})
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module")
def default_run(portal: PortalSite, tmp_path_factory: pytest.TempPathFactory
                ) -> tuple[CrawlRun, dict[str, dict[str, int]]]:
    """``scrapy crawl events`` with no argument at all: the portal, last seven days."""
    run, served = portal.crawl(tmp_path_factory.mktemp("portal-default"))
    assert run.returncode == 0, run.log[-3000:]
    return run, served


@pytest.fixture(scope="module")
def older_run(portal: PortalSite, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[CrawlRun, dict[str, dict[str, int]]]:
    run, served = portal.crawl(tmp_path_factory.mktemp("portal-older"), OLDER)
    assert run.returncode == 0, run.log[-3000:]
    return run, served


def first_words(run: CrawlRun) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for event in run.records["event"]:
        prefix = next((p for p in EVENTS_BY_DAY.get(event["date"], [])
                       if event["summary"].startswith(p)), event["summary"][:40])
        found[event["date"]].append(prefix)
    return {day: sorted(prefixes) for day, prefixes in found.items()}


def expected_days(*days: str) -> dict[str, list[str]]:
    return {day: sorted(EVENTS_BY_DAY[day]) for day in days}


def event_starting(run: CrawlRun, words: str) -> dict[str, Any]:
    (event,) = [e for e in run.records["event"] if e["summary"].startswith(words)]
    return event


def stable(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in VOLATILE}


def test_no_arguments_crawls_the_last_seven_days_from_the_main_page(default_run) -> None:
    run, served = default_run
    manifest = run.manifest
    assert manifest["finish_reason"] == "finished"
    assert manifest["arguments"]["source"] == "portal"
    assert (manifest["arguments"]["start"], manifest["arguments"]["end"]) == ("2024-03-01", TODAY)
    assert first_words(run) == expected_days(*[f"2024-03-0{d}" for d in range(1, 8)])
    # One request for seven days: no day page, raw or rendered.
    assert served["wiki"] == {"/robots.txt": 1, MAIN_PAGE: 1}, served["wiki"]
    assert manifest["dropped"] == {}
    assert manifest["counts"] == {"event": 11, "article": 10, "comment": 0}


def test_every_record_matches_its_schema(default_run) -> None:
    run, _ = default_run
    for kind in ("event", "article"):
        schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
        for record in run.records[kind]:
            jsonschema.validate(record, schema)
            assert record["run_id"] == run.manifest["run_id"]


def test_event_fields(default_run, portal: PortalSite) -> None:
    run, _ = default_run
    wiki, courier, wire = portal.hosts["wiki"], portal.hosts["courier"], portal.hosts["wire"]
    vote = event_starting(run, "Super Tuesday: Donald Trump wins")
    assert vote["date"] == "2024-03-05"
    assert vote["url"] == f"{wiki}{DAY_PAGE}2024_March_5#{vote['id']}"
    assert vote["event_source"] == "portal"
    assert vote["category"] == "Politics and elections"
    assert vote["context"] == ["2024 United States presidential election", "Republican primaries",
                               "Democratic primaries"]
    assert vote["summary"] == (
        "Super Tuesday: Donald Trump wins 14 of the 15 Republican contests – Nikki Haley wins "
        "Vermont – while Joe Biden wins every Democratic contest except American Samoa.")
    assert vote["headline"] == vote["summary"]  # one sentence
    assert vote["related"] == []
    assert vote["sources"] == [{
        "url": f"{courier}/us/2024/03/05/super-tuesday-results.html?utm_source=homepage&utm_medium=web",
        "label": "The Harbour Courier", "kind": "article",
        "article_id": vote["sources"][0]["article_id"], "status": "ok", "reason": None}]

    france = event_starting(run, "The Parliament of France")
    assert france["category"] == "Law and crime" and france["context"] == ["Abortion in France"]
    assert france["headline"].endswith("in the constitution.")
    # The "[permanent dead link]" note is the page's, not the event's.
    ballot = event_starting(run, "The Supreme Court rules unanimously")
    assert "dead link" not in ballot["summary"] and ballot["summary"].endswith("Colorado Supreme Court.")
    assert [s["label"] for s in ballot["sources"]] == ["Meridian Wire"]

    sweden = event_starting(run, "Sweden formally becomes")
    assert [(s["label"], s["kind"], s["status"]) for s in sweden["sources"]] == [
        ("The Harbour Courier", "article", "ok"), ("Video", "media", "skipped")]
    assert sweden["sources"][1]["url"] == f"{wire}/video/2024/03/07/sweden-flag-raising.mp4"
    assert "Video" not in sweden["summary"] and "Courier" not in sweden["summary"]

    rates = event_starting(run, "The Bank of Canada holds")  # cites nothing, still an event
    assert rates["sources"] == [] and rates["context"] == []
    assert rates["category"] == "Business and economy"
    haiti = event_starting(run, "The Government of Haiti declares")
    assert haiti["context"] == ["Haitian crisis", "Gang war in Haiti"]
    assert [s["label"] for s in haiti["sources"]] == ["The Harbour Courier", "Meridian Wire"]
    assert len({e["id"] for e in run.records["event"]}) == len(run.records["event"])


def test_sources_are_fetched_as_articles_and_linked(default_run, portal: PortalSite) -> None:
    run, served = default_run
    articles = run.by_id("article")
    cited_by: dict[str, set[str]] = defaultdict(set)
    for event in run.records["event"]:
        for source in event["sources"]:
            if source["kind"] == "article":
                assert source["article_id"] in articles, source
                assert articles[source["article_id"]]["url"] == source["url"]
                cited_by[source["article_id"]].add(event["id"])
    assert set(cited_by) == set(articles)
    for article_id, event_ids in cited_by.items():
        assert set(articles[article_id]["event_ids"]) == event_ids
    prisons = next(a for a in articles.values() if "haiti-gangs-storm-prisons" in a["url"])
    assert len(prisons["event_ids"]) == 2, "cited on March 2 and March 3"
    # Each article fetched once; media never.
    fetched = {**served["courier"], **served["wire"]}
    assert all(n == 1 for n in fetched.values()), fetched
    assert not any(path.startswith("/video/") for path in fetched)
    assert sum(1 for path in fetched if path != "/robots.txt") == len(articles)


def test_article_bodies_are_the_stories(default_run, portal: PortalSite) -> None:
    run, _ = default_run
    host_of = {base: name for name, base in portal.hosts.items()}
    for article in run.records["article"]:
        base = re.match(r"https?://[^/]+", article["final_url"]).group(0)
        page = FIXTURE / host_of[base] / article["final_url"][len(base):].split("?")[0].lstrip("/")
        tree = lxml.html.fromstring((page / "index.html" if page.is_dir() else page).read_bytes())
        paragraphs = [" ".join(p.text_content().split()) for p in tree.xpath(STORY_PARAGRAPHS)]
        body = " ".join(article["body"].split())
        assert paragraphs and all(p in body for p in paragraphs), article["url"]
        leaked = [text for text in FURNITURE if text in article["body"]]
        assert not leaked, f"{article['url']}: {leaked}"
        assert article["title"] and article["authors"] and article["published"]
        assert article["site_name"] in {"The Harbour Courier", "Meridian Wire"}
        assert article["duplicate_of"] is None
    tracked = next(a for a in run.records["article"] if "super-tuesday" in a["url"])
    assert "utm_" in tracked["url"] and "utm_" not in tracked["canonical_url"]


def test_inline_donation_prompt_is_not_body_text(default_run) -> None:
    run, _ = default_run
    wire = [a for a in run.records["article"] if a["site_name"] == "Meridian Wire"]
    assert wire and not [a["url"] for a in wire if "Donate today" in a["body"]]


def test_older_range_reads_each_days_raw_wikitext(older_run) -> None:
    run, served = older_run
    assert first_words(run) == expected_days(
        "2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01", "2024-03-02")
    assert served["wiki"].get(RAW) == 5, served["wiki"]
    assert MAIN_PAGE not in served["wiki"]
    assert not any(path.startswith(DAY_PAGE) for path in served["wiki"]), "no HTML fallback"
    assert run.manifest["dropped"] == {}


def test_main_page_and_wikitext_give_identical_records(default_run, older_run) -> None:
    """March 1 and 2 are in both runs: once from the main page's HTML, once from wikitext."""
    main = {e["id"]: stable(e) for e in default_run[0].records["event"]
            if e["date"] in ("2024-03-01", "2024-03-02")}
    raw = {e["id"]: stable(e) for e in older_run[0].records["event"]
           if e["date"] in ("2024-03-01", "2024-03-02")}
    assert len(main) == 3
    assert main == raw


@pytest.mark.parametrize("failure", ["raw_answers_500", "robots_txt_disallows_raw"])
def test_html_fallback_gives_the_same_records(
    portal: PortalSite, older_run, tmp_path: Path, failure: str
) -> None:
    """Day pages are read from their rendered HTML when the raw wikitext cannot be had:
    a server error, or Wikipedia's own robots.txt (``Disallow: /w/``)."""
    routes = portal.servers["wiki"].routes
    saved = dict(routes)
    try:
        if failure == "raw_answers_500":
            for key in [k for k in routes if k.startswith(RAW)]:
                routes[key] = {"status": 500}
        else:
            routes["/robots.txt"] = {"file": "robots-en.wikipedia.org.txt"}
        run, served = portal.crawl(tmp_path, OLDER)
    finally:
        routes.clear()
        routes.update(saved)
    assert run.returncode == 0, run.log[-3000:]
    days = ["2024_February_27", "2024_February_28", "2024_February_29", "2024_March_1",
            "2024_March_2"]
    assert {DAY_PAGE + day: 1 for day in days}.items() <= served["wiki"].items(), served["wiki"]
    assert served["wiki"].get(RAW, 0) == (5 if failure == "raw_answers_500" else 0)
    assert run.manifest["dropped"] == {}, "a day read through the fallback is not lost"
    # Same ids and same records whichever rendering was read.
    assert {e["id"]: stable(e) for e in run.records["event"]} == {
        e["id"]: stable(e) for e in older_run[0].records["event"]}


def test_user_agent_names_the_project_and_a_contact_url(default_run, portal: PortalSite) -> None:
    assert re.fullmatch(r"newsarchive/\S+ \(.*\+https?://\S+\)", USER_AGENT)
    main = portal.headers("wiki")[MAIN_PAGE]
    assert main["User-Agent"] == USER_AGENT
    for host in ("courier", "wire"):
        seen = {path: h["User-Agent"] for path, h in portal.headers(host).items()
                if not path.startswith("/__")}
        assert seen and set(seen.values()) == {USER_AGENT}, seen
