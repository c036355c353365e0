"""In-memory near-duplicate index over MinHash sketches (LSH banding, then verification).

The ``SKETCH_SIZE`` values of a sketch are cut into ``BANDS`` bands of ``ROWS`` values; two texts
of Jaccard similarity J share at least one band with probability about 1 - (1 - J^ROWS)^BANDS
(.94 at J = .5, .994 at .6, .9998 at .7; .13 at .19, the closest different stories measured).
Each band has a hash table; the entries found through any band are candidates, and a candidate
counts only when its whole sketch estimates a similarity of at least ``min_similarity``.

Memory is kept flat on purpose (1M sketches fit in under 300 MB): sketches live in one
``bytearray``, keys in one byte buffer plus offsets, and each band table is a bucket-head array
plus a "next" array chaining entries of the same bucket (no per-entry Python objects).
Hand-written because no maintained pure-Python LSH library has this footprint (``datasketch``
keeps a dict of lists per band and numpy hash values per entry: kilobytes per document).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

from newsarchive.dedupe.minhash import SKETCH_SIZE, values_needed

ROWS = 3
"""Values per band. 3 with 21 bands finds J >= .6 with probability .994; 4 rows would need 32
bands (256 MB of tables at 1M entries) for the same recall."""
BANDS = SKETCH_SIZE // ROWS
_BAND_MASK = (1 << (8 * ROWS)) - 1
# Bit offset of each band in the sketch read as one big-endian integer.
_SHIFTS = tuple((SKETCH_SIZE - ROWS * (band + 1)) * 8 for band in range(BANDS))

_MASK64 = (1 << 64) - 1
_FIB = 0x9E3779B97F4A7C15  # 2^64 / golden ratio: Fibonacci hashing of the band value
_MIN_BUCKET_BITS = 10
_LOAD = 2
"""Entries per bucket before the bucket arrays double. Load 2 halves the bucket heads (42 MB
less at 1M entries than load 1); lookups stay at ~32 µs at 1M (benchmarks/dedupe.py)."""


class NearDuplicateIndex:
    """Maps sketches to keys; ``find`` returns the key added FIRST among those whose sketch
    estimates a Jaccard similarity of at least ``min_similarity`` with the query.

    ``capacity`` sizes the bucket arrays up front (they grow by doubling). Add only records that
    are not themselves duplicates: a duplicate never wins ``find``.
    """

    __slots__ = ("_bits", "_heads", "_key_ends", "_keys", "_nexts", "_sketches")

    def __init__(self, capacity: int = 1 << 16) -> None:
        self._sketches = bytearray()
        self._keys = bytearray()
        self._key_ends = array("Q")
        self._bits = max(_MIN_BUCKET_BITS, (max(capacity // _LOAD, 1) - 1).bit_length())
        # int32 positions: 2**31 entries is far beyond what fits in memory anyway
        self._heads: list[array] = [array("i", [-1]) * (1 << self._bits) for _ in range(BANDS)]
        self._nexts: list[array] = [array("i") for _ in range(BANDS)]

    def __len__(self) -> int:
        return len(self._key_ends)

    def add(self, key: str, sketch: bytes) -> None:
        """Store ``sketch`` under ``key`` (keys need not be unique; the first one wins)."""
        if len(sketch) != SKETCH_SIZE:
            raise ValueError(f"a sketch has {SKETCH_SIZE} bytes, got {len(sketch)}")
        index = len(self._key_ends)
        if index >= _LOAD << self._bits:
            self._grow()
        self._sketches += sketch
        self._keys += key.encode("utf-8")
        self._key_ends.append(len(self._keys))
        whole = int.from_bytes(sketch, "big")
        shift = 64 - self._bits
        for band_shift, heads, nexts in zip(_SHIFTS, self._heads, self._nexts, strict=True):
            bucket = ((((whole >> band_shift) & _BAND_MASK) * _FIB) & _MASK64) >> shift
            nexts.append(heads[bucket])
            heads[bucket] = index

    def _grow(self) -> None:
        """Double the bucket arrays and rechain every entry (amortized O(1) per add)."""
        self._bits += 1
        shift = 64 - self._bits
        sketches, size = self._sketches, len(self._key_ends)
        for band, band_shift in enumerate(_SHIFTS):
            heads = array("i", [-1]) * (1 << self._bits)
            nexts = array("i", [-1]) * size
            start = SKETCH_SIZE - (band_shift // 8) - ROWS
            for index in range(size):
                offset = index * SKETCH_SIZE + start
                value = int.from_bytes(sketches[offset : offset + ROWS], "big")
                bucket = ((value * _FIB) & _MASK64) >> shift
                nexts[index] = heads[bucket]
                heads[bucket] = index
            self._heads[band], self._nexts[band] = heads, nexts

    def _key(self, index: int) -> str:
        start = self._key_ends[index - 1] if index else 0
        return self._keys[start : self._key_ends[index]].decode("utf-8")

    def sketch(self, index: int) -> bytes:
        """The sketch stored at insertion position ``index``."""
        start = index * SKETCH_SIZE
        return bytes(self._sketches[start : start + SKETCH_SIZE])

    def find_index(self, sketch: bytes, min_similarity: float) -> int:
        """Insertion position of the first stored sketch similar enough, or -1."""
        if len(sketch) != SKETCH_SIZE:
            raise ValueError(f"a sketch has {SKETCH_SIZE} bytes, got {len(sketch)}")
        needed = values_needed(min_similarity)
        whole = int.from_bytes(sketch, "big")
        sketches = self._sketches
        shift = 64 - self._bits
        candidates: set[int] = set()
        for band_shift, heads, nexts in zip(_SHIFTS, self._heads, self._nexts, strict=True):
            value = (whole >> band_shift) & _BAND_MASK
            index = heads[((value * _FIB) & _MASK64) >> shift]
            if index < 0:
                continue
            start = SKETCH_SIZE - (band_shift // 8) - ROWS
            band = value.to_bytes(ROWS, "big")
            while index >= 0:
                offset = index * SKETCH_SIZE + start
                if sketches[offset : offset + ROWS] == band:
                    candidates.add(index)
                index = nexts[index]
        for index in sorted(candidates):  # oldest first: the first archived copy wins
            offset = index * SKETCH_SIZE
            stored = int.from_bytes(sketches[offset : offset + SKETCH_SIZE], "big")
            if (stored ^ whole).to_bytes(SKETCH_SIZE, "big").count(0) >= needed:
                return index
        return -1

    def find(self, sketch: bytes, min_similarity: float) -> str | None:
        """Key of the first-added sketch with an estimated Jaccard similarity of at least
        ``min_similarity`` to ``sketch``, or None."""
        index = self.find_index(sketch, min_similarity)
        return None if index < 0 else self._key(index)

    def items(self, start: int = 0) -> Iterator[tuple[str, bytes]]:
        """(key, sketch) pairs in insertion order, from insertion position ``start``."""
        for index in range(start, len(self._key_ends)):
            yield self._key(index), self.sketch(index)

    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        return self.items()
