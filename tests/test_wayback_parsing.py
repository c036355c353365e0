"""Soft-404 tells and web-archive answers (CDX, Memento TimeMap): pure functions, real shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from newsarchive.parsing.cdx import (
    BadArchiveAnswer,
    Capture,
    cdx_query_url,
    memento_datetime,
    memento_parts,
    memento_url,
    order_captures,
    parse_cdx_json,
    parse_timemap,
    parse_timestamp,
)
from newsarchive.parsing.soft404 import gone_title, home_redirect

STORY = "https://www.independent.co.uk/news/world/americas/hurricane-irma-latest-a7931046.html"


@pytest.mark.parametrize(("final", "expected"), [
    ("https://www.independent.co.uk/", True),  # home page
    ("https://independent.co.uk/", True),  # home page without www
    ("https://www.independent.co.uk/index.html", True),
    ("https://www.independent.co.uk/news/", True),  # section front
    ("https://www.independent.co.uk/news/world", True),  # section front, two levels
    ("https://www.independent.co.uk/news/world/americas/hurricane-irma-latest-a7931046.html", False),
    ("https://www.independent.co.uk/news/world/americas/hurricane-irma-2017-a7931046.html", False),
    ("https://www.independent.co.uk/topic/hurricane-irma", False),  # not a prefix of the story
    ("https://www.independent.co.uk/news/?page=2", False),  # a query may name a story
    ("https://consent.example.com/", False),  # another site (a consent wall, say)
])
def test_home_redirect(final: str, expected: bool) -> None:
    assert home_redirect(STORY, final) is expected


def test_home_redirect_of_a_home_page_link_is_not_one() -> None:
    assert not home_redirect("https://example.com/", "https://example.com/")
    assert home_redirect("https://example.com/?p=123", "https://example.com/")


@pytest.mark.parametrize(("title", "gone"), [
    ("Page not found | The Independent", True),
    ("404 | The Independent", True),
    ("Error 404 - Page Not Found", True),
    ("Not Found", True),
    ("Oops! That page can't be found. - Garden Path Notes", True),
    ("Sorry, this page no longer exists", True),
    ("This article is no longer available", True),
    ("Seite nicht gefunden - Rheinpfalz-Kurier", True),
    ("Page introuvable", True),
    ("404 dead as floods sweep the valley", False),  # a headline with a number in it
    ("Missing hiker not found after three-day search", False),
    ("The error that cost the election | Opinion", False),
    ("Harbor ferries go electric as city signs $48m fleet deal - Coastal Observer", False),
    ("", False),
])
def test_gone_title(title: str, gone: bool) -> None:
    page = f"<html><head><title>{title}</title></head><body><p>text</p></body></html>"
    assert (gone_title(page) is not None) is gone


def test_gone_heading_counts_and_long_titles_do_not() -> None:
    assert gone_title("<html><title>Coast News</title><h1 class=x>Page <em>not</em> found</h1>")
    long_title = "Page not found: " + "the story of a lost dog and the town that looked for it " * 2
    assert gone_title(f"<title>{long_title}</title>") is None
    assert gone_title("<title>Page &#110;ot found</title>")  # entities decoded


def test_gone_title_reads_the_first_head_chars_only() -> None:
    from newsarchive.parsing.soft404 import HEAD_CHARS

    title = "<title>Page not found</title>"
    assert gone_title(" " * (HEAD_CHARS - len(title)) + title)  # ends at the limit: read
    assert gone_title(" " * (HEAD_CHARS - len(title) + 1) + title) is None  # one past: not
    heading = "<title>News</title><h1>Page not found</h1 >"
    assert gone_title(" " * (HEAD_CHARS - len(heading)) + heading)
    assert gone_title(" " * (HEAD_CHARS - len(heading) + 1) + heading) is None


def test_cdx_query_asks_for_200_captures_closest_first() -> None:
    url = cdx_query_url("https://web.archive.org/", STORY, datetime(2017, 9, 5, 12, tzinfo=UTC), 9)
    assert url == (
        "https://web.archive.org/cdx/search/cdx?url=https%3A%2F%2Fwww.independent.co.uk%2Fnews"
        "%2Fworld%2Famericas%2Fhurricane-irma-latest-a7931046.html&output=json"
        "&filter=statuscode%3A200&fl=timestamp%2Coriginal%2Cstatuscode%2Cdigest"
        "&closest=20170905120000&sort=closest&limit=9")
    before = cdx_query_url("https://web.archive.org", STORY, datetime(2026, 1, 2, tzinfo=UTC), 3,
                           before=datetime(2026, 1, 2, tzinfo=UTC))
    assert before.endswith("&limit=3&to=20260102000000")


def test_parse_cdx_json_reads_the_header_row_and_keeps_200s() -> None:
    rows = [["timestamp", "original", "statuscode", "digest"],
            ["20170906081500", STORY, "200", "AAA"],
            ["20170907000000", STORY, "301", "BBB"],  # the archive ignored the filter
            ["2017090", STORY, "200", "CCC"],  # not a timestamp
            ["20170908000000", STORY, "200"]]  # short row
    assert parse_cdx_json(json.dumps(rows).encode()) == [
        Capture("20170906081500", STORY, 200, "AAA")]
    assert parse_cdx_json(b"[]") == []
    assert parse_cdx_json(b"") == []
    for bad in (b"<html>rate limited</html>", b'{"error": 1}', b'[["digest"], ["x"]]'):
        with pytest.raises(BadArchiveAnswer):
            parse_cdx_json(bad)


def test_order_captures_closest_to_the_event_then_by_digest() -> None:
    def capture(ts: str, digest: str) -> Capture:
        return Capture(ts, STORY, 200, digest)

    captures = [capture("20170820093000", "A"), capture("20170906081500", "B"),
                capture("20171215120000", "C"), capture("20170907000000", "B")]
    event_day = datetime(2017, 9, 5, 12, tzinfo=UTC)
    assert [c.timestamp for c in order_captures(captures, event_day)] == [
        "20170906081500", "20170820093000", "20171215120000"]  # the second "B" is the same bytes
    # a blog post: the newest capture before the link was found dead
    died = datetime(2017, 12, 1, tzinfo=UTC)
    assert [c.timestamp for c in order_captures(captures, died, before=died)] == [
        "20170907000000", "20170820093000"]


def test_timemap_lists_mementos() -> None:
    timemap = (
        f'<{STORY}>; rel="original",\n'
        f'<https://web.archive.org/web/timemap/link/{STORY}>; rel="self"; '
        'type="application/link-format"; from="Tue, 05 Sep 2017 10:00:00 GMT",\n'
        f'<https://web.archive.org/web/20170906081500/{STORY}>; rel="first memento"; '
        'datetime="Wed, 06 Sep 2017 08:15:00 GMT",\n'
        f'<https://web.archive.org/web/20170905100000/{STORY}>; rel="memento"; '
        'datetime="Tue, 05 Sep 2017 10:00:00 GMT",\n'
        f'<https://web.archive.org/web/20171215120000/{STORY}>; rel="last memento"; '
        'datetime="Fri, 15 Dec 2017 12:00:00 GMT"\n')
    assert [c.timestamp for c in parse_timemap(timemap)] == [
        "20170905100000", "20170906081500", "20171215120000"]
    assert {c.original for c in parse_timemap(timemap.encode())} == {STORY}


def test_memento_urls_and_datetimes() -> None:
    capture = Capture("20170906081500", STORY)
    raw = memento_url("https://web.archive.org/", capture)
    assert raw == f"https://web.archive.org/web/20170906081500id_/{STORY}"
    assert memento_url("https://web.archive.org", capture, raw=False) == (
        f"https://web.archive.org/web/20170906081500/{STORY}")
    assert memento_parts(raw) == ("20170906081500", STORY)
    assert memento_parts("https://web.archive.org/cdx/search/cdx?url=x") is None
    assert memento_datetime(b"Wed, 06 Sep 2017 08:15:00 GMT", "20170906000000") == (
        "2017-09-06T08:15:00+00:00")
    assert memento_datetime(None, "20170906081500") == "2017-09-06T08:15:00+00:00"
    assert parse_timestamp("2017") == datetime(2017, 1, 1, tzinfo=UTC)


def test_exporters_see_archived_from_as_a_dict() -> None:
    """CSV and XML exporters read records through ``RecordAdapter``: a nested dataclass must
    reach them as a dict (CSV JSON-encodes it), not as its ``repr``."""
    from itemadapter import ItemAdapter

    import newsarchive.exporters  # noqa: F401  (what the add-on imports: registers RecordAdapter)
    from newsarchive.items import ArchivedFrom, Article

    provenance = ArchivedFrom("https://web.archive.org", f"https://web.archive.org/web/2017/{STORY}",
                              "2017-09-06T08:15:00+00:00", "http_404")
    adapter = ItemAdapter(Article(id="0" * 16, url=STORY, archived_from=provenance))
    assert adapter["archived_from"] == {
        "archive": "https://web.archive.org", "memento_url": f"https://web.archive.org/web/2017/{STORY}",
        "memento_datetime": "2017-09-06T08:15:00+00:00", "dead_reason": "http_404"}
    assert ItemAdapter(Article(id="0" * 16, url=STORY))["archived_from"] is None
