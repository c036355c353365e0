"""Pages that move their readers on with ``<meta http-equiv="refresh">`` (old CMS redirect stubs,
link shorteners): the crawl follows them like an HTTP redirect and archives the target."""

from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse

from newsarchive.demo.server import serving
from newsarchive.middlewares.metarefresh import head_meta_refresh
from tests.crawling import crawl

STORY = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Harbour wall repairs finish a month early | Harbour Gazette</title>
<link rel="canonical" href="/2024/03/harbour-wall-repairs.html"></head>
<body><article><h1>Harbour wall repairs finish a month early</h1>
<p>Engineers finished the repairs to the eastern harbour wall on Friday, a month ahead of the
schedule the council set after the winter storms damaged forty metres of the structure.</p>
<p>The harbour master said fishing boats can use the eastern berths again from Monday, and that
the cost stayed within the budget approved in January.</p></article></body></html>"""

STUB = """<!doctype html><html><head><meta charset="utf-8"><title>Redirecting…</title>
<meta http-equiv="refresh" content="0; url=/2024/03/harbour-wall-repairs.html"></head>
<body><p>This story has moved. <a href="/2024/03/harbour-wall-repairs.html">Read it here</a>.</p>
</body></html>"""

EVENT = """### [2024-03-8](/news/2024/03/8/index.md)

# Harbour wall repairs are completed ahead of schedule

Repairs to the eastern harbour wall of Aldermouth finish a month before the planned date.

### Source:

1. [Harbour Gazette]({{host:refresh-outlet}}/story.php?id=4471)
"""


def test_a_meta_refresh_stub_is_archived_as_the_page_it_points_to(tmp_path: Path) -> None:
    site = tmp_path / "site"
    day = site / "refresh-events/news/2024/03/8"
    day.mkdir(parents=True)
    (day / "index.md").write_text("- [Harbour wall repairs](/news/2024/03/8/harbour.md)\n", "utf-8")
    (day / "harbour.md").write_text(EVENT, "utf-8")
    outlet = site / "refresh-outlet"
    (outlet / "2024/03").mkdir(parents=True)
    (outlet / "2024/03/harbour-wall-repairs.html").write_text(STORY, "utf-8")
    (outlet / "stub.html").write_text(STUB, "utf-8")
    (outlet / "_routes.json").write_text('{"/story.php": {"file": "stub.html"}}', "utf-8")
    with serving(site) as hosts:
        run = crawl("events", tmp_path / "out",
                    {"start_urls": hosts["refresh-events"] + "/news/2024/03/8/index.md"})
    assert run.returncode == 0, run.log[-3000:]
    (article,) = run.records["article"]
    assert article["title"] == "Harbour wall repairs finish a month early"
    assert article["final_url"].endswith("/2024/03/harbour-wall-repairs.html")
    assert "eastern berths" in article["body"]
    (event,) = run.records["event"]
    assert event["sources"][0]["article_id"] == article["id"]
    assert run.manifest["dropped"] == {}


def test_the_refresh_is_read_from_the_head_without_decoding_the_page() -> None:
    filler = "<p>" + "Harbour news in Ukrainian: Гавань. " * 4000 + "</p>"
    body = STUB.replace("</body>", filler + "</body>").encode("utf-8")
    response = HtmlResponse("https://gazette.example/story.php?id=4471", body=body,
                            headers={"Content-Type": "text/html; charset=utf-8"})
    assert head_meta_refresh(response, ["script", "noscript"]) == (
        0.0, "https://gazette.example/2024/03/harbour-wall-repairs.html")
    assert response._cached_ubody is None  # the page's text was not decoded and kept


def test_the_refresh_is_found_in_any_case_and_in_utf16_heads() -> None:
    """The page is scanned for "refresh" as bytes first: an upper-case attribute (old CMS
    templates) and a UTF-16 page (no ASCII "refresh" in its bytes) must still be followed."""
    target = "https://gazette.example/2024/03/harbour-wall-repairs.html"
    upper = STUB.replace('http-equiv="refresh"', 'HTTP-EQUIV="REFRESH"').encode("utf-8")
    utf16 = STUB.replace('charset="utf-8"', 'charset="utf-16"').encode("utf-16")
    plain = STORY.encode("utf-8")
    for body, charset, expected in ((upper, "utf-8", (0.0, target)), (utf16, "utf-16", (0.0, target)),
                                    (plain, "utf-8", (None, None))):
        response = HtmlResponse("https://gazette.example/story.php?id=4471", body=body,
                                headers={"Content-Type": f"text/html; charset={charset}"})
        assert head_meta_refresh(response, ["script", "noscript"]) == expected, charset
