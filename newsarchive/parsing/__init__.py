"""Pure parsing: (url, body) -> record dataclasses. No Scrapy import, no network, no global state.

Modules:
- ``events``     event-site pages (Markdown and their HTML renderings), day indexes
- ``portal``     Wikipedia's Current events portal (wikitext and HTML)
- ``article``    article body text and metadata (trafilatura + JSON-LD/OpenGraph)
- ``comments``   reader comment threads (WordPress, Blogger, Drupal, schema.org, generic)
- ``discovery``  feeds, sitemaps, archive and pagination links of blogs
- ``text``/``dates`` small shared helpers
"""
