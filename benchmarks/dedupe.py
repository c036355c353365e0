"""Dedupe benchmark: near-duplicate quality per threshold, and index speed and memory.

    python benchmarks/dedupe.py [--quick] [--corpus /work/shared/corpus] [--seed 7]

(a) Quality. Base stories come from a seeded news-like text generator (or, with ``--corpus``,
from the corpus pages' main text via trafilatura). Each base gets variants that ARE the same
story (boilerplate lines added/removed, 1/5/10/20% of sentences edited, truncated to the first
75/50%) and texts that are NOT (another outlet's own report of the same event, which shares its
entities, numbers and a quote; another story on the same topic; a live-story update with a new
lead paragraph, reported apart; all cross pairs of bases). For each threshold the table gives
the share of pairs of each kind that a rule merges, then precision and recall over all
same-story vs. different-story pairs, for: our MinHash sketch as the index uses it (found
through an LSH band AND estimated Jaccard >= s), ours SimHash (``hamming <= t``, word
3-shingles; the record's ``simhash`` field), trafilatura's Simhash (bag of words), and exact
3-shingle Jaccard (what MinHash estimates, at its best).

With ``--redis URL``, the index answers are also taken from the run-wide index that workers
share in Redis (``newsarchive.state.shared_run``), next to the in-memory index fed the same
sketches in the same order: both must merge the same pairs (same precision and recall).

(b) Index. Insert and lookup µs/op and peak RSS for 100k and 1M sketches, each measured in a
fresh subprocess, as ratios against a plain ``dict`` of the same sketches measured in the same
run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from newsarchive.dedupe.fingerprint import (
    SHINGLE_SIZE,
    hamming,
    simhash,
    sketch,
    tokens,
)
from newsarchive.dedupe.index import BANDS, ROWS, NearDuplicateIndex
from newsarchive.dedupe.minhash import SKETCH_SIZE, similarity
from newsarchive.settings import NEWSARCHIVE_DEDUPE_MIN_SIMILARITY

THRESHOLDS = list(range(0, 17))
SIMILARITIES = [round(0.25 + 0.05 * n, 2) for n in range(14)]  # .25 .. .90
SAME = ("boilerplate", "edit 1%", "edit 5%", "edit 10%", "edit 20%", "trunc 75%", "trunc 50%")
DIFFERENT = ("same event", "same topic", "cross")
REPORTED = ("update",)

# ---------------------------------------------------------------------------------------------
# A news-like text generator: topics with their own entities and vocabulary, sentences built
# from varied templates, so stories on one topic share names and keywords but not sentences.

TOPICS = {
    "election": {
        "people": ["Maria Keller", "Tomas Brandt", "Aisha Rahman", "Victor Oduya", "Elena Petrova",
                   "James Whitfield", "Sofia Marin", "Daniel Okafor"],
        "places": ["Lisbon", "the northern provinces", "Porto", "the capital", "Braga", "Coimbra"],
        "orgs": ["the Social Democratic Party", "the electoral commission", "the Liberal Alliance",
                 "parliament", "the Green List", "the constitutional court"],
        "nouns": ["ballot", "turnout", "coalition", "candidate", "polling station", "recount",
                  "campaign", "vote", "mandate", "runoff", "manifesto", "seat"],
    },
    "flood": {
        "people": ["Hendrik Vos", "Priya Nair", "Luis Ortega", "Grace Mwangi", "Oskar Lind",
                   "Mei Chen", "Rafael Duarte", "Ingrid Solberg"],
        "places": ["the Elbe valley", "Dresden", "the river delta", "Magdeburg", "the lowlands",
                   "Pirna", "the coastal districts"],
        "orgs": ["the civil protection agency", "the Red Cross", "the weather service",
                 "the regional government", "the army", "the fire brigade"],
        "nouns": ["flood", "levee", "evacuation", "rainfall", "water level", "sandbag", "shelter",
                  "dam", "rescue", "damage", "storm", "river"],
    },
    "trade": {
        "people": ["Claire Dubois", "Kenji Watanabe", "Ahmed Saleh", "Laura Bianchi",
                   "Peter Novak", "Nadia Haddad", "Robert Ashby", "Lin Wei"],
        "places": ["Brussels", "Geneva", "Tokyo", "the port of Rotterdam", "Washington",
                   "Singapore", "the border crossing"],
        "orgs": ["the European Commission", "the World Trade Organization", "the trade ministry",
                 "the chamber of commerce", "the customs authority", "the central bank"],
        "nouns": ["tariff", "export", "agreement", "negotiation", "quota", "deficit", "sanction",
                  "supply chain", "duty", "market", "steel", "subsidy"],
    },
    "strike": {
        "people": ["Frank Müller", "Olga Ivanova", "Samuel Adeyemi", "Chiara Rossi",
                   "Pablo Herrera", "Anna Kowalska", "Michael Byrne", "Yusuf Demir"],
        "places": ["the rail network", "Hamburg", "the main station", "Frankfurt airport",
                   "the harbour", "Munich", "the southern lines"],
        "orgs": ["the train drivers' union", "the national railway", "the transport ministry",
                 "the arbitration board", "the employers' federation", "the airport operator"],
        "nouns": ["strike", "walkout", "wage", "pay offer", "picket", "commuter", "timetable",
                  "cancellation", "dispute", "bargaining", "shift", "pension"],
    },
    "court": {
        "people": ["Judge Helen Carter", "Marco Santoro", "Ruth Goldberg", "Ivan Horvat",
                   "Fatima Zahra", "Owen Price", "Beatriz Lopes", "Stefan Wagner"],
        "places": ["the supreme court", "the district court in Leeds", "The Hague", "the courtroom",
                   "Strasbourg", "the appeals chamber"],
        "orgs": ["the prosecution", "the defence team", "the bar association",
                 "the justice ministry", "the human rights commission", "the police"],
        "nouns": ["verdict", "trial", "witness", "appeal", "sentence", "evidence", "jury",
                  "testimony", "ruling", "indictment", "hearing", "bail"],
    },
    "wildfire": {
        "people": ["Carlos Mendes", "Jessica Holt", "Nikos Papadakis", "Amira Youssef",
                   "Tom Harland", "Lucia Ferrer", "Dimitri Volkov", "Sarah Lindqvist"],
        "places": ["the Attica region", "the hills above Athens", "Evia", "the pine forests",
                   "the coastal villages", "Corinth", "the national park"],
        "orgs": ["the fire service", "the meteorological office", "the coast guard",
                 "the interior ministry", "the EU civil protection mechanism", "the air force"],
        "nouns": ["wildfire", "blaze", "firefighter", "heatwave", "evacuation", "water bomber",
                  "wind", "hectare", "smoke", "village", "containment", "drought"],
    },
    "merger": {
        "people": ["Jonathan Reyes", "Ulrike Hahn", "Arjun Mehta", "Celine Laurent",
                   "Hiroshi Tanaka", "Monica Alvarez", "Gregor Stein", "Emma Clarke"],
        "places": ["London", "New York", "Zurich", "the headquarters in Stuttgart", "Paris",
                   "the stock exchange"],
        "orgs": ["Norvent Holdings", "Axeltron", "the competition authority", "the shareholders",
                 "the works council", "the board of directors"],
        "nouns": ["merger", "takeover", "shareholder", "bid", "valuation", "share price",
                  "acquisition", "deal", "synergy", "job cut", "dividend", "regulator"],
    },
    "outbreak": {
        "people": ["Dr. Amina Bello", "Dr. Lars Eriksen", "Rosa Jimenez", "Dr. Ken Ito",
                   "Hannah Schultz", "Dr. Pierre Lambert", "Zainab Osei", "Mark Donnelly"],
        "places": ["the eastern region", "Kampala", "the border districts", "the main hospital",
                   "the refugee camp", "Entebbe"],
        "orgs": ["the World Health Organization", "the health ministry", "Doctors Without Borders",
                 "the national laboratory", "the disease control centre", "the vaccine alliance"],
        "nouns": ["outbreak", "case", "vaccine", "infection", "quarantine", "patient",
                  "symptom", "contact tracing", "clinic", "death toll", "virus", "test"],
    },
}

SUBJECT_NOUNS = ["officials", "residents", "analysts", "experts", "critics", "witnesses",
                 "authorities", "local leaders", "observers", "spokespeople", "volunteers",
                 "business owners", "lawmakers", "investors", "doctors", "teachers", "farmers"]
VERBS_SAID = ["said", "told reporters", "warned", "added", "insisted", "confirmed", "noted",
              "argued", "acknowledged", "stressed", "claimed", "explained", "announced"]
VERBS = ["criticised", "welcomed", "rejected", "approved", "delayed", "questioned", "defended",
         "expanded", "suspended", "investigated", "reviewed", "postponed", "supported",
         "blocked", "praised", "challenged", "extended", "reduced", "announced", "demanded",
         "ordered", "proposed", "cancelled", "monitored", "prepared", "funded"]
ADJ = ["new", "controversial", "long-awaited", "emergency", "temporary", "unprecedented",
       "modest", "sweeping", "detailed", "preliminary", "official", "fresh", "final", "revised",
       "urgent", "broad", "limited", "regional", "national", "independent", "significant"]
GENERIC = ["plan", "report", "decision", "statement", "measure", "proposal", "investigation",
           "budget", "deadline", "review", "response", "warning", "policy", "inquiry", "package",
           "figures", "estimate", "schedule", "talks", "agreement", "meeting", "deal"]
TIMES = ["on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday",
         "late on Sunday", "earlier this week", "last month", "this morning", "overnight",
         "on Tuesday evening", "in recent days", "since the weekend", "within hours"]
CONNECT = ["However,", "Meanwhile,", "In a statement,", "According to local media,",
           "At the same time,", "Separately,", "Earlier,", "By contrast,", "Still,",
           "In response,", "For now,", "As a result,"]
REASONS = ["amid growing pressure", "after weeks of uncertainty", "despite strong opposition",
           "following a series of setbacks", "as concerns mounted", "under tight security",
           "in a rare show of unity", "ahead of a key deadline", "after a closed-door meeting",
           "in the face of mounting costs"]
QUOTES = ["We will not stand by while this happens", "This is a difficult day for everyone",
          "Our priority is the safety of the people", "We expected a very different outcome",
          "Nobody could have predicted the scale of this", "We are asking for patience",
          "The numbers speak for themselves", "There is still a lot of work to do",
          "This decision was not taken lightly", "We are ready to talk at any time"]
BOILERPLATE = ["Share this article", "Sign up for our morning newsletter",
               "Advertisement", "Read more: Live updates", "Follow us on social media",
               "© 2024 The Daily Courier. All rights reserved.", "Related coverage",
               "Comments are closed.", "Skip to main content", "Most read",
               "This article was amended on Tuesday.", "Photo: Reuters",
               # longer lines, which the SimHash's short-line filter does not drop
               "Sign up for our morning briefing to get the top stories delivered to your inbox",
               "Our journalism relies on readers like you, so please consider supporting us today",
               "This story has been corrected to reflect the spelling of a name in the fourth "
               "paragraph", "Reporting by the newsroom staff; additional reporting by agencies "
               "and editing by the night desk"]
EXTRA_WORDS = ["also", "reportedly", "again", "formally", "quickly", "largely", "still",
               "now", "publicly", "partly"]


class StoryGen:
    """Seeded generator of news-like sentences for a topic."""

    def __init__(self, rng: random.Random, topic: str) -> None:
        self.rng = rng
        self.t = TOPICS[topic]

    def pick(self, seq: list[str]) -> str:
        return self.rng.choice(seq)

    def entity(self) -> str:
        kind = self.rng.choice(["people", "orgs", "orgs", "places"])
        return self.pick(self.t[kind])

    def np(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            return f"the {self.pick(ADJ)} {self.pick(self.t['nouns'])}"
        if r < 0.7:
            return f"a {self.pick(ADJ)} {self.pick(GENERIC)} on the {self.pick(self.t['nouns'])}"
        return f"the {self.pick(GENERIC)} by {self.pick(self.t['orgs'])}"

    def number(self) -> str:
        return str(self.rng.choice([self.rng.randint(2, 99), self.rng.randint(100, 9000)]))

    def sentence(self) -> str:
        g, p = self.rng, self.pick
        templates: list[Callable[[], str]] = [
            lambda: f"{self.entity()} {p(VERBS)} {self.np()} {p(TIMES)}, {p(REASONS)}.",
            lambda: f"{p(CONNECT)} {self.entity()} {p(VERBS_SAID)} that {self.np()} would be "
                    f"{p(VERBS)} {p(TIMES)}.",
            lambda: f"\"{p(QUOTES)},\" {p(self.t['people'])} {p(VERBS_SAID)} in "
                    f"{p(self.t['places'])}.",
            lambda: f"At least {self.number()} {p(self.t['nouns'])}s were reported in "
                    f"{p(self.t['places'])}, {p(SUBJECT_NOUNS)} {p(VERBS_SAID)}.",
            lambda: f"{p(SUBJECT_NOUNS).capitalize()} in {p(self.t['places'])} {p(VERBS)} "
                    f"{self.np()}, while {self.entity()} {p(VERBS)} {self.np()}.",
            lambda: f"The {p(self.t['nouns'])} comes {p(REASONS)}, and {p(SUBJECT_NOUNS)} expect "
                    f"{self.np()} {p(TIMES)}.",
            lambda: f"{p(CONNECT)} {p(SUBJECT_NOUNS)} {p(VERBS)} {self.np()} and {p(VERBS)} "
                    f"{self.np()} {p(REASONS)}.",
            lambda: f"It was not immediately clear whether {self.entity()} had {p(VERBS)} "
                    f"{self.np()}.",
            lambda: f"{p(self.t['people'])}, who leads {p(self.t['orgs'])}, {p(VERBS)} "
                    f"{self.np()} {p(TIMES)} and called for {self.np()}.",
            lambda: f"Figures released {p(TIMES)} showed {self.number()} {p(GENERIC)}s linked to "
                    f"the {p(self.t['nouns'])} across {p(self.t['places'])}.",
            lambda: f"{self.entity()} is expected to "
                    f"{p(['present', 'publish', 'discuss', 'vote on'])} {self.np()} {p(TIMES)}, "
                    f"{g.choice(SUBJECT_NOUNS)} {p(VERBS_SAID)}.",
        ]
        return g.choice(templates)()

    def story(self, sentences: int) -> list[str]:
        """Paragraphs (2-4 sentences each)."""
        out, left = [], sentences
        while left > 0:
            n = min(left, self.rng.randint(2, 4))
            out.append(" ".join(self.sentence() for _ in range(n)))
            left -= n
        return out


def split_sentences(paragraphs: list[str]) -> list[list[str]]:
    return [[s for s in para.replace(". ", ".\n").split("\n") if s.strip()]
            for para in paragraphs]


def join(paras: list[list[str]]) -> str:
    return "\n\n".join(" ".join(p) for p in paras if p)


def edit_sentences(rng: random.Random, gen: StoryGen | None, paras: list[list[str]],
                   share: float) -> list[list[str]]:
    """Edit ``share`` of the sentences (at least one): a word swapped, inserted or deleted, or
    (one edit in four) the sentence rewritten."""
    flat = [(i, j) for i, p in enumerate(paras) for j in range(len(p))]
    out = [list(p) for p in paras]
    for i, j in rng.sample(flat, max(1, round(share * len(flat)))):
        words = out[i][j].split()
        kind = rng.randrange(4)
        if kind == 3:  # rewritten (corpus texts: the same words reordered)
            out[i][j] = gen.sentence() if gen else " ".join(rng.sample(words, len(words)))
            continue
        pos = rng.randrange(len(words))
        if kind == 0:
            words[pos] = rng.choice(EXTRA_WORDS + ADJ)
        elif kind == 1:
            words.insert(pos, rng.choice(EXTRA_WORDS))
        elif len(words) > 3:
            del words[pos]
        else:
            words.append(rng.choice(EXTRA_WORDS))
        out[i][j] = " ".join(words)
    return out


def truncate(paras: list[list[str]], share: float) -> list[list[str]]:
    flat = [(i, s) for i, p in enumerate(paras) for s in p]
    keep = flat[: max(1, round(share * len(flat)))]
    out: list[list[str]] = [[] for _ in paras]
    for i, s in keep:
        out[i].append(s)
    return out


def swap_boilerplate(rng: random.Random, text: str) -> str:
    """Remove the boilerplate lines a text has and add 2-4 others at top and bottom."""
    lines = [ln for ln in text.split("\n\n") if ln not in BOILERPLATE]
    extra = rng.sample(BOILERPLATE, rng.randint(2, 4))
    cut = rng.randint(0, len(extra))
    return "\n\n".join(extra[:cut] + lines + extra[cut:])


def same_event_report(rng: random.Random, gen: StoryGen, base: list[list[str]]) -> str:
    """Another outlet's own report: new sentences, plus the base's quotes and two facts."""
    own = split_sentences(gen.story(sum(len(p) for p in base)))
    shared = [s for p in base for s in p if s.startswith('"') or "At least" in s][:4]
    for s in shared:
        rng.choice(own).insert(0, s)
    return join(own)


def generated_cases(rng: random.Random, count: int) -> tuple[list[str], list[tuple[str, int, str]]]:
    """Base texts and (kind, base index, other text) pairs."""
    bases: list[str] = []
    pairs: list[tuple[str, int, str]] = []
    topics = list(TOPICS)
    for n in range(count):
        topic = topics[n % len(topics)]
        gen = StoryGen(rng, topic)
        paras = split_sentences(gen.story(rng.randint(12, 40)))
        text = join(paras)
        if rng.random() < 0.5:  # some bases come with boilerplate of their own
            text = swap_boilerplate(rng, text)
        bases.append(text)
        pairs += variants(rng, gen, n, text, paras)
        pairs.append(("same event", n, same_event_report(rng, gen, paras)))
        pairs.append(("same topic", n, join(split_sentences(gen.story(rng.randint(12, 40))))))
        lead = split_sentences(gen.story(rng.randint(3, 5)))
        pairs.append(("update", n, join(lead + edit_sentences(rng, gen, paras, 0.05))))
    return bases, pairs


def variants(rng: random.Random, gen: StoryGen | None, n: int, text: str,
             paras: list[list[str]]) -> list[tuple[str, int, str]]:
    out = [("boilerplate", n, swap_boilerplate(rng, text))]
    for share in (0.01, 0.05, 0.10, 0.20):
        out.append((f"edit {round(share * 100)}%", n, join(edit_sentences(rng, gen, paras, share))))
    out.append(("trunc 75%", n, join(truncate(paras, 0.75))))
    out.append(("trunc 50%", n, join(truncate(paras, 0.5))))
    return out


def corpus_cases(rng: random.Random, corpus: Path, count: int
                 ) -> tuple[list[str], list[tuple[str, int, str]]]:
    """Bases from the corpus pages' main text (>= 150 words); same-story variants only (the
    cross pairs of different pages are the negatives)."""
    import trafilatura

    files = sorted((corpus / "pages").glob("*.html"))
    rng.shuffle(files)
    bases: list[str] = []
    pairs: list[tuple[str, int, str]] = []
    for path in files:
        if len(bases) >= count:
            break
        html = path.read_bytes().decode("utf-8", "replace")
        body = trafilatura.extract(html, include_comments=False) or ""
        if len(body.split()) < 150:
            continue
        paras = split_sentences([p for p in body.split("\n") if p.strip()])
        n = len(bases)
        bases.append(body)
        pairs += variants(rng, None, n, body, paras)
    return bases, pairs


# ---------------------------------------------------------------------------------------------
# Quality


def shingles(words: list[str]) -> set[str]:
    k = SHINGLE_SIZE
    return {" ".join(words[i : i + k]) for i in range(max(1, len(words) - k + 1))}


def evaluate(bases: list[str], pairs: list[tuple[str, int, str]], cross_limit: int) -> None:
    from trafilatura.deduplication import Simhash

    methods: dict[str, Callable[[str], object]] = {
        f"ours (MinHash, {SKETCH_SIZE} x 8 bits, LSH {BANDS}x{ROWS})":
            lambda t: sketch(t, min_words=1) or bytes(SKETCH_SIZE),
        "ours (3-shingle SimHash)": lambda t: simhash(t, min_words=1) or 0,
        "trafilatura Simhash": lambda t: Simhash(t).hash,
        "3-shingle Jaccard": lambda t: shingles(tokens(t)),
    }
    texts = bases + [p[2] for p in pairs]
    words = sum(len(t.split()) for t in texts)
    print(f"\n{len(bases)} base stories, {len(pairs)} variant pairs, {words / len(texts):.0f} "
          "words per text on average")
    for name, fn in methods.items():
        start = time.perf_counter()
        values = [fn(t) for t in texts]
        per_doc = (time.perf_counter() - start) / len(texts) * 1e6
        base_v, var_v = values[: len(bases)], values[len(bases) :]
        is_jac = isinstance(values[0], set)
        is_sketch = isinstance(values[0], bytes)

        def dist(a: object, b: object, jac: bool = is_jac, sk: bool = is_sketch) -> float:
            if sk:  # pairs no LSH band brings together are never compared: distance 1
                return 1 - similarity(a, b) if lsh_candidate(a, b) else 1.0  # type: ignore
            if jac:
                return 1 - len(a & b) / max(1, len(a | b))  # type: ignore[operator]
            return hamming(a, b)  # type: ignore[arg-type]

        by_kind: dict[str, list[float]] = defaultdict(list)
        for (kind, n, _), v in zip(pairs, var_v, strict=True):
            by_kind[kind].append(dist(base_v[n], v))
        cross = [(i, j) for i in range(len(bases)) for j in range(i + 1, len(bases))]
        rng = random.Random(1)
        if len(cross) > cross_limit:
            cross = rng.sample(cross, cross_limit)
        by_kind["cross"] = [dist(base_v[i], base_v[j]) for i, j in cross]
        if is_sketch:  # listed by similarity s, merged when distance <= 1 - s
            thresholds = [round(1 - x, 2) for x in reversed(SIMILARITIES)]
            label = "LSH candidate and estimated similarity >= s = 1 -"
        else:
            thresholds = [t / 20 for t in range(0, 17)] if is_jac else THRESHOLDS
            label = "Jaccard distance <=" if is_jac else "Hamming <="
        print(f"\n== {name}: {per_doc:.0f} µs per text (fingerprint only) ==")
        print(f"share of pairs merged at {label} t; same story: {', '.join(SAME)}; different: "
              f"{', '.join(DIFFERENT)}; 'update' = live story with a new lead (reported apart)")
        kinds = [*SAME, *DIFFERENT, *REPORTED]
        head = f"{'t':>5} " + " ".join(f"{k[:10]:>10}" for k in kinds) + "  precision  recall"
        print(head)
        recommended = None
        for t in thresholds:
            eps = 1e-9  # similarities are multiples of 1/64: compare with float slack
            rates = {k: sum(d <= t + eps for d in by_kind[k]) / max(1, len(by_kind[k]))
                     for k in kinds}
            tp = sum(sum(d <= t + eps for d in by_kind[k]) for k in SAME)
            pos = sum(len(by_kind[k]) for k in SAME)
            fp = sum(sum(d <= t + eps for d in by_kind[k]) for k in DIFFERENT)
            precision = tp / (tp + fp) if tp + fp else 1.0
            if fp == 0:
                recommended = t
            cells = " ".join(f"{rates[k]:>10.3f}" for k in kinds)
            tval = f"s{1 - t:.2f}" if is_sketch else f"{t:.2f}" if is_jac else f"{t}"
            print(f"{tval:>5} {cells}  {precision:>9.4f}  {tp / pos:.3f}  (FP {fp})")
        if is_sketch:
            print(f"smallest s with no different-story pair merged: "
                  f"{None if recommended is None else round(1 - recommended, 2)}")
        else:
            print(f"largest t with no different-story pair merged: {recommended}")
        near = {k: sorted(by_kind[k])[: 3] for k in (*DIFFERENT, *REPORTED)}
        print("closest different-story distances:", {k: [round(x, 2) for x in v]
                                                    for k, v in near.items()})
        far = {k: sorted(by_kind[k])[-3:] for k in SAME}
        print("farthest same-story distances:", {k: [round(x, 2) for x in v]
                                                 for k, v in far.items()})


def index_agreement(bases: list[str], pairs: list[tuple[str, int, str]], redis_url: str,
                    min_similarity: float) -> None:
    """The shared Redis index against the in-memory one: the bases are claimed in order (a base
    merged into an earlier one is a different-story merge), then every variant is looked up."""
    import secrets

    import redis

    from newsarchive.state.shared_run import SharedRun

    client = redis.Redis.from_url(redis_url)
    base_key = f"bench-dedupe-{secrets.token_hex(4)}"
    shared = SharedRun(client, base_key)
    memory = NearDuplicateIndex()
    tally = {name: {"tp": 0, "fp": 0, "pos": 0} for name in ("in-memory", "redis")}
    agree = total = 0
    redis_seconds = 0.0

    def count(name: str, kind: str, answer: str | None, own: str) -> None:
        if kind in SAME:
            tally[name]["pos"] += 1
            tally[name]["tp"] += answer == own
        elif kind in DIFFERENT:
            tally[name]["fp"] += answer is not None

    try:
        for i, text in enumerate(bases):
            near = sketch(text, min_words=1) or bytes(SKETCH_SIZE)
            found = memory.find(near, min_similarity)
            if found is None:
                memory.add(str(i), near)
            start = time.perf_counter()
            got = shared.claim_sketch(near, str(i), min_similarity)
            redis_seconds += time.perf_counter() - start
            agree, total = agree + (got == found), total + 1
            count("in-memory", "cross", found, str(i))
            count("redis", "cross", got, str(i))
        for kind, n, text in pairs:
            near = sketch(text, min_words=1) or bytes(SKETCH_SIZE)
            found = memory.find(near, min_similarity)
            start = time.perf_counter()
            got = shared.claim_sketch(near, "variant", min_similarity, add=False)
            redis_seconds += time.perf_counter() - start
            agree, total = agree + (got == found), total + 1
            count("in-memory", kind, found, str(n))
            count("redis", kind, got, str(n))
    finally:
        keys = list(client.scan_iter(f"{base_key}:*"))
        if keys:
            client.delete(*keys)
    print(f"\n== index answers at s = {min_similarity}: in-memory vs shared Redis index "
          f"({redis_url}) ==")
    print(f"same answer for {agree} of {total} look-ups; Redis "
          f"{redis_seconds / total * 1e6:.0f} µs per claim (one Lua call)")
    for name, t in tally.items():
        precision = t["tp"] / (t["tp"] + t["fp"]) if t["tp"] + t["fp"] else 1.0
        print(f"{name:>10}: precision {precision:.4f}  recall {t['tp'] / max(1, t['pos']):.3f}  "
              f"(FP {t['fp']})")


def lsh_candidate(a: bytes, b: bytes) -> bool:
    """Whether the index would meet ``b`` when looking up ``a``: some band of ROWS values equal."""
    return any(a[i : i + ROWS] == b[i : i + ROWS] for i in range(0, BANDS * ROWS, ROWS))


# ---------------------------------------------------------------------------------------------
# Index speed and memory (each measurement in a fresh process, so peak RSS is its own)


def _rss_mb() -> float:
    """Peak RSS of this process in MB. Linux keeps ``ru_maxrss`` across exec (a worker would
    report its parent's peak), so VmHWM is read first."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sketch_of(n: int) -> bytes:
    """A deterministic random sketch (unrelated documents have J ~ 0), made on the fly so the
    worker holds no test data besides the index itself."""
    return hashlib.blake2b(n.to_bytes(8, "little"), digest_size=SKETCH_SIZE).digest()


def _near_query(rng: random.Random, n: int, similarity_: float) -> bytes:
    """Sketch ``n`` with a share ``1 - similarity_`` of its values replaced at random."""
    values = bytearray(_sketch_of(n))
    for pos in rng.sample(range(SKETCH_SIZE), round(SKETCH_SIZE * (1 - similarity_))):
        values[pos] = rng.randrange(256)
    return bytes(values)


def index_worker(kind: str, count: int, min_similarity: float) -> dict[str, float]:
    rng = random.Random(count)
    queries = 20_000
    # near hits at J ~ .6 (what a 20% edit gives), half of the queries; random misses the rest
    near_q = [_near_query(rng, n, 0.6) for n in rng.sample(range(count), queries // 2)]
    miss_q = [_sketch_of(count + n) for n in range(queries // 2)]
    rss0 = _rss_mb()
    if kind == "dict":
        table: dict[bytes, str] = {}
        start = time.perf_counter()
        for n in range(count):
            table[_sketch_of(n)] = f"{n:016x}"
        insert = time.perf_counter() - start
        exact_q = [_sketch_of(n) for n in range(queries // 2)]
        start = time.perf_counter()
        hits = sum(1 for q in exact_q + miss_q if table.get(q) is not None)
        lookup = time.perf_counter() - start
    elif kind == "scan":  # compare with every entry, a few queries only
        from newsarchive.dedupe.minhash import equal_values, values_needed

        start = time.perf_counter()
        stored = bytearray()
        for n in range(count):
            stored += _sketch_of(n)
        insert = time.perf_counter() - start
        needed, few = values_needed(min_similarity), near_q[:20]
        start = time.perf_counter()
        hits = sum(1 for q in few if any(
            equal_values(q, stored[i : i + SKETCH_SIZE]) >= needed
            for i in range(0, len(stored), SKETCH_SIZE)))
        lookup = (time.perf_counter() - start) / len(few) * queries
    else:
        index = NearDuplicateIndex(capacity=count)
        start = time.perf_counter()
        for n in range(count):
            index.add(f"{n:016x}", _sketch_of(n))
        insert = time.perf_counter() - start
        start = time.perf_counter()
        hits = sum(1 for q in near_q + miss_q if index.find(q, min_similarity) is not None)
        lookup = time.perf_counter() - start
    # insert time includes making the sketch (the same blake2b call in every row)
    return {
        "insert_us": insert / count * 1e6,
        "lookup_us": lookup / queries * 1e6,
        "hits": hits,
        "peak_rss_mb": _rss_mb(),
        "rss_before_mb": rss0,
    }


def run_worker(kind: str, count: int, min_similarity: float) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--_worker", kind, str(count), str(min_similarity)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)


def bench_index(sizes: list[int], min_similarity: float) -> None:
    print(f"\n== NearDuplicateIndex (MinHash LSH, {BANDS} bands x {ROWS} rows): insert/lookup "
          "µs per op, peak RSS (fresh process each) ==")
    print(f"lookups at s={min_similarity}: half near hits (J ~ .6), half random misses; dict "
          "baseline = exact dict[bytes, str] lookups; insert includes making a test sketch")
    print(f"{'entries':>8} {'kind':>6} {'insert µs':>10} {'lookup µs':>10} {'hits':>6} "
          f"{'peak MB':>8} {'index MB':>8} {'x dict ins':>10} {'x dict look':>11} {'x dict MB':>9}")
    for count in sizes:
        base = run_worker("dict", count, min_similarity)
        rows = [("dict", base), ("index", run_worker("index", count, min_similarity))]
        if count <= 100_000:
            rows.append(("scan", run_worker("scan", count, min_similarity)))
        for kind, r in rows:
            extra_b = base["peak_rss_mb"] - base["rss_before_mb"]
            extra = r["peak_rss_mb"] - r["rss_before_mb"]
            print(f"{count:>8} {kind:>6} {r['insert_us']:>10.2f} {r['lookup_us']:>10.2f} "
                  f"{r['hits']:>6} {r['peak_rss_mb']:>8.0f} {extra:>8.0f} "
                  f"{r['insert_us'] / base['insert_us']:>10.1f} "
                  f"{r['lookup_us'] / base['lookup_us']:>11.1f} {extra / max(extra_b, 1):>9.1f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--_worker":
        print(json.dumps(index_worker(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sets, 100k index only")
    parser.add_argument("--corpus", type=Path, help="also use this corpus folder's pages")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-index", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--min-similarity", type=float, default=NEWSARCHIVE_DEDUPE_MIN_SIMILARITY,
                        help="verification threshold for the index benchmark")
    parser.add_argument("--redis", metavar="URL",
                        help="also compare the shared Redis index's answers (redis://host/db)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    count = 150 if args.quick else 800
    if not args.skip_quality:
        print(f"# generated stories (seed {args.seed})")
        bases, pairs = generated_cases(rng, count)
        evaluate(bases, pairs, cross_limit=20_000 if args.quick else 200_000)
        if args.redis:
            index_agreement(bases, pairs, args.redis, args.min_similarity)
    if args.corpus and not args.skip_quality:
        print(f"\n# corpus stories ({args.corpus})")
        bases, pairs = corpus_cases(rng, args.corpus, 80 if args.quick else 400)
        evaluate(bases, pairs, cross_limit=200_000)
        if args.redis:
            index_agreement(bases, pairs, args.redis, args.min_similarity)
    if not args.skip_index:
        sizes = [100_000] if args.quick else [100_000, 1_000_000]
        bench_index(sizes, args.min_similarity)


if __name__ == "__main__":
    main()
