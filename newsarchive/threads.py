"""Comment threads made consistent before they leave the extraction stage.

(``pipelines/link.py`` links records across pages later: comments to articles, events to their
sources.)

Pure: every kept comment belongs to the article, has text, appears once, and its ``parent_id`` is
a comment of the same article that comes before it; ``comment_count`` is the number kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from newsarchive.items import Comment


@dataclass
class ThreadReport:
    comments: list[Comment]
    problems: Counter[str] = field(default_factory=Counter)


def link_thread(article_id: str, comments: list[Comment]) -> ThreadReport:
    report = ThreadReport(comments=[])
    seen: set[str] = set()
    for comment in comments:
        if not comment.text.strip():
            report.problems["empty_comment"] += 1
            continue
        if comment.id in seen:
            report.problems["duplicate_comment"] += 1
            continue
        comment.article_id = article_id
        if comment.parent_id is not None and comment.parent_id not in seen:
            # A reply whose parent is not on the pages we have (deleted, or on an unfetched
            # page): keep the reply as a top-level comment rather than point at nothing.
            report.problems["parent_missing"] += 1
            comment.parent_id = None
        seen.add(comment.id)
        comment.position = len(report.comments)
        report.comments.append(comment)
    return report
