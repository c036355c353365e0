"""Event-site pages: both renderings of one event give the same record; bad pages are refused."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from newsarchive.parsing.events import (
    NotAnEventPage,
    date_from_path,
    page_kind,
    parse_day_index,
    parse_event_page,
)
from newsarchive.parsing.sources import checked_url_key, make_source, source_kind
from newsarchive.urls import url_id

PAGES = Path(__file__).parent / "fixtures" / "pages" / "events"
BASE = "https://events.example.org"


def load(case: str) -> tuple[str, str]:
    folder = PAGES / case
    page = next(p for p in folder.iterdir() if p.name.startswith("page."))
    return (folder / "url.txt").read_text().strip(), page.read_text("utf-8")


@pytest.mark.parametrize("case", ["flood-md", "flood-html"])
def test_event_page_fields(case: str) -> None:
    url, body = load(case)
    event = parse_event_page(url, body)
    assert event.id == url_id(url)
    assert event.date == "2023-11-14"
    assert event.headline == "Floods displace 40,000 in the Juba river basin"
    paragraphs = event.summary.split("\n\n")
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("Heavy seasonal rains caused the Juba and Shabelle rivers")
    assert "\n" not in paragraphs[0], "lines of one paragraph are joined"
    assert paragraphs[1].endswith("cholera cases were rising.")
    assert [(s.label, s.kind) for s in event.sources] == [
        ("Reuters", "article"),
        ("Al Jazeera", "article"),
        ("Cover Image", "media"),
        ("Video report", "media"),
    ]
    reuters = event.sources[0]
    assert reuters.article_id == url_id(
        "https://www.reuters.com/world/africa/floods-displace-40000-2023-11-14/"
    ), "tracking parameters do not change which article a source is"
    assert all(s.article_id is None for s in event.sources if s.kind == "media")
    assert [(r.url, r.headline, r.context) for r in event.related] == [
        (f"{BASE}/news/2023/10/30/el-nino-rains-forecast.md",
         "El Niño rains forecast for the Horn of Africa", ["El Niño", "Climate", "Horn of Africa"]),
        (f"{BASE}/news/2023/11/12/somalia-flood-appeal.md", "Somalia appeals for flood aid",
         ["Somalia", "Humanitarian aid"]),
    ]
    assert event.related[0].id == url_id(event.related[0].url)
    assert event.context == ["El Niño", "Climate", "Horn of Africa", "Somalia", "Humanitarian aid"]
    # The site template around the HTML rendering (nav, "Most read", footer) stays out.
    assert "Most read" not in event.summary and "volunteer" not in event.summary


def test_both_renderings_give_the_same_record() -> None:
    md = asdict(parse_event_page(*load("flood-md")))
    html = asdict(parse_event_page(*load("flood-html")))
    for record in (md, html):
        record.pop("url")
        record.pop("id")
    assert md == html


@pytest.mark.parametrize("case", ["day-md", "day-html"])
def test_day_index_lists_event_pages_once_in_order(case: str) -> None:
    url, body = load(case)
    assert parse_day_index(url, body) == [
        f"{BASE}/news/2023/11/14/juba-floods.md",
        f"{BASE}/news/2023/11/14/rate-decision.md",
        f"{BASE}/news/2023/11/14/ceasefire-talks.md",
    ]


@pytest.mark.parametrize(
    "body",
    ["", "   \n", "### [2023-11-14](/news/2023/11/14/index.md)\n\nJust a paragraph.\n",
     "<html><body><p>No headline here</p></body></html>"],
)
def test_page_without_headline_is_refused(body: str) -> None:
    with pytest.raises(NotAnEventPage):
        parse_event_page(f"{BASE}/news/2023/11/14/x.md", body)


def test_malformed_html_still_parses() -> None:
    body = ("<html><body><main><h1>Storm hits coast<p>Winds of 150 km/h were measured."
            "<h3>Source:</h3><ol><li><a href='https://news.example.com/storm'>Example News")
    event = parse_event_page(f"{BASE}/news/2023/11/14/storm.html", body)
    assert event.headline == "Storm hits coast"
    assert event.summary == "Winds of 150 km/h were measured."
    assert [s.url for s in event.sources] == ["https://news.example.com/storm"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://e.org/news/2017/09/5/index.md", "2017-09-05"),
        ("https://e.org/news/2024/03/15/slug.md", "2024-03-15"),
        ("https://e.org/news/2024/13/15/slug.md", None),
        ("https://e.org/about.html", None),
    ],
)
def test_date_from_path(url: str, expected: str | None) -> None:
    assert date_from_path(url) == expected


@pytest.mark.parametrize(
    ("url", "label", "media"),
    [
        ("https://cdn.example.org/a/b.JPG", "", True),
        ("https://example.org/photo", "Cover Image", True),
        ("https://example.org/report.pdf", "Report", True),
        ("https://news.example.com/2024/03/05/story", "Reuters", False),
        ("https://news.example.com/imagery-of-war-story", "The Guardian", False),
        # one rule for event sites and the portal: a video player is media, a PDF is media
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "Watch: the dam breaks", True),
        ("https://youtu.be/dQw4w9WgXcQ", "", True),
        ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", "", True),
        ("https://www.example.gov/files/Report.PDF", "", True),
        ("https://commons.wikimedia.org/wiki/File:Dam.jpg", "", True),
        ("https://en.wikipedia.org/wiki/File:Dam_map.svg", "", True),
        ("https://www.youtube-news.example.com/story", "", False),
        ("https://example.org/reports/2024/dam.html", "", False),
    ],
)
def test_media_links(url: str, label: str, media: bool) -> None:
    assert source_kind(url, label) == ("media" if media else "article")


# -- what a page is: its content decides, the URL only when the content does not say ----------

@pytest.mark.parametrize("case, kind", [
    ("flood-md", "event"), ("flood-html", "event"), ("day-md", "day"), ("day-html", "day"),
])
def test_page_kind_from_content(case: str, kind: str) -> None:
    _url, body = load(case)
    # Served under the other kind's URL, the page is still what its content says.
    for url in (f"{BASE}/news/2017/09/5/index.md", f"{BASE}/news/2017/09/5/some-event.md",
                f"{BASE}/saved/page"):
        assert page_kind(url, body) == kind, url


def test_page_kind_unknown_when_the_content_does_not_say() -> None:
    assert page_kind(f"{BASE}/news/2017/09/5/index.md", "") is None
    assert page_kind(f"{BASE}/x.md", "# A headline\n\nJust a paragraph, no sources.\n") is None
    assert page_kind(f"{BASE}/x.html", "<html><body><p>Nothing here</p></body></html>") is None


def test_event_page_at_a_day_index_url_parses_as_event() -> None:
    _url, body = load("flood-md")
    url = f"{BASE}/news/2017/09/5/index.md"
    event = parse_event_page(url, body)
    assert event.headline == "Floods displace 40,000 in the Juba river basin"
    assert event.id == url_id(url) and len(event.sources) == 4


# -- a malformed source URL is kept as an invalid source; the event and its other sources stay --

MALFORMED_SOURCES = """# Ferry service resumes

The ferry runs again.

### Source:

1. [Harbour Gazette](https://gazette.example.com/ferry)
1. [Broken Port](http://example.com:abc/x)
1. [Broken IPv6](http://[::1/story)
1. [The Tribune](https://tribune.example.com/ferry-resumes)

### Related:

1. [Ferry halted](http://example.com:abc/news/2024/03/5/ferry.md) _Context: Transport_
1. [Ferry checks](/news/2024/03/4/ferry-checks.md) _Context: Transport_
"""


def test_malformed_source_url_is_kept_as_invalid() -> None:
    event = parse_event_page(f"{BASE}/news/2024/03/6/ferry.md", MALFORMED_SOURCES)
    assert [(s.label, s.status, s.article_id) for s in event.sources] == [
        ("Harbour Gazette", "skipped", url_id("https://gazette.example.com/ferry")),
        ("Broken Port", "invalid", None),
        ("Broken IPv6", "invalid", None),
        ("The Tribune", "skipped", url_id("https://tribune.example.com/ferry-resumes")),
    ]
    assert event.sources[1].url == "http://example.com:abc/x"
    # The related link that cannot be identified is left out; the other stays.
    assert [r.headline for r in event.related] == ["Ferry checks"]


def test_malformed_source_url_matches_the_schema() -> None:
    import json

    import jsonschema

    schema = json.loads((Path(__file__).parent.parent / "schemas" / "event.schema.json").read_text())
    event = parse_event_page(f"{BASE}/news/2024/03/6/ferry.md", MALFORMED_SOURCES)
    record = {**asdict(event), "fetched_at": "2024-03-06T10:00:00+00:00",
              "run_id": "20240306T100000Z-abcdef"}
    assert [s["status"] for s in record["sources"]].count("invalid") == 2
    validator = jsonschema.Draft202012Validator(schema)
    assert [error.message for error in validator.iter_errors(record)] == []


@pytest.mark.parametrize("url", ["https://www.outlet.test/story?utm_source=x#top",
                                 "https://outlet.test/photo.jpg", "http://outlet.test:abc/x"])
def test_a_source_made_from_its_known_key_is_the_source_made_from_its_url(url: str) -> None:
    kind = source_kind(url)
    made = make_source(url, "label", kind)
    assert make_source(url, "label", kind, checked_url_key(url)) == made
    assert made.article_id == (url_id(url) if made.status != "invalid" and kind == "article"
                               else None)
