"""Wikipedia Current events portal: wikitext and HTML paths, every layout, id stability."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest

from newsarchive.items import Event
from newsarchive.parsing.portal import (
    PORTAL_DEFAULT_BASE,
    first_sentence,
    parse_portal_html,
    parse_portal_wikitext,
    portal_day_title,
    portal_html_url,
    portal_raw_url,
    transcluded_day_titles,
)
from newsarchive.urls import url_id

FIXTURES = Path(__file__).parent / "fixtures" / "pages" / "portal"
DAY_2025 = "Portal:Current_events/2025_February_16"


def _read(case: str, name: str) -> str:
    return (FIXTURES / case / name).read_text(encoding="utf-8")


def _url(case: str) -> str:
    return _read(case, "url.txt").strip()


def _html(case: str) -> list[Event]:
    return parse_portal_html(_url(case), _read(case, "page.html"))


def _wiki(case: str, title: str) -> list[Event]:
    return parse_portal_wikitext(PORTAL_DEFAULT_BASE, title, _read(case, "page.wiki"))


def _assert_same_records(got: list[Event], want: list[dict]) -> None:
    """Compare record by record and field by field, naming the first mismatch."""
    got_dicts = [asdict(e) for e in got]
    assert [e["summary"] for e in got_dicts] == [e["summary"] for e in want]
    for index, (g, w) in enumerate(zip(got_dicts, want, strict=True)):
        for name in w:
            assert g[name] == w[name], f"event {index} ({w['headline'][:40]!r}): field {name}"


def _by_headline(events: list[Event], start: str) -> Event:
    matches = [e for e in events if e.headline.startswith(start)]
    assert len(matches) == 1, [e.headline for e in events]
    return matches[0]


# --- titles and URLs ------------------------------------------------------------------------

def test_titles_and_urls() -> None:
    assert portal_day_title(date(2024, 3, 5)) == "Portal:Current_events/2024_March_5"
    assert portal_day_title(date(2017, 12, 31)) == "Portal:Current_events/2017_December_31"
    assert (
        portal_raw_url("https://en.wikipedia.org", "Portal:Current_events/2024_March_5")
        == "https://en.wikipedia.org/w/index.php?title=Portal:Current_events/2024_March_5"
        "&action=raw"
    )
    assert (
        portal_html_url("http://127.0.0.1:8081/", "Portal:Current events/2024 March 5")
        == "http://127.0.0.1:8081/wiki/Portal:Current_events/2024_March_5"
    )


# --- golden fixtures ------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["day_2025_html", "day_2017_table", "day_2021_div", "main_portal"])
def test_html_golden(case: str) -> None:
    want = json.loads(_read(case, "expected.json"))
    _assert_same_records(_html(case), want)


def test_wikitext_golden() -> None:
    want = json.loads(_read("day_2025_wikitext", "expected.json"))
    _assert_same_records(_wiki("day_2025_wikitext", DAY_2025), want)


@pytest.mark.parametrize(
    ("wiki_case", "html_case", "title"),
    [
        ("day_2025_wikitext", "day_2025_html", DAY_2025),  # '''Heading''', {{Current events}}
        ("day_2017_table", "day_2017_table", "Portal:Current events/2017 March 5"),  # ;Heading
    ],
)
def test_wikitext_and_html_give_identical_records(wiki_case: str, html_case: str, title: str):
    from_wiki = _wiki(wiki_case, title)
    from_html = _html(html_case)
    assert from_wiki, "no events parsed"
    _assert_same_records(from_wiki, [asdict(e) for e in from_html])


# --- what a reader of the 2025 day checks ---------------------------------------------------

@pytest.fixture(scope="module")
def day_2025() -> list[Event]:
    return _wiki("day_2025_wikitext", DAY_2025)


def test_day_fields(day_2025: list[Event]) -> None:
    assert len(day_2025) == 11
    assert {e.date for e in day_2025} == {"2025-02-16"}
    assert {e.event_source for e in day_2025} == {"portal"}
    assert len({e.id for e in day_2025}) == len(day_2025)
    assert len({e.url for e in day_2025}) == len(day_2025)
    page = "https://en.wikipedia.org/wiki/Portal:Current_events/2025_February_16#"
    assert all(e.url == page + e.id for e in day_2025)
    assert [e.category for e in day_2025].count("Armed conflicts and attacks") == 5
    assert all(e.related == [] for e in day_2025)


def test_story_chains_and_categories(day_2025: list[Event]) -> None:
    bukavu = _by_headline(day_2025, "Local officials")
    assert bukavu.category == "Armed conflicts and attacks"
    assert bukavu.context == ["Kivu conflict", "M23 campaign", "2025 Bukavu offensive"]
    deepest = _by_headline(day_2025, "Israel says")
    assert deepest.context == [
        "Middle Eastern crisis", "Gaza war", "Gaza war hostage crisis", "2025 Gaza war ceasefire",
    ]
    # a story bullet of two comma-separated links gives both
    drones = _by_headline(day_2025, "Russia launches")
    assert drones.context[1:] == [
        "Mykolaiv strikes", "Russian strikes against Ukrainian infrastructure",
    ]
    # an event directly under its category has no story
    bus = _by_headline(day_2025, "A bus carrying pilgrims")
    assert (bus.category, bus.context) == ("Disasters and accidents", [])


def test_summary_and_headline(day_2025: list[Event]) -> None:
    drones = _by_headline(day_2025, "Russia launches")
    assert drones.summary.endswith("by electronic countermeasures.")  # [[link]]s trail
    assert drones.headline.endswith("46,000 people without heat.")
    talks = _by_headline(day_2025, "U.S. Secretary of State")
    assert talks.headline.endswith("for initial talks with Russia.")  # not cut at "U.S."
    for event in day_2025:
        assert "(" not in event.summary[-12:], event.summary  # no "(Reuters)" left over
        assert "dead link" not in event.summary
        assert "[" not in event.summary and "http" not in event.summary
    bus = _by_headline(day_2025, "A bus carrying pilgrims")
    assert bus.summary.endswith("injuring 30 others.")  # "([url AP])" parentheses gone


def test_sources(day_2025: list[Event]) -> None:
    ceasefire = _by_headline(day_2025, "Israel says")
    assert [s.label for s in ceasefire.sources] == ["The Times of Israel", "Al Jazeera"]
    talks = _by_headline(day_2025, "U.S. Secretary of State")
    assert [s.label for s in talks.sources] == ["AP", "Kommersant"]
    bus = _by_headline(day_2025, "A bus carrying pilgrims")
    assert [(s.label, s.kind) for s in bus.sources] == [
        ("AP", "article"), ("CBC News via YouTube", "media"),
    ]
    unsourced = _by_headline(day_2025, "The National Weather Service")
    assert unsourced.sources == []
    for event in day_2025:
        for source in event.sources:
            assert source.status == "skipped"
            expected = url_id(source.url) if source.kind == "article" else None
            assert source.article_id == expected, "media are recorded, never fetched"
    bukavu = _by_headline(day_2025, "The Government of the Democratic")
    assert bukavu.sources[1].article_id == url_id(
        "https://www.reuters.com/world/africa/congo-government-says-rebels-occupy-bukavu-2025-02-16/"
    )


# --- layouts and pages ----------------------------------------------------------------------

def test_2017_table_layout() -> None:
    events = _html("day_2017_table")
    assert [e.category for e in events] == [
        "Armed conflicts and attacks", "Armed conflicts and attacks", "Disasters and accidents",
        "Politics and elections",
    ]
    mosul = events[0]
    assert mosul.context == [
        "Military intervention against ISIL", "Battle of Mosul (2016–17)", "Iraqi Civil War",
    ]
    assert [s.label for s in mosul.sources] == ["BBC", "The Wall Street Journal"]
    assert events[1].summary.endswith("killing at least three people.")
    assert all("edit" not in e.summary for e in events)


def test_2021_inline_style_layout() -> None:
    events = _html("day_2021_div")
    assert {e.date for e in events} == {"2021-03-05"}
    assert [e.category for e in events] == [
        "Armed conflicts and attacks", "Health and environment", "Religion",
    ]
    pope = events[-1]
    assert [(s.label, s.kind) for s in pope.sources] == [("AP", "article"), ("Photo", "media")]


def test_main_portal_reads_only_the_days() -> None:
    events = _html("main_portal")
    assert sorted({e.date for e in events}) == ["2025-02-14", "2025-02-15", "2025-02-16"]
    texts = " ".join(e.summary + " " + " ".join(e.context) for e in events)
    for box_text in ("Wildfires", "Six Nations", "Ongoing", "Recent deaths", "Lou Christie",
                     "Gaza Strip famine", "Trump tariffs", "Germany", "More February",
                     "Super Bowl", "Nominate", "January"):
        assert box_text not in texts
    assert all("whitehouse.gov" not in s.url for e in events for s in e.sources)
    for event in events:
        assert event.url.startswith(
            "https://en.wikipedia.org/wiki/Portal:Current_events/"
            + portal_day_title(date.fromisoformat(event.date)).split("/", 1)[1] + "#"
        )
    # the day on the main page is the same day as on its own page: same records, same ids
    same_day = [asdict(e) for e in events if e.date == "2025-02-16"]
    assert same_day == [asdict(e) for e in _html("day_2025_html")]


def test_month_page() -> None:
    wikitext = _read("month_wikitext", "page.wiki")
    titles = transcluded_day_titles(wikitext)
    want = json.loads(_read("month_wikitext", "expected.json"))["titles"]
    assert [[d.isoformat(), t] for d, t in titles] == want
    assert titles[0] == (date(2025, 2, 1), "Portal:Current_events/2025_February_1")
    assert len(titles) == 28  # no talk page, no February 29, no navigation template
    assert parse_portal_wikitext(PORTAL_DEFAULT_BASE, "Portal:Current_events/February_2025",
                                 wikitext) == []


def test_empty_day() -> None:
    assert _html("empty_day") == []
    assert _wiki("empty_day", "Portal:Current_events/2023_August_3") == []


def test_day_from_argument_title_or_template() -> None:
    wikitext = _read("day_2017_table", "page.wiki")
    from_header = parse_portal_wikitext(PORTAL_DEFAULT_BASE, "", wikitext)
    assert {e.date for e in from_header} == {"2017-03-05"}
    forced = parse_portal_wikitext(PORTAL_DEFAULT_BASE, "", wikitext, day=date(2017, 3, 6))
    assert {e.date for e in forced} == {"2017-03-06"}
    local = parse_portal_wikitext("http://127.0.0.1:8080", "Portal:Current_events/2017_March_5",
                                  wikitext)
    assert local[0].url.startswith("http://127.0.0.1:8080/wiki/Portal:Current_events/2017_March_5#")


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   \n",
        "<html><body><div class='vevent'><ul><li>unclosed",
        "\x00\x01\x02\xff\xfe binary",
        "<?xml version='1.0' encoding='utf-8'?><p>hello</p>",
        "<div class='vevent'><span class='bday'>not a date</span><div class='description'>"
        "<ul><li><ul><li><ul></ul></li></ul></li></ul></div></div>",
        "{{Current events|year=2025|month=13|day=40|content=\n* x [http://a.b (X)]\n}}",
        "* [[unclosed link\n** {{unclosed template\n*** [http://a.b (X)",
    ],
)
def test_bad_input_never_raises(body: str) -> None:
    html_events = parse_portal_html("https://en.wikipedia.org/wiki/Portal:Current_events", body)
    wiki_events = parse_portal_wikitext(PORTAL_DEFAULT_BASE, "Portal:Current_events", body)
    assert isinstance(html_events, list) and isinstance(wiki_events, list)
    assert html_events == [] or all(e.summary for e in html_events)


def test_malformed_html_still_parses_what_is_there() -> None:
    broken = (
        "<div class='vevent' id='2024_March_5'><div class='description'><p><b>Sports</b>"
        "<ul><li><a href='/wiki/X'>X</a><ul><li>Team A wins. "
        "<a rel='nofollow' class='external text' href='https://example.org/a'>(Example)"
    )
    events = parse_portal_html("https://en.wikipedia.org/wiki/Portal:Current_events", broken)
    assert [(e.date, e.category, e.context, e.summary) for e in events] == [
        ("2024-03-05", "Sports", ["X"], "Team A wins."),
    ]


# --- id stability ---------------------------------------------------------------------------

def _ids(wikitext: str) -> dict[str, str]:
    events = parse_portal_wikitext(PORTAL_DEFAULT_BASE, DAY_2025, wikitext)
    return {e.id: e.summary for e in events}


def test_id_survives_copy_edit_and_added_source(day_2025: list[Event]) -> None:
    original = _read("day_2025_wikitext", "page.wiki")
    bukavu = _by_headline(day_2025, "Local officials")
    edited = original.replace(
        "have taken over the center of [[Bukavu]]", "have seized the centre of [[Bukavu]]"
    ).replace(
        "-bukavu-report (Al Jazeera)]",
        "-bukavu-report (Al Jazeera)] [https://www.france24.com/en/africa/m23-bukavu (France 24)]",
    )
    after = parse_portal_wikitext(PORTAL_DEFAULT_BASE, DAY_2025, edited)
    same = [e for e in after if e.id == bukavu.id]
    assert len(same) == 1
    assert "seized the centre" in same[0].summary
    assert [s.label for s in same[0].sources] == ["Al Jazeera", "France 24"]
    assert {e.id for e in after} == {e.id for e in day_2025}


def test_ids_survive_an_inserted_event(day_2025: list[Event]) -> None:
    original = _read("day_2025_wikitext", "page.wiki")
    inserted = original.replace(
        "'''Disasters and accidents'''\n",
        "'''Disasters and accidents'''\n* A new unsourced event.\n"
        "* [[2025 Kentucky floods]]\n** Rain continues in the region.\n",
    )
    after = _ids(inserted)
    assert {e.id for e in day_2025} <= set(after)
    assert len(after) == len(day_2025) + 2


def test_events_sharing_a_first_source_do_not_collide(day_2025: list[Event]) -> None:
    # both Ukraine bullets cite the same Reuters article first
    first = _by_headline(day_2025, "Russia launches")
    second = _by_headline(day_2025, "The Ukrainian Air Force")
    assert first.sources[0].url == second.sources[0].url
    assert first.id != second.id


def test_ids_are_per_day() -> None:
    wikitext = _read("day_2025_wikitext", "page.wiki")
    day16 = parse_portal_wikitext(PORTAL_DEFAULT_BASE, DAY_2025, wikitext)
    day17 = parse_portal_wikitext(PORTAL_DEFAULT_BASE, DAY_2025, wikitext, day=date(2025, 2, 17))
    assert not {e.id for e in day16} & {e.id for e in day17}


# --- helpers --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "headline"),
    [
        ("One. Two.", "One."),
        ("The U.S. Army says so. More here.", "The U.S. Army says so."),
        ("Gen. Smith arrives in St. Louis. Then leaves.", "Gen. Smith arrives in St. Louis."),
        ("J. K. Rowling wins. Yes.", "J. K. Rowling wins."),
        ('He said "stop." Then left.', 'He said "stop."'),
        ("No full stop here", "No full stop here"),
        ("Prices rose 2.5 percent in 2024. Analysts", "Prices rose 2.5 percent in 2024."),
    ],
)
def test_first_sentence(text: str, headline: str) -> None:
    assert first_sentence(text) == headline


def test_inline_pair_link_trails_and_bare_dead_link_note() -> None:
    wikitext = (
        "{{Current events|year=2024|month=03|day=5|content=\n"
        ";Law and crime\n"
        "* [[Protest]]s, [[riot]]s\n"
        "** Police detain 40 people. [https://example.org/a (''Example'')]"
        "{{Dead link|date=May 2024}}\n"
        "** Seven officers are injured. [https://example.org/b (AP)], [https://example.org/c (BBC)]\n"
        "** Curfew ends. [https://example.org/d (AP)] It returns at 22:00. [https://example.org/e (CNN)]"
        "\n** The mayor issues [https://example.org/f a statement] calling for calm. "
        "[https://example.org/g (BBC)]\n}}"
    )
    html = (
        "<div class='vevent' id='2024_March_5'><div class='description'>"
        "<dl><dt>Law and crime</dt></dl><ul><li><a href='/wiki/Protest'>Protests</a>, "
        "<a href='/wiki/Riot'>riots</a><ul><li>Police detain 40 people. "
        "<a rel='nofollow' class='external text' href='https://example.org/a'>(<i>Example</i>)</a>"
        "<sup class='Inline-Template'><span>[<i><a href='/wiki/Wikipedia:Link_rot'>"
        "permanent dead link</a></i>]</span></sup></li>"
        "<li>Seven officers are injured. <a rel='nofollow' class='external text' "
        "href='https://example.org/b'>(AP)</a>, <a rel='nofollow' class='external text' "
        "href='https://example.org/c'>(BBC)</a></li><li>Curfew ends. <a rel='nofollow' "
        "class='external text' href='https://example.org/d'>(AP)</a> It returns at 22:00. "
        "<a rel='nofollow' class='external text' href='https://example.org/e'>(CNN)</a></li>"
        "<li>The mayor issues <a rel='nofollow' class='external text' "
        "href='https://example.org/f'>a statement</a> calling for calm. <a rel='nofollow' "
        "class='external text' href='https://example.org/g'>(BBC)</a></li>"
        "</ul></li></ul></div></div>"
    )
    from_wiki = parse_portal_wikitext(PORTAL_DEFAULT_BASE, "", wikitext)
    from_html = parse_portal_html("https://en.wikipedia.org/wiki/Portal:Current_events", html)
    assert [(e.context, e.summary, e.sources[0].label) for e in from_wiki] == [
        (["Protests", "riots"], "Police detain 40 people.", "Example"),
        (["Protests", "riots"], "Seven officers are injured.", "AP"),
        (["Protests", "riots"], "Curfew ends. It returns at 22:00.", "AP"),
        (["Protests", "riots"], "The mayor issues a statement calling for calm.", "a statement"),
    ]
    assert [asdict(e) for e in from_html] == [asdict(e) for e in from_wiki]


def test_malformed_source_url_keeps_the_event() -> None:
    wikitext = """{{Current events|year=2025|month=02|day=16|content=
'''Disasters and accidents'''
* A ferry capsizes on the river. [http://example.com:abc/x (Port Almanac)] \
[https://www.example.org/ferry (Example News)]
* A bridge closes. [http://example.com:abc/bridge (Port Almanac)]
}}"""
    ferry, bridge = parse_portal_wikitext(PORTAL_DEFAULT_BASE, DAY_2025, wikitext)
    assert [(s.url, s.status, s.article_id) for s in ferry.sources] == [
        ("http://example.com:abc/x", "invalid", None),
        ("https://www.example.org/ferry", "skipped", url_id("https://www.example.org/ferry")),
    ]
    assert bridge.summary == "A bridge closes." and bridge.sources[0].status == "invalid"


def test_a_pdf_source_is_media_as_on_event_sites() -> None:
    """One rule for both event sources (parsing/sources.py::source_kind): a document or a video
    player is recorded, never fetched as an article."""
    wikitext = """{{Current events|year=2025|month=02|day=16|content=
'''Disasters and accidents'''
* A dam report is published. [https://www.example.gov/files/dam-report.pdf (Example Agency)] \
[https://www.youtube.com/watch?v=abc123 (Example TV)] [https://www.example.org/dam (Example News)]
}}"""
    (dam,) = parse_portal_wikitext(PORTAL_DEFAULT_BASE, DAY_2025, wikitext)
    assert [(s.label, s.kind, s.article_id) for s in dam.sources] == [
        ("Example Agency", "media", None),
        ("Example TV", "media", None),
        ("Example News", "article", url_id("https://www.example.org/dam")),
    ]
