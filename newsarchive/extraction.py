"""One article page (and its further comment pages) → article fields and comment records.

This is the CPU-heavy step of a crawl and the function the extraction process pool runs, so it
takes and returns plain, picklable data. ``newsarchive extract`` calls it too: a saved page gives
exactly what a crawl would give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from newsarchive.dedupe.fingerprint import fingerprint, simhash_to_hex
from newsarchive.items import Article, ArticleResult, Comment, FetchedPage, page_text
from newsarchive.parsing.article import (
    ArticleContent,
    NotAnArticle,
    extract_article_from_tree,
    parse_page,
)
from newsarchive.parsing.comment_section import has_comment_section
from newsarchive.parsing.comments import extract_comments
from newsarchive.parsing.metadata import PageMetadata
from newsarchive.parsing.text import word_count
from newsarchive.threads import link_thread
from newsarchive.urls import canonical_url


@dataclass
class PageExtract:
    content: ArticleContent | None
    comments: list[Comment] = field(default_factory=list)
    error: str | None = None  # set when the page is not an article at all


def extract_page(
    url: str,
    html: str,
    article_id: str,
    comment_pages: list[tuple[str, str | FetchedPage]] | None = None,
    fetched_at: str | None = None,
) -> PageExtract:
    """Body, metadata and the merged comment thread of one article page."""
    try:
        tree = parse_page(html)  # one parse: the article's readers, then the comment parser
        content = extract_article_from_tree(url, tree)
    except NotAnArticle as error:
        return PageExtract(content=None, error=str(error) or "not an article")
    if not content.body and nested_too_deep(html):
        return PageExtract(content=None, error="nested deeper than the HTML parser's limit "
                                               "(256 elements): the page cannot be read")
    if not content.body.strip():  # an app shell, an index page, a consent wall: no story here
        return PageExtract(content=None, error="no article text on the page")
    reference = _reference_time(fetched_at)
    comments = extract_comments(url, html, article_id, reference, content.metadata.published,
                                tree)
    for page_url, page in comment_pages or ():
        comments.extend(
            extract_comments(page_url, page_text(page), article_id, reference,
                             content.metadata.published))
    return PageExtract(content=content, comments=merge_comments(comments))


def nested_too_deep(html: str) -> bool:
    """libxml2 stops reading HTML at 256 levels of nesting and keeps only what came before
    (a page of 20,000 nested divs gives an empty document, not an error): say so."""
    parser = etree.HTMLParser()
    try:
        etree.fromstring(html, parser)
    except (etree.LxmlError, ValueError):
        return False
    return any("Excessive depth" in entry.message for entry in parser.error_log)


def merge_comments(comments: list[Comment]) -> list[Comment]:
    """One record per comment id, in page order: a comment shown on two comment pages (the
    page boundary moved between fetches) is one comment. Positions are set by ``link_thread``."""
    merged: dict[str, Comment] = {}
    for comment in comments:
        merged.setdefault(comment.id, comment)
    return list(merged.values())


def apply_extract(article: Article, extract: PageExtract) -> Article:
    """Fill an article record from an extract; fingerprints come from the body."""
    content = extract.content
    if content is None:
        return article
    apply_metadata(article, content.metadata)
    article.body = content.body
    article.word_count = word_count(content.body)
    # All fingerprints in one pass, here in the worker rather than on the reactor thread.
    prints = fingerprint(content.body)
    article.content_hash = prints.content_hash
    article.simhash = simhash_to_hex(prints.simhash) if prints.simhash is not None else None
    article.sketch = prints.sketch  # None for texts too short to compare
    article.comment_count = len(extract.comments)
    article.html = None
    article.comment_pages = []
    return article


def apply_metadata(article: Article, metadata: PageMetadata) -> None:
    """Every field of the page's metadata onto the record, one by one (a renamed field fails
    here, and tests/test_parsing_article.py fails for a field left out)."""
    article.title = metadata.title
    article.authors = metadata.authors
    article.published = metadata.published
    article.modified = metadata.modified
    article.site_name = metadata.site_name
    article.language = metadata.language
    article.description = metadata.description
    article.tags = metadata.tags
    article.canonical_url = canonical_url(metadata.canonical_url or article.final_url or article.url)


def extract_article_record(article: Article, fetched_at: str | None = None) -> ArticleResult:
    """Everything the extraction stage does to one article item, in one picklable call."""
    html = page_text(article.html)
    extract = extract_page(
        article.final_url or article.url, html, article.id, article.comment_pages, fetched_at
    )
    if article.fetch is not None:  # whether a cron run should fetch it again for its comments
        fetch = article.fetch
        fetch.threaded = fetch.paged or bool(extract.comments) or has_comment_section(html)
    thread = link_thread(article.id, extract.comments)
    record = apply_extract(article, extract)
    record.comment_count = len(thread.comments)
    for record_ in (record, *thread.comments):
        record_.fetched_at = fetched_at
    return ArticleResult(record, thread.comments, dict(thread.problems), extract.error)


def _reference_time(fetched_at: str | None) -> datetime:
    if fetched_at:
        try:
            return datetime.fromisoformat(fetched_at)
        except ValueError:
            pass
    return datetime.now(UTC)
