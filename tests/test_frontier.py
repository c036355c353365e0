"""The walk spiders share (comment pages, sitemaps, listing pages): each URL visited once, in order."""

from __future__ import annotations

from newsarchive.spiders.frontier import Frontier


def walk(frontier: Frontier, links: dict[str, list[str]], *, depth_first: bool = False) -> list[str]:
    order = []
    while (url := frontier.next()) is not None:
        order.append(url)
        (frontier.add_first if depth_first else frontier.add)(links.get(url, []))
    return order


LINKS = {"a": ["b", "c", "a"], "b": ["d", "c"], "c": ["b", "e"], "d": [], "e": ["a"]}


def test_breadth_first_visits_each_url_once_in_discovery_order() -> None:
    assert walk(Frontier(["a"]), LINKS) == ["a", "b", "c", "d", "e"]


def test_depth_first_visits_the_newest_links_next() -> None:
    # "c" was pending behind "b"; b's links ["d", "c"] go first, in their order
    assert walk(Frontier(["a"]), LINKS, depth_first=True) == ["a", "b", "d", "c", "e"]


def test_urls_given_as_visited_are_never_returned() -> None:
    frontier = Frontier(["x", "page-1", "x", "page-2"], visited=["page-1"])
    assert [frontier.next(), frontier.next(), frontier.next()] == ["x", "page-2", None]
    assert frontier.visited == {"x", "page-1", "page-2"} and not frontier
