"""Pipelines one by one, without a crawl: each job, and each drop counted with its reason."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newsarchive.args import BlogsArgs
from newsarchive.items import Article, Comment, Event, PageFetch, Related, Source
from newsarchive.parsing.text import strip_invisible
from newsarchive.pipelines.dedupe import DedupePipeline, NearKey
from newsarchive.pipelines.link import LinkPipeline
from newsarchive.pipelines.normalize import NormalizePipeline, _clean, encodable
from newsarchive.pipelines.state import StatePipeline, record_hash
from newsarchive.pipelines.window import DateWindowPipeline
from newsarchive.run_context import RunContext
from newsarchive.state.identity import UrlIdentity
from newsarchive.state.run import RunState
from newsarchive.state.sqlite import SQLiteState
from newsarchive.urls import url_key


def crawler_with(since: date | None = None):
    crawler = get_crawler()
    crawler.stats.open_spider()
    run = RunContext(run_id="20240101T000000Z-abcdef", arguments=BlogsArgs(), raw_arguments={},
                     since=since)
    crawler.spider = SimpleNamespace(run=run)
    return crawler


def test_normalize_stamps_run_fields_and_drops_invalid_records() -> None:
    crawler = crawler_with()
    pipeline = NormalizePipeline(crawler)
    event = Event(id="0123456789abcdef", url="https://e.org/news/2024/03/5/x.md", date="2024-03-05",
                  headline="  Dam\u00a0collapses  ", summary="A  dam.\n\n\nIt  broke.")
    out = pipeline.process_item(event)
    assert (out.headline, out.summary) == ("Dam collapses", "A dam.\n\nIt broke.")
    assert out.run_id == "20240101T000000Z-abcdef" and out.fetched_at
    with pytest.raises(DropItem):
        pipeline.process_item(Event(id="0123456789abcdef", url="https://e.org/x", date=None,
                                    headline=" ", summary=""))
    assert crawler.stats.get_value("newsarchive/dropped/invalid_event") == 1


def test_window_skips_posts_before_since_and_their_comments() -> None:
    crawler = crawler_with(since=date(2024, 1, 1))
    pipeline = DateWindowPipeline(crawler)
    new = Article(id="a" * 16, url="https://b.org/new", kind="blog", published="2024-02-01")
    old = Article(id="b" * 16, url="https://b.org/old", kind="blog", published="2023-12-31T10:00")
    assert pipeline.process_item(new) is new
    with pytest.raises(DropItem):
        pipeline.process_item(old)
    with pytest.raises(DropItem):
        pipeline.process_item(Comment(id="c" * 16, article_id=old.id, text="Old news"))
    kept = Comment(id="d" * 16, article_id=new.id, text="Fresh")
    assert pipeline.process_item(kept) is kept
    assert crawler.stats.get_value("newsarchive/skipped/before_since") == 2
    assert crawler.stats.get_value("newsarchive/dropped/before_since") is None


def test_link_drops_orphan_and_repeated_comments() -> None:
    crawler = crawler_with()
    pipeline = LinkPipeline(crawler)
    article = Article(id="a" * 16, url="https://b.org/post")
    comment = Comment(id="c" * 16, article_id=article.id, text="First!")
    with pytest.raises(DropItem):
        pipeline.process_item(comment)  # its article never reached the archive
    pipeline.process_item(article)
    assert pipeline.process_item(comment) is comment
    with pytest.raises(DropItem):
        pipeline.process_item(comment)
    assert crawler.stats.get_value("newsarchive/dropped/orphan_comment") == 1
    assert crawler.stats.get_value("newsarchive/dropped/duplicate_comment") == 1


def test_record_hashes_are_those_earlier_runs_stored() -> None:
    """Hashes live in the crawl state across runs: a new way of computing one must give the same
    value, or every record of the archive would be emitted again as changed."""
    event = Event(id="e" * 16, url="https://e.org/news/2024/03/5/x.md", date="2024-03-05",
                  headline="Dam collapses", summary="A dam.", context=["Disasters"],
                  sources=[Source(url="https://n.org/a", label="N", article_id="a" * 16, status="ok")],
                  related=[Related(id="r" * 16, url="https://e.org/r.md", headline="Rain",
                                   context=["Weather"])])
    article = Article(id="a" * 16, url="https://n.org/a", body="Text.\n\nMore.", tags=["x"],
                      html="<html></html>", sketch=b"\x00\x01", fetched_at="t", run_id="r")
    comment = Comment(id="c" * 16, article_id="a" * 16, text="Hi")
    # computed once by the hash earlier runs stored (SHA-256 of the record's sorted JSON without
    # its volatile fields, 16 hex digits); pinned, not re-derived
    assert [record_hash(r) for r in (event, article, comment)] == [
        "52066ea36e478920", "1593afcdd06c644f", "35453ab51bc19dec"]
    # run fields and the page's html never make a record new
    article.fetched_at, article.run_id, article.html = "t2", "r2", "<html>other</html>"
    assert record_hash(article) == "1593afcdd06c644f"


def test_state_skips_unchanged_records_and_passes_changed_ones() -> None:
    crawler = crawler_with()
    pipeline = StatePipeline(crawler, RunState(SQLiteState(":memory:")))
    comment = Comment(id="c" * 16, article_id="a" * 16, text="Hello", fetched_at="t1", run_id="r1")
    assert pipeline.process_item(comment) is comment
    again = Comment(id="c" * 16, article_id="a" * 16, text="Hello", fetched_at="t2", run_id="r2")
    assert record_hash(again) == record_hash(comment), "run fields do not make a change"
    with pytest.raises(DropItem):
        pipeline.process_item(again)
    edited = Comment(id="c" * 16, article_id="a" * 16, text="Hello, edited", fetched_at="t3")
    assert pipeline.process_item(edited) is edited
    assert crawler.stats.get_value("newsarchive/skipped/unchanged") == 1


def test_normalize_strips_invisible_characters_from_every_text_field() -> None:
    pipeline = NormalizePipeline.from_crawler(get_crawler())
    zw = "\u200c"
    event = Event(
        id="e1", url="https://example.com/e", date="2024-03-01", headline=f"Quake{zw} hits",
        summary=f"Many were killed {zw}and wounded.\u00ad", context=[f"Earth{zw}quakes"],
        category="Disasters\ufeff", event_source="portal",
        sources=[Source(url="https://example.com/a", label="The\u200b Paper")],
        related=[Related(id="e2", url="https://example.com/r", headline=f"Before{zw}",
                         context=["Quakes\u2060"])],
    )
    article = Article(id="a1", url="https://example.com/a", title=f"Title{zw}",
                      authors=[f"Ann{zw} Lee"], site_name="Paper\u00ad", description=f"De{zw}sc",
                      tags=[f"tag{zw}"], body=f"Body{zw} text.")
    comment = Comment(id="c1", article_id="a1", author=f"Bo{zw}b", text="Hi\u200b there")
    for record in (event, article, comment):
        pipeline.process_item(record)
        exported = json.dumps(asdict(record), ensure_ascii=False)
        assert not set(exported) & set("\u00ad\u200b\u200c\u200d\u2060\ufeff"), exported
    assert event.summary == "Many were killed and wounded."
    assert comment.text == "Hi there"
    with pytest.raises(DropItem):  # nothing visible left: no text
        pipeline.process_item(Comment(id="c2", article_id="a1", text="\u200b\u00ad"))


def test_normalize_makes_texts_encodable_then_strips_invisible_ones_in_every_field() -> None:
    """Lone surrogates become U+FFFD (a split pair joined), C0 controls but tab and newline go,
    then invisible characters: in nested records too. A control removed between two letters of a
    joining script leaves the zero-width joiner between them, where it is visible. Internal
    fields (the page's html) keep their controls: they are never exported."""
    pipeline = NormalizePipeline.from_crawler(get_crawler())
    article = Article(
        id="a1", url="https://example.com/a", title="Quake \ud800 \x00hits\u200b",
        authors=["Ann\x07 Lee", "\ud83d\ude00 Bo\u00adb"], tags=["\u0628\x01\u200c\u0628"],
        body="Line\x0b one\tand\ntwo\udcff.", html="<p>\x01\u200b</p>",
    )
    event = Event(id="e1", url="https://example.com/e", date="2024-03-01", headline="Flood\x1f",
                  summary="",
                  sources=[Source(url="https://example.com/a", label="The\x0c Paper\ufeff")],
                  related=[Related(id="e2", url="https://example.com/r", headline="Be\ud800fore",
                                   context=["Rain\x02\u2060"])])
    pipeline.process_item(article)
    pipeline.process_item(event)
    assert article.title == "Quake \ufffd hits"
    assert article.authors == ["Ann Lee", "\U0001f600 Bob"]
    assert article.tags == ["\u0628\u200c\u0628"]
    assert article.body == "Line one and\ntwo\ufffd."
    assert article.html == "<p>\x01</p>"
    assert event.headline == "Flood"
    assert event.sources[0].label == "The Paper"
    assert event.related[0].headline == "Be\ufffdfore"
    assert event.related[0].context == ["Rain"]


def dedupe_pipeline(extra: list[str]) -> DedupePipeline:
    run = RunState(SQLiteState(":memory:"))
    return DedupePipeline(crawler_with(), run, UrlIdentity(run, None, extra), False, 0.8)


@pytest.mark.parametrize("extra", [[], ["src"]])
def test_dedupe_keys_each_url_once_and_takes_the_linked_urls_key_from_the_spider(
    extra: list[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipeline = dedupe_pipeline(extra)
    url, canonical = "https://www.outlet.test/a?src=x", "https://outlet.test/a"
    article = Article(id="a", url=url, final_url=url, canonical_url=canonical,
                      fetch=PageFetch(pipeline.identity.key(url)))
    expected = {u: pipeline.identity.key(u) for u in (url, canonical)}
    keyed: list[str] = []
    key = pipeline.identity.key
    monkeypatch.setattr(pipeline.identity, "key", lambda u: keyed.append(u) or key(u))
    assert pipeline.url_keys(article) == expected
    assert keyed == [canonical]  # the linked (and final) URL's key came with the record
    article.fetch = None  # a record that did not come through the spider
    assert pipeline.url_keys(article) == expected


@pytest.mark.parametrize("extra", [[], ["src"]])
def test_dedupe_tells_a_copy_from_an_update_by_the_site_of_the_urls_key(extra: list[str]) -> None:
    pipeline = dedupe_pipeline(extra)
    body = "The lead of the story.\n\n" + " ".join(f"word{i}" for i in range(200))

    def article(id: str, url: str, lead: str = "The lead of the story.") -> Article:
        text = body.replace("The lead of the story.", lead)
        return Article(id=id, url=url, final_url=url, body=text,
                       fetch=PageFetch(url_key(url, extra)))

    first = article("a", "https://www.outlet.test/story?src=feed")
    assert pipeline.find_original(first) == (None, None)
    assert NearKey.of(first).site == "outlet.test"
    # its own site's next version (another lead) is kept; another site's copy is a duplicate
    assert pipeline.find_original(article("b", "https://outlet.test/story-2", "New lead.")) == (
        None, None)
    assert pipeline.find_original(article("c", "https://other.test/copy")) == ("near", "a")


@given(st.lists(st.sampled_from(["a", " ", "\u00e9", "\ud800", "\udcff", "\x00", "\x1f", "\t", "\n",
                                 "\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
                                 "\u0628", "\U0001f469"]), max_size=12).map("".join))
def test_a_string_needing_no_cleaning_is_found_in_one_search(text: str) -> None:
    assert _clean(text, True) == strip_invisible(encodable(text))
    assert _clean(text, False) == strip_invisible(text)
