"""``newsarchive demo`` twice: the README says the second run archives nothing (cron behaviour).

That holds only if the demo site has the same URLs on every run (a record's id is its URL's):
the demo serves its hosts on fixed ports. The test runs the command itself, twice, into one
output folder, on a block of ports it found free (the default block may be in use by a
developer's own demo while the suite runs; the code path is the same).
"""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from newsarchive.demo.server import host_folders
from tests.conftest import DEMO_SITE
from tests.crawling import REPO, crawl_env


def free_port_block(size: int) -> int:
    for _ in range(100):
        base = random.randrange(20000, 30000)
        sockets = []
        try:
            for port in range(base, base + size):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free block of ports")


def run_demo(output: Path, port: int) -> tuple[str, dict[str, Any]]:
    done = subprocess.run([sys.executable, "-m", "newsarchive", "demo", "--output", str(output),
                           "--port", str(port)], cwd=REPO, env=crawl_env(), capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    site = next(line for line in done.stdout.splitlines() if line.startswith("demo site:"))
    manifests = sorted((output / "runs").glob("*/manifest.json"))
    return site, json.loads(manifests[-1].read_text("utf-8"))


def test_second_demo_run_archives_nothing(tmp_path: Path) -> None:
    port = free_port_block(len(host_folders(DEMO_SITE)))
    first_site, first = run_demo(tmp_path, port)
    assert first["counts"]["event"] > 0 and first["counts"]["article"] > 0
    assert f"127.0.0.1:{port}" in first_site
    second_site, second = run_demo(tmp_path, port)
    assert second_site == first_site, "the demo site keeps its URLs"
    assert second["run_id"] != first["run_id"]
    assert second["counts"] == {"event": 0, "article": 0, "comment": 0}, second
    assert second["duplicates"] == {}, second
    assert any(note.startswith("nothing new") for note in second["notes"]), second["notes"]


def test_a_taken_port_is_said_and_the_demo_still_runs(tmp_path: Path) -> None:
    port = free_port_block(len(host_folders(DEMO_SITE)))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port + 1))
        taken.listen()
        done = subprocess.run([sys.executable, "-m", "newsarchive", "demo", "--output",
                               str(tmp_path), "--port", str(port)], cwd=REPO, env=crawl_env(),
                              capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"demo: port {port} or one after it is taken" in done.stdout
    site = json.loads(next(line for line in done.stdout.splitlines()
                           if line.startswith("demo site:")).split(":", 1)[1])
    assert f":{port}" not in json.dumps(site), "served on other, free ports"
    (manifest,) = (tmp_path / "runs").glob("*/manifest.json")
    assert json.loads(manifest.read_text("utf-8"))["counts"]["event"] > 0


def test_the_site_server_refuses_wrong_arguments_in_one_line(tmp_path: Path) -> None:
    """``python -m newsarchive.demo.server`` is how the benchmarks serve a corpus: an option it
    does not take, or a folder that is not there, is an error line, not a traceback."""
    for args in (["--port", "1"], [], [str(tmp_path / "missing")]):
        done = subprocess.run([sys.executable, "-m", "newsarchive.demo.server", *args], cwd=REPO,
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr and "error:" in done.stderr, done.stderr
