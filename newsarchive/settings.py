"""Scrapy settings for newsarchive: politeness, components, and every NEWSARCHIVE_* default.

This module is both this repo's project settings (``scrapy.cfg``) and the one source of defaults:
``newsarchive.addon.NewsarchiveAddon`` applies every setting here (but ``BOT_NAME``,
``SPIDER_MODULES``, ``NEWSPIDER_MODULE``, ``ADDONS``, ``COMMANDS_MODULE``) at add-on priority in any
project that enables it. The add-on also sets the feed layout (one JSON Lines file per record
type under ``OUTPUT_DIR/runs/<run_id>/``), which depends on ``OUTPUT_DIR``.
"""

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["newsarchive.spiders"]
NEWSPIDER_MODULE = "newsarchive.spiders"
# ``scrapy crawl`` with one-line errors and exit codes 2 (bad argument) and 3 (folder locked).
COMMANDS_MODULE = "newsarchive.commands"

# --- where the archive goes ------------------------------------------------------------------
OUTPUT_DIR = "output"

# --- politeness (DESIGN §4) ------------------------------------------------------------------
NEWSARCHIVE_CONTACT_URL = "https://github.com/newsarchive/newsarchive"
USER_AGENT = f"newsarchive/0.1 (news archiver; +{NEWSARCHIVE_CONTACT_URL})"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Scrapy starts this many tasks for every response's output, however few items it yields
# (scrapy.utils.asyncio._parallel_asyncio): at the default, 100, that was a third of the crawl
# process's CPU; 16 tasks still cost 4% of a fetch-only crawl's CPU against 1 (5.54 -> 5.31 s,
# 1,500 pages, median of 3). Our pipelines never wait on I/O: items gain nothing from parallelism.
CONCURRENT_ITEMS = 1
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 8
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control (scrapy.extensions.remote_control) runs an HTTP server in every
# crawl that executes Python code sent to it (token in a job file under the user's profile): off,
# like the telnet console. Turn it on per crawl with -s REMOTE_CONTROL_ENABLED=True.
REMOTE_CONTROL_ENABLED = False
DNS_TIMEOUT = 20

# --- components --------------------------------------------------------------------------------
ADDONS = {"newsarchive.addon.NewsarchiveAddon": 0}

SPIDER_MIDDLEWARES = {
    # Extraction turns one article page into an article and its comments, which is why it is a
    # spider middleware and not an item pipeline (a pipeline maps one item to one item).
    "newsarchive.middlewares.extract.ExtractionMiddleware": 800,
}
DOWNLOADER_MIDDLEWARES = {
    "newsarchive.middlewares.safety.AddressSafetyMiddleware": 50,
    # The resolver guard's refusals, seen before RetryMiddleware (550) would retry them.
    "newsarchive.middlewares.safety.PrivateAnswerMiddleware": 560,
    # A name no resolver answered for, told from one that does not exist, once RetryMiddleware
    # (550) has given up on it.
    "newsarchive.middlewares.dns.ResolverUnavailableMiddleware": 545,
    # Scrapy's, fixed: see the module (same order, 100).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newsarchive.middlewares.robotstxt.RobotsTxtMiddleware": 100,
    # Scrapy's, reading the page head only: it decoded every whole page (see the module).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "newsarchive.middlewares.metarefresh.HeadOnlyMetaRefreshMiddleware": 580,
    # Raw capture, closest to the download handler: wire bytes, before decompression (590) and
    # redirects (600) (see the module).
    "newsarchive.capture.middleware.WarcCaptureMiddleware": 950,
}
ITEM_PIPELINES = {
    "newsarchive.pipelines.normalize.NormalizePipeline": 100,
    "newsarchive.pipelines.window.DateWindowPipeline": 200,
    "newsarchive.pipelines.dedupe.DedupePipeline": 300,
    "newsarchive.pipelines.link.LinkPipeline": 400,
    "newsarchive.pipelines.state.StatePipeline": 500,
}
EXTENSIONS = {
    "newsarchive.extensions.workers.StartExtractionWorkers": 0,
    # Scrapy's feed exporter, telling which records its feeds hold and failing the run on errors.
    "scrapy.extensions.feedexport.FeedExporter": None,
    "newsarchive.extensions.feeds.CheckedFeedExporter": 0,
    # Holds the output folder's lock; feeds -> manifest -> state commit, in that order.
    "newsarchive.extensions.commit.RunCommit": 50,
    "newsarchive.extensions.state.CrawlStateExtension": 100,
    "newsarchive.extensions.itemerrors.CountItemErrors": 200,
    "newsarchive.extensions.manifest.RunManifest": 500,
    "newsarchive.extensions.progress.CrawlProgress": 600,
    "newsarchive.extensions.memory.ReleaseFreeMemory": 900,
    "newsarchive.extensions.gcfreeze.FreezeStartupObjects": 950,
}

FEED_EXPORT_ENCODING = "utf-8"
FEED_STORE_EMPTY = True
# One CSV file can hold every record type: a header of all their fields, nested values as JSON.
FEED_EXPORTERS = {"csv": "newsarchive.exporters.RecordCsvItemExporter"}

# --- newsarchive components ------------------------------------------------------------------
# Extraction: processes that extract body/metadata/comments; 0 = inline, in the crawl process.
NEWSARCHIVE_EXTRACT_POOL_SIZE = None  # None = the CPUs available (affinity, cgroup quota)
NEWSARCHIVE_EXTRACT_TIMEOUT = 60.0  # seconds per page before the worker is killed
NEWSARCHIVE_EXTRACT_FUNCTION = "newsarchive.extraction.extract_article_record"
# Source articles queued at a time once the events are read (one process; more are queued as
# they settle): well above CONCURRENT_REQUESTS, so downloads never wait for the next one.
NEWSARCHIVE_ARTICLE_WINDOW = 128
# Seconds between handing the crawl process's freed heap pages back to the OS (0 = never).
NEWSARCHIVE_RELEASE_MEMORY_INTERVAL = 5.0
# What the crawl process built at its start left out of garbage collections (extensions/gcfreeze.py).
NEWSARCHIVE_GC_FREEZE_ENABLED = True
# Pages per worker before it is replaced by a fresh fork of the fork server (0 = never): keeps
# the workers' memory flat with crawl size (see README.md, "Settings").
NEWSARCHIVE_EXTRACT_MAX_TASKS = 500
# Private/loopback/link-local hosts that links may point at (start URLs' hosts are always allowed).
NEWSARCHIVE_ALLOWED_HOSTS: list[str] = []
# More query parameters to strip as tracking parameters (utm_*, fbclid, gclid... are built in).
NEWSARCHIVE_TRACKING_PARAMS: list[str] = []
# Dead sources looked up in a Wayback-style web archive (see newsarchive.spiders.wayback):
# CDX API at {base}/cdx/search/cdx, raw captures at {base}/web/{timestamp}id_/{url}.
NEWSARCHIVE_WAYBACK_ENABLED = True
NEWSARCHIVE_WAYBACK_URL = "https://web.archive.org"
# How captures are listed: "cdx" (CDX API) or "timemap" (Memento TimeMap, {base}/web/timemap/link/{url}).
NEWSARCHIVE_WAYBACK_API = "cdx"
# Requests per minute to the archive, one at a time. The Internet Archive allows about 60 and
# blocks an IP for an hour (doubling on repeat) when clients exceed it and ignore its 429s.
NEWSARCHIVE_WAYBACK_RATE = 15.0
NEWSARCHIVE_WAYBACK_RECHECK_DAYS = 30.0  # a lookup's answer (capture / none) is kept this long
NEWSARCHIVE_WAYBACK_MAX_CAPTURES = 3  # captures tried per URL (a soft-404 capture: the next)
NEWSARCHIVE_WAYBACK_MAX_FAILURES = 3  # 429/5xx/no answer in a row: no more lookups this run
NEWSARCHIVE_WAYBACK_BACKOFF = 60.0  # seconds before a retry without Retry-After (doubles)
NEWSARCHIVE_WAYBACK_MAX_WAIT = 300.0  # a longer Retry-After ends lookups for the run
NEWSARCHIVE_WAYBACK_TIMEOUT = 60.0  # download timeout of archive requests (CDX can be slow)

# Related events are followed up to this depth from the first event pages: the default of the
# events spider's ``related_depth`` argument.
NEWSARCHIVE_RELATED_DEPTH = 1

# Dedupe / state (see their modules).
NEWSARCHIVE_DEDUPE_ENABLED = True
NEWSARCHIVE_DEDUPE_DROP = False
# Near duplicates: least Jaccard similarity of word 3-shingles, estimated from MinHash sketches.
# benchmarks/dedupe.py (README): every copy with <= 20% of sentences edited or cut to 75% merges
# at .5, no different-story pair estimates above .28 (generated) / .2 (corpus). Live stories
# with a new lead (J ~ .7-.9) merge too; above ~.8 they stay apart, at a cost in recall.
NEWSARCHIVE_DEDUPE_MIN_SIMILARITY = 0.5
NEWSARCHIVE_STATE_ENABLED = True
# Seconds between progress lines (one per phase; 0 = none). The summary line is always logged.
NEWSARCHIVE_PROGRESS_INTERVAL = 30.0
NEWSARCHIVE_REFRESH_DAYS = 7
# With no start given, the days just before the window that no run read (a night the cron did
# not run) are read too, back to the last day a run read, at most this many (0 = never).
NEWSARCHIVE_CATCH_UP_DAYS = 31
NEWSARCHIVE_COMMENTS_REFRESH_DAYS = 3
# Further comment pages fetched per article (a thread longer than that is cut, counted as the
# drop comment_pages_over_limit).
NEWSARCHIVE_MAX_COMMENT_PAGES = 50

# Raw capture (WARC/1.1, newsarchive/capture/): every exchange, under runs/<run_id>/warc/.
NEWSARCHIVE_WARC_ENABLED = True
NEWSARCHIVE_WARC_MAX_SIZE = 1024**3  # bytes per WARC file before the next one is started
# Level of each record's gzip member: 1-3 ISA-L's (python-isal), 4-9 zlib's, 0 stored. The
# capture's CPU is taken from extraction on a busy machine; on 500 corpus pages (148 KB average)
# ISA-L's 1 costs 0.21 ms a page for 22.3% of the raw size, its 3 0.49 ms for 21.4%; zlib's 6
# 2.38 ms for 19.3% (zlib's 1, the default until 2026-12-06: 0.92 ms for 22.8%).
NEWSARCHIVE_WARC_GZIP_LEVEL = 1
# Set by ``newsarchive reextract`` (newsarchive/capture/replay.py): WARC files the crawl reads
# instead of the network, where revisits' payloads are found, and "parse archived pages too".
NEWSARCHIVE_REPLAY_WARCS: list[str] = []
NEWSARCHIVE_REPLAY_RESOLVE: list[str] = []
NEWSARCHIVE_REEXTRACT = False
# Scale-out (newsarchive.scaleout): REDIS_URL (redis://host:6379/0) switches on the shared
# scrapy-redis queue and dupefilter, the Redis crawl state and one run across workers.
REDIS_URL = ""
NEWSARCHIVE_REDIS_PREFIX = "newsarchive"  # every key the archive keeps in Redis starts with it
NEWSARCHIVE_REDIS_HEARTBEAT = 10.0  # seconds without a heartbeat before a worker counts as lost
NEWSARCHIVE_REDIS_POLL_INTERVAL = 0.5  # seconds between an idle worker's looks at the queue
NEWSARCHIVE_WORKER_ID = ""  # names this worker's feed files; default <host>-<pid>

# --- portal (Wikipedia's Current events) ---------------------------------------------------------
PORTAL_BASE_URL = "https://en.wikipedia.org"

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"
