"""Blog post discovery (parsing/post_links.py, feeds.py, listings.py): feeds, sitemaps, robots.txt,
archive/pagination pages, URL heuristics."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import pytest

from newsarchive.parsing.feeds import (
    DecompressionLimitExceeded,
    guess_feed_urls,
    guess_sitemap_urls,
    parse_feed,
    parse_sitemap,
    sitemap_urls_from_robots,
)
from newsarchive.parsing.listings import archive_links, feed_urls
from newsarchive.parsing.post_links import (
    PostLink,
    is_date_archive_url,
    is_listing_url,
    is_pagination_url,
    is_post_sitemap,
    is_probable_post_url,
)

FIXTURES = Path(__file__).parent / "fixtures" / "pages" / "discovery"
GARBAGE: list[str | bytes] = [
    "", b"", "   ", b"\x00\x01\x02\xff\xfe", "<", "<html", "{", "{\"items\": 5}", "[]", "null",
    "\ufeff", b"\xef\xbb\xbf", "<?xml version='1.0' encoding='latin-1'?>", "<rss><channel><item>",
    b"\x1f\x8b\x08\x00garbage", "\x00" * 100, "<feed><entry><link href='javascript:alert(1)'/>",
]


def _case(name: str) -> tuple[Path, str, dict]:
    folder = FIXTURES / name
    url = (folder / "url.txt").read_text().strip()
    expected = json.loads((folder / "expected.json").read_text())
    return folder, url, expected


def _dicts(links: list[PostLink]) -> list[dict]:
    return [dataclasses.asdict(link) for link in links]


def _urls(links: list[PostLink]) -> list[str]:
    return [link.url for link in links]


# ---------------------------------------------------------------------------- golden fixtures


@pytest.mark.parametrize("case", ["wordpress_home", "blogger_home", "monthly_archive"])
def test_listing_pages_golden(case: str) -> None:
    folder, url, expected = _case(case)
    html = (folder / "page.html").read_text()
    posts, listings = archive_links(url, html)
    assert feed_urls(url, html) == expected["feeds"]
    assert _dicts(posts) == expected["posts"]
    assert listings == expected["listings"]


@pytest.mark.parametrize(
    ("case", "filename"),
    [
        ("wordpress_rss", "feed.xml"),
        ("blogger_atom", "feed.xml"),
        ("json_feed", "feed.json"),
        ("malformed_feed", "feed.xml"),
    ],
)
def test_feeds_golden(case: str, filename: str) -> None:
    folder, url, expected = _case(case)
    entries, next_url = parse_feed(url, (folder / filename).read_bytes())
    assert _dicts(entries) == expected["entries"]
    assert next_url == expected["next"]


@pytest.mark.parametrize("case", ["wp_sitemap", "yoast_sitemap", "news_sitemap"])
def test_sitemaps_golden(case: str) -> None:
    folder, url, expected = _case(case)
    base = url.rsplit("/", 1)[0] + "/"
    for filename, want in expected.items():
        children, pages = parse_sitemap(base + filename, (folder / filename).read_bytes())
        assert children == want["children"], filename
        assert _dicts(pages) == want["pages"], filename


# ---------------------------------------------------------------------------- feed discovery


def test_wordpress_home_declares_main_feed_not_comment_feed() -> None:
    folder, url, _ = _case("wordpress_home")
    feeds = feed_urls(url, (folder / "page.html").read_text())
    assert feeds == ["https://fieldnotes.example.org/feed/"]


def test_feed_urls_types_relative_and_base() -> None:
    html = """<html><head><base href="https://blog.example.com/en/">
    <link rel="alternate" type="application/atom+xml; charset=UTF-8" href="atom.xml">
    <link rel="alternate" type="application/feed+json" title="JSON Feed" href="/feed.json">
    <link rel="alternate" type="application/json" href="https://blog.example.com/wp-json/wp/v2/pages/2">
    <link rel="alternate" type="application/json+oembed" href="/wp-json/oembed/1.0/embed?url=x">
    <link rel="alternate" hreflang="de" href="https://blog.example.com/de/">
    <link rel="alternate" type="application/rss+xml" title="Post &raquo; Comments Feed"
          href="https://blog.example.com/2024/03/a-post/feed/">
    <link rel="alternate" type="application/atom+xml" href="/feeds/123/comments/default">
    <link rel="alternate" type="application/rss+xml" title="Travel Category Feed"
          href="/category/travel/feed/">
    <link rel="alternate" type="application/atom+xml" href="atom.xml">
    </head><body><a href="/rss.xml">RSS</a></body></html>"""
    assert feed_urls("https://blog.example.com/2024/03/a-post/", html) == [
        "https://blog.example.com/en/atom.xml",
        "https://blog.example.com/feed.json",
        "https://blog.example.com/category/travel/feed/",
    ]


def test_feed_urls_skips_per_post_comment_feed() -> None:
    html = """<head><link rel="alternate" type="application/rss+xml" title="Blog &raquo; Feed"
    href="https://b.example/feed/"><link rel="alternate" type="application/rss+xml"
    title="Blog &raquo; Laufen im Winter Kommentar-Feed" href="https://b.example/laufen-im-winter/feed/">
    </head>"""
    assert feed_urls("https://b.example/laufen-im-winter/", html) == ["https://b.example/feed/"]
    html = html.replace("Kommentar-", "")
    assert feed_urls("https://b.example/laufen-im-winter/", html) == ["https://b.example/feed/"]


def test_section_of_current_page_is_not_a_post() -> None:
    html = """<article class="post"><h2><a href="/sociedad">Sociedad</a></h2>
    <h2><a href="/sociedad/otra-noticia-del-dia-de-hoy">Otra</a></h2></article>"""
    posts, _ = archive_links("https://n.example/sociedad/una-noticia-larga-de-hoy", html)
    assert _urls(posts) == ["https://n.example/sociedad/otra-noticia-del-dia-de-hoy"]


def test_feed_urls_none_declared() -> None:
    html = "<html><body><a href='/feed/'>RSS</a></body></html>"
    assert feed_urls("https://x.example/", html) == []


def test_guess_feed_urls() -> None:
    assert guess_feed_urls("https://fieldnotes.example.org/2024/03/12/some-long-post-title/") == [
        "https://fieldnotes.example.org/feed/",
        "https://fieldnotes.example.org/rss.xml",
        "https://fieldnotes.example.org/atom.xml",
        "https://fieldnotes.example.org/feeds/posts/default",
        "https://fieldnotes.example.org/index.xml",
        "https://fieldnotes.example.org/feed.xml",
        "https://fieldnotes.example.org/rss/",
    ]
    assert guess_feed_urls("https://riverdiaries.blogspot.com/")[0] == (
        "https://riverdiaries.blogspot.com/feeds/posts/default"
    )
    blog = guess_feed_urls("https://example.com/blog/")
    assert blog[0] == "https://example.com/blog/feed/"
    assert "https://example.com/feed/" in blog
    assert guess_feed_urls("ftp://example.com/") == []
    assert guess_feed_urls("not a url") == []


# ---------------------------------------------------------------------------- feed parsing


def test_wordpress_rss_uses_link_not_comments_or_enclosure() -> None:
    folder, url, _ = _case("wordpress_rss")
    entries, next_url = parse_feed(url, (folder / "feed.xml").read_bytes())
    urls = _urls(entries)
    assert next_url is None  # WordPress pages its feed with ?paged=2 but never says so
    assert len(urls) == 4  # the item without <link> is skipped
    assert not any("#comments" in u or u.endswith("/feed/") or ".mp3" in u for u in urls)
    assert "https://fieldnotes.example.org/2024/02/15/episode-4-the-kennet-and-avon-canal/" in urls
    assert entries[1].title == "The bridges of Bath & Bristol"
    assert entries[0].published == "2024-03-12T09:14:03+00:00"


def test_blogger_atom_alternate_link_and_paging() -> None:
    folder, url, _ = _case("blogger_atom")
    entries, next_url = parse_feed(url, (folder / "feed.xml").read_bytes())
    assert all(e.url.startswith("https://riverdiaries.blogspot.com/20") for e in entries)
    assert entries[1].title == "Locks & weirs: a beginner's guide"  # type='html' title unescaped
    assert entries[2].title is None  # untitled Blogger post
    assert entries[0].published == "2024-03-10T10:58:00-08:00"
    assert next_url == (
        "https://www.blogger.com/feeds/4912345678901234567/posts/default"
        "?start-index=4&max-results=3"
    )


def test_atom_xml_base_and_updated_fallback() -> None:
    feed = """<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://site.example/blog/">
      <link rel="next" href="?page=2"/>
      <entry xml:base="posts/">
        <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">A <b>bold</b> move</div>
        </title>
        <link href="a-bold-move/"/>
        <link rel="enclosure" type="audio/mpeg" href="/audio/a.mp3"/>
        <updated>2024-01-02T03:04:05Z</updated>
      </entry>
    </feed>"""
    entries, next_url = parse_feed("https://site.example/atom.xml", feed)
    assert entries == [
        PostLink("https://site.example/blog/posts/a-bold-move/", "2024-01-02T03:04:05+00:00",
                 "A bold move")
    ]
    assert next_url == "https://site.example/blog/?page=2"


def test_rss1_rdf_feed() -> None:
    feed = """<?xml version="1.0"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
             xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://old.example.org/">
        <title>Old blog</title><link>https://old.example.org/</link>
        <items><rdf:Seq><rdf:li rdf:resource="https://old.example.org/archives/000123.html"/></rdf:Seq></items>
      </channel>
      <item rdf:about="https://old.example.org/archives/000123.html">
        <title>Moving to a new host</title>
        <link>https://old.example.org/archives/000123.html</link>
        <dc:date>2004-07-19T22:10:00+02:00</dc:date>
      </item>
      <item rdf:about="https://old.example.org/archives/000122.html">
        <title>About-only item</title>
      </item>
    </rdf:RDF>"""
    entries, next_url = parse_feed("https://old.example.org/index.rdf", feed.encode())
    assert entries == [
        PostLink("https://old.example.org/archives/000123.html", "2004-07-19T22:10:00+02:00",
                 "Moving to a new host"),
        PostLink("https://old.example.org/archives/000122.html", None, "About-only item"),
    ]
    assert next_url is None


def test_rss_feedburner_origlink_guid_and_relative_links() -> None:
    feed = """<rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
    <channel><title>t</title>
      <item><title>Via FeedBurner</title>
        <link>https://feedproxy.google.com/~r/blog/~3/abc/</link>
        <feedburner:origLink>https://blog.example.net/2019/05/via-feedburner/</feedburner:origLink>
      </item>
      <item><title>Guid only</title><guid>https://blog.example.net/2019/05/guid-only/</guid></item>
      <item><title>Not a permalink</title><guid isPermaLink="false">tag:blog,2019:5</guid></item>
      <item><title>Relative</title><link>/2019/04/relative/</link></item>
    </channel></rss>"""
    entries, _ = parse_feed("https://blog.example.net/feed/", feed)
    assert _urls(entries) == [
        "https://blog.example.net/2019/05/via-feedburner/",
        "https://blog.example.net/2019/05/guid-only/",
        "https://blog.example.net/2019/04/relative/",
    ]


def test_feed_encodings() -> None:
    latin1 = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><item>'
        "<title>Caf\xe9 cr\xe8me</title>"
        "<link>https://x.example/cafe-creme-review/</link></item></channel></rss>"
    )
    from_bytes, _ = parse_feed("https://x.example/feed", latin1.encode("latin-1"))
    from_str, _ = parse_feed("https://x.example/feed", latin1)
    assert from_bytes[0].title == from_str[0].title == "Café crème"


def test_malformed_feed_recovers_entries_before_the_break() -> None:
    folder, url, _ = _case("malformed_feed")
    entries, next_url = parse_feed(url, (folder / "feed.xml").read_bytes())
    assert [e.title for e in entries] == ["Fish & chips by the weir", "Rain & more rain"]
    assert next_url is None


def test_json_feed_items() -> None:
    folder, url, _ = _case("json_feed")
    entries, next_url = parse_feed(url, (folder / "feed.json").read_text())
    assert _urls(entries) == [
        "https://notes.example.com/2024/03/why-i-still-use-makefiles/",
        "https://notes.example.com/2024/03/micro-note-1/",  # id used when url is missing
        "https://notes.example.com/2024/02/kerning-by-hand/",  # relative url resolved
    ]
    assert next_url == "https://notes.example.com/feed.json?page=2"


def test_html_page_is_not_a_feed() -> None:
    folder, url, _ = _case("wordpress_home")
    assert parse_feed(url, (folder / "page.html").read_bytes()) == ([], None)


@pytest.mark.parametrize("body", GARBAGE)
def test_parse_feed_never_raises(body: str | bytes) -> None:
    entries, next_url = parse_feed("https://x.example/feed", body)
    assert entries == [] and next_url is None


# ---------------------------------------------------------------------------- sitemaps


def test_wp_sitemap_index_children_and_post_filter() -> None:
    folder, _, _ = _case("wp_sitemap")
    children, pages = parse_sitemap(
        "https://fieldnotes.example.org/wp-sitemap.xml", (folder / "wp-sitemap.xml").read_bytes()
    )
    assert pages == []
    assert [c for c in children if is_post_sitemap(c)] == [
        "https://fieldnotes.example.org/wp-sitemap-posts-post-1.xml"
    ]
    _, authors = parse_sitemap(
        "https://fieldnotes.example.org/wp-sitemap-users-1.xml",
        (folder / "wp-sitemap-users-1.xml").read_bytes(),
    )
    assert not any(is_probable_post_url(a.url) for a in authors)


def test_yoast_index_and_image_extension() -> None:
    folder, _, _ = _case("yoast_sitemap")
    children, _ = parse_sitemap(
        "https://www.canalhistory.example.net/sitemap_index.xml",
        (folder / "sitemap_index.xml").read_bytes(),
    )
    assert [c.rsplit("/", 1)[1] for c in children if is_post_sitemap(c)] == [
        "post-sitemap.xml", "post-sitemap2.xml"
    ]
    _, pages = parse_sitemap(
        "https://www.canalhistory.example.net/post-sitemap.xml",
        (folder / "post-sitemap.xml").read_bytes(),
    )
    assert not any(p.url.endswith(".jpg") for p in pages)  # image:loc is not a page
    assert len(pages) == 4


def test_gzip_sitemap_matches_plain() -> None:
    folder, _, _ = _case("yoast_sitemap")
    plain = (folder / "post-sitemap.xml").read_bytes()
    url = "https://www.canalhistory.example.net/post-sitemap.xml.gz"
    assert parse_sitemap(url, gzip.compress(plain)) == parse_sitemap(url, plain)
    assert parse_sitemap(url, gzip.compress(plain)[: len(plain) // 3])[1]  # truncated: partial


def test_news_sitemap_publication_date_and_title() -> None:
    folder, url, _ = _case("news_sitemap")
    _, pages = parse_sitemap(url, (folder / "news-sitemap.xml").read_bytes())
    assert pages[0] == PostLink(
        "https://www.towpathtimes.example.com/2024/03/12/lock-keepers-strike-ends/",
        "2024-03-12T10:30:00+00:00",  # publication_date wins over lastmod
        "Lock keepers' strike ends after nine days",
    )


def test_text_and_feed_sitemaps() -> None:
    text = b"https://a.example/one-post-here/\nhttps://a.example/two-post-here/\n\nnot a url\n"
    assert _urls(parse_sitemap("https://a.example/sitemap.txt", text)[1]) == [
        "https://a.example/one-post-here/", "https://a.example/two-post-here/"
    ]
    folder, _, _ = _case("wordpress_rss")
    children, pages = parse_sitemap("https://fieldnotes.example.org/feed/",
                                    (folder / "feed.xml").read_bytes())
    assert children == [] and len(pages) == 4


def test_malformed_sitemap_keeps_urls_before_the_break() -> None:
    body = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>https://a.example/first-post-ok/</loc></url>"
            b"<url><loc>https://a.example/second?a=1&b=2</loc></url><url><loc>https://a.exa")
    _, pages = parse_sitemap("https://a.example/sitemap.xml", body)
    assert _urls(pages) == ["https://a.example/first-post-ok/", "https://a.example/second?a=1&b=2"]


@pytest.mark.parametrize("body", GARBAGE)
def test_parse_sitemap_never_raises(body: str | bytes) -> None:
    assert parse_sitemap("https://x.example/sitemap.xml", body) == ([], [])


def test_sitemaps_from_robots() -> None:
    folder, url, expected = _case("robots")
    found = sitemap_urls_from_robots((folder / "robots.txt").read_text(), url)
    assert found == expected["sitemaps"]
    assert "https://fieldnotes.example.org/wp-sitemap.xml" in found  # relative line resolved
    assert len(found) == len(set(found))
    assert sitemap_urls_from_robots("", url) == []
    assert sitemap_urls_from_robots(b"\xff\xfe\x00garbage", url) == []
    assert sitemap_urls_from_robots("User-agent: *\nDisallow: /", url) == []


def test_guess_sitemap_urls() -> None:
    assert guess_sitemap_urls("https://fieldnotes.example.org/2024/03/12/a-long-post/") == [
        "https://fieldnotes.example.org/wp-sitemap.xml",
        "https://fieldnotes.example.org/sitemap_index.xml",
        "https://fieldnotes.example.org/sitemap.xml",
        "https://fieldnotes.example.org/post-sitemap.xml",
    ]
    assert guess_sitemap_urls("https://example.com/blog")[0] == (
        "https://example.com/blog/wp-sitemap.xml"
    )
    assert guess_sitemap_urls("mailto:x@example.com") == []


# ---------------------------------------------------------------------------- listing pages


def test_wordpress_home_posts_and_pagination() -> None:
    folder, url, _ = _case("wordpress_home")
    posts, listings = archive_links(url, (folder / "page.html").read_text())
    urls = _urls(posts)
    assert urls[0] == (
        "https://fieldnotes.example.org/2024/03/12/walking-the-thames-path-from-source-to-sea/"
    )
    assert posts[0].published == "2024-03-12T09:14:03+00:00"
    assert posts[1].published == "2024-02-28T17:40:11+00:00"  # published, not the updated time
    for bad in ("/tag/", "/category/", "/author/", "#", "replytocom", "wp-login", "/feed/",
                "/about/", "privacy-policy", "packing-list"):  # last: linked in a post body
        assert not any(bad in u for u in urls), bad
    assert listings[:2] == ["https://fieldnotes.example.org/page/2/",
                            "https://fieldnotes.example.org/page/9/"]
    assert "https://fieldnotes.example.org/2024/03/" in listings
    assert not any("/category/" in u or "wordpress.org" in u for u in listings)


def test_blogger_older_posts_and_archive_widget() -> None:
    folder, url, _ = _case("blogger_home")
    posts, listings = archive_links(url, (folder / "page.html").read_text())
    assert listings[0].startswith("https://riverdiaries.blogspot.com/search?updated-max=")
    assert "https://riverdiaries.blogspot.com/2024/02/" in listings
    assert not any("/search/label/" in u or u == url for u in listings)
    assert posts[1].published == "2024-03-02"  # from the date header
    assert not any("blogger.com" in p.url or "/p/" in p.url for p in posts)


def test_single_post_page_post_navigation() -> None:
    html = """<html><body class="post-template-default single single-post">
    <main id="main"><article class="post type-post hentry entry">
      <header class="entry-header"><h1 class="entry-title">Current post</h1></header>
      <div class="entry-content"><h2><a href="/2024/01/01/linked-in-body-heading/">x</a></h2></div>
      <div id="comments" class="comments-area"><h2 class="comments-title">3 thoughts</h2>
        <h3><a href="/2023/05/05/comment-author-site/">Commenter</a></h3></div>
    </article>
    <nav class="navigation post-navigation" aria-label="Posts">
      <div class="nav-links">
        <div class="nav-previous"><a href="https://b.example/2024/02/28/the-older-one/" rel="prev">
          <p class="meta-nav">Previous post</p><p class="post-title">The older one</p></a></div>
        <div class="nav-next"><a href="https://b.example/2024/03/20/the-newer-one/" rel="next">
          <p class="meta-nav">Next post</p><p class="post-title">The newer one</p></a></div>
      </div></nav></main></body></html>"""
    posts, listings = archive_links("https://b.example/2024/03/12/current-post/", html)
    assert _urls(posts) == ["https://b.example/2024/02/28/the-older-one/",
                            "https://b.example/2024/03/20/the-newer-one/"]
    assert listings == []


def test_generic_listing_fallback_and_other_paginations() -> None:
    html = """<html><body><header><a href="/about-the-author-of-this-site/">About</a></header>
    <main><ul class="archive">
      <li><a href="/posts/first-light/">First light</a> <span>2024-03-01</span></li>
      <li><a href="https://b.example/notes/how-to-fold-a-map-properly">How to fold a map</a></li>
      <li><a href="https://other.example/2024/03/01/someone-elses-post/">elsewhere</a></li>
      <li><a href="/tags/maps/">maps</a></li>
    </ul>
    <a href="?paged=3">3</a> <a href="/blog?offset=1711234567890">Older</a>
    <a href="/search?q=maps&page=2">search page 2</a>
    </main></body></html>"""
    posts, listings = archive_links("https://b.example/", html)
    assert _urls(posts) == ["https://b.example/posts/first-light/",
                            "https://b.example/notes/how-to-fold-a-map-properly"]
    assert listings == ["https://b.example/?paged=3", "https://b.example/blog?offset=1711234567890"]


def test_same_site_ignores_www_but_not_other_hosts() -> None:
    html = """<article class="post"><h2 class="entry-title">
      <a href="https://www.b.example/2024/01/02/www-variant/">A</a></h2></article>
      <article class="post"><h2 class="entry-title">
      <a href="https://evil.example/2024/01/02/elsewhere/">B</a></h2></article>"""
    posts, _ = archive_links("https://b.example/", html)
    assert _urls(posts) == ["https://www.b.example/2024/01/02/www-variant/"]


@pytest.mark.parametrize("body", GARBAGE)
def test_listing_functions_never_raise(body: str | bytes) -> None:
    assert archive_links("https://x.example/", body) == ([], [])
    assert feed_urls("https://x.example/", body) == []


# ---------------------------------------------------------------------------- URL heuristics

POST_URLS = [
    # WordPress permalink structures
    ("https://fieldnotes.example.org/2024/03/12/walking-the-thames-path/", True),
    ("https://fieldnotes.example.org/2024/03/walking-the-thames-path/", True),
    ("https://fieldnotes.example.org/2024/walking/", True),
    ("https://fieldnotes.example.org/?p=231", True),
    ("https://fieldnotes.example.org/archives/231", True),
    ("https://fieldnotes.example.org/blog/2024/03/12/thames/", True),
    ("https://fieldnotes.example.org/walking-the-thames-path-from-source-to-sea/", True),
    ("https://fieldnotes.example.org/2024/03/12/walking-the-thames-path/#comments", True),
    ("https://fieldnotes.example.org/2024/03/12/wp-tips-for-beginners/", True),
    # Blogger
    ("https://riverdiaries.blogspot.com/2024/03/kingfisher-at-lock-14.html", True),
    ("https://riverdiaries.blogspot.com/2024/02/blog-post_21.html", True),
    ("https://riverdiaries.blogspot.com/p/about-this-blog.html", False),
    ("https://riverdiaries.blogspot.com/search/label/birds", False),
    ("https://riverdiaries.blogspot.com/search?updated-max=2024-03-02T08:15:00-08:00&max-results=7",
     False),
    ("https://riverdiaries.blogspot.com/2024_03_10_archive.html", False),
    ("https://riverdiaries.blogspot.com/feeds/posts/default", False),
    # other platforms
    ("https://ghost.example.io/why-we-moved-to-ghost/", True),
    ("https://hugo.example.dev/posts/first-post/", True),
    ("https://jekyll.example.dev/blog/hello/", True),
    ("https://writer.substack.example/p/the-long-read", True),
    ("https://medium.example/@ana/a-story-about-trains-1a2b3c4d5e6f", True),
    ("https://news.example.com/story/123456", True),
    ("https://example.de/artikel/ein-langer-titel-hier", True),
    ("https://example.com/2019/05/why-i-write.php", True),
    # listings and taxonomies
    ("https://fieldnotes.example.org/", False),
    ("https://fieldnotes.example.org/page/2/", False),
    ("https://fieldnotes.example.org/?paged=2", False),
    ("https://fieldnotes.example.org/2024/03/", False),
    ("https://fieldnotes.example.org/2024/03/12/", False),
    ("https://fieldnotes.example.org/2024/", False),
    ("https://fieldnotes.example.org/?m=202403", False),
    ("https://fieldnotes.example.org/tag/rivers/", False),
    ("https://fieldnotes.example.org/category/walks/", False),
    ("https://fieldnotes.example.org/category/walks/page/2/", False),
    ("https://fieldnotes.example.org/author/margaret/", False),
    ("https://fieldnotes.example.org/?cat=3", False),
    ("https://fieldnotes.example.org/?author=1", False),
    ("https://fieldnotes.example.org/?s=thames", False),
    ("https://example.de/kategorie/reisen/", False),
    ("https://example.de/schlagwort/berlin/", False),
    ("https://example.fr/categorie/voyages/", False),
    ("https://example.es/etiqueta/viajes/", False),
    ("https://hugo.example.dev/tags/go/", False),
    ("https://hugo.example.dev/posts/", False),
    ("https://hugo.example.dev/posts/page/2/", False),
    # feeds, APIs, admin, files, actions
    ("https://fieldnotes.example.org/feed/", False),
    ("https://fieldnotes.example.org/comments/feed/", False),
    ("https://fieldnotes.example.org/2024/03/12/walking-the-thames-path/feed/", False),
    ("https://fieldnotes.example.org/2024/03/12/walking-the-thames-path/amp/", False),
    ("https://fieldnotes.example.org/2024/03/12/walking-the-thames-path/embed/", False),
    ("https://fieldnotes.example.org/2024/03/12/walking-the-thames-path/?replytocom=61", False),
    ("https://fieldnotes.example.org/2024/03/12/walking-the-thames-path/comment-page-2/", False),
    ("https://fieldnotes.example.org/2024/03/12/walking-the-thames-path/?share=twitter", False),
    ("https://fieldnotes.example.org/2024/03/12/walking-the-thames-path/attachment/bridge/", False),
    ("https://fieldnotes.example.org/?attachment_id=12", False),
    ("https://fieldnotes.example.org/?page_id=2", False),
    ("https://fieldnotes.example.org/wp-json/wp/v2/posts", False),
    ("https://fieldnotes.example.org/wp-admin/post.php?post=231&action=edit", False),
    ("https://fieldnotes.example.org/wp-login.php", False),
    ("https://fieldnotes.example.org/xmlrpc.php", False),
    ("https://fieldnotes.example.org/wp-content/uploads/2024/03/bridge-over-the-river.jpg", False),
    ("https://fieldnotes.example.org/files/annual-report-of-the-year.pdf", False),
    ("https://fieldnotes.example.org/sitemap.xml", False),
    ("https://fieldnotes.example.org/rss.xml", False),
    ("https://ghost.example.io/rss/", False),
    # site pages
    ("https://fieldnotes.example.org/about/", False),
    ("https://fieldnotes.example.org/contact/", False),
    ("https://fieldnotes.example.org/privacy-policy/", False),
    ("https://fieldnotes.example.org/terms-and-conditions/", False),
    ("https://example.de/impressum/", False),
    ("https://fieldnotes.example.org/blog/", False),
    ("https://fieldnotes.example.org/walks/", False),
    # not web pages at all
    ("mailto:margaret@fieldnotes.example.org", False),
    ("javascript:void(0)", False),
    ("ftp://files.example.org/2024/03/12/a-file-name/", False),
    ("", False),
    ("http://[::1", False),
]


@pytest.mark.parametrize(("url", "expected"), POST_URLS)
def test_is_probable_post_url(url: str, expected: bool) -> None:
    assert is_probable_post_url(url) is expected


LISTING_URLS = [
    ("https://b.example/page/2/", True, False),
    ("https://b.example/blog/page/3", True, False),
    ("https://b.example/category/walks/page/2/", True, False),
    ("https://b.example/2024/03/page/2/", True, False),
    ("https://b.example/page2/", True, False),
    ("https://b.example/?paged=2", True, False),
    ("https://b.example/?page=4", True, False),
    ("https://b.example/blog?offset=1711234567890", True, False),
    ("https://b.example/seite/2/", True, False),
    ("https://x.blogspot.com/search?updated-max=2024-03-02T08:15:00-08:00&max-results=7",
     True, False),
    ("https://x.blogspot.com/search/label/birds?updated-max=2024-03-02T08:15:00-08:00",
     True, False),
    ("https://b.example/?s=walks&paged=2", False, False),
    ("https://b.example/2024/", False, True),
    ("https://b.example/2024/03/", False, True),
    ("https://b.example/2024/3", False, True),
    ("https://b.example/2024/03/12/", False, True),
    ("https://b.example/archives/2024/03/", False, True),
    ("https://b.example/?m=202403", False, True),
    ("https://x.blogspot.com/2024_03_10_archive.html", False, True),
    ("https://b.example/2024/03/12/a-post/", False, False),
    ("https://b.example/search/label/birds", False, False),
    ("https://b.example/tag/page/", False, False),
    ("https://b.example/1850/03/", False, False),
    ("not a url", False, False),
]


@pytest.mark.parametrize(("url", "pagination", "date_archive"), LISTING_URLS)
def test_listing_url_predicates(url: str, pagination: bool, date_archive: bool) -> None:
    assert is_pagination_url(url) is pagination
    assert is_date_archive_url(url) is date_archive
    assert is_listing_url(url) is (pagination or date_archive)


SITEMAP_URLS = [
    ("https://b.example/wp-sitemap.xml", True),
    ("https://b.example/wp-sitemap-posts-post-1.xml", True),
    ("https://b.example/wp-sitemap-posts-post-12.xml", True),
    ("https://b.example/wp-sitemap-posts-page-1.xml", False),
    ("https://b.example/wp-sitemap-taxonomies-category-1.xml", False),
    ("https://b.example/wp-sitemap-taxonomies-post_tag-1.xml", False),
    ("https://b.example/wp-sitemap-users-1.xml", False),
    ("https://b.example/sitemap_index.xml", True),
    ("https://b.example/post-sitemap.xml", True),
    ("https://b.example/post-sitemap2.xml", True),
    ("https://b.example/page-sitemap.xml", False),
    ("https://b.example/category-sitemap.xml", False),
    ("https://b.example/post_tag-sitemap.xml", False),
    ("https://b.example/author-sitemap.xml", False),
    ("https://b.example/sitemap-pt-post-2024-03.xml", True),
    ("https://b.example/sitemap-pt-page-2024-03.xml", False),
    ("https://b.example/sitemap-tax-category.xml", False),
    ("https://b.example/sitemap-misc.xml", False),
    ("https://b.example/sitemap-posts.xml", True),
    ("https://b.example/sitemap-pages.xml", False),
    ("https://b.example/sitemap-tags.xml", False),
    ("https://b.example/sitemap-authors.xml", False),
    ("https://b.example/image-sitemap-1.xml", False),
    ("https://b.example/video-sitemap.xml", False),
    ("https://b.example/news-sitemap.xml", True),
    ("https://b.example/sitemap.xml", True),
    ("https://b.example/sitemap.xml?page=2", True),
    ("https://b.example/sitemaps/post-sitemap.xml.gz", True),
    ("https://b.example/sitemap-1.xml", True),
]


@pytest.mark.parametrize(("url", "expected"), SITEMAP_URLS)
def test_is_post_sitemap(url: str, expected: bool) -> None:
    assert is_post_sitemap(url) is expected


def test_gzip_sitemap_inflates_only_up_to_the_limit() -> None:
    """A gzip bomb is refused once it passes the limit, not inflated whole."""
    bomb = gzip.compress(b"<urlset>" + b" " * (4 * 1024 * 1024) + b"</urlset>")
    url = "https://blog.example.org/sitemap.xml.gz"
    with pytest.raises(DecompressionLimitExceeded):
        parse_sitemap(url, bomb, max_size=1024 * 1024)
    assert parse_sitemap(url, bomb, max_size=8 * 1024 * 1024) == ([], [])


@pytest.mark.parametrize("case", ["wp_sitemap", "yoast_sitemap", "news_sitemap"])
def test_big_sitemaps_read_element_by_element_give_the_same_links(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above STREAMED_SITEMAP_BYTES a sitemap is read streamed; whole or truncated, it gives
    what reading it whole gives."""
    import newsarchive.parsing.feeds as feeds

    folder, url, _ = _case(case)
    found = 0
    for path in sorted(folder.glob("*.xml")):
        body = path.read_bytes()
        for cut in (body, body[: len(body) * 2 // 3]):
            whole = parse_sitemap(url, cut)
            monkeypatch.setattr(feeds, "STREAMED_SITEMAP_BYTES", 0)
            assert parse_sitemap(url, cut) == whole, path.name
            monkeypatch.setattr(feeds, "STREAMED_SITEMAP_BYTES", 1024 * 1024)
            found += len(whole[0]) + len(whole[1])
    assert found
