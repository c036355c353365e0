"""Fingerprints and the near-duplicate index."""

from __future__ import annotations

import random

import pytest

from newsarchive.dedupe import (
    MIN_WORDS,
    NearDuplicateIndex,
    content_hash,
    fingerprint,
    hamming,
    normalize_text,
    simhash,
    simhash_from_hex,
    simhash_to_hex,
)
from newsarchive.dedupe.index import plan_tables

WIRE_STORY = """\
Rescue teams in the Elbe valley evacuated more than 2,300 residents on Tuesday after the river \
burst its banks near Pirna, the regional civil protection agency said.

"Our priority is the safety of the people," agency chief Hendrik Vos told reporters in Dresden, \
adding that water levels were expected to peak overnight.

The weather service warned of further heavy rainfall across the lowlands until Thursday, while \
the army sent 400 soldiers to reinforce levees along a 30-kilometre stretch of the river.

Emergency shelters were opened in schools and sports halls, and rail services between Dresden \
and Prague were suspended until further notice. Insurers said it was too early to estimate the \
damage, but local business owners described scenes of devastation in the old town.

It was the third major flood in the region in two decades. Critics questioned why promised \
flood defences upstream had not been completed, and opposition lawmakers demanded an inquiry."""

# The same wire copy as another site publishes it: curly quotes, a changed word, its own
# navigation and footer lines around the text.
WIRE_REPRINT = (
    "Skip to main content\n\nShare this article\n\n"
    + WIRE_STORY.replace('"', "\u201c", 1)
    .replace(',"', ",\u201d", 1)
    .replace("more than 2,300", "over 2,300")
    .replace("until further notice", "until further notice on Tuesday")
    + "\n\nSign up for our morning newsletter\n\n\u00a9 2024 The Daily Courier"
)

# Another outlet's own report of the same event: same names, places and numbers.
OWN_REPORT = """\
Thousands of people had to leave their homes near Pirna when the Elbe overflowed on Tuesday. \
Hendrik Vos, who heads the civil protection agency, said in Dresden that the safety of the \
population came first and that the peak was due during the night.

Around 400 soldiers are helping to shore up dykes, the army confirmed. Forecasters expect more \
rain in the lowlands through Thursday.

Trains from Dresden to Prague are not running. Schools and gyms have been turned into emergency \
shelters. Shop owners in the historic centre spoke of devastation, and insurers declined to put \
a figure on the losses. The opposition wants to know why upstream flood protection promised \
years ago is still unfinished, the third big flood in twenty years."""


def test_normalize_text_folds_case_quotes_dashes_and_punctuation() -> None:
    fancy = "\u201cDon\u2019t\u201d \u2014 he said,  TWICE.\n"
    assert normalize_text(fancy) == "dont he said twice"
    assert normalize_text("Don't - he said") == normalize_text("DON\u2019T \u2013 he said!")
    assert normalize_text("Stra\u00dfe") == normalize_text("STRASSE")
    assert normalize_text("") == ""
    assert normalize_text(None) == ""


def test_content_hash_same_for_cosmetic_differences_only() -> None:
    a = content_hash(WIRE_STORY)
    assert a is not None and len(a) == 16 and int(a, 16) >= 0
    cosmetic = WIRE_STORY.upper().replace('"', "\u201c").replace("\n\n", "\n   \n")
    assert content_hash(cosmetic) == a
    assert content_hash(WIRE_STORY.replace("2,300", "2,400")) != a
    assert content_hash("") is None
    assert content_hash(" .,;! ") is None  # nothing left: never "the same text" as another


def test_simhash_near_for_reprint_far_for_other_report() -> None:
    base, reprint, other = simhash(WIRE_STORY), simhash(WIRE_REPRINT), simhash(OWN_REPORT)
    assert base is not None and reprint is not None and other is not None
    assert base == simhash(WIRE_STORY)  # deterministic (no per-process hash seed)
    assert hamming(base, reprint) <= 12
    assert hamming(base, other) > 16


def test_simhash_off_for_short_texts() -> None:
    short = " ".join(["word"] * (MIN_WORDS - 1))
    assert simhash(short) is None
    assert simhash(short + " more") is not None
    assert simhash("") is None
    assert simhash(None) is None


def test_fingerprint_matches_the_single_functions() -> None:
    fp = fingerprint(WIRE_STORY)
    assert fp.content_hash == content_hash(WIRE_STORY)
    assert fp.simhash == simhash(WIRE_STORY)
    assert fp.word_count == len(normalize_text(WIRE_STORY).split())
    assert fingerprint("\x00\x01\ufffd").simhash is None


def test_cjk_text_counts_characters_as_words() -> None:
    text = "北京市政府周二宣布新的空气污染防治计划，将在未来五年内减少燃煤发电并扩大公共交通网络。"
    assert fingerprint(text).word_count >= MIN_WORDS
    assert simhash(text) is not None


def test_hex_round_trip() -> None:
    assert simhash_to_hex(0xABC) == "0000000000000abc"
    assert simhash_from_hex(simhash_to_hex((1 << 64) - 1)) == (1 << 64) - 1
    assert simhash_from_hex("xyz") is None
    assert simhash_from_hex("1" * 17) is None
    assert simhash_from_hex(None) is None


def test_hamming() -> None:
    assert hamming(0, 0) == 0
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(0, (1 << 64) - 1) == 64


def _flip(value: int, bits: list[int]) -> int:
    for bit in bits:
        value ^= 1 << bit
    return value


@pytest.mark.parametrize("max_distance", [0, 1, 3, 4, 6])
def test_index_finds_within_distance_and_nothing_beyond(max_distance: int) -> None:
    rng = random.Random(max_distance)
    index = NearDuplicateIndex(max_distance=max_distance)
    stored = [rng.getrandbits(64) for _ in range(2000)]
    for n, value in enumerate(stored):
        index.add(f"r{n}", value)
    assert len(index) == 2000
    for n in rng.sample(range(2000), 200):
        near = _flip(stored[n], rng.sample(range(64), max_distance))
        assert index.find(near) == f"r{n}"
        far = _flip(stored[n], rng.sample(range(64), max_distance + 1))
        found = index.find(far)
        # random 64-bit neighbours this close are vanishingly rare: any hit must be genuine
        assert found is None or hamming(stored[int(found[1:])], far) <= max_distance


def test_index_returns_the_first_added_match() -> None:
    index = NearDuplicateIndex(max_distance=3)
    base = 0x0123456789ABCDEF
    index.add("first", _flip(base, [1, 40]))  # distance 2 from base
    index.add("second", base)  # distance 0, added later
    index.add("third", _flip(base, [5]))
    assert index.find(base) == "first"
    assert index.find(base, max_distance=0) == "second"
    assert index.find(_flip(base, [1, 40, 50, 60]), max_distance=2) == "first"
    assert index.find(~base & ((1 << 64) - 1)) is None


def test_index_limits_and_keys() -> None:
    index = NearDuplicateIndex(max_distance=2)
    with pytest.raises(ValueError):
        index.find(0, max_distance=3)
    with pytest.raises(ValueError):
        NearDuplicateIndex(max_distance=-1)
    index.add("clé-ünïcode", 5)
    index.add("", 1 << 63)
    assert index.find(4) == "clé-ünïcode"
    assert index.find(1 << 63) == ""
    assert list(index) == [("clé-ünïcode", 5), ("", 1 << 63)]


def test_index_grows_past_capacity_and_keeps_every_entry() -> None:
    rng = random.Random(5)
    index = NearDuplicateIndex(max_distance=3, capacity=16)
    stored = [rng.getrandbits(64) for _ in range(20_000)]
    for n, value in enumerate(stored):
        index.add(str(n), value)
    assert all(index.find(stored[n]) == str(n) for n in range(0, 20_000, 97))
    assert all(index.find(_flip(stored[n], [0, 31, 63])) == str(n) for n in range(3, 20_000, 101))


def test_index_matches_a_linear_scan() -> None:
    """The tables must never miss what comparing against every entry would find."""
    rng = random.Random(11)
    # clustered fingerprints: many entries share blocks, as texts of one site do
    centres = [rng.getrandbits(64) for _ in range(20)]
    stored = [_flip(rng.choice(centres), rng.sample(range(64), rng.randint(0, 8)))
              for _ in range(1500)]
    index = NearDuplicateIndex(max_distance=4)
    for n, value in enumerate(stored):
        index.add(str(n), value)
    for _ in range(300):
        query = _flip(rng.choice(centres), rng.sample(range(64), rng.randint(0, 8)))
        expected = next((str(n) for n, v in enumerate(stored) if hamming(v, query) <= 4), None)
        assert index.find(query) == expected


def test_plan_tables_stays_small() -> None:
    for k in range(0, 7):
        blocks = plan_tables(k)
        assert blocks >= k + 1
    assert NearDuplicateIndex(3).table_count <= 20
