"""Dead sources recovered from a web archive, end to end, all on 127.0.0.1.

An event of 5 September 2017 cites three live articles and ten that are dead in each way a
crawler meets: a name that does not resolve, a port nothing listens on, a server that never
answers, 404, 410, 451, 503, a redirect to the home page, a "Page not found" page and a page
that holds no article. A
Wayback-style archive (``newsarchive/demo/archive.py``) holds real article pages as captures of some
of them: on both sides of the event's date, behind a soft-404 capture, only as non-200 captures,
or not at all. The crawl runs as ``scrapy crawl`` does for users; DNS goes through a resolver that
never leaves the machine (``tests/offline_resolver.py``).
"""

from __future__ import annotations

import itertools
import json
import socket
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from newsarchive.demo.archive import ArchiveState, archive_serving
from newsarchive.demo.server import SiteHandler, serving, serving_servers
from tests.crawling import CrawlRun, crawl

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "newsarchive" / "demo" / "site"
EVENT_PATH = "/news/2017/09/5/storm-hits-coast.md"
DNS_URL = "http://news.nonexistent.invalid/2017/09/05/storm-dns"
RATE = 240  # archive requests a minute: 0.25 s apart
GONE_PAGE = "<html><head><title>Page not found | Coast News</title></head><body>Sorry.</body></html>"
# A page that holds no article: a JavaScript app shell (extraction finds no text)
SHELL_PAGE = ("<html><head><title>Storm hits the coast | Coast News</title></head><body><header>"
              "<a href='/'>Coast News</a></header><div id=app></div><script>load()</script></body></html>")
LIVE = ["summit-leaders-arrive", "storm-warning-issued", "election-result-2024"]


def fixture_page(name: str) -> bytes:
    """A real article page from ``tests/fixtures/pages/article/<name>/page.html``."""
    return (REPO / "tests" / "fixtures" / "pages" / "article" / name / "page.html").read_bytes()


class TimedHandler(SiteHandler):
    """The demo server's handler, logging when each live page was asked for."""

    log: list[tuple[float, str]] = []

    def do_GET(self) -> None:
        TimedHandler.log.append((time.monotonic(), self.path))
        super().do_GET()


def closed_port() -> int:
    """A loopback port nothing listens on (bound once, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_page(path: str, host: str = "http://news.example.org") -> bytes:
    text = (DEMO / path).read_text("utf-8")
    for name in ("outlet-a", "outlet-b", "outlet-c"):
        text = text.replace("{{host:" + name + "}}", host)
    return text.encode("utf-8")


def build_site(root: Path, refused_url: str) -> None:
    events = root / "events-wb" / "news" / "2017" / "09" / "5"
    events.mkdir(parents=True)
    outlet = root / "outlet-wb"
    (outlet / "news").mkdir(parents=True)
    sources = [f"1. [Wire {i}]({{{{host:outlet-wb}}}}/news/{slug}.html)" for i, slug in enumerate(LIVE)]
    dead = {"Ghost News": DNS_URL, "Closed Port": refused_url}
    for slug in ("hang", "gone", "removed", "blocked", "broken", "moved", "missing", "empty"):
        dead[f"Outlet {slug}"] = "{{host:outlet-wb}}/2017/09/05/storm-" + slug
    sources += [f"1. [{label}]({url})" for label, url in dead.items()]
    (events / "storm-hits-coast.md").write_text(
        "### [2017-09-5](/news/2017/09/5/index.md)\n\n# Storm hits the coast\n\n"
        "A storm hits the coast overnight; ferries stop and towns flood.\n\n### Source:\n\n"
        + "\n".join(sources) + "\n", "utf-8")
    for slug in LIVE:
        page = (DEMO / "outlet-c" / "news" / f"{slug}.html").read_text("utf-8")
        (outlet / "news" / f"{slug}.html").write_text(
            page.replace("{{host:outlet-c}}", "{{host:outlet-wb}}"), "utf-8")
    (outlet / "index.html").write_bytes(demo_page("outlet-a/politics/2024/03/05/coalition-talks.html"))
    (outlet / "missing.html").write_text(GONE_PAGE, "utf-8")
    (outlet / "shell.html").write_text(SHELL_PAGE, "utf-8")
    routes = {
        "/2017/09/05/storm-hang": {"hang": True},
        "/2017/09/05/storm-gone": {"status": 404},
        "/2017/09/05/storm-removed": {"status": 410},
        "/2017/09/05/storm-blocked": {"status": 451},
        "/2017/09/05/storm-broken": {"status": 503},
        "/2017/09/05/storm-moved": {"status": 301, "location": "{{host:outlet-wb}}/"},
        "/2017/09/05/storm-missing": {"file": "missing.html"},
        "/2017/09/05/storm-empty": {"file": "shell.html"},
    }
    (outlet / "_routes.json").write_text(json.dumps(routes), "utf-8")


def fill_archive(archive: ArchiveState, outlet: str, refused_url: str) -> None:
    # DNS: captures on both sides of the event's date; the closest (a day after) is wanted
    archive.add(DNS_URL, "20170820093000", fixture_page("german_meta_only"))
    archive.add(DNS_URL, "20170906081500", fixture_page("amp_story"))
    archive.add(DNS_URL, "20171215120000", fixture_page("regional_widgets"))
    # refused: the closest capture is a "Page not found" page, the next a real article
    archive.add(refused_url, "20170905120000", GONE_PAGE)
    archive.add(refused_url, "20170910120000", fixture_page("bignews_jsonld_graph"))
    # hang (timeout): never captured; gone (404): captured only as a redirect and a 404
    archive.add(f"{outlet}/2017/09/05/storm-gone", "20170906000000", status=301,
                location=f"{outlet}/")
    archive.add(f"{outlet}/2017/09/05/storm-gone", "20170907000000", b"gone", status=404)
    archive.add(f"{outlet}/2017/09/05/storm-removed", "20170905180000",
                fixture_page("jsonld_only_blog"))
    archive.add(f"{outlet}/2017/09/05/storm-blocked", "20170905180000",
                fixture_page("wordpress_comments"))
    # broken (503): the closest capture is the site's bot wall (Cloudflare's challenge), the next
    # the article
    archive.add(f"{outlet}/2017/09/05/storm-broken", "20170905110000",
                (REPO / "tests" / "fixtures" / "bot_walls" / "cloudflare_challenge.html").read_bytes())
    archive.add(f"{outlet}/2017/09/05/storm-broken", "20170905180000",
                demo_page("outlet-a/weather/2024/03/04/heavy-rain-floods.html"))
    archive.add(f"{outlet}/2017/09/05/storm-moved", "20170905180000",
                demo_page("outlet-b/2024/03/05/summit-opens/index.html"))
    archive.add(f"{outlet}/2017/09/05/storm-missing", "20170905180000",
                demo_page("outlet-b/2024/03/05/dam-failure-eyewitness/index.html"))
    # empty (no article on the live page): the closest capture holds none either, the next does
    archive.add(f"{outlet}/2017/09/05/storm-empty", "20170905120000", SHELL_PAGE)
    archive.add(f"{outlet}/2017/09/05/storm-empty", "20170908000000", fixture_page("german_meta_only"))


def wayback_settings(archive_url: str, **more: str) -> dict[str, str]:
    return {
        "NEWSARCHIVE_WAYBACK_ENABLED": "True",
        "NEWSARCHIVE_WAYBACK_URL": archive_url,
        "NEWSARCHIVE_WAYBACK_RATE": str(RATE),
        "NEWSARCHIVE_WAYBACK_BACKOFF": "0.2",
        "NEWSARCHIVE_WAYBACK_MAX_WAIT": "5",
        "DOWNLOAD_TIMEOUT": "1",
        "TWISTED_DNS_RESOLVER": "tests.offline_resolver.OfflineResolver",
        **more,
    }


class World:
    def __init__(self, hosts: dict[str, str], archive: ArchiveState, archive_url: str,
                 refused_url: str, output: Path) -> None:
        self.hosts, self.archive, self.archive_url = hosts, archive, archive_url
        self.refused_url, self.output = refused_url, output
        self.outlet = hosts["outlet-wb"]

    def crawl(self, **settings: str) -> CrawlRun:
        run = crawl("events", self.output, {"start_urls": self.hosts["events-wb"] + EVENT_PATH},
                    wayback_settings(self.archive_url, **settings))
        assert run.returncode == 0, run.log[-3000:]
        return run

    def url(self, slug: str) -> str:
        return f"{self.outlet}/2017/09/05/storm-{slug}"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("wayback-site")
    refused_url = f"http://127.0.0.1:{closed_port()}/2017/09/05/storm-refused"
    build_site(root, refused_url)
    archive = ArchiveState()
    with serving(root, handler=TimedHandler) as hosts, archive_serving(archive) as server:
        fill_archive(archive, hosts["outlet-wb"], refused_url)
        yield World(hosts, archive, server.base_url, refused_url,
                    tmp_path_factory.mktemp("wayback-out"))


@pytest.fixture(scope="module")
def first(world: World) -> tuple[CrawlRun, list[Any], list[Any]]:
    TimedHandler.log.clear()
    run = world.crawl()
    return run, list(world.archive.log), list(TimedHandler.log)


def sources(run: CrawlRun) -> dict[str, dict[str, Any]]:
    (event,) = run.records["event"]
    return {source["url"]: source for source in event["sources"]}


def test_each_kind_of_death_is_counted(first: tuple[CrawlRun, list[Any], list[Any]]) -> None:
    run = first[0]
    assert run.manifest["dead"] == {
        "dns": 1, "refused": 1, "timeout": 1, "http_404": 1, "http_410": 1, "http_451": 1,
        "http_5xx": 1, "soft404_redirect": 1, "soft404_gone_title": 1, "soft404_no_article": 1,
    }, run.manifest
    # only what the archive could not give is a drop, and the pages extraction dropped (the
    # live page and the capture that held no article)
    assert run.manifest["dropped"] == {"timeout": 1, "http_404": 1, "not_an_article": 2}


def test_statuses_and_provenance(first: tuple[CrawlRun, list[Any], list[Any]], world: World) -> None:
    run = first[0]
    status = {url: source["status"] for url, source in sources(run).items()}
    assert status == {
        **{f"{world.outlet}/news/{slug}.html": "ok" for slug in LIVE},
        DNS_URL: "archived", world.refused_url: "archived",
        world.url("hang"): "dead", world.url("gone"): "dead",
        world.url("removed"): "archived", world.url("blocked"): "archived",
        world.url("broken"): "archived", world.url("moved"): "archived",
        world.url("missing"): "archived", world.url("empty"): "archived",
    }
    articles = run.by_id("article")
    for url, source in sources(run).items():
        if source["status"] in ("ok", "archived"):
            article = articles[source["article_id"]]
            assert article["url"] == url  # the article keeps the URL it was linked by...
            assert (article["archived_from"] is not None) == (source["status"] == "archived")
        else:
            assert source["article_id"] not in articles
    schema = json.loads((REPO / "schemas" / "article.schema.json").read_text("utf-8"))
    for article in run.records["article"]:
        jsonschema.validate(article, schema)


def test_archived_pages_are_captured_under_their_original_url(
        first: tuple[CrawlRun, list[Any], list[Any]]) -> None:
    """The archive's raw response is in the run's WARC, tied to the URL the event linked, and the
    article record points at that very record."""
    from warcio.archiveiterator import ArchiveIterator

    run = first[0]
    assert run.run_dir is not None
    responses = {}
    for path in sorted((run.run_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type in ("response", "revisit"):
                    responses[record.rec_headers.get_header("WARC-Record-ID")] = record.rec_headers
    archived = [a for a in run.records["article"] if a["archived_from"] is not None]
    assert archived
    for article in archived:
        headers = responses[article["capture"]["record_id"]]
        assert "id_/" in headers.get_header("WARC-Target-URI")  # the raw capture, as fetched
        assert headers.get_header("WARC-Newsarchive-Original-URI") == article["url"]


def test_the_capture_closest_to_the_event_is_used(first: tuple[CrawlRun, list[Any], list[Any]],
                                                  world: World) -> None:
    run = first[0]
    by_url = run.by_url("article")
    dns = by_url[DNS_URL]
    assert dns["title"] == "Harbor ferries go electric as city signs $48m fleet deal"
    assert dns["archived_from"] == {
        "archive": world.archive_url,
        "memento_url": f"{world.archive_url}/web/20170906081500/{DNS_URL}",
        "memento_datetime": "2017-09-06T08:15:00+00:00",
        "dead_reason": "dns",
    }
    # ...and its id: the same story, live or archived
    assert dns["id"] == sources(run)[DNS_URL]["article_id"]
    # a soft-404 capture is rejected and the next one taken
    refused = by_url[world.refused_url]
    assert refused["title"] == "Cologne races to finish Rhine flood barriers before spring thaw"
    assert refused["archived_from"]["memento_datetime"] == "2017-09-10T12:00:00+00:00"
    assert run.manifest["wayback"]["rejected/soft404_gone_title"] == 1
    assert by_url[world.url("moved")]["archived_from"]["dead_reason"] == "soft404_redirect"
    assert by_url[world.url("missing")]["archived_from"]["dead_reason"] == "soft404_gone_title"
    empty = by_url[world.url("empty")]  # no article on the page, nor in the closest capture
    assert empty["archived_from"]["dead_reason"] == "soft404_no_article"
    assert empty["archived_from"]["memento_datetime"] == "2017-09-08T00:00:00+00:00"
    assert empty["title"] == "Abriss der Hochstraße Nord verzögert sich erneut"
    assert run.manifest["wayback"]["rejected/soft404_no_article"] == 1
    broken = by_url[world.url("broken")]  # its bot-wall capture rejected, the next one taken
    assert run.manifest["wayback"]["rejected/bot_wall"] == 1
    assert broken["archived_from"]["memento_datetime"] == "2017-09-05T18:00:00+00:00"
    blocked = by_url[world.url("blocked")]
    assert blocked["comment_count"] > 0  # the capture's comment thread is archived too
    assert blocked["id"] in {c["article_id"] for c in run.records["comment"]}


def test_archive_asked_politely(first: tuple[CrawlRun, list[Any], list[Any]], world: World) -> None:
    _run, archive_log, live_log = first
    raw = [entry.path for entry in archive_log if "id_/" in entry.path]
    cdx = [entry.path for entry in archive_log if entry.path.startswith("/cdx/")]
    assert len(cdx) == 10  # one query per dead source
    assert all("filter=statuscode%3A200" in path and "sort=closest" in path for path in cdx)
    assert all("closest=20170905120000" in path for path in cdx)  # the event's day
    assert len(raw) == 11  # one capture tried for some sources, two for three
    assert max(entry.in_flight for entry in archive_log) == 1
    # Requests leave at least 60 / RATE s apart. They arrive so too, but for the one that opens
    # the connection (its set-up, 0.15 s on a loaded machine, shortens the next gap).
    gaps = sorted(b.at - a.at for a, b in itertools.pairwise(archive_log))
    assert gaps[1] >= 0.8 * 60 / RATE, gaps
    assert statistics.median(gaps) >= 0.95 * 60 / RATE, gaps
    # The live crawl did not wait on the archive's 20 paced requests: every live page was asked
    # for before the archive's third request, which the rate holds back 0.5 s after the first.
    live = [at for at, path in live_log if path.startswith("/news/") and path.endswith(".html")]
    assert len(live) == len(LIVE)
    assert max(live) < archive_log[2].at


def test_next_run_does_not_ask_again(first: tuple[CrawlRun, list[Any], list[Any]], world: World) -> None:
    """A cron run: archived sources stay archived without a fetch, a source with no capture
    is not looked up again within the recheck period, dead sources are tried live again."""
    run = first[0]
    before = len(world.archive.log)
    TimedHandler.log.clear()
    again = world.crawl()
    asked = [entry.path for entry in world.archive.log[before:]]
    # the timeout and 404 sources are fetched live again; the archive is not asked about them
    assert asked == []
    assert again.manifest["wayback"]["remembered_none"] == 2
    assert {path for _, path in TimedHandler.log} >= {"/2017/09/05/storm-hang",
                                                      "/2017/09/05/storm-gone"}
    # nothing changed: the event is not emitted again, its sources keep their status
    assert again.records["event"] == []
    assert again.manifest["skipped"]["archived"] == 11
    assert run.records["event"][0]["sources"]
    # past the recheck period, the archive is asked again about those two
    before = len(world.archive.log)
    third = world.crawl(NEWSARCHIVE_WAYBACK_RECHECK_DAYS="0")
    asked = sorted(entry.path for entry in world.archive.log[before:])
    assert len(asked) == 2 and all(path.startswith("/cdx/") for path in asked)
    assert "storm-gone" in asked[0] and "storm-hang" in asked[1]
    assert third.manifest["wayback"]["not_found"] == 2


# -- an archive in trouble ------------------------------------------------------------------------

TROUBLE_EVENT = "/news/2017/09/5/ferry-strike.md"


@pytest.fixture(scope="module")
def trouble_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Any]]:
    """An event citing four dead pages (``/story-a`` ... ``/story-d``) and one live one."""
    root = tmp_path_factory.mktemp("trouble-site")
    events = root / "events-tr" / "news" / "2017" / "09" / "5"
    events.mkdir(parents=True)
    outlet = root / "outlet-tr"
    outlet.mkdir()
    (outlet / "live.html").write_bytes(demo_page("outlet-c/news/summit-leaders-arrive.html"))
    (outlet / "story-d.html").write_bytes(demo_page("outlet-a/2024/03/05/dam-collapse-kills-twelve.html"))
    (outlet / "_routes.json").write_text(json.dumps(
        {f"/story-{x}": {"status": 404} for x in "abcd"}), "utf-8")
    links = [f"1. [Story {x}]({{{{host:outlet-tr}}}}/story-{x})" for x in "abcd"]
    (events / "ferry-strike.md").write_text(
        "# Ferry crews strike\n\nFerry crews strike over pay.\n\n### Source:\n\n"
        + "\n".join([*links, "1. [Live]({{host:outlet-tr}}/live.html)"]) + "\n", "utf-8")
    with serving_servers(root) as (hosts, servers):
        yield hosts, servers["outlet-tr"]


def trouble_archive(outlet: str) -> ArchiveState:
    archive = ArchiveState()
    pages = ["amp_story", "bignews_jsonld_graph", "jsonld_only_blog", "regional_widgets"]
    for x, page in zip("abcd", pages, strict=True):
        archive.add(f"{outlet}/story-{x}", "20170906000000", fixture_page(page))
    return archive


def test_429_honoured_then_archive_gone_then_next_run(
    trouble_site: tuple[dict[str, str], Any], tmp_path: Path
) -> None:
    hosts, outlet_server = trouble_site
    outlet, start = hosts["outlet-tr"], {"start_urls": hosts["events-tr"] + TROUBLE_EVENT}
    settings = {"NEWSARCHIVE_WAYBACK_MAX_FAILURES": "3"}

    # Run 1: the archive answers 429 (Retry-After: 1) first, then goes away after 4 requests.
    archive = trouble_archive(outlet)
    archive.throttle = [(429, {"Retry-After": "1"})]
    archive.serve_only = 4
    with archive_serving(archive) as server:
        run = crawl("events", tmp_path, start, wayback_settings(server.base_url, **settings))
    assert run.returncode == 0, run.log[-3000:]
    log = archive.log
    assert [entry.status for entry in log] == [429, 200, 200, 200]
    assert log[1].path == log[0].path  # the same query, asked again...
    assert log[1].at - log[0].at >= 1.0  # ...after the Retry-After
    wayback = run.manifest["wayback"]
    assert wayback["http_429"] == 1 and wayback["stopped"] == 1
    assert wayback["error/connection_error"] == 3  # then no answer, three times in a row
    assert wayback["unsettled"] == 3 and wayback["archived"] == 1
    warnings = [line for line in run.log.splitlines()
                if "WARNING" in line and "no more archive lookups this run" in line]
    assert len(warnings) == 1, warnings  # said once, however many sources were waiting
    assert any("no more archive lookups this run" in note for note in run.manifest["notes"])
    status = {s["url"].rsplit("/", 1)[-1]: s["status"] for s in run.records["event"][0]["sources"]}
    first_archived = next(x for x in "abcd" if status[f"story-{x}"] == "archived")
    assert sorted(status.values()) == ["archived", "dead", "dead", "dead", "ok"]
    assert run.manifest["dropped"] == {"http_404": 3}

    # Run 2: the archive is back, and one dead page answers again.
    alive_again = next(x for x in "abcd" if x != first_archived)
    outlet_server.routes[f"/story-{alive_again}"] = {"file": "story-d.html"}
    archive = trouble_archive(outlet)
    with archive_serving(archive) as server:
        again = crawl("events", tmp_path, start, wayback_settings(server.base_url, **settings))
    assert again.returncode == 0, again.log[-3000:]
    status = {s["url"].rsplit("/", 1)[-1]: s["status"] for s in again.records["event"][0]["sources"]}
    assert status == {
        **{f"story-{x}": "archived" for x in "abcd"}, f"story-{alive_again}": "ok", "live.html": "ok",
    }
    queried = {entry.path.split("story-")[1][0] for entry in archive.log if "/cdx/" in entry.path}
    assert queried == set("abcd") - {first_archived, alive_again}  # the unsettled ones only
    revived = again.by_url("article")[f"{outlet}/story-{alive_again}"]
    assert revived["archived_from"] is None and revived["http_status"] == 200


# -- a blog post: the newest capture before the link died -------------------------------------------

@pytest.mark.parametrize("api", ["cdx", "timemap"])
def test_dead_blog_post_gets_the_newest_capture_before_it_died(api: str, tmp_path: Path) -> None:
    """Through the CDX API, or through a Memento TimeMap (which lists every capture)."""
    import shutil

    blog = tmp_path / "site" / "blog-feed"
    shutil.copytree(REPO / "tests" / "fixtures" / "site_blogs" / "blog-feed", blog)
    routes = json.loads((blog / "_routes.json").read_text("utf-8"))
    routes["/2024/02/27/a-winter-walk-along-the-dam/"] = {"status": 404}
    # another post's page now holds no article (an app shell): a soft-404
    routes["/2024/03/08/rebuilding-the-old-mill-bridge/"] = {"file": "shell.html"}
    (blog / "shell.html").write_text(SHELL_PAGE, "utf-8")
    (blog / "_routes.json").write_text(json.dumps(routes), "utf-8")
    post = (blog / "2024/02/27/a-winter-walk-along-the-dam/index.html").read_text("utf-8")
    bridge = (blog / "2024/03/08/rebuilding-the-old-mill-bridge/index.html").read_text("utf-8")
    archive = ArchiveState()
    with serving(tmp_path / "site") as hosts, archive_serving(archive) as server:
        url = hosts["blog-feed"] + "/2024/02/27/a-winter-walk-along-the-dam/"
        page = post.replace("{{host:blog-feed}}", hosts["blog-feed"])
        archive.add(url, "20240228090000", page.replace("A winter walk", "A first draft"))
        archive.add(url, "20240301090000", page)
        archive.add(url, "20240302090000", b"moved", status=301, location=hosts["blog-feed"])
        bridge_url = hosts["blog-feed"] + "/2024/03/08/rebuilding-the-old-mill-bridge/"
        archive.add(bridge_url, "20240310090000", bridge.replace("{{host:blog-feed}}", hosts["blog-feed"]))
        run = crawl("blogs", tmp_path / "out", {"start_urls": hosts["blog-feed"] + "/"},
                    wayback_settings(server.base_url, NEWSARCHIVE_WAYBACK_API=api))
    assert run.returncode == 0, run.log[-3000:]
    query, _ = sorted(entry.path for entry in archive.log
                      if "/cdx/" in entry.path or "/timemap/" in entry.path)
    assert "winter-walk" in query
    if api == "cdx":
        assert "&to=" in query  # no capture from after the post was found dead
    else:
        assert query.startswith("/web/timemap/link/")
        # a TimeMap lists every capture: the newest (a 301) was fetched and rejected
        assert run.manifest["wayback"]["rejected/http_301"] == 1
    article = run.by_url("article")[url]
    assert article["kind"] == "blog"
    assert article["title"] == "A winter walk along the dam"
    assert article["archived_from"]["memento_datetime"] == "2024-03-01T09:00:00+00:00"
    assert article["archived_from"]["dead_reason"] == "http_404"
    assert run.manifest["dead"] == {"http_404": 1, "soft404_no_article": 1}
    assert run.manifest["dropped"] == {"not_an_article": 1}  # the live page of the second
    bridge_post = run.by_url("article")[bridge_url]
    assert bridge_post["archived_from"]["dead_reason"] == "soft404_no_article"
    assert bridge_post["title"] == "Rebuilding the old mill bridge"
