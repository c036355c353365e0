"""Comment-extraction quality on hand-labelled real pages: newsarchive vs trafilatura.

    python benchmarks/comments.py --corpus ../shared/corpus [--floor benchmarks/comments_floor.json]
        [--write-floor] [--verbose]

``benchmarks/comment_labels.json`` is keyed by corpus page file (``pages/<file>``); each page has
its ``language``, its comment ``system`` (theme or platform), ``complete`` (false when only the
first comments were labelled) and ``comments``: per comment, what a reader sees on the page:
``author`` (the name only), ``date`` (the day, YYYY-MM-DD; null when the page shows none,
"unknown" when it shows only a relative date and the capture time is unknown), ``parent`` (index
of the comment it answers, or null) and the first and last words of its text (``start``,
``end``). The labels were written by reading each page, not from any extractor's output. Pages
with an empty ``comments`` list have none (comment forms, comments loaded by JavaScript).

The reference text of a comment is the page's visible text from its ``start`` to its ``end``
words. Printed:
- text F1: bag-of-words F1 of the extracted comment texts against the references (micro-averaged);
  on complete pages for both extractors (trafilatura returns one block of comment text per page,
  so only complete pages compare fairly), and on every labelled comment for ours;
- found: labelled comments found, and found comments that are not a labelled one (false);
- author, date (to the day), parent: share of found comments with the labelled value;
- clean: found comments whose text starts and ends with the labelled words (no author/date
  header, reply links or title kept in the text);
- empty_pages_ok: pages without comments where none were found.
trafilatura gives no author, date or parent, so those are 0 for it by construction.
``--floor`` exits 1 when ours falls below the pinned figures; ``--write-floor`` pins them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from newsarchive.cli import decode_page

LABELS = Path(__file__).with_name("comment_labels.json")
_WORD = re.compile(r"\w+")
_WS = re.compile(r"\s+")
_WAYBACK = re.compile(r"web\.archive\.org/web/(\d{14})")
_PARSER = etree.HTMLParser(remove_comments=True, encoding="utf-8")


def norm(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFKC", text or "")).strip().casefold()


def words(text: str) -> Counter:
    return Counter(_WORD.findall(norm(text)))


def visible_text(html: str) -> str:
    """The page's text as one line (scripts, styles and templates dropped)."""
    root = etree.fromstring(html.encode("utf-8"), _PARSER)
    for el in root.xpath("//script | //style | //noscript | //template"):
        el.getparent().remove(el)
    return norm(" ".join(root.itertext()))


def reference_texts(page_text: str, comments: list[dict], name: str) -> list[str]:
    """Each labelled comment's text: the page's text from its start words to its end words."""
    refs, pos = [], 0
    for i, label in enumerate(comments):
        start, end = norm(label["start"]), norm(label["end"])
        at = page_text.find(start, pos)
        if at < 0:
            at = page_text.find(start)
        stop = page_text.find(end, at) if at >= 0 else -1
        if at < 0 or stop < 0:
            raise SystemExit(f"label {name} #{i}: start/end words not found on the page")
        # the shortest span: a comment quoting the article starts with words found above it
        later = page_text.find(start, at + 1)
        while 0 <= later <= stop:
            at, later = later, page_text.find(start, later + 1)
        refs.append(page_text[at:stop + len(end)])
        pos = stop
    return refs


@dataclass
class Tally:
    tp: int = 0  # words
    fp: int = 0
    fn: int = 0

    def add(self, got: Counter, want: Counter) -> None:
        common = sum((got & want).values())
        self.tp += common
        self.fp += sum(got.values()) - common
        self.fn += sum(want.values()) - common

    def f1(self) -> float:
        if not self.tp:
            return 0.0
        p, r = self.tp / (self.tp + self.fp), self.tp / (self.tp + self.fn)
        return 2 * p * r / (p + r)


@dataclass
class Figures:
    labelled: int = 0
    found: int = 0
    false: int = 0
    author: int = 0
    date: int = 0
    dated: int = 0  # found comments whose label has a day (or no date at all)
    parent: int = 0
    clean: int = 0
    empty_pages: int = 0
    empty_pages_with_comments: int = 0
    text_all: Tally = field(default_factory=Tally)
    text_complete: Tally = field(default_factory=Tally)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        found = self.found or 1
        return {
            "text_f1": round(self.text_complete.f1(), 4),
            "text_f1_all": round(self.text_all.f1(), 4),
            "found": round(self.found / (self.labelled or 1), 4),
            "false": self.false,
            "author": round(self.author / found, 4),
            "date": round(self.date / (self.dated or 1), 4),
            "parent": round(self.parent / found, 4),
            "clean": round(self.clean / found, 4),
            "empty_pages_ok": round(
                1 - self.empty_pages_with_comments / (self.empty_pages or 1), 4),
        }


def capture_time(url: str) -> datetime | None:
    """When the page was captured, where its URL says (Wayback Machine addresses)."""
    match = _WAYBACK.search(url)
    return datetime.strptime(match.group(1), "%Y%m%d%H%M%S").replace(tzinfo=UTC) if match else None


def match(found: list, labels: list[dict]) -> dict[int, int]:
    """found index -> label index: the first unused label whose start or end words it holds."""
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for i, comment in enumerate(found):
        text = norm(comment.text)
        for j, label in enumerate(labels):
            if j not in used and (norm(label["start"]) in text or norm(label["end"]) in text):
                pairs[i] = j
                used.add(j)
                break
    return pairs


def score_ours(name: str, url: str, html: str, page: dict, refs: list[str], fig: Figures) -> None:
    from newsarchive.parsing.comments import extract_comments

    labels = page["comments"]
    found = extract_comments(url, html, "benchmark", fetched_at=capture_time(url))
    if not labels:
        fig.empty_pages += 1
        if found:
            fig.empty_pages_with_comments += 1
            fig.problems.append(f"{name}: {len(found)} comments on a page without any")
        return
    pairs = match(found, labels)
    last = max(pairs, default=-1)
    by_label = {j: i for i, j in pairs.items()}
    fig.labelled += len(labels)
    fig.found += len(pairs)
    for i, comment in enumerate(found):
        if i in pairs:
            continue
        if page["complete"] or i < last:
            fig.false += 1
            fig.problems.append(f"{name}: not a labelled comment: {comment.text[:60]!r}")
            fig.text_all.add(words(comment.text), Counter())
            if page["complete"]:
                fig.text_complete.add(words(comment.text), Counter())
    for j, label in enumerate(labels):
        if j not in by_label:
            fig.problems.append(f"{name} #{j}: not found ({label['start'][:40]!r})")
            fig.text_all.add(Counter(), words(refs[j]))
            if page["complete"]:
                fig.text_complete.add(Counter(), words(refs[j]))
    ids = {comment.id: i for i, comment in enumerate(found)}
    for i, j in pairs.items():
        comment, label = found[i], labels[j]
        got, want = words(comment.text), words(refs[j])
        fig.text_all.add(got, want)
        if page["complete"]:
            fig.text_complete.add(got, want)
        where = f"{name} #{j}"
        if norm(comment.author or "") == norm(label["author"] or ""):
            fig.author += 1
        else:
            fig.problems.append(f"{where} author: {comment.author!r} != {label['author']!r}")
        if label["date"] != "unknown":
            fig.dated += 1
            day = (comment.published or "")[:10] or None
            if day == label["date"]:
                fig.date += 1
            else:
                fig.problems.append(f"{where} date: {comment.published!r} != {label['date']!r}")
        parent = ids.get(comment.parent_id) if comment.parent_id else None
        want_parent = by_label.get(label["parent"]) if label["parent"] is not None else None
        if parent == want_parent and (label["parent"] is None or want_parent is not None):
            fig.parent += 1
        else:
            fig.problems.append(f"{where} parent: found #{parent}, labelled #{label['parent']}")
        text = _WORD.findall(norm(comment.text))
        head, tail = _WORD.findall(norm(label["start"])), _WORD.findall(norm(label["end"]))
        if text[:len(head)] == head and text[len(text) - len(tail):] == tail:
            fig.clean += 1
        else:
            fig.problems.append(f"{where} text boundaries: {comment.text[:50]!r} … "
                                f"{comment.text[-40:]!r}")


def score_trafilatura(url: str, html: str, page: dict, refs: list[str], fig: Figures) -> None:
    from trafilatura import bare_extraction

    doc = bare_extraction(html, url=url, include_comments=True, with_metadata=False)
    text = (getattr(doc, "comments", None) or "") if doc is not None else ""
    if not page["comments"]:
        fig.empty_pages += 1
        fig.empty_pages_with_comments += bool(text.strip())
        return
    fig.labelled += len(page["comments"])
    if page["complete"]:
        fig.text_complete.add(words(text), sum((words(r) for r in refs), Counter()))
    # which labelled comments its text holds (it gives no author, date or parent)
    held = norm(text)
    fig.found += sum(1 for label in page["comments"] if norm(label["start"]) in held)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True, type=Path)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--floor", type=Path, help="JSON of pinned figures for newsarchive")
    parser.add_argument("--write-floor", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="print every miss")
    args = parser.parse_args(argv)

    labels = json.loads(args.labels.read_text(encoding="utf-8"))
    expected = json.loads((args.corpus / "expected.json").read_text(encoding="utf-8"))
    urls = {case["file"]: url for url, case in expected.items()}
    ours, theirs = Figures(), Figures()
    for name, page in labels.items():
        html = decode_page((args.corpus / "pages" / name).read_bytes())
        refs = reference_texts(visible_text(html), page["comments"], name)
        score_ours(name, urls[name], html, page, refs, ours)
        score_trafilatura(urls[name], html, page, refs, theirs)

    languages = sorted({p["language"] for p in labels.values()})
    with_comments = [p for p in labels.values() if p["comments"]]
    print(f"{len(labels)} pages ({len(with_comments)} with {ours.labelled} labelled comments, "
          f"{len(labels) - len(with_comments)} without), {len(languages)} languages "
          f"({', '.join(languages)}), {len({p['system'] for p in labels.values()})} systems")
    columns = ("text_f1", "text_f1_all", "found", "false", "author", "date", "parent", "clean",
               "empty_pages_ok")
    print(f"{'extractor':<13}" + "".join(f"{c:>15}" for c in columns))
    figures = {"newsarchive": ours.summary(), "trafilatura": theirs.summary()}
    figures["trafilatura"].update(text_f1_all=float("nan"), author=0.0, date=0.0, parent=0.0,
                                  clean=float("nan"), false=float("nan"))
    for name, f in figures.items():
        print(f"{name:<13}" + "".join(
            f"{f[c]:>15}" if c == "false" else f"{f[c]:>15.2%}" for c in columns))
    if args.verbose:
        print("\n".join(ours.problems))

    if args.floor:
        mine = figures["newsarchive"]
        keys = [k for k in columns if k != "false"]
        if args.write_floor:
            args.floor.write_text(json.dumps({k: mine[k] for k in keys}, indent=2) + "\n",
                                  encoding="utf-8")
            print(f"floor written to {args.floor}")
            return 0
        floor = json.loads(args.floor.read_text(encoding="utf-8"))
        below = {k: (mine[k], v) for k, v in floor.items() if mine.get(k, 0) < v}
        for key, (got, pinned) in below.items():
            print(f"REGRESSION {key}: {got:.4f} < floor {pinned:.4f}", file=sys.stderr)
        return 1 if below else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
