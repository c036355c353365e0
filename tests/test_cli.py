"""``newsarchive extract``: the records a saved page yields, with the crawl's own parsing code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from newsarchive.urls import url_id

PAGES = Path(__file__).parent / "fixtures" / "pages"
REPO = Path(__file__).parent.parent


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "newsarchive", *args], cwd=REPO, input=stdin,
                          capture_output=True, timeout=120, check=False)


def lines(done: subprocess.CompletedProcess[bytes]) -> list[dict]:
    assert done.returncode == 0, done.stderr.decode()
    return [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]


def test_article_with_its_comments() -> None:
    case = PAGES / "article" / "wordpress_comments"
    url = (case / "url.txt").read_text().strip()
    records = lines(run_cli("extract", str(case / "page.html"), "--url", url))
    article, *comments = records
    assert article["type"] == "article" and article["id"] == url_id(url)
    assert article["title"] and article["body"]
    assert "html" not in article and "comment_pages" not in article
    assert comments and all(c["type"] == "comment" for c in comments)
    assert article["comment_count"] == len(comments)
    ids = {c["id"] for c in comments}
    assert all(c["article_id"] == article["id"] for c in comments)
    assert all(c["parent_id"] in ids for c in comments if c["parent_id"])
    assert any(c["parent_id"] for c in comments), "the fixture has a threaded reply"
    for comment in comments:
        assert comment["text"][:40] not in article["body"]


def test_event_page_from_stdin_as_markdown() -> None:
    case = PAGES / "events" / "flood-md"
    url = (case / "url.txt").read_text().strip()
    (event,) = lines(run_cli("extract", "-", "--url", url, stdin=(case / "page.md").read_bytes()))
    assert event["type"] == "event" and event["id"] == url_id(url)
    assert event["headline"] == "Floods displace 40,000 in the Juba river basin"
    assert len(event["sources"]) == 4


def test_day_index_kind_guessed_from_the_url() -> None:
    case = PAGES / "events" / "day-html"
    url = (case / "url.txt").read_text().strip()
    records = lines(run_cli("extract", str(case / "page.html"), "--url", url))
    assert [r["event_url"].rsplit("/", 1)[-1] for r in records] == [
        "juba-floods.md", "rate-decision.md", "ceasefire-talks.md"]


def test_portal_day_page() -> None:
    case = PAGES / "portal" / "day_2025_html"
    url = (case / "url.txt").read_text().strip()
    events = lines(run_cli("extract", str(case / "page.html"), "--url", url, "--kind", "portal"))
    assert events and all(e["event_source"] == "portal" for e in events)


def test_not_a_page_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    done = run_cli("extract", str(empty), "--url", "https://news.example.com/x", "--kind", "article")
    assert done.returncode == 1
    assert done.stderr.decode().startswith("error:")
    assert b"Traceback" not in done.stderr


# -- the kind: guessed from the content, checked when asked; records valid; clear errors -------

SCHEMAS = REPO / "schemas"


def one_line_error(done: subprocess.CompletedProcess[bytes], code: int = 1) -> str:
    stderr = done.stderr.decode()
    assert done.returncode == code, stderr
    assert done.stdout == b"", "nothing printed on stdout"
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in stderr, stderr
    return errors[0]


@pytest.mark.parametrize("page, kind, shown", [
    ("portal/main_portal/page.html", "day", "portal page"),
    ("article/wordpress_comments/page.html", "day", "not a day index"),
    ("events/day-html/page.html", "portal", "day index"),
    ("events/day-md/page.md", "event", "day index"),
    ("events/flood-md/page.md", "day", "event page"),
])
def test_a_page_of_another_kind_is_an_error(page: str, kind: str, shown: str) -> None:
    error = one_line_error(run_cli("extract", str(PAGES / page), "--kind", kind))
    assert shown in error


def test_day_index_saved_without_url_is_a_day(tmp_path: Path) -> None:
    saved = tmp_path / "day.md"
    saved.write_bytes((PAGES / "events" / "day-md" / "page.md").read_bytes())
    records = lines(run_cli("extract", str(saved)))
    assert all(set(r) == {"event_url"} for r in records), "the event links, not an event"
    # Without --url, only the root-relative links are the site's event pages.
    assert [r["event_url"].rsplit("/", 1)[-1] for r in records] == [
        "juba-floods.md", "rate-decision.md"]


def test_portal_page_without_url_is_the_portal() -> None:
    events = lines(run_cli("extract", str(PAGES / "portal" / "day_2025_html" / "page.html")))
    assert events and all(e["type"] == "event" and e["event_source"] == "portal" for e in events)
    expected = json.loads((PAGES / "portal" / "day_2025_html" / "expected.json").read_text())
    assert len(events) == len(expected["events"] if isinstance(expected, dict) else expected)


def test_event_page_at_an_index_url_is_an_event() -> None:
    url = "https://events.example.org/news/2017/09/5/index.md"
    (event,) = lines(run_cli("extract", str(PAGES / "events" / "flood-md" / "page.md"), "--url", url))
    assert event["type"] == "event" and event["id"] == url_id(url)


def test_missing_file_is_one_line_exit_2(tmp_path: Path) -> None:
    error = one_line_error(run_cli("extract", str(tmp_path / "nowhere.html")), code=2)
    assert "nowhere.html" in error


@pytest.mark.parametrize("page, args", [
    ("article/wordpress_comments/page.html", ()),
    ("events/flood-md/page.md", ()),
    ("portal/day_2025_html/page.html", ()),
    ("portal/day_2025_wikitext/page.wiki", ("--kind", "portal")),
])
def test_records_match_their_schemas(page: str, args: tuple[str, ...]) -> None:
    case = (PAGES / page).parent
    url = (case / "url.txt").read_text().strip()
    records = lines(run_cli("extract", str(PAGES / page), "--url", url, *args))
    assert records
    run_ids = {r["run_id"] for r in records}
    assert len(run_ids) == 1 and None not in run_ids
    for record in records:
        schema = json.loads((SCHEMAS / f"{record['type']}.schema.json").read_text())
        jsonschema.validate(record, schema)


def write_warc(path: Path) -> Path:
    """A real WARC file (warcio), opening with a newsarchive-style warcinfo record."""
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        writer.write_record(writer.create_warcinfo_record(
            path.name, {"software": "test", "newsarchive-spider": "events"}))
    return path


@pytest.mark.parametrize("case", ["text file", "garbage .warc.gz", "second input", "bad -s"])
def test_reextract_bad_inputs_are_one_line_exit_2(tmp_path: Path, case: str) -> None:
    """Each once a warcio traceback (exit 1) or a cryptic ValueError."""
    text = tmp_path / "notes.txt"
    text.write_text("root:x:0:0:root:/root:/bin/bash\n", "utf-8")
    garbage = tmp_path / "cut.warc.gz"
    garbage.write_bytes(b"\x1f\x8b\x08garbage")
    warc = write_warc(tmp_path / "good.warc.gz")
    args, named = {
        "text file": ([str(text)], "notes.txt: not a WARC file"),
        "garbage .warc.gz": ([str(garbage)], "cut.warc.gz: not a WARC file"),
        "second input": ([str(warc), str(text)], "notes.txt: not a WARC file"),
        "bad -s": ([str(warc), "-s", "OUTPUT_DIR"], "-s 'OUTPUT_DIR': expected NAME=VALUE"),
    }[case]
    error = one_line_error(run_cli("reextract", *args), code=2)
    assert named in error, error
