"""In-memory near-duplicate index over 64-bit SimHash fingerprints.

Finds every stored fingerprint within ``max_distance`` bits of a query without scanning the
whole index (Manku, Jain & Das Sarma, "Detecting near-duplicates for web crawling", WWW 2007):
split the 64 bits into B blocks; two fingerprints at Hamming distance <= k differ in at most k
blocks, so they agree exactly on the other B-k blocks. One table per choice of B-k blocks
(C(B, k) tables) keyed on those bits gives every true match as a candidate in at least one
table; candidates are then verified with a popcount.

Memory is kept flat on purpose (1M fingerprints fit in well under 300 MB): fingerprints live in
one ``array('Q')``, keys in one byte buffer plus offsets, and each table is a bucket-head array
plus a "next" array chaining entries of the same bucket (no per-entry Python objects). Hand-written
because no maintained pure-Python library offers a SimHash index with this footprint.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from itertools import combinations
from math import comb

_MASK64 = (1 << 64) - 1
_FIB = 0x9E3779B97F4A7C15  # 2^64 / golden ratio: Fibonacci hashing of the table key
DEFAULT_MAX_DISTANCE = 5
"""Default SimHash threshold (bits). Calibrated with benchmarks/dedupe.py: no different-story
pair (same event, same topic, unrelated) merges below ~14 bits, but the tables for k >= 6 no
longer meet the 1M-entries budget (< 50 µs per lookup, < 300 MB), and at 1M entries two random
64-bit fingerprints within k bits become likely for k >= 9."""

_MIN_BUCKET_BITS = 10
_LOAD = 1  # entries per bucket before the bucket array doubles (2 cost +40% lookup time at 1M)
# Each table costs ~8 bytes per entry (4-byte "next" + 4-byte heads at load 1). Past 30 tables a
# 1M index no longer fits the 300 MB budget, measured with benchmarks/dedupe.py.
_MAX_TABLES = 30


def _blocks(count: int) -> list[int]:
    """Masks of ``count`` contiguous blocks covering the 64 bits, sizes differing by at most 1."""
    masks, start = [], 0
    for i in range(count):
        size = 64 // count + (1 if i < 64 % count else 0)
        masks.append(((1 << size) - 1) << start)
        start += size
    return masks


def plan_tables(max_distance: int, capacity: int = 1_000_000) -> int:
    """Number of blocks B for ``max_distance``: the cheapest lookup (tables walked plus expected
    candidates verified at ``capacity`` entries) with at most ``_MAX_TABLES`` tables."""
    if max_distance == 0:
        return 1
    best_blocks, best_cost = max_distance + 1, float("inf")
    for blocks in range(max_distance + 1, 64):
        tables = comb(blocks, max_distance)
        if tables > _MAX_TABLES and best_cost < float("inf"):
            break
        key_bits = (blocks - max_distance) * (64 // blocks)
        # measured: verifying a candidate costs about as much as probing a table
        cost = tables * (1 + capacity / 2**key_bits)
        if cost < best_cost:
            best_blocks, best_cost = blocks, cost
    return best_blocks


class NearDuplicateIndex:
    """Maps fingerprints to keys; ``find`` returns the key added FIRST among those within
    ``max_distance`` bits.

    ``max_distance`` is fixed at construction (it decides the tables); ``find`` accepts any
    distance up to it. ``capacity`` sizes the bucket arrays up front (they grow by doubling);
    the table layout is planned for at least 1M entries so a growing index keeps fast lookups.
    Add only records that are not themselves duplicates: a duplicate never wins ``find``.
    """

    __slots__ = (
        "_bits",
        "_fps",
        "_heads",
        "_key_ends",
        "_keys",
        "_masks",
        "_nexts",
        "max_distance",
    )

    def __init__(self, max_distance: int = DEFAULT_MAX_DISTANCE, capacity: int = 1 << 16) -> None:
        if not 0 <= max_distance < 32:
            raise ValueError(f"max_distance must be in 0..31, got {max_distance}")
        self.max_distance = max_distance
        blocks = _blocks(plan_tables(max_distance, max(capacity, 1 << 20)))
        self._masks: list[int] = [
            sum(chosen) for chosen in combinations(blocks, len(blocks) - max_distance)
        ]
        self._fps = array("Q")
        self._keys = bytearray()
        self._key_ends = array("Q")
        self._bits = max(_MIN_BUCKET_BITS, (max(capacity // _LOAD, 1) - 1).bit_length())
        # int32 positions: 2**31 entries is far beyond what fits in memory anyway
        self._heads: list[array] = [array("i", [-1]) * (1 << self._bits) for _ in self._masks]
        self._nexts: list[array] = [array("i") for _ in self._masks]

    def __len__(self) -> int:
        return len(self._fps)

    @property
    def table_count(self) -> int:
        return len(self._masks)

    def _bucket(self, keyed: int) -> int:
        return ((keyed * _FIB) & _MASK64) >> (64 - self._bits)

    def add(self, key: str, fingerprint: int) -> None:
        """Store ``fingerprint`` under ``key`` (keys need not be unique; the first one wins)."""
        fingerprint &= _MASK64
        index = len(self._fps)
        if index >= _LOAD << self._bits:
            self._grow()
        self._fps.append(fingerprint)
        self._keys += key.encode("utf-8")
        self._key_ends.append(len(self._keys))
        shift = 64 - self._bits
        for mask, heads, nexts in zip(self._masks, self._heads, self._nexts, strict=True):
            bucket = (((fingerprint & mask) * _FIB) & _MASK64) >> shift
            nexts.append(heads[bucket])
            heads[bucket] = index

    def _grow(self) -> None:
        """Double the bucket arrays and rechain every entry (amortized O(1) per add)."""
        self._bits += 1
        shift = 64 - self._bits
        fps = self._fps
        for t, mask in enumerate(self._masks):
            heads = array("i", [-1]) * (1 << self._bits)
            nexts = array("i", [-1]) * len(fps)
            for index, fp in enumerate(fps):
                bucket = (((fp & mask) * _FIB) & _MASK64) >> shift
                nexts[index] = heads[bucket]
                heads[bucket] = index
            self._heads[t], self._nexts[t] = heads, nexts

    def _key(self, index: int) -> str:
        start = self._key_ends[index - 1] if index else 0
        return self._keys[start : self._key_ends[index]].decode("utf-8")

    def find_index(self, fingerprint: int, max_distance: int | None = None) -> int:
        """Insertion position of the first stored fingerprint within ``max_distance``, or -1."""
        limit = self.max_distance if max_distance is None else max_distance
        if limit > self.max_distance:
            raise ValueError(
                f"index built for max_distance={self.max_distance}, asked for {limit}"
            )
        fingerprint &= _MASK64
        fps = self._fps
        shift = 64 - self._bits
        best = -1
        for mask, heads, nexts in zip(self._masks, self._heads, self._nexts, strict=True):
            keyed = fingerprint & mask
            index = heads[(((keyed * _FIB) & _MASK64) >> shift)]
            # chains run newest first: the last match seen in a chain is its oldest
            while index >= 0:
                if (best < 0 or index < best) and ((fps[index] ^ fingerprint).bit_count() <= limit):
                    best = index
                index = nexts[index]
        return best

    def find(self, fingerprint: int, max_distance: int | None = None) -> str | None:
        """Key of the first-added fingerprint within ``max_distance`` bits (default: the
        index's), or None."""
        index = self.find_index(fingerprint, max_distance)
        return None if index < 0 else self._key(index)

    def __iter__(self) -> Iterator[tuple[str, int]]:
        """(key, fingerprint) pairs in insertion order."""
        for index, fp in enumerate(self._fps):
            yield self._key(index), fp
