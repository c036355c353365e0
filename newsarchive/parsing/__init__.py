"""Pure parsing: (url, body) -> record dataclasses. No Scrapy import, no network, no global state.

Modules:
- ``events``     event-site pages (Markdown and their HTML renderings), day indexes
- ``portal``     Wikipedia's Current events portal (wikitext and HTML)
- ``article``    article body text and metadata (trafilatura + JSON-LD/OpenGraph)
- ``metadata``   what a page declares about its article (``PageMetadata``, the one metadata type)
- ``comments``   reader comment threads: a package, comment systems tried in order (WordPress,
                 Blogger, Drupal, schema.org, generic...) and further comment pages (``paging``)
- ``post_links`` blog post links and URL heuristics (what a URL says about a post)
- ``feeds``      feeds, sitemaps and robots.txt of blogs → post links
- ``listings``   a blog's HTML pages → declared feeds, listed posts, further listing pages
- ``html``       shared HTML helpers: class tests in XPath, absolute URLs, parsing a page
- ``text``/``dates`` small shared helpers
"""
