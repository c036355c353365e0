"""``newsarchive reextract`` and ``newsarchive wacz`` (wired into ``newsarchive.cli``).

Re-extraction is a crawl whose downloader reads the captures (``capture.replay``): the same
spider, with the arguments and robots policy the captures' ``warcinfo`` (or the run's manifest)
names, on the day the captures were made (``NEWSARCHIVE_TODAY``), through every middleware and
pipeline of a real crawl. That is why it gives the same ids and, on the same output folder, emits
only records that changed (the crawl state decides, as in a cron run). It writes a new run whose
manifest lists the WARC files read (``captures_read``); it captures nothing itself.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from newsarchive.capture.package import make_wacz, run_warcs
from newsarchive.capture.writer import WARC_SUFFIX

REPLAY_HANDLER = "newsarchive.capture.replay.WarcReplayHandler"
NOT_A_WARC = (ArchiveLoadFailed, EOFError, OSError, zlib.error, UnicodeDecodeError)


def warc_inputs(paths: list[str]) -> list[Path]:
    """WARC files named directly or as run folders (their ``warc/*.warc.gz``)."""
    files: list[Path] = []
    for name in paths:
        path = Path(name).resolve()
        if path.is_dir():
            found = run_warcs(path)
            if not found:
                raise FileNotFoundError(f"{name}: no WARC files under {path / 'warc'}")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"{name}: no such run folder or WARC file")
    return files


def warcinfo(path: Path) -> dict[str, str]:
    """The fields of a WARC file's first ``warcinfo`` record, plus its ``WARC-Date``;
    ``ValueError`` for a file that is not a WARC file."""
    try:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type == "warcinfo":
                    fields = {"WARC-Date": record.rec_headers.get_header("WARC-Date")}
                    content = record.content_stream().read().decode("utf-8", "replace")
                    for line in content.splitlines():
                        name, _, value = line.partition(":")
                        if value:
                            fields[name.strip()] = value.strip()
                    return fields
    except NOT_A_WARC as error:
        raise ValueError(f"{path}: not a WARC file ({' '.join(str(error).split())[:200]})") from None
    return {}


def check_warc(path: Path) -> None:
    """``ValueError`` unless the file opens with a WARC record (only its first is read)."""
    try:
        with path.open("rb") as handle:
            next(iter(ArchiveIterator(handle)), None)
    except NOT_A_WARC as error:
        raise ValueError(f"{path}: not a WARC file ({' '.join(str(error).split())[:200]})") from None


def settings_given(settings: list[str]) -> dict[str, str]:
    """``-s NAME=VALUE`` options as a dict; ``ValueError`` names one without ``=``."""
    given: dict[str, str] = {}
    for item in settings:
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            raise ValueError(f"-s {item!r}: expected NAME=VALUE")
        given[name.strip()] = value
    return given


def capture_output_dir(warc: Path) -> Path | None:
    """``OUTPUT_DIR`` of a WARC file at ``OUTPUT_DIR/runs/<run_id>/warc/<file>``."""
    parents = warc.parents
    if len(parents) > 3 and parents[2].name == "runs":
        return parents[3]
    return None


def crawl_spec(files: list[Path], run_dirs: list[Path]) -> tuple[str, dict[str, str], str, bool]:
    """(spider, arguments, capture day, robots obeyed) of the captures."""
    info = warcinfo(files[0])
    spider = info.get("newsarchive-spider", "")
    arguments = json.loads(info.get("newsarchive-arguments", "{}") or "{}")
    day = info.get("WARC-Date", "")[:10]
    for run_dir in run_dirs:
        manifest = run_dir / "manifest.json"
        if manifest.exists():
            data = json.loads(manifest.read_text("utf-8"))
            spider = data.get("spider", spider)
            arguments = data.get("raw_arguments", arguments)
            day = (data.get("started_at") or day)[:10]
            break
    if not spider:
        raise ValueError(f"{files[0]}: no newsarchive warcinfo (spider) and no run manifest")
    return spider, arguments, day, info.get("robots", "obey") != "ignore"


def reextract_command(paths: list[str], settings: list[str]) -> tuple[list[str], dict[str, str]]:
    files = warc_inputs(paths)
    given = settings_given(settings)
    for extra in files[1:]:
        check_warc(extra)  # said now rather than halfway through the replay
    run_dirs = [Path(p).resolve() for p in paths if Path(p).is_dir()]
    spider, arguments, day, robots = crawl_spec(files, run_dirs)
    output_dir = given.get("OUTPUT_DIR") or str(capture_output_dir(files[0]) or "output")
    resolve = set(files)
    for folder in {capture_output_dir(f) for f in files} - {None}:
        resolve.update(sorted((folder / "runs").glob(f"*/warc/*{WARC_SUFFIX}")))  # type: ignore[operator]
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for key, value in arguments.items():
        command += ["-a", f"{key}={value}"]
    fixed: dict[str, Any] = {
        "OUTPUT_DIR": output_dir,
        "NEWSARCHIVE_WARC_ENABLED": "False",
        "NEWSARCHIVE_REEXTRACT": "True",
        "DOWNLOAD_HANDLERS": json.dumps({"http": REPLAY_HANDLER, "https": REPLAY_HANDLER}),
        "NEWSARCHIVE_REPLAY_WARCS": ",".join(str(f) for f in files),
        "NEWSARCHIVE_REPLAY_RESOLVE": ",".join(str(f) for f in sorted(resolve)),
        "ROBOTSTXT_OBEY": str(robots),
        "AUTOTHROTTLE_ENABLED": "False",
        "DOWNLOAD_DELAY": "0",
        "RETRY_ENABLED": "False",
    }
    for key, value in {**fixed, **given}.items():
        command += ["-s", f"{key}={value}"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": os.environ.get(
        "SCRAPY_SETTINGS_MODULE", "newsarchive.settings")}
    if day and "NEWSARCHIVE_TODAY" not in os.environ:
        env["NEWSARCHIVE_TODAY"] = day  # "yesterday and today", refresh windows: as then
    return command, env


def cmd_reextract(args: argparse.Namespace) -> int:
    try:
        command, env = reextract_command(args.inputs, args.set or [])
    except (FileNotFoundError, ValueError) as error:
        sys.stderr.write(f"error: newsarchive reextract: {error}\n")
        return 2
    return subprocess.call(command, env=env)


def cmd_wacz(args: argparse.Namespace) -> int:
    run_dir = Path(args.run_dir).resolve()
    output = Path(args.output) if args.output else run_dir / f"{run_dir.name}.wacz"
    if not run_dir.is_dir():  # a bad argument, as for reextract (exit code 2)
        sys.stderr.write(f"error: newsarchive wacz: {args.run_dir}: no such run folder\n")
        return 2
    try:
        count = make_wacz(run_dir, output)
    except (FileNotFoundError, RuntimeError) as error:
        sys.stderr.write(f"error: newsarchive wacz: {error}\n")
        return 1
    print(f"{output}: {count} pages")
    return 0


def add_commands(sub: Any) -> None:
    """Add ``reextract`` and ``wacz`` to the ``newsarchive`` command's subparsers."""
    reextract = sub.add_parser(
        "reextract", help="run today's parsing over captured responses (offline), as a new run")
    reextract.add_argument("inputs", nargs="+", metavar="RUN_DIR|WARC",
                           help="run folders (their warc/*.warc.gz) or WARC files")
    reextract.add_argument("-s", "--set", action="append", metavar="NAME=VALUE",
                           help="a Scrapy setting (OUTPUT_DIR=..., NEWSARCHIVE_EXTRACT_FUNCTION=...)")
    reextract.set_defaults(func=cmd_reextract)
    wacz = sub.add_parser("wacz", help="package a run's WARC files as WACZ (pywb, ReplayWeb.page)")
    wacz.add_argument("run_dir", metavar="RUN_DIR")
    wacz.add_argument("-o", "--output", help="WACZ file (default: RUN_DIR/<run_id>.wacz)")
    wacz.set_defaults(func=cmd_wacz)
