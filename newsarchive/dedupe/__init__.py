"""Duplicate detection: text fingerprints and an in-memory near-duplicate index."""

from newsarchive.dedupe.fingerprint import (
    MIN_WORDS,
    Fingerprint,
    content_hash,
    fingerprint,
    hamming,
    normalize_text,
    simhash,
    simhash_from_hex,
    simhash_to_hex,
)
from newsarchive.dedupe.index import DEFAULT_MAX_DISTANCE, NearDuplicateIndex

__all__ = [
    "DEFAULT_MAX_DISTANCE",
    "MIN_WORDS",
    "Fingerprint",
    "NearDuplicateIndex",
    "content_hash",
    "fingerprint",
    "hamming",
    "normalize_text",
    "simhash",
    "simhash_from_hex",
    "simhash_to_hex",
]
