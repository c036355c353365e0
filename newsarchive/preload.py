"""What the extraction pool's fork server loads before it forks a worker.

Imported (once) by the fork server, never by the crawl process. Beyond the imports, the
extraction stack builds most of its data on first use: jusText's stoplists of every language,
the month names of every dateparser locale (htmldate; the locales' data, not their compiled
dictionaries), the dateparser locales of ``DEFAULT_LANGUAGES``, hundreds of compiled regular
expressions. Built here, before the fork, each worker shares them copy-on-write instead of
building its own copy. ``gc.freeze()`` keeps them shared: the collector no longer walks (and so
writes to) the objects made here.

Dates are read in the page's language and the defaults only (``parsing/date_languages.py``): a
worker builds another language's locale the first time a page in it shows a date (8-25 ms),
instead of the fork server building all 205 at start (1.6 s, ~37 MB).
"""

from __future__ import annotations

import gc
import logging

from newsarchive.extraction import extract_article_record
from newsarchive.items import Article

SAMPLE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Council approves the new budget | Example News</title>
<meta property="og:title" content="Council approves the new budget">
<meta property="article:published_time" content="2024-03-12T09:30:00+01:00">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "Council approves the new budget", "datePublished": "2024-03-12T09:30:00+01:00",
"author": {"@type": "Person", "name": "Jane Doe"}}</script></head>
<body><header><nav><a href="/">Home</a> <a href="/politics/">Politics</a></nav></header>
<article><h1>Council approves the new budget</h1><p class="byline">By Jane Doe, 12 March 2024</p>
<p>The city council approved the budget for the coming year on Tuesday evening after a debate
that lasted more than four hours, with members of every party taking part in the vote.</p>
<p>The plan raises spending on schools and public transport and cuts the cost of permits for
small businesses, the mayor said in a statement published after the meeting.</p>
<p>Opposition members said the figures were optimistic and asked for a review in September.</p>
</article>
<section id="comments"><ol class="comment-list"><li class="comment" id="comment-1">
<article class="comment-body"><footer class="comment-meta"><b class="fn">Sam</b>
<time datetime="2024-03-12T11:00:00+00:00">12 March 2024 at 11:00</time></footer>
<div class="comment-content"><p>About time the buses got some money.</p></div></article>
</li></ol></section><footer>Copyright 2024 Example News</footer></body></html>"""


def warm_up() -> None:
    """Build the extraction stack's lazily loaded data, then exempt it from garbage collection.

    Only an optimisation: should a library have changed, the workers build their data lazily.
    """
    try:
        _build_lazy_data()
    except Exception:  # never stop the fork server: that would stop every worker
        logging.getLogger(__name__).warning("extraction warm-up failed", exc_info=True)
    gc.collect()
    gc.freeze()


def _build_lazy_data() -> None:
    from htmldate import extractors
    from justext.core import define_stoplist
    from trafilatura.external import jt_stoplist_init

    from newsarchive.parsing.date_languages import DEFAULT_LANGUAGES, external_parser
    from newsarchive.parsing.dates import parse_datetime

    define_stoplist(jt_stoplist_init())  # trafilatura passes the tuple; jusText caches the set
    extractors.month_words()  # the startup cache's (date_languages.install_month_words)
    # A string no locale can read makes dateparser build every locale it is given: those of
    # htmldate's parser and of our own (relative dates too) for the default languages.
    unreadable = "newsarchive 31 warm-up 2024"
    external_parser(DEFAULT_LANGUAGES).get_date_data(unreadable)
    parse_datetime(unreadable)
    url = "https://news.example/2024/03/12/council-budget"
    extract_article_record(Article(id="warm-up", url=url, final_url=url, html=SAMPLE_PAGE))


warm_up()
