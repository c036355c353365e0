"""Text fingerprints for duplicate detection: exact (content hash), near (MinHash sketch of the
word 3-shingles, see ``minhash``) and the 64-bit SimHash the article record carries.

Pure functions, no global mutable state. ``normalize_text`` defines what "the same text" means:
case, quote and dash styles, punctuation and whitespace do not count. SimHash and the sketch
hash the same shingles once (``shingle_digests``).

SimHash is hand-written rather than ``trafilatura.deduplication.Simhash`` (measured with
``benchmarks/dedupe.py``; both cost about 0.5-1.5 ms per article): trafilatura hashes a bag of
single words, so two outlets' own reports of one event, which share names, places and numbers,
land 5-9 bits apart, as close as lightly edited copies; it merges different stories from
t=5 on, where word 3-shingles keep them 16+ bits apart. Shingles are hashed with BLAKE2b
(stable across processes, unlike ``hash()``), and the 64 bit counts are taken with
``bytes.translate`` over the packed digests, so the per-bit work runs in C (no numpy needed).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from newsarchive.dedupe.minhash import minhash

SHINGLE_SIZE = 3
"""Words per shingle. 3 keeps different reports of one event apart (they share words, not
3-word runs) while a one-word edit changes only 3 shingles; see benchmarks/dedupe.py."""

MIN_WORDS = 30
"""Below this many words near-duplicate fingerprints are too noisy to call two texts
near-duplicates: ``simhash`` and ``sketch`` return None and only exact (content hash) matching
applies."""

SHORT_LINE_WORDS = 8
"""Lines of fewer words are left out of the SimHash and the sketch (not of the content hash): the
navigation, share, newsletter and copyright lines an extractor lets through are short, and they
would otherwise move a short article's fingerprints a lot (see benchmarks/dedupe.py)."""

HASH_BITS = 64

# Typographic variants folded before punctuation is dropped (matters for apostrophes, which are
# deleted so "don't" and "don’t" both become "dont").
_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
        "`": "'", "\u02bc": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
        "\u2212": "-", "\ufe58": "-", "\ufe63": "-", "\uff0d": "-",
    }
)
# Replaced through a regex that finds the few there are (str.translate with a dict table costs
# ~50 ns a character of the body).
_QUOTE_CHARS = re.compile("[" + re.escape("".join(map(chr, _QUOTES))) + "]")
# The apostrophe first, its left neighbour looked behind from there: the engine then jumps from one
# apostrophe to the next instead of trying the lookbehind at every character.
_APOSTROPHE = re.compile(r"'(?<=\w')(?=\w)")
_NON_WORD = re.compile(r"[^\w\s]+|_+")
# Scripts written without spaces: each character counts as a word.
_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f])")

_MASK64 = (1 << HASH_BITS) - 1
# For bit t of a byte: the 128 byte values that have it set (deleted to count the others).
_WITH_BIT = [bytes(v for v in range(256) if v >> t & 1) for t in range(8)]


def normalize_text(body: str | None) -> str:
    """Case-folded, quote/dash-unified text without punctuation, single-spaced.

    >>> normalize_text("“Don’t” — he said,  TWICE.")
    'dont he said twice'
    """
    if not body or not isinstance(body, str):
        return ""
    return " ".join(_fold(body).split())


def _fold(body: str) -> str:
    """``normalize_text`` before whitespace is collapsed: line breaks stay where they were (no
    step adds, removes or reaches across one), so the lines of the folded body are the folded
    lines of the body and one pass serves the content hash and the per-line words."""
    text = _QUOTE_CHARS.sub(_quote_of, unicodedata.normalize("NFKC", body).casefold())
    text = _APOSTROPHE.sub("", text)
    return _NON_WORD.sub(" ", text)


def _quote_of(match: re.Match[str]) -> str:
    return _QUOTES[ord(match.group())]


def _words(folded_line: str) -> list[str]:
    return _CJK.sub(r" \1 ", folded_line).split()


def _line_words(folded: str) -> list[list[str]]:
    """The words of each line of a folded text; the CJK scan runs once for a text without any
    (most), not once per line."""
    lines = folded.splitlines()
    if _CJK.search(folded) is None:
        return [line.split() for line in lines]
    return [_words(line) for line in lines]


def tokens(body: str | None) -> list[str]:
    """Words of the normalized text; CJK characters are one word each."""
    if not body or not isinstance(body, str):
        return []
    return _words(_fold(body))


def content_hash(body: str | None) -> str | None:
    """First 16 hex digits of SHA-256 over the normalized text; None when no text remains
    (empty bodies must never be merged as "the same text")."""
    text = normalize_text(body)
    if not text:
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def shingle_digests(words: list[str], shingle_size: int = SHINGLE_SIZE) -> bytes:
    """8-byte BLAKE2b digests of the distinct word shingles of ``words``, concatenated."""
    if not words:
        return b""
    if shingle_size == 3 and len(words) >= 3:  # the usual case, without a slice per shingle
        shingles = {f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:], strict=False)}
    else:
        n = max(1, len(words) - shingle_size + 1)
        shingles = {" ".join(words[i : i + shingle_size]) for i in range(n)}
    blake = hashlib.blake2b
    return b"".join([blake(s.encode("utf-8"), digest_size=8).digest() for s in shingles])


def simhash_digests(packed: bytes) -> int:
    """64-bit Charikar SimHash over ``shingle_digests`` output."""
    count = len(packed) // 8
    if not count:
        return 0
    half = count / 2
    value = 0
    for byte in range(8):
        column = packed[byte::8]  # the same byte of every digest
        shift = (7 - byte) * 8  # digests read big-endian
        for bit in range(8):
            ones = count - len(column.translate(None, _WITH_BIT[bit]))
            if ones > half:
                value |= 1 << (shift + bit)
    return value


def simhash_tokens(words: list[str], shingle_size: int = SHINGLE_SIZE) -> int:
    """64-bit Charikar SimHash over the set of word shingles of ``words`` (no length check)."""
    return simhash_digests(shingle_digests(words, shingle_size))


def near_words(body: str, min_words: int = MIN_WORDS) -> list[str] | None:
    """The words near-duplicate fingerprints see: those of lines with at least
    ``SHORT_LINE_WORDS`` words (all lines if that leaves too few); None when fewer than
    ``min_words`` words remain."""
    return _near_words(_line_words(_fold(body)), min_words)


def _near_words(lines: list[list[str]], min_words: int) -> list[str] | None:
    words = [w for line in lines if len(line) >= SHORT_LINE_WORDS for w in line]
    if len(words) < min_words:
        words = [w for line in lines for w in line]
    return words if len(words) >= min_words else None


def simhash(body: str | None, min_words: int = MIN_WORDS) -> int | None:
    """64-bit SimHash of the text's word 3-shingles; None below ``min_words`` words."""
    if not body or not isinstance(body, str):
        return None
    words = near_words(body, min_words)
    return None if words is None else simhash_tokens(words)


def sketch(body: str | None, min_words: int = MIN_WORDS) -> bytes | None:
    """MinHash sketch (``minhash.SKETCH_SIZE`` bytes) of the text's word 3-shingles; None below
    ``min_words`` words (near-duplicate detection is off for short texts)."""
    if not body or not isinstance(body, str):
        return None
    words = near_words(body, min_words)
    return None if words is None else minhash(shingle_digests(words))


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two fingerprints."""
    return ((a ^ b) & _MASK64).bit_count()


def simhash_to_hex(value: int) -> str:
    """The fixed-width (16 digit) hex form stored in ``Article.simhash``."""
    return f"{value & _MASK64:016x}"


def simhash_from_hex(text: str | None) -> int | None:
    """Parse ``simhash_to_hex`` output; None for anything that is not 1-16 hex digits."""
    if not text or not isinstance(text, str) or len(text) > 16:
        return None
    try:
        return int(text, 16)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Everything the dedupe stage needs from one body, computed in one pass."""

    content_hash: str | None
    simhash: int | None
    sketch: bytes | None
    word_count: int


def fingerprint(body: str | None, min_words: int = MIN_WORDS) -> Fingerprint:
    """Content hash, SimHash and sketch (None if short) and word count of a body."""
    if not body or not isinstance(body, str):
        return Fingerprint(None, None, None, 0)
    folded = _fold(body)  # once: the hash and the words both read it
    text = " ".join(folded.split())
    if not text:
        return Fingerprint(None, None, None, 0)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    lines = _line_words(folded)
    words = _near_words(lines, min_words)
    packed = shingle_digests(words) if words is not None else b""
    return Fingerprint(
        digest,
        simhash_digests(packed) if packed else None,
        minhash(packed) if packed else None,
        sum(map(len, lines)),
    )
