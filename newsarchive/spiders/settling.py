"""Holding events until their sources are settled (the event↔source linker).

An event names the articles it cites, and an article names every event that cites it. Both are
only known once every event page has been read, so the events spider reads event pages first and
fetches articles after (``spider_idle``; with several workers, once the whole run is idle).
Each event is held until each article it cites has been fetched or has failed; it is then
emitted once, with each source's ``status`` filled in, by whichever worker settles the last one.

A fetched page can turn out to be another article under another URL (a redirect, or a
``<link rel=canonical>`` to another URL): ``alias`` then points every source at that article's id,
so all events citing one story share one ``article_id``.

The links live in a ``LinkStore`` (``newsarchive.state.links``): in memory for one process, in
Redis for a run shared by several workers; every change runs in one store transaction.

In a shared run (``worker`` given) the linker notes which worker settled each source and which
emitted each event: a worker killed mid-run lost the records of both, so ``recover`` opens its
sources again and puts its events back on hold, before what it had taken is fetched again.
"""

from __future__ import annotations

from newsarchive.items import Event, Source
from newsarchive.state.identity import UrlIdentity
from newsarchive.state.links import ArticleTask, LinkStore, MemoryLinkStore

__all__ = ["ArticleTask", "SourceSettler"]


class SourceSettler:
    def __init__(
        self, store: LinkStore | None = None, worker: str | None = None,
        identity: UrlIdentity | None = None,
    ) -> None:
        self.store = store if store is not None else MemoryLinkStore()
        self.worker = worker  # this worker of a shared run (None: the only process)
        # which article an article id is (aliases): the run's URL identity, on the same store
        self.identity = identity if identity is not None else UrlIdentity(None, self.store)

    def _emitted(self, events: list[Event]) -> list[Event]:
        if self.worker is not None:
            for event in events:
                self.store.mark_emitted(self.worker, event)
        return events

    def has_task(self, article_id: str) -> bool:
        """Whether this run fetches (or fetched) the article."""
        return self.store.task(article_id) is not None

    def read_day_again(self, day_page: str) -> None:
        """No worker of the run may count this day page as read (``unread_days``)."""
        self.store.add_unread_day(day_page)

    def unread_days(self) -> set[str]:
        return self.store.unread_days()

    def day_pages(self, article_id: str) -> tuple[str, ...]:
        """The day pages listing the events that cite the article (``add_event``)."""
        task = self.store.task(article_id)
        return task.day_pages if task is not None else ()

    def event_ids(self, article_id: str) -> list[str]:
        """Every event citing the article so far (its aliases' included)."""
        task = self.store.task(article_id)
        return list(task.event_ids) if task is not None else []

    def add_event(
        self, event: Event, known_status: dict[str, str] | None = None, again: bool = False,
        day_page: str | None = None,
    ) -> Event | None:
        """Register an event; return it at once when nothing it cites needs fetching.

        ``known_status`` gives a status for articles that will not be fetched in this run
        (already archived by an earlier run, say). ``again``: the page is read again (a lost
        worker had taken it): an event a live worker emitted already is not registered again.
        ``day_page``: the day page the event was listed on (its state key), noted on each task.
        """
        known_status = known_status or {}
        store = self.store
        with store.transaction():
            if again and store.emitted_by(event.id) is not None:
                return None
            open_ids: set[str] = set()
            for source in event.sources:
                if source.kind != "article" or not source.article_id:
                    continue
                source.article_id = self.identity.resolve(source.article_id)
                if source.article_id in known_status:
                    source.status = known_status[source.article_id]  # type: ignore[assignment]
                    continue
                task = store.task(source.article_id)
                if task is None:
                    task = ArticleTask(source.article_id, source.url)
                    store.add_unrequested(task.article_id)
                if event.id not in task.event_ids:
                    task.event_ids.append(event.id)
                if day_page and day_page not in task.day_pages:
                    task.day_pages = (*task.day_pages, day_page)
                store.put_task(task)
                if task.status is None:
                    open_ids.add(source.article_id)
                else:
                    source.status = task.status  # type: ignore[assignment]
                    source.reason = task.reason
            if not open_ids:
                self._emitted([event])
                return event
            store.put_waiting(event, open_ids)
            return None

    def unrequested(self) -> list[ArticleTask]:
        """Articles not yet requested; marks them requested."""
        store = self.store
        with store.transaction():
            tasks = []
            for article_id in store.take_unrequested():
                task = store.task(article_id)
                if task is None or task.requested:  # aliased away, or fetched under an alias
                    continue
                task.requested = True
                store.put_task(task)
                tasks.append(task)
            return tasks

    def is_open(self, article_id: str) -> bool:
        """Whether the run fetches the article and it is not settled yet."""
        task = self.store.task(article_id)
        return task is not None and task.status is None

    def settle(self, article_id: str, status: str, reason: str | None = None) -> list[Event]:
        """Record an article's outcome (``reason``: why it is not ``ok``); return the events that
        now have every source settled."""
        store = self.store
        with store.transaction():
            task = store.task(article_id)
            if task is None:
                return []
            task.status = status
            task.reason = reason
            task.settled_by = self.worker
            store.put_task(task)
            ready: list[Event] = []
            for event_id in task.event_ids:
                waiting = store.waiting(event_id)
                if waiting is None:
                    continue
                event, open_ids = waiting
                _set_status(event.sources, article_id, status, reason)
                open_ids.discard(article_id)
                if open_ids:
                    store.put_waiting(event, open_ids)
                else:
                    store.pop_waiting(event_id)
                    ready.append(event)
            return self._emitted(ready)

    def adopt(self, alias_id: str, owner_id: str) -> bool:
        """The page fetched for ``alias_id`` is the first of article ``owner_id`` this run meets:
        make it the owner (True), unless the owner is already a task (False: then the page is
        an alias of it, settled through ``alias``). Atomic, so two workers never both adopt."""
        with self.store.transaction():
            owner = self.store.task(owner_id)
            if owner is not None:
                # the same page read again (its worker was lost): it is still the owner
                return owner.adopted_from == alias_id
            self.alias(alias_id, owner_id)
            owner = self.store.task(owner_id)
            if owner is not None:
                owner.adopted_from = alias_id
                self.store.put_task(owner)
            return True

    def alias(self, alias_id: str, owner_id: str, owner_status: str | None = None) -> list[Event]:
        """The page fetched for ``alias_id`` is article ``owner_id``: point its sources there.

        ``owner_status`` is the owner's status when this run does not fetch it (an earlier run
        archived it). An owner this run has not met becomes a task of its own, fetched already:
        the caller emits the page under ``owner_id`` and settles that. Returns the events that
        now have every source settled.
        """
        store = self.store
        with store.transaction():
            self.identity.set_alias(alias_id, owner_id)
            task = store.pop_task(alias_id)
            owner = store.task(owner_id)
            if owner is None:
                owner = ArticleTask(owner_id, task.url if task else "", requested=True,
                                    status=owner_status)
            ready: list[Event] = []
            for event_id in task.event_ids if task else []:
                if event_id not in owner.event_ids:
                    owner.event_ids.append(event_id)
                waiting = store.waiting(event_id)
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
                if open_ids:
                    store.put_waiting(event, open_ids)
                else:
                    store.pop_waiting(event_id)
                    ready.append(event)
            store.put_task(owner)
            return self._emitted(ready)

    def recover(self, lost: set[str]) -> list[Event]:
        """Workers of this run were lost, and the records they emitted with them: the sources
        they settled are open again, and the events they emitted wait again for what they had
        taken to be fetched again. Returns the events they emitted whose sources are all
        settled by others: the caller emits them again (marked emitted by this worker, so that
        reading their pages again does not). Idempotent."""
        store = self.store
        again: list[Event] = []
        with store.transaction():
            for task in store.all_tasks():
                if task.settled_by is not None and task.settled_by in lost:
                    task.status = task.reason = task.settled_by = None
                    store.put_task(task)
            for worker in sorted(lost):
                for event in store.take_emitted(worker):
                    open_ids = set()
                    for source in event.sources:
                        if source.kind == "article" and source.article_id and \
                                self.is_open(source.article_id):
                            open_ids.add(source.article_id)
                    if open_ids:
                        store.put_waiting(event, open_ids)
                    else:
                        again.append(event)
            return self._emitted(again)

    @property
    def waiting_events(self) -> int:
        return self.store.waiting_count()


def _set_status(sources: list[Source], article_id: str, status: str, reason: str | None) -> None:
    for source in sources:
        if source.article_id == article_id:
            source.status = status  # type: ignore[assignment]
            source.reason = reason
