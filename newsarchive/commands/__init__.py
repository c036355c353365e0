"""Scrapy commands of the newsarchive project (``COMMANDS_MODULE``): ``crawl``, as Scrapy's, with
one-line errors."""
