"""``SourceSettler`` (the event↔source linker), in one process: each event is held until every
article it cites is settled, then emitted once, with each source's status."""

from __future__ import annotations

from newsarchive.items import Event, Source
from newsarchive.spiders.settling import SourceSettler


def event(event_id: str, *article_ids: str, media: bool = False) -> Event:
    sources = [Source(url=f"https://outlet.test/{a}", label=a, article_id=a)
               for a in article_ids]
    if media:
        sources.append(Source(url="https://video.test/v", label="v", kind="media"))
    return Event(id=event_id, url=f"https://events.test/{event_id}", date="2024-03-05",
                 headline=event_id, summary="", sources=sources)


def test_an_event_citing_nothing_to_fetch_is_emitted_at_once() -> None:
    settler = SourceSettler()
    only_media = event("e1", media=True)
    assert settler.add_event(only_media) is only_media
    archived = event("e2", "old")
    assert settler.add_event(archived, {"old": "ok"}) is archived
    assert archived.sources[0].status == "ok"
    assert settler.unrequested() == [] and settler.waiting_events == 0


def test_an_event_is_emitted_once_when_its_last_source_settles() -> None:
    settler = SourceSettler()
    first, second = event("e1", "a", "b"), event("e2", "b", "c")
    assert settler.add_event(first) is None and settler.add_event(second) is None
    assert settler.waiting_events == 2
    tasks = settler.unrequested()
    assert [t.article_id for t in tasks] == ["a", "b", "c"]  # the order first cited
    assert settler.unrequested() == []  # each requested once
    assert settler.event_ids("b") == ["e1", "e2"]
    assert settler.settle("a", "ok") == []
    assert settler.is_open("b")
    assert settler.settle("b", "dead", "http_404") == [first]
    assert [(s.status, s.reason) for s in first.sources] == [("ok", None), ("dead", "http_404")]
    assert not settler.is_open("b")
    assert settler.settle("c", "skipped", "not_exported") == [second]
    assert settler.waiting_events == 0
    assert settler.settle("c", "ok") == []  # nothing waits any more
    assert settler.settle("unknown", "ok") == []


def test_a_later_event_citing_a_settled_article_takes_its_status() -> None:
    settler = SourceSettler()
    settler.add_event(event("e1", "a"))
    settler.unrequested()
    settler.settle("a", "dead", "timeout")
    late = event("e2", "a")
    assert settler.add_event(late) is late
    assert (late.sources[0].status, late.sources[0].reason) == ("dead", "timeout")


def test_an_alias_points_its_events_at_the_owner() -> None:
    settler = SourceSettler()
    amp, canonical = event("e1", "amp"), event("e2", "story")
    settler.add_event(amp)
    settler.add_event(canonical)
    settler.unrequested()
    # the page fetched for "amp" is article "story", which this run fetches too
    assert settler.alias("amp", "story") == []
    assert amp.sources[0].article_id == "story"
    assert settler.event_ids("story") == ["e2", "e1"] and not settler.has_task("amp")
    assert settler.settle("story", "ok") == [canonical, amp]
    late = settler.add_event(event("e3", "amp"))  # the alias resolved: settled already
    assert late is not None and late.sources[0].article_id == "story"


def test_an_alias_of_an_article_archived_before_is_settled_at_once() -> None:
    settler = SourceSettler()
    cited = event("e1", "link")
    settler.add_event(cited)
    settler.unrequested()
    assert settler.alias("link", "archived-story", "ok") == [cited]
    assert (cited.sources[0].article_id, cited.sources[0].status) == ("archived-story", "ok")


def test_the_first_page_of_a_story_adopts_its_id() -> None:
    settler = SourceSettler()
    settler.add_event(event("e1", "link-1", "link-2"))
    settler.unrequested()
    assert settler.adopt("link-1", "story")  # link-1's page is the story's first: its owner
    assert not settler.adopt("link-2", "story")  # link-2's page: an alias of it
    assert settler.settle("story", "ok") == []  # link-2 still open
    [ready] = settler.alias("link-2", "story")
    assert [s.article_id for s in ready.sources] == ["story", "story"]
    assert [s.status for s in ready.sources] == ["ok", "ok"]
