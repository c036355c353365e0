"""A page's comment thread made consistent before it leaves extraction (newsarchive/threads.py)."""

from __future__ import annotations

from newsarchive.items import Comment
from newsarchive.threads import link_thread


def comment(id_: str, parent: str | None = None, text: str = "text") -> Comment:
    return Comment(id=id_, article_id="someone-else", parent_id=parent, text=text)


def test_thread_keeps_each_comment_once_in_order_under_a_parent_seen_before_it() -> None:
    report = link_thread("a" * 16, [
        comment("c1"), comment("c2", parent="c1"), comment("c1"), comment("c3", text="  "),
        comment("c4", parent="gone"), comment("c5", parent="c4"),
    ])
    assert [(c.id, c.parent_id, c.position) for c in report.comments] == [
        ("c1", None, 0), ("c2", "c1", 1), ("c4", None, 2), ("c5", "c4", 3)]
    assert {c.article_id for c in report.comments} == {"a" * 16}
    assert dict(report.problems) == {"duplicate_comment": 1, "empty_comment": 1,
                                     "parent_missing": 1}
