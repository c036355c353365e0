"""Persistent crawl state behind one interface (``CrawlState``): SQLite here, Redis later."""

from newsarchive.state.base import ArticleFetch, CrawlState, PageState, StateLocked, UrlRecord
from newsarchive.state.sqlite import SQLiteState

__all__ = ["ArticleFetch", "CrawlState", "PageState", "SQLiteState", "StateLocked", "UrlRecord"]
