"""Pages too big or too deep to archive are counted drops with their own reason, and the crawl
goes on: a page above DOWNLOAD_MAXSIZE (``too_large``), a gzip-encoded page and a gzipped
sitemap that inflate beyond it (``decompression_limit``), 20,000 nested divs (``not_an_article``).
Real files served on loopback, Scrapy's default 16 MB limit of newsarchive's settings."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newsarchive.demo.server import serving
from tests.crawling import CrawlRun, crawl

MB = 1024 * 1024
STORY = ("<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>"
         + "The river ferry between the two towns runs again after the safety checks. " * 15
         + "</p></article></body></html>")


def write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def bomb(inner_prefix: bytes, size: int, inner_suffix: bytes = b"") -> bytes:
    """A few KB of gzip that inflate to ``size`` bytes."""
    return gzip.compress(inner_prefix + b" " * size + inner_suffix, compresslevel=9)


@pytest.fixture(scope="module")
def events_run(tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    root = tmp_path_factory.mktemp("limits")
    outlet = root / "site" / "outlet"
    write(outlet / "fine.html", STORY.format(title="Ferry resumes"))
    write(outlet / "huge.html", STORY.format(title="Huge").replace("<p>", "<p>" + "x" * (17 * MB)))
    write(outlet / "bomb.bin", bomb(b"<html><body><p>", 20 * MB, b"</p></body></html>"))
    write(outlet / "nested.html", "<html><head><title>Deep</title></head><body>" + "<div>" * 20000
          + "A story nobody can read." + "</div>" * 20000 + "</body></html>")
    write(outlet / "_routes.json", json.dumps({"/bomb.html": {
        "file": "bomb.bin", "raw": True,
        "headers": {"Content-Type": "text/html", "Content-Encoding": "gzip"}}}))
    sources = "\n".join(f"1. [{name}]({{{{host:outlet}}}}/{name}.html)"
                        for name in ("huge", "bomb", "nested", "fine"))
    write(root / "site" / "events" / "news" / "2024" / "03" / "6" / "x.md",
          f"# Pages too big to archive\n\nA summary.\n\n### Source:\n\n{sources}\n")
    with serving(root / "site") as hosts:
        run = crawl("events", root / "out", {"start_urls": hosts["events"] + "/news/2024/03/6/x.md"})
    assert run.returncode == 0, run.log[-3000:]
    return run


def test_big_and_deep_pages_are_drops_with_their_reason(events_run: CrawlRun) -> None:
    assert events_run.manifest["dropped"] == {
        "too_large": 1, "decompression_limit": 1, "not_an_article": 1}
    assert events_run.manifest["finish_reason"] == "finished"
    assert "nested deeper than the HTML parser's limit" in events_run.log


def test_the_rest_is_archived(events_run: CrawlRun) -> None:
    assert [a["title"] for a in events_run.records["article"]] == ["Ferry resumes"]
    (event,) = events_run.records["event"]
    status = {s["label"]: (s["status"], s["reason"]) for s in event["sources"]}
    assert status == {"huge": ("skipped", "too_large"), "bomb": ("skipped", "decompression_limit"),
                      "nested": ("skipped", "not_an_article"), "fine": ("ok", None)}


def test_remote_control_server_is_off(events_run: CrawlRun) -> None:
    """Scrapy 2.19 starts an HTTP server that runs posted Python code unless told not to."""
    assert "scrapy.extensions.remote_control" not in events_run.log
    assert "Remote control HTTP server" not in events_run.log


def test_a_gzip_bomb_feed_and_sitemap_are_drops_and_the_blog_is_archived(tmp_path: Path) -> None:
    blog = tmp_path / "site" / "blog"
    write(blog / "index.html", "<html><head><title>Field notes</title>"
          '<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>'
          "<h1>Field notes</h1><p>A blog.</p></body></html>")
    # its feed: a gzip-encoded response that inflates beyond the limit
    write(blog / "feed.bin", bomb(b'<?xml version="1.0"?><rss><channel>', 20 * MB))
    write(blog / "_routes.json", json.dumps({"/feed.xml": {
        "file": "feed.bin", "raw": True,
        "headers": {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}}}))
    write(blog / "robots.txt", "User-agent: *\nAllow: /\n"
          "Sitemap: {{host:blog}}/sitemap-bomb.xml.gz\nSitemap: {{host:blog}}/post-sitemap.xml\n")
    # 40 MB of sitemap (below the protocol's 50 MB, above the 16 MB download limit)
    write(blog / "sitemap-bomb.xml.gz", bomb(
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        40 * MB, b"<url><loc>{{host:blog}}/never.html</loc></url></urlset>"))
    posts = [f"post-{n}" for n in range(1, 4)]
    write(blog / "post-sitemap.xml",
          '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
          + "".join(f"<url><loc>{{{{host:blog}}}}/{p}.html</loc></url>" for p in posts)
          + "</urlset>")
    for post in posts:
        write(blog / f"{post}.html", STORY.format(title=f"Post {post[-1]}"))
    with serving(tmp_path / "site") as hosts:
        run = crawl("blogs", tmp_path / "out", {"start_urls": hosts["blog"] + "/"})
    assert run.returncode == 0, run.log[-3000:]
    assert run.manifest["dropped"] == {"decompression_limit": 2}, run.manifest  # feed, sitemap
    assert sorted(a["title"] for a in run.records["article"]) == ["Post 1", "Post 2", "Post 3"]
    assert run.manifest["finish_reason"] == "finished"
