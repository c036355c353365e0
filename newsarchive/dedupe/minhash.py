"""MinHash sketches of a text's word 3-shingles, and the Jaccard similarity they estimate.

A sketch is ``SKETCH_SIZE`` bytes: one b-bit (8-bit) minimum per bin of one-permutation hashing
(Li, Owen & Zhang, NIPS 2012) with optimal densification (Shrivastava, ICML 2017). Each shingle
is hashed once (the 64-bit BLAKE2b digests SimHash uses too); its top bits pick the bin, the
smallest digest of a bin is that bin's minimum, and its low 8 bits are kept (b-bit minwise
hashing, Li & König, WWW 2010). A bin no shingle fell into copies the value of the first filled
bin along its own fixed probe order, which keeps P(two sketches agree at a position) equal to
J + (1 - J) / 256 for Jaccard similarity J. So the share of equal bytes estimates J, and any
band of positions can key an LSH table (``newsarchive.dedupe.index``).

Hand-written rather than ``datasketch`` (needs numpy, keeps 64-bit values and one permutation
per value): one sort of the digests and 64 bisections cost ~25 µs per 600-word article in plain
Python (measured; hashing the shingles, shared with SimHash, costs more), and 8-bit values keep
1M sketches at 64 MB.

Sketches are persisted in the crawl state: changing ``SKETCH_SIZE``, ``VALUE_BITS``, the
shingling or the probe order makes stored sketches incomparable (the size is checked, the rest
is not), so such a change needs a new state table.
"""

from __future__ import annotations

import hashlib
import struct
from bisect import bisect_left

SKETCH_SIZE = 64
"""Values per sketch (bins). 64 keeps the estimate's standard deviation at ~.06 around J = .5
and 1M sketches plus their LSH tables under 300 MB; see benchmarks/dedupe.py."""

VALUE_BITS = 8
_BIN_SHIFT = 64 - (SKETCH_SIZE - 1).bit_length()  # the top 6 bits of a digest pick its bin
_VALUE_MASK = (1 << VALUE_BITS) - 1
CHANCE = 1 / (1 << VALUE_BITS)
"""Probability that two different minima agree on their kept bits."""


def _probe_order(bin_: int) -> tuple[int, ...]:
    """The other bins in a fixed pseudo-random order, derived from BLAKE2b (stable across
    Python versions, unlike ``random.shuffle``; the order is part of the stored format)."""
    others = (b for b in range(SKETCH_SIZE) if b != bin_)
    return tuple(sorted(others, key=lambda b: hashlib.blake2b(bytes((bin_, b))).digest()))


_PROBES = tuple(_probe_order(b) for b in range(SKETCH_SIZE))


def minhash(packed_digests: bytes) -> bytes | None:
    """The sketch of a set of shingles given as concatenated 8-byte big-endian digests; None
    for an empty set."""
    count = len(packed_digests) // 8
    if not count:
        return None
    ordered = sorted(struct.unpack(f">{count}Q", packed_digests[: count * 8]))
    values: list[int | None] = [None] * SKETCH_SIZE
    for bin_ in range(SKETCH_SIZE):
        # the bin's smallest digest, if any digest has this bin's top bits
        at = bisect_left(ordered, bin_ << _BIN_SHIFT)
        if at < count and ordered[at] >> _BIN_SHIFT == bin_:
            values[bin_] = ordered[at] & _VALUE_MASK
    filled = values.copy()
    for bin_, value in enumerate(filled):
        if value is None:
            values[bin_] = next(filled[b] for b in _PROBES[bin_] if filled[b] is not None)
    return bytes(values)  # type: ignore[arg-type]  # every bin is filled now


def equal_values(a: bytes, b: bytes) -> int:
    """Positions at which two sketches agree (XOR, then count the zero bytes, in C)."""
    diff = int.from_bytes(a, "big") ^ int.from_bytes(b, "big")
    return diff.to_bytes(len(a), "big").count(0)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two sketches (0..1)."""
    if len(a) != len(b) or not a:
        raise ValueError("sketches of different sizes cannot be compared")
    share = equal_values(a, b) / len(a)
    return max(0.0, (share - CHANCE) / (1 - CHANCE))


def values_needed(min_similarity: float, size: int = SKETCH_SIZE) -> int:
    """Fewest equal positions for an estimated similarity of at least ``min_similarity``."""
    if not 0.0 < min_similarity <= 1.0:
        raise ValueError(f"min_similarity must be in (0, 1], got {min_similarity}")
    share = min_similarity * (1 - CHANCE) + CHANCE
    needed = share * size
    # round down what float error pushed just above an integer (0.5 * 64 must need 32, not 33)
    whole = int(needed)
    return whole if needed - whole < 1e-9 else whole + 1
