"""Holding events until their sources are settled.

An event names the articles it cites, and an article names every event that cites it. Both are
only known once every event page has been read, so the events spider reads event pages first and
fetches articles after (``spider_idle``). Each event is held here until each article it cites has
been fetched or has failed; it is then emitted once, with each source's ``status`` filled in.

A fetched page can turn out to be another article under another URL (a redirect, or a
``<link rel=canonical>`` to another URL): ``alias`` then points every source at that article's id,
so all events citing one story share one ``article_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newsarchive.items import Article, Event, Source


@dataclass
class ArticleTask:
    article_id: str
    url: str
    event_ids: list[str] = field(default_factory=list)
    requested: bool = False
    status: str | None = None  # set when settled
    reason: str | None = None  # why it is not ok
    article: Article | None = None  # the item being fetched, until it is emitted


class SourceTracker:
    def __init__(self) -> None:
        self.tasks: dict[str, ArticleTask] = {}
        self.aliases: dict[str, str] = {}  # article id as linked -> id of the article it is
        self._waiting: dict[str, tuple[Event, set[str]]] = {}

    def add_event(self, event: Event, known_status: dict[str, str] | None = None) -> Event | None:
        """Register an event; return it at once when nothing it cites needs fetching.

        ``known_status`` gives a status for articles that will not be fetched in this run
        (already archived by an earlier run, say).
        """
        known_status = known_status or {}
        open_ids: set[str] = set()
        for source in event.sources:
            if source.kind != "article" or not source.article_id:
                continue
            source.article_id = self.aliases.get(source.article_id, source.article_id)
            if source.article_id in known_status:
                source.status = known_status[source.article_id]  # type: ignore[assignment]
                continue
            task = self.tasks.get(source.article_id)
            if task is None:
                task = self.tasks[source.article_id] = ArticleTask(source.article_id, source.url)
            if event.id not in task.event_ids:
                task.event_ids.append(event.id)
            if task.status is None:
                open_ids.add(source.article_id)
            else:
                source.status = task.status  # type: ignore[assignment]
                source.reason = task.reason
        if not open_ids:
            return event
        self._waiting[event.id] = (event, open_ids)
        return None

    def unrequested(self) -> list[ArticleTask]:
        """Articles not yet requested; marks them requested."""
        tasks = [task for task in self.tasks.values() if not task.requested]
        for task in tasks:
            task.requested = True
        return tasks

    def settle(self, article_id: str, status: str, reason: str | None = None) -> list[Event]:
        """Record an article's outcome (``reason``: why it is not ``ok``); return the events that
        now have every source settled."""
        task = self.tasks[article_id]
        task.status = status
        task.reason = reason
        task.article = None
        ready: list[Event] = []
        for event_id in task.event_ids:
            waiting = self._waiting.get(event_id)
            if waiting is None:
                continue
            event, open_ids = waiting
            _set_status(event.sources, article_id, status, reason)
            open_ids.discard(article_id)
            if not open_ids:
                del self._waiting[event_id]
                ready.append(event)
        return ready

    def alias(self, alias_id: str, owner_id: str, owner_status: str | None = None) -> list[Event]:
        """The page fetched for ``alias_id`` is article ``owner_id``: point its sources there.

        ``owner_status`` is the owner's status when this run does not fetch it (an earlier run
        archived it). An owner this run has not met becomes a task of its own, fetched already:
        the caller emits the page under ``owner_id`` and settles that. Returns the events that
        now have every source settled.
        """
        self.aliases[alias_id] = owner_id
        task = self.tasks.pop(alias_id)
        owner = self.tasks.get(owner_id)
        if owner is None:
            owner = self.tasks[owner_id] = ArticleTask(
                owner_id, task.url, requested=True, status=owner_status, article=task.article)
        ready: list[Event] = []
        for event_id in task.event_ids:
            if event_id not in owner.event_ids:
                owner.event_ids.append(event_id)
            article = owner.article  # not emitted yet while unsettled: still editable
            if owner.status is None and article is not None and event_id not in article.event_ids:
                article.event_ids.append(event_id)
            waiting = self._waiting.get(event_id)
            if waiting is None:
                continue
            event, open_ids = waiting
            for source in event.sources:
                if source.article_id == alias_id:
                    source.article_id = owner_id
            open_ids.discard(alias_id)
            if owner.status is None:
                open_ids.add(owner_id)
            else:
                _set_status(event.sources, owner_id, owner.status, owner.reason)
            if not open_ids:
                del self._waiting[event_id]
                ready.append(event)
        return ready

    @property
    def waiting_events(self) -> int:
        return len(self._waiting)


def _set_status(sources: list[Source], article_id: str, status: str, reason: str | None) -> None:
    for source in sources:
        if source.article_id == article_id:
            source.status = status  # type: ignore[assignment]
            source.reason = reason
