"""Spiders decide what to fetch next; parsing lives in ``newsarchive.parsing``."""
