"""Raw capture: every fetched exchange as WARC/1.1 records, and reading them back.

- ``records``: what a WARC request/response record holds for a Scrapy request and response.
- ``writer``: the WARC writer (one gzip member per record, rotation, ``.open`` names, revisits).
- ``middleware``: the downloader middleware that hands every exchange to the writer.
- ``recover``: closes the ``.open`` files a killed run left (truncated to the last whole record).
- ``archive``: reading captures back (index by URL and payload digest, revisits resolved).
- ``replay``: the download handler ``newsarchive reextract`` crawls through (no network).
- ``package``: the CDXJ index of a run and its WACZ package.
"""

CAPTURE_META = "newsarchive_capture"
"""Request/response meta key: ``Capture`` of the response record the response was written as."""

ORIGINAL_URL_META = "newsarchive_original_url"
"""Request meta key a component sets when it fetches a page on another URL's behalf (a web
archive's copy of a dead link): the record gets a ``WARC-Newsarchive-Original-URI`` field."""
