"""A "better extractor" for the re-extraction test: today's extraction, with another title for
the gzip-encoded page only (so exactly one record changes)."""

from __future__ import annotations

from newsarchive.extraction import extract_article_record
from newsarchive.items import Article, ArticleResult


def extract(article: Article, fetched_at: str | None = None) -> ArticleResult:
    result = extract_article_record(article, fetched_at)
    if result.error is None and "/gzip.html" in article.url:
        result.article.title = "Re-extracted: " + (result.article.title or "")
    return result
