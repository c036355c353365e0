"""Run ``scrapy crawl`` as a subprocess, exactly as cron and users do, and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# Fast and deterministic for fixture sites; politeness defaults stay on in real crawls.
TEST_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_TIMEOUT": "3",
    "RETRY_TIMES": "0",
    "LOG_LEVEL": "INFO",
    "NEWSARCHIVE_EXTRACT_POOL_SIZE": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    # never the real web archive: tests that look sources up serve their own on loopback
    "NEWSARCHIVE_WAYBACK_ENABLED": "False",
}


@dataclass
class CrawlRun:
    returncode: int
    log: str
    output_dir: Path
    run_dir: Path | None
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)

    def by_url(self, kind: str) -> dict[str, dict[str, Any]]:
        return {record["url"]: record for record in self.records[kind]}

    def by_id(self, kind: str) -> dict[str, dict[str, Any]]:
        return {record["id"]: record for record in self.records[kind]}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def crawl_command(
    spider: str, output_dir: Path, args: dict[str, str] | None = None,
    settings: dict[str, str] | None = None, extra: list[str] | None = None,
) -> list[str]:
    """``extra``: more ``scrapy crawl`` options (``-O out.csv``)."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, *(extra or [])]
    for key, value in (args or {}).items():
        command += ["-a", f"{key}={value}"]
    for key, value in {**TEST_SETTINGS, "OUTPUT_DIR": str(output_dir), **(settings or {})}.items():
        command += ["-s", f"{key}={value}"]
    return command


def crawl_env(env: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsarchive.settings",
            "PYTHONUNBUFFERED": "1", **(env or {})}


def run_folders(output_dir: Path) -> set[Path]:
    return set((output_dir / "runs").glob("*")) if (output_dir / "runs").exists() else set()


def read_run(returncode: int, log: str, output_dir: Path, before: set[Path]) -> CrawlRun:
    """What the crawl that started after ``before`` was listed wrote."""
    new = sorted(run_folders(output_dir) - before)
    run = CrawlRun(returncode, log, output_dir, new[-1] if new else None)
    if run.run_dir is not None:
        for kind, name in (("event", "events"), ("article", "articles"), ("comment", "comments")):
            path = run.run_dir / f"{name}.jsonl"
            run.records[kind] = read_jsonl(path) if path.exists() else []
        manifest = run.run_dir / "manifest.json"
        if manifest.exists():
            run.manifest = json.loads(manifest.read_text("utf-8"))
    return run


def crawl(
    spider: str,
    output_dir: Path,
    args: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    timeout: float = 240,
    env: dict[str, str] | None = None,
    extra: list[str] | None = None,
) -> CrawlRun:
    """``env`` adds environment variables (``NEWSARCHIVE_TODAY`` fixes the crawl's clock)."""
    before = run_folders(output_dir)
    done = subprocess.run(crawl_command(spider, output_dir, args, settings, extra), cwd=REPO,
                          env=crawl_env(env), capture_output=True, text=True, timeout=timeout,
                          check=False)
    return read_run(done.returncode, done.stdout + done.stderr, output_dir, before)
