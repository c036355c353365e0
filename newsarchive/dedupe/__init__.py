"""Duplicate detection: text fingerprints, MinHash sketches and an in-memory near-duplicate index."""

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
    sketch,
)
from newsarchive.dedupe.index import NearDuplicateIndex
from newsarchive.dedupe.minhash import SKETCH_SIZE, similarity

__all__ = [
    "MIN_WORDS",
    "SKETCH_SIZE",
    "Fingerprint",
    "NearDuplicateIndex",
    "content_hash",
    "fingerprint",
    "hamming",
    "normalize_text",
    "simhash",
    "simhash_from_hex",
    "simhash_to_hex",
    "similarity",
    "sketch",
]
