"""How archived article pages were fetched: kept in the state, committed with their version only."""

from __future__ import annotations

from pathlib import Path

from newsarchive.state import ArticleFetch, SQLiteState
from newsarchive.state.run import RunState


def fetch(record_id: str, etag: str | None = '"v1"', threaded: bool = True) -> ArticleFetch:
    return ArticleFetch(record_id, etag, "Tue, 05 Mar 2024 08:00:00 GMT", threaded, False)


def test_article_fetches_persist_and_replace(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with SQLiteState(path) as state:
        assert state.article_fetch("example.org/a") is None
        state.set_article_fetch("example.org/a", fetch("a"))
        state.set_article_fetch("example.org/b", ArticleFetch("b", None, None, False, True))
        state.set_article_fetch("example.org/a", fetch("a", etag='"v2"'))
    with SQLiteState(path) as state:
        assert state.article_fetch("example.org/a") == fetch("a", etag='"v2"')
        assert state.article_fetch("example.org/b") == ArticleFetch("b", None, None, False, True)


def test_a_fetch_is_committed_only_with_the_version_it_describes(tmp_path: Path) -> None:
    """Validators of a page whose record is not in the archive would make the next run's
    conditional request answer 304 for a version nobody stored."""
    path = tmp_path / "state.db"
    with SQLiteState(path) as store:  # an earlier run archived a, b and c
        for record_id in "abc":
            store.set_record_hash(record_id, "old")
            store.set_article_fetch(f"example.org/{record_id}", fetch(record_id, etag='"old"'))
    with SQLiteState(path) as store:
        run = RunState(store)
        for record_id in "abcde":
            run.set_article_fetch(f"example.org/{record_id}", fetch(record_id, etag='"new"'))
        run.set_record_hash("a", "changed")  # a changed, and a feed holds it
        run.record_held("a")
        run.set_record_hash("b", "changed")  # b changed, but no feed took it
        # c is unchanged since the earlier run (the state pipeline set no new hash)
        run.set_record_hash("d", "new")  # d is new and held; e is new and was dropped
        run.record_held("d")
        assert run.archived_fetch("example.org/a") == fetch("a", etag='"old"'), "not before commit"
        run.commit("run-2")
        etags = {r: getattr(store.article_fetch(f"example.org/{r}"), "etag", None) for r in "abcde"}
    assert etags == {"a": '"new"', "b": '"old"', "c": '"new"', "d": '"new"', "e": None}
