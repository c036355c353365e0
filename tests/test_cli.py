"""``newsarchive extract``: the records a saved page yields, with the crawl's own parsing code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
