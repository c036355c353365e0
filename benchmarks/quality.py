"""Body-text quality benchmark: newsarchive's extract_article vs trafilatura's defaults.

    python benchmarks/quality.py --corpus /work/shared/corpus [--limit N] [--jobs N]
        [--variants ours,trafilatura] [--floor benchmarks/quality_floor.json] [--write-floor]

The corpus folder holds ``expected.json`` ({url: {"file": name, "with": [...], "without": [...]}})
and ``pages/<file>``. A page passes when every "with" snippet is in the body and no "without"
snippet is (whitespace-insensitive). Printed per variant: pass rate, mean share of "with" found,
mean share of "without" avoided, and milliseconds per page. ``--floor`` exits 1 when ours falls
below the pinned figures; ``--write-floor`` pins the current ones (the only way to lower them).

Other variants (``--variants``) exist to justify the defaults in newsarchive/parsing/article.py.
On the 945-page corpus (trafilatura 2.3.1):

    variant          pass    with   without
    trafilatura     66.03%  94.60%  89.23%   extract(html, url=url), nothing else
    ours            68.68%  94.51%  90.70%   balanced, no comments, label filter, link-only
                                             check, page furniture (boilerplate.py)
    keep-furniture  67.62%  94.62%  90.06%   without the furniture (the headline at the top,
                                             site header, pop-up and prompt lines, "See also"
                                             links, a closing tag line); figures below are
                                             from before it
    keep-labels     67.51%  94.62%  90.01%   without the widget-label / time-stamp line filter
    keep-link-only  67.62%  94.62%  90.06%   without the menu-only check (needed off-corpus)
    precision       68.15%  92.18%  92.19%   loses 2.4 points of story text: rejected
    recall          66.03%  94.41%  89.14%
    articleBody preferred whenever trafilatura's body is shorter: no change at ratios 0.5 and
    0.8, worse when always preferred (66.98% / 93.46% / 90.57%): dropped.
ms/page is printed too, but compare it only between runs on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

from newsarchive.cli import decode_page

_WS = re.compile(r"\s+")


def _ours(url: str, html: str, **kwargs) -> str:
    from newsarchive.parsing import article

    tuned = {k: kwargs[k] for k in ("precision", "recall", "fast") if kwargs.get(k)}
    options = article.build_options(**tuned) if tuned else article.OPTIONS
    cleanup = article.BodyCleanup(**{k: kwargs[k] for k in ("link_only", "labels", "furniture")
                                     if k in kwargs})
    try:
        return article.extract_article(url, html, options, cleanup).body
    except article.NotAnArticle:
        return ""


def _trafilatura_defaults(url: str, html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


# name → extractor. "ours" is what extract_article does; the others were tried while tuning.
VARIANTS: dict[str, Callable[[str, str], str]] = {
    "ours": lambda u, h: _ours(u, h),
    "trafilatura": _trafilatura_defaults,
    "precision": lambda u, h: _ours(u, h, precision=True),
    "recall": lambda u, h: _ours(u, h, recall=True),
    "fast": lambda u, h: _ours(u, h, fast=True),  # no readability/jusText fallback
    "keep-link-only": lambda u, h: _ours(u, h, link_only=False),
    "keep-labels": lambda u, h: _ours(u, h, labels=False),
    "keep-furniture": lambda u, h: _ours(u, h, furniture=False),
}


@dataclass
class Score:
    passed: bool
    with_found: float
    without_avoided: float
    seconds: float


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def score(body: str, with_: list[str], without: list[str], seconds: float) -> Score:
    body = _norm(body)
    found = sum(1 for s in with_ if _norm(s) in body)
    leaked = sum(1 for s in without if _norm(s) in body)
    return Score(
        passed=found == len(with_) and leaked == 0,
        with_found=found / len(with_) if with_ else 1.0,
        without_avoided=1 - leaked / len(without) if without else 1.0,
        seconds=seconds,
    )


def _run_page(job: tuple[str, dict, str, list[str]]) -> dict[str, Score]:
    url, case, pages_dir, variants = job
    raw = (Path(pages_dir) / case["file"]).read_bytes()
    html = decode_page(raw)
    results = {}
    for name in variants:
        start = time.perf_counter()
        try:
            body = VARIANTS[name](url, html)
        except Exception as err:  # count a crash as an empty body, keep going
            print(f"{name} crashed on {url}: {err!r}", file=sys.stderr)
            body = ""
        elapsed = time.perf_counter() - start
        results[name] = score(body, case.get("with", []), case.get("without", []), elapsed)
    return results


_WARM_UP_PAGE = (
    '<html lang="en"><head><meta name="date" content="5 March 2024 10:00">'
    '<meta name="author" content="A"></head><body><article>'
    + "<p>Warm-up sentence with a few words in it.</p>" * 10 + "</article></body></html>"
)


def _warm_up(variants: list[str]) -> None:
    """Pay imports and first-call caches before timing (dateparser alone takes about a second)."""
    for name in variants:
        # timing only; a real failure shows up on the corpus
        with contextlib.suppress(Exception):
            VARIANTS[name]("https://example.com/warm-up", _WARM_UP_PAGE)


def summarize(scores: list[Score]) -> dict[str, float]:
    n = len(scores) or 1
    return {
        "pass_rate": round(sum(s.passed for s in scores) / n, 4),
        "with_found": round(sum(s.with_found for s in scores) / n, 4),
        "without_avoided": round(sum(s.without_avoided for s in scores) / n, 4),
        "ms_per_page": round(1000 * sum(s.seconds for s in scores) / n, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True, type=Path)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--variants", default="ours,trafilatura",
                        help=f"comma-separated, from: {', '.join(VARIANTS)}")
    parser.add_argument("--floor", type=Path, help="JSON of pinned figures for 'ours'")
    parser.add_argument("--write-floor", action="store_true",
                        help="write the current figures for 'ours' to --floor")
    parser.add_argument("--failures", type=Path, help="write the URLs 'ours' fails to this file")
    args = parser.parse_args(argv)

    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants: {', '.join(unknown)}")
    if args.write_floor and not args.floor:
        parser.error("--write-floor needs --floor")
    if args.floor and args.limit:
        parser.error("--floor is pinned on the whole corpus: drop --limit")
    expected = json.loads((args.corpus / "expected.json").read_text(encoding="utf-8"))
    cases = list(expected.items())[: args.limit or None]
    jobs = [(url, case, str(args.corpus / "pages"), variants) for url, case in cases]

    start = time.perf_counter()
    with Pool(max(1, args.jobs), initializer=_warm_up, initargs=(variants,)) as pool:
        results = pool.map(_run_page, jobs, chunksize=4)
    wall = time.perf_counter() - start

    print(f"{len(cases)} pages, {args.jobs} jobs, {wall:.1f} s wall")
    print(f"{'variant':<20} {'pass':>7} {'with':>7} {'without':>8} {'ms/page':>8}")
    figures = {}
    for name in variants:
        figures[name] = summarize([r[name] for r in results])
        f = figures[name]
        print(f"{name:<20} {f['pass_rate']:>7.2%} {f['with_found']:>7.2%} "
              f"{f['without_avoided']:>8.2%} {f['ms_per_page']:>8.1f}")

    if args.failures and "ours" in variants:
        failed = [url for (url, _), r in zip(cases, results, strict=True) if not r["ours"].passed]
        args.failures.write_text("\n".join(failed) + "\n", encoding="utf-8")

    if args.floor and "ours" in variants:
        ours = figures["ours"]
        if args.write_floor:
            pinned = {k: ours[k] for k in ("pass_rate", "with_found", "without_avoided")}
            args.floor.write_text(json.dumps(pinned, indent=2) + "\n", encoding="utf-8")
            print(f"floor written to {args.floor}")
            return 0
        floor = json.loads(args.floor.read_text(encoding="utf-8"))
        below = {k: (ours[k], v) for k, v in floor.items() if k in ours and ours[k] < v}
        if below:
            for key, (got, pinned) in below.items():
                print(f"REGRESSION {key}: {got:.4f} < floor {pinned:.4f}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
