"""The walk the spiders share: URLs still to visit, in order, each visited once.

Comment pages of a thread, a blog's sitemaps and its listing pages are each walked this way:
take the next URL not visited yet, fetch it, add what it links to.
"""

from __future__ import annotations

from collections.abc import Iterable


class Frontier:
    def __init__(self, urls: Iterable[str] = (), visited: Iterable[str] = ()) -> None:
        self.pending: list[str] = list(urls)
        self.visited: set[str] = set(visited)

    def __bool__(self) -> bool:
        """Whether a URL not visited yet may remain."""
        return bool(self.pending)

    def next(self) -> str | None:
        """The next URL not visited yet, now marked visited; None when none is left."""
        while self.pending:
            url = self.pending.pop(0)
            if url not in self.visited:
                self.visited.add(url)
                return url
        return None

    def add(self, urls: Iterable[str]) -> None:
        """Visit these after the others (breadth first); known ones are left where they are."""
        for url in urls:
            if url not in self.visited and url not in self.pending:
                self.pending.append(url)

    def add_first(self, urls: Iterable[str]) -> None:
        """Visit these next, in their order (depth first): a pending one moves to the front."""
        new = [u for u in dict.fromkeys(urls) if u not in self.visited]
        self.pending = new + [u for u in self.pending if u not in new]
