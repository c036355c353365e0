"""Reading the archive: the records of finished runs, the newest version of each, the snapshot.

Runs are append-only folders ``OUTPUT_DIR/runs/<run_id>/``; a folder holding ``manifest.json``
is finished (the manifest is written last), any other is still running or was killed and is
never read. A record is written again in a later run when it changed, so one id can have many
versions: the newest ``fetched_at`` wins, a tie goes to the later run (run ids sort by start
time), then to the later line of the run.

A run may hold several feeds of one type (one per worker: ``events.jsonl``, ``events-2.jsonl``…):
every ``<type>s*.jsonl`` of a run folder is read.

``newsarchive snapshot`` (``snapshot()``) keeps ``OUTPUT_DIR/snapshot/<type>s.jsonl``, one line
per id, its newest version, and ``snapshot/manifest.json`` listing the runs folded in; the next
snapshot reads the previous one and only the runs finished since. Each file is replaced
atomically (written beside it, then renamed).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsarchive.items import SCHEMA_VERSION

RECORD_FILES = {"event": "events", "article": "articles", "comment": "comments"}
MANIFEST_NAME = "manifest.json"
SNAPSHOT_DIR = "snapshot"
_OLDEST = datetime.min.replace(tzinfo=UTC)

Record = dict[str, Any]


class ArchiveError(ValueError):
    """The output folder cannot be read as an archive (no such folder, a corrupt snapshot)."""


def _plural(record_type: str) -> str:
    try:
        return RECORD_FILES[record_type]
    except KeyError:
        raise ArchiveError(f"unknown record type {record_type!r} "
                           f"(one of {', '.join(RECORD_FILES)})") from None


def finished_runs(output_dir: str | Path) -> list[Path]:
    """Folders of the finished runs, oldest first (run ids sort by start time)."""
    runs = Path(output_dir) / "runs"
    return sorted(path.parent for path in runs.glob(f"*/{MANIFEST_NAME}"))


def run_feeds(run: Path, record_type: str) -> list[Path]:
    """A run's feed files of one type: ``events.jsonl`` and any per-worker ``events-*.jsonl``."""
    return sorted(run.glob(f"{_plural(record_type)}*.jsonl"))


def _read_jsonl(path: Path, problems: list[str] | None = None) -> Iterator[Record]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                record = None
                reason = f"{path}:{number}: not JSON ({error.msg})"
            else:
                reason = f"{path}:{number}: a record without an id"
            if isinstance(record, dict) and record.get("id"):
                yield record
            elif problems is not None:
                problems.append(reason)
            else:
                raise ArchiveError(reason)


def iter_records(
    output_dir: str | Path, record_type: str, runs: Iterable[Path] | None = None,
    problems: list[str] | None = None,
) -> Iterator[Record]:
    """Every version of every record of one type, run by run (finished runs only, oldest first).

    A bad line raises ``ArchiveError``, or is described in ``problems`` and skipped when a list
    is given.
    """
    for run in finished_runs(output_dir) if runs is None else runs:
        for path in run_feeds(run, record_type):
            yield from _read_jsonl(path, problems)


def version_key(record: Record) -> tuple[datetime, str]:
    """Orders the versions of one record: ``fetched_at``, then the run id."""
    fetched_at = record.get("fetched_at") or ""
    try:
        moment = datetime.fromisoformat(fetched_at)
    except (TypeError, ValueError):
        moment = _OLDEST
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment, str(record.get("run_id") or "")


def fold(current: dict[str, Record], records: Iterable[Record]) -> int:
    """Keep the newest version per id in ``current``; returns how many records were read."""
    count = 0
    for record in records:
        count += 1
        known = current.get(record["id"])
        if known is None or version_key(record) >= version_key(known):
            current[record["id"]] = record
    return count


def latest(output_dir: str | Path, record_type: str) -> dict[str, Record]:
    """The newest version of each record of one type, by id, read from every finished run."""
    current: dict[str, Record] = {}
    fold(current, iter_records(output_dir, record_type))
    return current


# -- the snapshot ---------------------------------------------------------------------------------

def snapshot_dir(output_dir: str | Path) -> Path:
    return Path(output_dir) / SNAPSHOT_DIR


def snapshot_file(output_dir: str | Path, record_type: str) -> Path:
    return snapshot_dir(output_dir) / f"{_plural(record_type)}.jsonl"


def read_snapshot(output_dir: str | Path, record_type: str) -> Iterator[Record]:
    """The snapshot's records of one type (nothing before the first ``newsarchive snapshot``)."""
    path = snapshot_file(output_dir, record_type)
    if path.exists():
        yield from _read_jsonl(path)


@dataclass
class SnapshotResult:
    folder: Path
    runs_read: list[str]  # the runs folded in by this call
    runs: list[str]  # every run the snapshot holds
    counts: dict[str, int]  # records per type in the snapshot
    versions_read: int = 0
    problems: list[str] = field(default_factory=list)  # bad lines skipped


def _write_atomically(path: Path, lines: Iterable[str]) -> None:
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    with part.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(part, path)


def _load_manifest(folder: Path) -> dict[str, Any] | None:
    path = folder / MANIFEST_NAME
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as error:
        raise ArchiveError(f"{path}: not JSON ({error.msg}); delete it to rebuild") from None
    return manifest if isinstance(manifest, dict) else None


def snapshot(output_dir: str | Path, full: bool = False) -> SnapshotResult:
    """Fold the runs finished since the last snapshot into it (every run when ``full``, or when
    there is no complete snapshot yet)."""
    output = Path(output_dir)
    if not output.is_dir():
        raise ArchiveError(f"{output}: no such folder")
    folder = snapshot_dir(output)
    folder.mkdir(exist_ok=True)
    manifest = None if full else _load_manifest(folder)
    complete = manifest is not None and all(
        snapshot_file(output, kind).exists() for kind in RECORD_FILES)
    folded: list[str] = list(manifest.get("runs", [])) if complete and manifest else []
    new_runs = [run for run in finished_runs(output) if run.name not in set(folded)]
    runs = sorted([*folded, *(run.name for run in new_runs)])
    if complete and manifest and not new_runs:
        return SnapshotResult(folder, [], runs, dict(manifest.get("counts", {})))
    result = SnapshotResult(folder, [run.name for run in new_runs], runs, {})
    for kind in RECORD_FILES:
        current: dict[str, Record] = {}
        if folded:
            fold(current, read_snapshot(output, kind))
        result.versions_read += fold(current, iter_records(output, kind, new_runs,
                                                           result.problems))
        result.counts[kind] = len(current)
        _write_atomically(snapshot_file(output, kind),
                          (json.dumps(r, ensure_ascii=False) + "\n" for r in current.values()))
    # Written last: a snapshot file newer than the manifest only holds versions that a rebuild
    # from the listed runs plus the next ones gives again (folding is idempotent).
    summary = {"schema_version": SCHEMA_VERSION, "updated_at": _now(), "runs": runs,
               "counts": result.counts}
    _write_atomically(folder / MANIFEST_NAME, [json.dumps(summary, indent=2) + "\n"])
    return result


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
