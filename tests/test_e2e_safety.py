"""No page can make the crawler fetch from a private address: an "internal panel" on 127.0.0.1
must receive no request while the crawled site (on 127.0.0.2) links to it every way it can.

The spellings are the ones the platform's resolver turns into 127.0.0.1 (or 0.0.0.0, which
connects to the local host) without DNS; ``panel.internal.test`` is a *name* that resolves to
127.0.0.1 (pinned by ``tests.resolving.PinnedResolver``, a resolver like Scrapy's with a hosts
file in a setting), reached directly, through a redirect and through robots.txt. A second pinned
name, allowed by ``NEWSARCHIVE_ALLOWED_HOSTS``, proves that the pinned names do reach the panel.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from newsarchive.demo.server import start_servers
from tests.crawling import crawl

SPELLINGS = {
    "decimal": "2130706433",
    "short": "127.1",
    "octal": "017700000001",
    "hex": "0x7f000001",
    "hex-parts": "0x7f.0.0.0x1",
    "zero": "0",
    "mapped": "[::ffff:127.0.0.1]",
    "trailing-dot": "127.0.0.1.",
    "localhost-dot": "LOCALHOST.",
    "pinned-name": "panel.internal.test",
}
PINNED = "panel.internal.test=127.0.0.1,allowed.internal.test=127.0.0.1"


@contextmanager
def serve(root: Path, address: str) -> Iterator[dict[str, str]]:
    hosts, servers = start_servers(root, address=address)
    try:
        yield hosts
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def refused_stat(log: str) -> int:
    found = re.search(r"'newsarchive/refused/private_address': (\d+)", log)
    return int(found.group(1)) if found else 0


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Path]]:
    root = tmp_path_factory.mktemp("panel")
    folder = root / "panel"
    folder.mkdir()
    secret = "<html><head><title>Admin panel</title></head><body><article><h1>Admin panel</h1>"
    secret += "<p>" + "Internal secret configuration values are listed here. " * 20 + "</p>"
    secret += "</article></body></html>"
    for name in [*SPELLINGS, "redirected", "meta-target", "redirected-name", "allowed",
                 "sitemap", "feed"]:
        (folder / f"{name}.html").write_text(secret)
    with serve(root, "127.0.0.1") as hosts:
        base = hosts["panel"]
        yield base, int(base.rsplit(":", 1)[1]), root


def panel_hits(base: str) -> dict[str, int]:
    import urllib.request

    with urllib.request.urlopen(base + "/__hits") as answer:
        hits = json.loads(answer.read())
    hits.pop("/__hits", None)
    return hits


def test_an_event_page_cannot_reach_the_internal_panel(
    panel: tuple[str, int, Path], tmp_path: Path
) -> None:
    base, port, _ = panel
    before = panel_hits(base)
    day = tmp_path / "site" / "events" / "news" / "2024" / "03" / "6"
    day.mkdir(parents=True)
    outlet = tmp_path / "site" / "outlet"
    outlet.mkdir()
    story = "<html><head><title>Ferry resumes</title></head><body><article><h1>Ferry resumes</h1>"
    story += "<p>" + "The river ferry between the two towns runs again after checks. " * 15
    (outlet / "fine.html").write_text(story + "</p></article></body></html>")
    (outlet / "meta.html").write_text(
        f'<html><head><meta http-equiv="refresh" content="0; url=http://0x7f000001:{port}/'
        'meta-target.html"></head><body>moved</body></html>')
    (outlet / "_routes.json").write_text(json.dumps({
        "/redirect": {"status": 302, "location": f"http://2130706433:{port}/redirected.html"},
        "/redirect-name": {"status": 301,
                           "location": f"http://panel.internal.test:{port}/redirected-name.html"},
    }))
    sources = [f"1. [{name}](http://{host}:{port}/{name}.html)" for name, host in SPELLINGS.items()]
    sources += [
        "1. [redirect]({{host:outlet}}/redirect)",
        "1. [redirect-name]({{host:outlet}}/redirect-name)",
        "1. [meta]({{host:outlet}}/meta.html)",
        f"1. [allowed](http://allowed.internal.test:{port}/allowed.html)",
        "1. [fine]({{host:outlet}}/fine.html)",
    ]
    (day / "x.md").write_text("# Links into a private network\n\nA summary.\n\n### Source:\n\n"
                              + "\n".join(sources) + "\n")
    with serve(tmp_path / "site", "127.0.0.2") as hosts:
        run = crawl("events", tmp_path / "out",
                    {"start_urls": hosts["events"] + "/news/2024/03/6/x.md"},
                    {"TWISTED_DNS_RESOLVER": "tests.resolving.PinnedResolver",
                     "TEST_PINNED_HOSTS": PINNED,
                     "NEWSARCHIVE_ALLOWED_HOSTS": "allowed.internal.test"})
    assert run.returncode == 0, run.log[-3000:]

    hits = {path: n - before.get(path, 0) for path, n in panel_hits(base).items()}
    hits = {path: n for path, n in hits.items() if n}
    # only the allowed name reached the panel: the pinned names do resolve to it
    assert hits == {"/robots.txt": 1, "/allowed.html": 1}, hits

    (event,) = run.records["event"]
    status = {s["label"]: (s["status"], s["reason"]) for s in event["sources"]}
    refused = [*SPELLINGS, "redirect", "redirect-name", "meta"]
    assert status == {**dict.fromkeys(refused, ("refused", "refused_address")),
                      "allowed": ("ok", None), "fine": ("ok", None)}
    articles = run.by_id("article")
    assert {articles[s["article_id"]]["title"] for s in event["sources"]
            if s["status"] == "ok"} == {"Admin panel", "Ferry resumes"}
    assert run.manifest["dropped"] == {"refused_address": len(refused)}
    # each refused request once, with the robots.txt of the pinned name
    assert refused_stat(run.log) == len(refused) + 1


def test_blog_discovery_cannot_reach_the_internal_panel(
    panel: tuple[str, int, Path], tmp_path: Path
) -> None:
    """Feeds, robots.txt sitemaps and sitemap children pointing at the panel are refused; the
    blog's own sitemap still gives its posts."""
    base, port, _ = panel
    before = panel_hits(base)
    blog = tmp_path / "site" / "blog"
    blog.mkdir(parents=True)
    (blog / "index.html").write_text(
        "<html><head><title>Field notes</title>"
        f'<link rel="alternate" type="application/rss+xml" href="http://0x7f000001:{port}/feed.html">'
        "</head><body><h1>Field notes</h1></body></html>")
    (blog / "robots.txt").write_text(
        f"User-agent: *\nAllow: /\nSitemap: http://panel.internal.test:{port}/sitemap.html\n"
        f"Sitemap: http://2130706433:{port}/sitemap.html\nSitemap: {{{{host:blog}}}}/sitemap.xml\n")
    (blog / "sitemap.xml").write_text(
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>http://[::ffff:127.0.0.1]:{port}/sitemap.html</loc></sitemap>"
        "<sitemap><loc>{{host:blog}}/post-sitemap.xml</loc></sitemap></sitemapindex>")
    (blog / "post-sitemap.xml").write_text(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>{{host:blog}}/post-1.html</loc></url>"
        f"<url><loc>http://017700000001:{port}/allowed.html</loc></url></urlset>")
    (blog / "post-1.html").write_text(
        "<html><head><title>Post 1</title></head><body><article><h1>Post 1</h1><p>"
        + "Notes from the towpath on a cold morning by the lock. " * 15 + "</p></article></body></html>")
    with serve(tmp_path / "site", "127.0.0.2") as hosts:
        run = crawl("blogs", tmp_path / "out", {"start_urls": hosts["blog"] + "/"},
                    {"TWISTED_DNS_RESOLVER": "tests.resolving.PinnedResolver",
                     "TEST_PINNED_HOSTS": PINNED})
    assert run.returncode == 0, run.log[-3000:]
    hits = {path: n - before.get(path, 0) for path, n in panel_hits(base).items()}
    assert not {path: n for path, n in hits.items() if n}
    assert [a["title"] for a in run.records["article"]] == ["Post 1"]
    assert run.manifest["dropped"] == {"refused_address": 1}  # the post link into the panel
    # feed, two robots.txt sitemaps (one by name: its robots.txt too), the index's child, the post
    assert refused_stat(run.log) == 6
