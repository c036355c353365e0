"""newsarchive: a Scrapy crawl framework that archives the news."""

__version__ = "0.1.0"
