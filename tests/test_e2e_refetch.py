"""Nightly runs fetch again only what can change: articles with a comment thread, conditionally.

An event of March 5 cites four articles of one outlet: one with a comment thread, one with an
empty thread (an open "Leave a reply" form), two with none. Within the comments window
(``NEWSARCHIVE_COMMENTS_REFRESH_DAYS``, 3) a second run asks again only for the two threaded
pages, with ``If-None-Match`` / ``If-Modified-Since``; the server (``newsarchive.demo.server``)
answers 304 while they are unchanged. When the thread grows, the next run archives the new
comment. The fog-warning page sends only ``Last-Modified``, so its 304 comes from
``If-Modified-Since``.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsarchive.demo.server import SiteServer, start_servers
from tests.crawling import CrawlRun, crawl

FIXTURE = Path(__file__).parent / "fixtures" / "site_refetch"
THREADED = "/ferry-resumes.html"  # one comment
OPEN_THREAD = "/fog-warning.html"  # a comment form, no comment yet; Last-Modified only
PLAIN = ("/ferry-fares.html", "/landing-stage-repairs.html")  # no comment section
TODAY = "2024-03-06"  # the event (March 5) is one day old: its comments are young
NEW_COMMENT = """<li id="comment-102" class="comment odd alt thread-odd depth-1">
<article id="div-comment-102" class="comment-body">
<footer class="comment-meta"><div class="comment-author vcard"><b class="fn">Jon Pryce</b></div>
<div class="comment-metadata"><time datetime="2024-03-06T07:30:00+00:00">March 6, 2024</time></div>
</footer>
<div class="comment-content"><p>Ran late tonight because of the tide, twenty minutes.</p></div>
</article>
</li>
</ol>"""


@dataclass
class Runs:
    output: Path
    hosts: dict[str, str]
    runs: list[CrawlRun]
    served: list[dict[str, int]]  # outlet paths requested per run
    not_modified: list[dict[str, int]]  # outlet paths answered 304 per run
    headers: list[dict[str, dict[str, str]]]  # what the outlet last saw per path, after each run


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)


def _since(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {path: n - before.get(path, 0) for path, n in after.items()
            if n != before.get(path, 0) and not path.startswith("/__") and path != "/robots.txt"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """1. first run; 2. the same again (nothing changed); 3. after a reader commented."""
    root = tmp_path_factory.mktemp("refetch-site") / "site"
    shutil.copytree(FIXTURE, root)
    hosts, servers = start_servers(root)
    outlet: SiteServer = next(s for s in servers if s.folder.name == "refetch-outlet")
    outlet.routes[OPEN_THREAD] = {"validators": ["last-modified"]}
    output = tmp_path_factory.mktemp("refetch-output")
    args = {"site": hosts["refetch-events"], "start": "2024-03-05", "end": "2024-03-05"}
    result = Runs(output, hosts, [], [], [], [])
    try:
        for step in range(3):
            if step == 2:
                page = root / "refetch-outlet" / THREADED.lstrip("/")
                page.write_text(page.read_text("utf-8").replace("</ol>", NEW_COMMENT), "utf-8")
            hits = _get(hosts["refetch-outlet"] + "/__hits")
            not_modified = _get(hosts["refetch-outlet"] + "/__not_modified")
            run = crawl("events", output, args, env={"NEWSARCHIVE_TODAY": TODAY})
            assert run.returncode == 0 and run.manifest, run.log[-3000:]
            result.runs.append(run)
            result.served.append(_since(_get(hosts["refetch-outlet"] + "/__hits"), hits))
            result.not_modified.append(
                _since(_get(hosts["refetch-outlet"] + "/__not_modified"), not_modified))
            result.headers.append(_get(hosts["refetch-outlet"] + "/__headers"))
        yield result
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def test_first_run_archives_every_article_and_remembers_which_have_a_thread(runs: Runs) -> None:
    first = runs.runs[0]
    assert first.manifest["counts"] == {"event": 1, "article": 4, "comment": 1}
    assert runs.served[0] == {THREADED: 1, OPEN_THREAD: 1, PLAIN[0]: 1, PLAIN[1]: 1}
    assert not any("If-None-Match" in h or "If-Modified-Since" in h
                   for h in runs.headers[0].values()), "nothing archived yet: plain requests"
    db = sqlite3.connect(f"file:{runs.output / 'state' / 'state.sqlite'}?mode=ro", uri=True)
    with db:
        rows = db.execute("SELECT key, threaded, etag IS NOT NULL, last_modified IS NOT NULL "
                          "FROM article_fetches").fetchall()
    db.close()
    threaded = {key.rsplit("/", 1)[-1]: (bool(t), bool(e), bool(m)) for key, t, e, m in rows}
    assert threaded == {"ferry-resumes.html": (True, True, True),
                        "fog-warning.html": (True, False, True),
                        "ferry-fares.html": (False, True, True),
                        "landing-stage-repairs.html": (False, True, True)}


def test_unchanged_threads_cost_a_304_and_pages_without_one_are_not_fetched(runs: Runs) -> None:
    second = runs.runs[1]
    assert runs.served[1] == {THREADED: 1, OPEN_THREAD: 1}
    assert runs.not_modified[1] == {THREADED: 1, OPEN_THREAD: 1}
    assert "If-None-Match" in runs.headers[1][THREADED]
    assert "If-Modified-Since" in runs.headers[1][OPEN_THREAD]
    assert "If-None-Match" not in runs.headers[1][OPEN_THREAD], "it never sent an ETag"
    assert second.manifest["counts"] == {"event": 0, "article": 0, "comment": 0}
    skipped = second.manifest["skipped"]
    assert skipped["not_modified"] == 2
    assert skipped["no_comment_thread"] == 2
    assert second.manifest["dropped"] == {}, "a 304 is not a drop"
    assert "nothing new: no record was new or changed since the last run" in second.manifest["notes"]


def test_a_grown_thread_is_fetched_whole_and_its_new_comment_archived(runs: Runs) -> None:
    first, third = runs.runs[0], runs.runs[2]
    assert runs.served[2] == {THREADED: 1, OPEN_THREAD: 1}
    assert runs.not_modified[2] == {OPEN_THREAD: 1}, "the grown page came back whole"
    (article,) = third.records["article"]
    assert article["url"].endswith(THREADED) and article["comment_count"] == 2
    assert [c["author"] for c in third.records["comment"]] == ["Jon Pryce"]
    assert third.records["comment"][0]["article_id"] == article["id"]
    (event,) = first.records["event"]
    assert {s["status"] for s in event["sources"]} == {"ok"}
    assert third.manifest["counts"] == {"event": 0, "article": 1, "comment": 1}


def test_blog_posts_with_young_comments_are_asked_for_conditionally(tmp_path: Path) -> None:
    """On 2024-03-10 the posts of March 8 (one comment page) and March 12 (comments over two
    pages) are young: the first costs a 304, the second is fetched whole, as its first page can
    stay the same while its last one grows."""
    root = tmp_path / "site"
    shutil.copytree(Path(__file__).parent / "fixtures" / "site_blogs" / "blog-feed",
                    root / "blog-feed")
    hosts, servers = start_servers(root)
    try:
        args = {"start_urls": hosts["blog-feed"] + "/"}
        env = {"NEWSARCHIVE_TODAY": "2024-03-10"}
        first = crawl("blogs", tmp_path / "out", args, env=env)
        assert first.returncode == 0 and first.manifest["counts"]["article"] == 4, first.log[-3000:]
        second = crawl("blogs", tmp_path / "out", args, env=env)
        not_modified = _get(hosts["blog-feed"] + "/__not_modified")
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    assert second.returncode == 0, second.log[-3000:]
    assert not_modified == {"/2024/03/08/rebuilding-the-old-mill-bridge/": 1}
    assert second.manifest["skipped"]["not_modified"] == 1
    assert second.manifest["skipped"]["unchanged_article"] == 1  # the paged post, whole
    assert second.manifest["counts"] == {"event": 0, "article": 0, "comment": 0}
    assert second.manifest["dropped"] == {}
