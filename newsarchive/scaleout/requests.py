"""Request meta keys of a shared run (importable without scrapy-redis or Redis)."""

RETAKEN = "newsarchive_retaken"  # the request was taken before by a worker that was lost
