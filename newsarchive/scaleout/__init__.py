"""Scale-out on scrapy-redis: several workers (processes, machines) forming one run.

With ``REDIS_URL`` set, the add-on switches on scrapy-redis's scheduler and dupefilter with
run-scoped keys (``scheduler``), the Redis crawl state (``newsarchive.state.redis_state``), and
the ``ScaleOut`` extension that agrees the run with the other workers, seeds the start requests
once, ends the run when no worker has work left, and merges the manifest (``coordinator``).
"""
