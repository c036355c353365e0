"""``scrapy crawl blogs`` end to end: three fixture blogs on loopback, one per way of finding posts.

- ``blog-feed``: WordPress (Twenty Twenty-One) declaring an RSS 2.0 feed; threaded comments three
  levels deep, paginated (``/comment-page-2/``), a pingback, a post with only the comment form.
- ``blog-sitemap``: WordPress (Twenty Ten), German, no feed; robots.txt → ``wp-sitemap.xml``.
- ``blog-pages``: Blogger ("Simple"), feeds switched off, no sitemap; "Older Posts" pagination;
  Blogger threaded comments on one post, schema.org microdata comments on another.

Each crawl is a subprocess, as cron runs it. What a page says (paragraphs, comments) is read from
the fixture files, so the assertions are what a user would check against the pages.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from newsarchive.demo.server import serving
from newsarchive.urls import url_id
from tests.conftest import FIXTURES
from tests.crawling import CrawlRun, crawl

SITE_BLOGS = FIXTURES / "site_blogs"
SINCE = "2024-01-01"
BODY_PARAGRAPHS = ("//div[contains(@class,'entry-content')]/p"
                   " | //div[contains(@class,'post-body')]/p")
FURNITURE = ["Leave a comment", "Schreibe einen Kommentar", "Post a Comment", "Recent Comments",
             "Neueste Kommentare", "Proudly powered by", "Categorized as", "Labels:", "Pingback",
             "Older Posts", "Newer comments", "Save my name, email", "Posted by"]

FLOOD = "2024/03/12/the-marrow-valley-flood-one-year-on/"
BRIDGE = "2024/03/08/rebuilding-the-old-mill-bridge/"
DAM = "2024/02/27/a-winter-walk-along-the-dam/"
FROST = "2023/11/20/first-frost-on-the-marrow/"
HOCHWASSER = "2024/03/11/hochwasser-im-lahntal-was-bleibt/"
MUEHLE = "2024/02/20/die-alte-muehle-am-wehr/"
STAUSEE = "2024/01/15/winterwanderung-zum-stausee/"
WALLS = "2024/03/dry-stone-walls-and-the-people-who-mend-them.html"
LAPWINGS = "2024/03/the-lapwings-are-back-on-the-top-field.html"
LAMBING = "2024/02/lambing-starts-early-this-year.html"
FROSTY = "2024/02/a-frosty-morning-on-high-cup-nick.html"


@dataclass
class BlogCrawl:
    run: CrawlRun
    hosts: dict[str, str]
    hits: dict[str, dict[str, int]]  # host → path → requests served during the crawl

    def url(self, host: str, path: str) -> str:
        return f"{self.hosts[host]}/{path}"

    def article(self, host: str, path: str) -> dict[str, Any]:
        return self.run.by_url("article")[self.url(host, path)]

    def comments(self, host: str, path: str) -> list[dict[str, Any]]:
        article_id = self.article(host, path)["id"]
        found = [c for c in self.run.records["comment"] if c["article_id"] == article_id]
        return sorted(found, key=lambda c: c["position"])


def server_hits(base: str) -> dict[str, int]:
    with urllib.request.urlopen(base + "/__hits", timeout=5) as answer:  # loopback only
        return json.loads(answer.read())


def home_pages(hosts: dict[str, str], *names: str) -> str:
    return ",".join(hosts[name] + "/" for name in names)


@pytest.fixture(scope="module")
def blogs() -> Iterator[dict[str, str]]:
    with serving(SITE_BLOGS) as hosts:
        yield hosts


@pytest.fixture(scope="module")
def first(blogs: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> BlogCrawl:
    """All three blogs in one run, posts since 2024-01-01."""
    output = tmp_path_factory.mktemp("blogs-run")
    before = {name: server_hits(base) for name, base in blogs.items()}
    run = crawl("blogs", output, {
        "start_urls": home_pages(blogs, "blog-feed", "blog-sitemap", "blog-pages"), "since": SINCE})
    assert run.returncode == 0, run.log[-3000:]
    hits = {}
    for name, base in blogs.items():
        after = server_hits(base)
        hits[name] = {p: n - before[name].get(p, 0) for p, n in after.items()
                      if n > before[name].get(p, 0) and p != "/__hits"}
    return BlogCrawl(run, blogs, hits)


def fixture_tree(host: str, path: str) -> lxml.html.HtmlElement:
    page = SITE_BLOGS / host / path
    if page.is_dir():
        page = page / "index.html"
    return lxml.html.fromstring(page.read_bytes())


def fixture_paragraphs(host: str, path: str) -> list[str]:
    return [" ".join(p.text_content().split())
            for p in fixture_tree(host, path).xpath(BODY_PARAGRAPHS)]


def flat(text: str) -> str:
    return " ".join(text.split())


def depth_of(comment: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> int:
    depth = 0
    while comment["parent_id"]:
        comment, depth = by_id[comment["parent_id"]], depth + 1
    return depth


# --- discovery -----------------------------------------------------------------------------


def test_each_blog_is_found_its_own_way(first: BlogCrawl) -> None:
    log = first.run.log
    assert f"{first.hosts['blog-feed']}/: 4 posts found by feed" in log
    assert f"{first.hosts['blog-sitemap']}/: 3 posts found by sitemap" in log
    assert f"{first.hosts['blog-pages']}/: 4 posts found by archive" in log
    feed, sitemap, pages = (first.hits[h] for h in ("blog-feed", "blog-sitemap", "blog-pages"))
    # feed first: a blog with a feed is not asked for sitemaps or listing pages
    assert "/feed/" in feed and not any("sitemap" in path for path in feed)
    # WordPress core sitemaps: the index, then only the posts child (not pages, taxonomies, users)
    assert {"/robots.txt", "/wp-sitemap.xml", "/wp-sitemap-posts-post-1.xml"} <= set(sitemap)
    assert not any(name in path for path in sitemap for name in ("users", "page-1", "taxonomies"))
    # no feed and no sitemap: the home page and its "Older Posts" page
    assert "/search" in pages, "the Older Posts page was not followed"
    assert first.run.manifest["skipped"].get("before_since") == 1


def test_the_posts_of_each_blog_and_only_posts(first: BlogCrawl) -> None:
    expected = {first.url("blog-feed", p) for p in (FLOOD, BRIDGE, DAM)}
    expected |= {first.url("blog-sitemap", p) for p in (HOCHWASSER, MUEHLE, STAUSEE)}
    expected |= {first.url("blog-pages", p) for p in (WALLS, LAPWINGS, LAMBING, FROSTY)}
    articles = first.run.by_url("article")
    assert set(articles) == expected, "older than since, pages, authors or archives crawled"
    assert first.url("blog-feed", FROST) not in articles, "the post before since was archived"
    assert {a["kind"] for a in articles.values()} == {"blog"}
    assert all(a["id"] == url_id(a["url"]) for a in articles.values())
    manifest = first.run.manifest
    assert manifest["spider"] == "blogs" and manifest["finish_reason"] == "finished"
    assert manifest["counts"] == {"event": 0, "article": 10, "comment": 18}
    assert manifest["dropped"] == {}
    assert manifest["arguments"]["since"] == SINCE


# --- articles ------------------------------------------------------------------------------


@pytest.mark.parametrize(("host", "path", "title", "authors", "published", "tags"), [
    ("blog-feed", FLOOD, "The Marrow Valley flood, one year on", ["Hannah Ellery"], "2024-03-12",
     ["Harrow Dam", "Marrow Valley"]),
    ("blog-feed", DAM, "A winter walk along the dam", ["Owen Pryce"], "2024-02-27",
     ["Harrow Dam", "Winter"]),
    ("blog-sitemap", HOCHWASSER, "Hochwasser im Lahntal: was bleibt", None, "2024-03-11",
     ["Lahn", "Weilburg"]),
    ("blog-sitemap", MUEHLE, "Die alte Mühle am Wehr", None, "2024-02-20", ["Mühlen"]),
    ("blog-pages", WALLS, "Dry-stone walls and the people who mend them", ["Elspeth Grant"], None,
     ["Farming", "Walls"]),
    ("blog-pages", LAMBING, "Lambing starts early this year", ["Elspeth Grant"], None,
     ["Farming", "Sheep"]),
])
def test_article_metadata(first: BlogCrawl, host: str, path: str, title: str,
                          authors: list[str] | None, published: str | None,
                          tags: list[str]) -> None:
    article = first.article(host, path)
    assert article["title"] == title
    if authors is not None:  # see the tests below for the other themes' authors
        assert article["authors"] == authors
    if published is not None:
        assert article["published"][:10] == published
    assert article["tags"] == tags
    assert article["language"] == ("de" if host == "blog-sitemap" else "en")
    assert article["http_status"] == 200
    assert article["word_count"] == len(article["body"].split())


def test_bodies_keep_every_paragraph_and_no_furniture(first: BlogCrawl) -> None:
    for article in first.run.records["article"]:
        host = next(h for h, base in first.hosts.items() if article["url"].startswith(base + "/"))
        path = article["url"][len(first.hosts[host]) + 1:]
        paragraphs = fixture_paragraphs(host, path)
        assert paragraphs, path
        body = flat(article["body"])
        missing = [p[:50] for p in paragraphs if p not in body]
        assert not missing, f"{path}: paragraphs missing from the body: {missing}"
        leaked = [text for text in FURNITURE if text in article["body"]]
        assert not leaked, f"{path}: page furniture in the body: {leaked}"


# Metadata that themes hide in odd places (each once a bug): what a reader of the page sees.
def test_twenty_ten_post_authors(first: BlogCrawl) -> None:
    assert first.article("blog-sitemap", HOCHWASSER)["authors"] == ["Katrin Vogel"]
    assert first.article("blog-sitemap", STAUSEE)["authors"] == ["Jonas Keller"]


def test_blogger_post_dates(first: BlogCrawl) -> None:
    assert first.article("blog-pages", WALLS)["published"].startswith("2024-03-14T09:15")
    assert first.article("blog-pages", FROSTY)["published"].startswith("2024-02-10T12:20")


def test_comment_authors_are_not_post_authors(first: BlogCrawl) -> None:
    assert first.article("blog-pages", LAPWINGS)["authors"] == ["Elspeth Grant"]


# trafilatura keeps the blog header's description on one layout: site header lines are dropped.
def test_blogger_header_stays_out_of_bodies(first: BlogCrawl) -> None:
    for path in (WALLS, LAPWINGS, LAMBING, FROSTY):
        assert "Notes from a hill farm" not in first.article("blog-pages", path)["body"]


# --- comments ------------------------------------------------------------------------------


def test_threaded_paginated_wordpress_comments(first: BlogCrawl) -> None:
    comments = first.comments("blog-feed", FLOOD)
    by_id = {c["id"]: c for c in comments}
    # page 1 (the post URL) and page 2 (/comment-page-2/) merged, in page order; Gwen's thread
    # shows on both pages (the page boundary moved between fetches) and is archived once
    assert [c["author"] for c in comments] == [
        "Priya Raman", "Hannah Ellery", "Priya Raman", "Tom Rhys", "Gwen Morgan", "Dafydd Price",
        "Alan Whitby", "Hannah Ellery"]
    assert [depth_of(c, by_id) for c in comments] == [0, 1, 2, 1, 0, 1, 0, 1]
    parent = {c["author"] + c["published"][:16]: by_id[c["parent_id"]]["author"]
              for c in comments if c["parent_id"]}
    assert parent == {"Hannah Ellery2024-03-12T12:40": "Priya Raman",
                      "Priya Raman2024-03-12T13:15": "Hannah Ellery",
                      "Tom Rhys2024-03-12T15:20": "Priya Raman",
                      "Dafydd Price2024-03-13T09:05": "Gwen Morgan",
                      "Hannah Ellery2024-03-13T10:01": "Alan Whitby"}
    priya, alan = comments[0], comments[6]
    assert priya["author_url"] == "https://priyaraman.example/"
    assert priya["published"] == "2024-03-12T11:02:17+00:00"
    assert priya["url"] == first.url("blog-feed", FLOOD) + "#comment-12"
    assert priya["text"] == (
        "I still have the photo I took from the chapel steps that morning. The water was over "
        "the second step by six.\n\nThank you for going back and writing this. It is good to "
        "hear that the bakery made it.")
    assert alan["text"].count("\n\n") == 1 and alan["url"].endswith("#comment-18")
    assert comments[1]["author_url"] is None
    assert not any("Pingback" in c["text"] or "River Watch" in c["text"] for c in comments)
    assert not any(c["text"].endswith("Reply") for c in comments)
    assert first.hits["blog-feed"].get(f"/{FLOOD}comment-page-2/") == 1


def test_form_only_post_has_no_comments(first: BlogCrawl) -> None:
    assert first.article("blog-feed", BRIDGE)["comment_count"] == 0
    assert first.comments("blog-feed", BRIDGE) == []
    # the recent-comments widget quotes comments of another post: never comments of this one
    flood_id = first.article("blog-feed", FLOOD)["id"]
    quoting = [c for c in first.run.records["comment"] if "Farthing Lock" in c["text"]]
    assert [c["article_id"] for c in quoting] == [flood_id]


def test_german_comments_with_german_dates(first: BlogCrawl) -> None:
    comments = first.comments("blog-sitemap", HOCHWASSER)
    assert [(c["author"], c["published"][:16]) for c in comments] == [
        ("Jürgen Weber", "2024-03-12T14:05"),  # "12. März 2024 um 14:05 Uhr"
        ("Katrin Vogel", "2024-03-12T18:40"),
        ("Ute Brandt", "2024-04-03T09:41"),  # "3. April 2024 um 9:41 Uhr"
    ]
    assert comments[1]["parent_id"] == comments[0]["id"]
    assert comments[0]["parent_id"] is None and comments[2]["parent_id"] is None
    assert comments[0]["author_url"] == "https://weber-weilburg.example/"
    assert comments[0]["text"].startswith("Danke für den Bericht.")
    assert "\n\n" in comments[0]["text"]
    assert not any(word in c["text"] for c in comments for word in ("Antworten", "sagt:",
                                                                      "Pegelmarken an der"))
    for path in (MUEHLE, STAUSEE):
        assert first.article("blog-sitemap", path)["comment_count"] == 0


def test_blogger_and_microdata_comments(first: BlogCrawl) -> None:
    walls = first.comments("blog-pages", WALLS)
    assert [(c["author"], c["published"]) for c in walls] == [
        ("Hazel Dent", "2024-03-14T10:02:00+00:00"),
        ("Elspeth Grant", "2024-03-14T13:10:00+00:00"),
        ("Anonymous", "2024-03-15T08:00:00+00:00"),
    ]
    assert walls[1]["parent_id"] == walls[0]["id"] and walls[2]["parent_id"] is None
    assert walls[0]["url"].endswith("?showComment=1710410520000#c7712004455")
    assert walls[0]["author_url"] == "https://www.blogger.com/profile/1029384756"
    assert walls[0]["text"] == ("My father walled on the Alston side all his life. He used to "
                                "say a wall is two walls leaning on each other.\n\n"
                                "Good to see Ted still at it.")
    lapwings = first.comments("blog-pages", LAPWINGS)
    assert [(c["author"], c["published"]) for c in lapwings] == [
        ("Ruth Alder", "2024-03-05T19:14:00+00:00"),
        ("Elspeth Grant", "2024-03-05T21:03:00+00:00"),
        ("Mick Tallentire", "2024-03-06T07:30:00+00:00"),
    ]
    assert lapwings[1]["parent_id"] == lapwings[0]["id"] and lapwings[2]["parent_id"] is None
    assert lapwings[0]["author_url"] == "https://curlewcount.example/"
    assert lapwings[0]["url"].endswith("#note-301")
    assert lapwings[0]["text"].count("\n\n") == 1
    for path in (LAMBING, FROSTY):
        assert first.article("blog-pages", path)["comment_count"] == 0


def test_comment_guarantees(first: BlogCrawl) -> None:
    """References hold, counts agree, nothing is duplicated, and body and comments stay apart."""
    articles = first.run.by_id("article")
    comments_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for comment in first.run.records["comment"]:
        assert comment["article_id"] in articles, comment
        comments_of[comment["article_id"]].append(comment)
    all_ids = [c["id"] for c in first.run.records["comment"]]
    assert len(all_ids) == len(set(all_ids)), "a comment was emitted twice"
    for article_id, article in articles.items():
        comments = comments_of.get(article_id, [])
        assert article["comment_count"] == len(comments), article["url"]
        ids = {c["id"] for c in comments}
        assert all(c["parent_id"] is None or c["parent_id"] in ids for c in comments)
        assert sorted(c["position"] for c in comments) == list(range(len(comments)))
        body = flat(article["body"])
        for comment in comments:
            assert comment["published"] and comment["author"], comment
            assert flat(comment["text"])[:60] not in body, f"comment text in {article['url']}"
        for paragraph in article["body"].split("\n\n"):
            assert not any(paragraph[:60] in c["text"] for c in comments)


# --- arguments -----------------------------------------------------------------------------


def test_max_posts_bounds_the_run(blogs: dict[str, str], tmp_path: Path) -> None:
    run = crawl("blogs", tmp_path, {"start_urls": home_pages(blogs, "blog-feed"), "max_posts": "2"})
    assert run.returncode == 0, run.log[-3000:]
    base = blogs["blog-feed"]
    assert sorted(a["url"] for a in run.records["article"]) == [f"{base}/{BRIDGE}", f"{base}/{FLOOD}"]
    assert run.manifest["skipped"].get("max_posts", 0) >= 1
    assert run.manifest["counts"]["comment"] == 8


@pytest.mark.parametrize(("args", "message"), [
    ({"start_urls": "http://127.0.0.1:9/", "since": "2024-02-30"}, "since: '2024-02-30' is not a date"),
    ({"start_urls": "http://127.0.0.1:9/", "max_posts": "-1"}, "max_posts: must be at least 0"),
    ({"since": "2024-01-01"}, "start_urls=URL[,URL...] is required"),
])
def test_bad_arguments_fail_with_one_line(tmp_path: Path, args: dict[str, str], message: str) -> None:
    run = crawl("blogs", tmp_path, args)
    assert run.returncode == 2
    errors = [line for line in run.log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], run.log[-2000:]


# --- cron: re-crawls -----------------------------------------------------------------------

# A reader comment posted between two runs (Twenty Twenty-One markup), appended to page 2.
NEW_COMMENT = (SITE_BLOGS / "_recrawl" / "new-comment.html").read_text("utf-8")
LIST_END = "\t\t</ol><!-- .comment-list -->"


def test_recrawl_emits_only_new_comments_and_changed_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "site"
    shutil.copytree(SITE_BLOGS / "blog-feed", root / "blog-feed")
    output = tmp_path / "archive"
    # 2024-03-13: the flood post (12 March) is within NEWSARCHIVE_COMMENTS_REFRESH_DAYS (3),
    # the other posts are not
    monkeypatch.setenv("NEWSARCHIVE_TODAY", "2024-03-13")
    with serving(root) as hosts:
        start = {"start_urls": home_pages(hosts, "blog-feed")}
        base = hosts["blog-feed"]
        first = crawl("blogs", output, start)
        assert first.returncode == 0, first.log[-3000:]
        assert first.manifest["counts"] == {"event": 0, "article": 4, "comment": 10}
        flood = first.by_url("article")[f"{base}/{FLOOD}"]
        assert flood["comment_count"] == 8

        page2 = root / "blog-feed" / FLOOD / "comment-page-2" / "index.html"
        html = page2.read_text("utf-8")
        assert html.count(LIST_END) == 1
        page2.write_text(html.replace(LIST_END, NEW_COMMENT + LIST_END), "utf-8")

        second = crawl("blogs", output, start)
        assert second.returncode == 0, second.log[-3000:]
        assert [a["url"] for a in second.records["article"]] == [f"{base}/{FLOOD}"]
        updated = second.records["article"][0]
        assert updated["id"] == flood["id"] and updated["comment_count"] == 9
        assert updated["body"] == flood["body"]
        [new] = second.records["comment"]
        assert (new["author"], new["article_id"], new["parent_id"], new["position"]) == (
            "Nia Evans", flood["id"], None, 8)
        assert new["published"] == "2024-03-13T20:45:00+00:00"
        assert new["id"] not in {c["id"] for c in first.records["comment"]}
        assert second.manifest["skipped"]["archived"] == 3
        assert second.manifest["skipped"]["unchanged_comment"] == 8
        assert second.manifest["notes"] == []

        third = crawl("blogs", output, start)
        assert third.returncode == 0, third.log[-3000:]
        assert third.records == {"event": [], "article": [], "comment": []}
        assert third.manifest["skipped"]["unchanged_comment"] == 9
        assert third.manifest["skipped"]["unchanged_article"] == 1
        assert any("nothing new" in note for note in third.manifest["notes"])

        # a week later the thread counts as settled: archived posts are not fetched at all
        monkeypatch.setenv("NEWSARCHIVE_TODAY", "2024-03-20")
        later = crawl("blogs", output, start)
        assert later.returncode == 0, later.log[-3000:]
        assert later.manifest["skipped"]["archived"] == 4
        assert later.manifest["counts"] == {"event": 0, "article": 0, "comment": 0}
        assert later.manifest["pages_fetched"] == 3  # robots.txt, home page, feed


def truncated_feed_blog(root: Path) -> None:
    """blog-feed as most WordPress blogs are: its feed lists only the newest posts (here 2 of
    4; WordPress's default is 10), its ``wp-sitemap.xml`` every post."""
    shutil.copytree(SITE_BLOGS / "blog-feed", root / "blog-feed")
    feed = root / "blog-feed" / "feed" / "index.xml"
    text = feed.read_text("utf-8")
    items = re.findall(r"<item>.*?</item>", text, re.S)
    assert len(items) == 4
    feed.write_text(text[: text.index("<item>")] + "".join(items[:2]) + "</channel></rss>\n",
                    "utf-8")
    urls = "".join(f"<url><loc>{{{{host:blog-feed}}}}/{post}</loc></url>"
                   for post in (FLOOD, BRIDGE, DAM, FROST))
    (root / "blog-feed" / "wp-sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
        f'sitemap/0.9">{urls}</urlset>\n', "utf-8")


def test_posts_older_than_a_short_feed_are_archived(tmp_path: Path) -> None:
    """Posts before the feed's newest few were once never archived: the feed yielded posts,
    so neither the sitemap nor the archive pages were read. Once read past the feed's oldest
    post, later runs stop at the feed again."""
    root = tmp_path / "site"
    truncated_feed_blog(root)
    with serving(root) as hosts:
        start = {"start_urls": home_pages(hosts, "blog-feed")}
        base = hosts["blog-feed"]
        first = crawl("blogs", tmp_path / "archive", start, env={"NEWSARCHIVE_TODAY": "2024-03-13"})
        later = crawl("blogs", tmp_path / "archive", start, env={"NEWSARCHIVE_TODAY": "2024-03-20"})
    assert first.returncode == 0, first.log[-3000:]
    assert "2 posts found by feed" in first.log, first.log[-3000:]
    assert sorted(a["url"] for a in first.records["article"]) == \
        sorted(f"{base}/{post}" for post in (FLOOD, BRIDGE, DAM, FROST))
    assert later.returncode == 0, later.log[-3000:]
    assert later.manifest["counts"] == {"event": 0, "article": 0, "comment": 0}
    assert later.manifest["pages_fetched"] == 3  # robots.txt, home page, feed


def test_a_thread_longer_than_the_comment_page_limit_is_a_counted_drop(
    blogs: dict[str, str], tmp_path: Path
) -> None:
    """The flood post's comments go on to a second page; with no further page allowed, the
    thread is cut there and the drop says so (it was cut without a count)."""
    run = crawl("blogs", tmp_path, {"start_urls": home_pages(blogs, "blog-feed"), "since": SINCE},
                {"NEWSARCHIVE_MAX_COMMENT_PAGES": "0"})
    assert run.returncode == 0, run.log[-3000:]
    assert run.manifest["dropped"].get("comment_pages_over_limit") == 1, run.manifest["dropped"]
    flood = next(a for a in run.records["article"] if a["url"].endswith(FLOOD))
    assert 0 < flood["comment_count"] < 8  # 8 with both pages (test_recrawl_...)
