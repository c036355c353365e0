"""Fingerprints and the near-duplicate index."""

from __future__ import annotations

import hashlib
import random

import pytest

from newsarchive.dedupe import (
    MIN_WORDS,
    SKETCH_SIZE,
    NearDuplicateIndex,
    content_hash,
    fingerprint,
    hamming,
    normalize_text,
    simhash,
    simhash_from_hex,
    simhash_to_hex,
    similarity,
    sketch,
)
from newsarchive.dedupe.fingerprint import (
    _fold,
    _line_words,
    _words,
    near_words,
    shingle_digests,
)
from newsarchive.dedupe.minhash import equal_values, minhash, values_needed

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
    assert fp.sketch == sketch(WIRE_STORY)
    assert fp.word_count == len(normalize_text(WIRE_STORY).split())
    assert fingerprint("\x00\x01\ufffd").simhash is None
    assert fingerprint("\x00\x01\ufffd").sketch is None


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


def _shingles(text: str) -> set[bytes]:
    packed = shingle_digests(near_words(text, 1) or [])
    return {packed[i : i + 8] for i in range(0, len(packed), 8)}


def _jaccard(a: str, b: str) -> float:
    x, y = _shingles(a), _shingles(b)
    return len(x & y) / len(x | y)


def test_sketch_estimates_jaccard_for_reprint_and_other_report() -> None:
    base, reprint, other = sketch(WIRE_STORY), sketch(WIRE_REPRINT), sketch(OWN_REPORT)
    assert base is not None and reprint is not None and other is not None
    assert len(base) == SKETCH_SIZE
    assert base == sketch(WIRE_STORY)  # deterministic (no per-process hash seed)
    assert similarity(base, base) == 1.0
    assert abs(similarity(base, reprint) - _jaccard(WIRE_STORY, WIRE_REPRINT)) < 0.15
    assert similarity(base, reprint) >= 0.7
    assert similarity(base, other) < 0.15  # same names, places and numbers, other sentences


def test_sketch_off_for_short_or_empty_texts() -> None:
    short = " ".join(f"w{n}" for n in range(MIN_WORDS - 1))
    assert sketch(short) is None
    assert sketch(short + " more") is not None
    assert sketch("") is None
    assert sketch(None) is None
    assert sketch("\x00\x01\ufffd") is None
    assert minhash(b"") is None


def test_short_texts_fill_every_bin() -> None:
    """30 words leave most of the 64 bins empty before densification."""
    text = " ".join(f"word{n}" for n in range(MIN_WORDS))
    value = sketch(text)
    assert value is not None and len(value) == SKETCH_SIZE
    one_edit = text.replace("word15", "changed")
    # 28 shingles, 3 changed: J = 25/31; the estimate must be in the right range
    assert 0.5 <= similarity(value, sketch(one_edit)) <= 1.0  # type: ignore[arg-type]


def test_similarity_estimates_jaccard_of_random_sets() -> None:
    """The estimate is unbiased within a few standard deviations (sd ~ sqrt(J(1-J)/64))."""
    rng = random.Random(2)
    errors = []
    for _ in range(400):
        size = rng.randint(40, 600)
        common = rng.randint(0, size)
        a = [rng.getrandbits(64) for _ in range(size)]
        b = a[:common] + [rng.getrandbits(64) for _ in range(size - common)]
        truth = common / (2 * size - common)
        pack = lambda values: b"".join(v.to_bytes(8, "big") for v in values)  # noqa: E731
        errors.append(similarity(minhash(pack(a)), minhash(pack(b))) - truth)  # type: ignore[arg-type]
    mean = sum(errors) / len(errors)
    spread = (sum(e * e for e in errors) / len(errors)) ** 0.5
    assert abs(mean) < 0.015
    assert spread < 0.07


def test_values_needed_matches_similarity() -> None:
    rng = random.Random(9)
    a = rng.randbytes(SKETCH_SIZE)
    for threshold in (0.3, 0.5, 0.6, 0.85, 1.0):
        needed = values_needed(threshold)
        b = bytearray(a)
        for pos in range(SKETCH_SIZE - needed):
            b[pos] ^= 0xFF
        assert equal_values(a, bytes(b)) == needed
        assert similarity(a, bytes(b)) >= threshold
        b[SKETCH_SIZE - needed] ^= 0xFF  # one more difference: below the threshold
        assert similarity(a, bytes(b)) < threshold
    for bad in (0.0, -0.1, 1.5):
        with pytest.raises(ValueError):
            values_needed(bad)
    with pytest.raises(ValueError):
        similarity(a, a[:-1])


def _vary(rng: random.Random, value: bytes, keep: float) -> bytes:
    """``value`` with a share ``1 - keep`` of its positions set to other values."""
    out = bytearray(value)
    for pos in rng.sample(range(SKETCH_SIZE), round(SKETCH_SIZE * (1 - keep))):
        out[pos] = (out[pos] + rng.randrange(1, 256)) % 256
    return bytes(out)


def test_index_finds_similar_sketches_and_nothing_else() -> None:
    rng = random.Random(1)
    index = NearDuplicateIndex()
    stored = [rng.randbytes(SKETCH_SIZE) for _ in range(3000)]
    for n, value in enumerate(stored):
        index.add(f"r{n}", value)
    assert len(index) == 3000
    found = 0
    for n in rng.sample(range(3000), 300):
        assert index.find(stored[n], 1.0) == f"r{n}"
        near = _vary(rng, stored[n], 0.7)
        found += index.find(near, 0.5) == f"r{n}"
        far = _vary(rng, stored[n], 0.3)  # ~.3 similar: below the threshold
        assert index.find(far, 0.5) is None
        assert index.find(rng.randbytes(SKETCH_SIZE), 0.3) is None
    # J = .7: one of 21 bands of 3 values agrees with probability .9998
    assert found >= 298


def test_index_returns_the_first_added_match() -> None:
    rng = random.Random(4)
    base = rng.randbytes(SKETCH_SIZE)
    index = NearDuplicateIndex()
    first = _vary(rng, base, 0.8)
    index.add("first", first)
    index.add("second", base)
    index.add("third", base)
    assert index.find(base, 0.7) == "first"
    assert index.find(base, 0.9) == "second"  # "first" is only ~.8 similar
    assert index.find(bytes(b ^ 0xFF for b in base), 0.3) is None
    assert [key for key, _ in index] == ["first", "second", "third"]
    assert list(index.items(1)) == [("second", base), ("third", base)]


def test_index_rejects_sketches_of_another_size_and_keeps_unicode_keys() -> None:
    index = NearDuplicateIndex()
    with pytest.raises(ValueError):
        index.add("x", b"short")
    with pytest.raises(ValueError):
        index.find(b"short", 0.5)
    value = bytes(range(SKETCH_SIZE))
    index.add("clé-ünïcode", value)
    index.add("", bytes(SKETCH_SIZE))
    assert index.find(value, 0.9) == "clé-ünïcode"
    assert index.find(bytes(SKETCH_SIZE), 0.9) == ""


def test_index_grows_past_capacity_and_keeps_every_entry() -> None:
    rng = random.Random(5)
    index = NearDuplicateIndex(capacity=16)
    stored = [rng.randbytes(SKETCH_SIZE) for _ in range(20_000)]
    for n, value in enumerate(stored):
        index.add(str(n), value)
    assert all(index.find(stored[n], 1.0) == str(n) for n in range(0, 20_000, 97))
    assert all(index.find(_vary(rng, stored[n], 0.75), 0.5) == str(n)
               for n in range(3, 20_000, 101))


def test_index_matches_a_linear_scan_on_real_texts() -> None:
    """On texts that share sentences, the bands must not miss what comparing the query with
    every stored sketch finds (well above the threshold, where banding is near certain)."""
    rng = random.Random(11)
    words = [f"w{n}" for n in range(400)]
    texts = []
    for _ in range(40):
        base = [rng.choice(words) for _ in range(120)]
        texts.append(base)
        for _ in range(3):  # copies with a few words changed
            copy = list(base)
            for pos in rng.sample(range(120), 4):
                copy[pos] = rng.choice(words)
            texts.append(copy)
    sketches = [sketch(" ".join(t)) for t in texts]
    index = NearDuplicateIndex()
    originals: list[tuple[str, bytes]] = []  # only originals are added, as the pipeline does
    for n, value in enumerate(sketches):
        assert value is not None
        expected = next((key for key, v in originals if similarity(v, value) >= 0.6), None)
        assert index.find(value, 0.6) == expected
        if expected is None:
            index.add(str(n), value)
            originals.append((str(n), value))
    assert len(index) == 40  # one original per base text


def test_fingerprints_are_pinned() -> None:
    """Stored hashes and sketches must keep matching across versions (the record contract):
    values computed by the first release of the fingerprints."""
    fp = fingerprint(WIRE_STORY)
    assert fp.content_hash == "250bd28479ae706c"
    assert fp.simhash is not None and simhash_to_hex(fp.simhash) == "09fe470c9dde5674"
    assert fp.sketch == bytes.fromhex(
        "e7346334d3a83d2e6a9ac3f302587bc50f57fe93312e1d2a58931b5a398ac45b"
        "86b421068aa9f71337e506ca7948dc649620b521da99c0f1092b0e6612cb1447")
    assert fp.word_count == 155
    odd = ("Don\u02bct stop \u2014 \u201cnow\u201d!\u2028Zweite Zeile mit \u00b4Akzent\u00b4 und "
           "Stra\u00dfe\r\n北京市政府周二宣布\x1cvierte Zeile_mit_unterstrich  \u00a0 ende\n") * 4
    fp = fingerprint(odd)
    assert (fp.content_hash, fp.simhash, fp.word_count) == ("e35b9bb8d749dfab",
                                                            9387511161116223894, 92)


def test_folding_keeps_every_line_break_and_stays_within_lines() -> None:
    """The fingerprints fold the whole body once and split it into lines afterwards, which
    equals folding line by line only if folding neither adds, removes nor joins line breaks."""
    every_char = "|".join(chr(cp) for cp in range(0x110000) if not 0xD800 <= cp < 0xE000)
    assert len(_fold(every_char).splitlines()) == len(every_char.splitlines())
    text = "Don\u2019t\r\n\u0301stop\u2028a\u00b4b\x1c'quote'\n\n\u02bcx\u02bc y\u00a0z"
    assert _fold(text).splitlines() == [_fold(line) for line in text.splitlines()]


def test_the_shortcuts_give_what_the_plain_steps_give() -> None:
    """Lines without CJK are split without the per-line CJK scan; three-word shingles are built
    without slicing; the apostrophe is found first, its neighbours looked around from there."""
    for text in (WIRE_STORY, "Zwei Zeilen\nmit 北京市 und\n\nohne", "a\nb c", ""):
        folded = _fold(text)
        assert _line_words(folded) == [_words(line) for line in folded.splitlines()]
    words = normalize_text(WIRE_STORY).split()
    slices = {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}
    assert sorted(bytes_chunks(shingle_digests(words))) == sorted(
        hashlib.blake2b(s.encode(), digest_size=8).digest() for s in slices)
    assert len(shingle_digests(["two", "words"])) == 8  # fewer words than a shingle: one
    assert _fold("don't 'quoted' l'été _'x '' a'") == "dont  quoted  lété  x   a "


def bytes_chunks(packed: bytes) -> list[bytes]:
    return [packed[i : i + 8] for i in range(0, len(packed), 8)]
