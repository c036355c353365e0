"""Measure a command's whole process tree: wall time, CPU seconds and peak resident memory.

CPU comes from ``getrusage(RUSAGE_CHILDREN)`` deltas, which count a process only once it has been
reaped, together with everything *it* reaped. A crawl's extraction workers are children of
multiprocessing's forkserver, which nobody waits for: when the crawl exits, the forkserver is
orphaned and its CPU would never reach us. So this process makes itself a child subreaper
(Linux ``prctl``): orphans of the measured tree are re-parented here, and ``measure`` reaps them.

Memory is the sum of ``Rss`` over every descendant of this process, sampled every 0.25 s
(this process runs only the measured command, so its descendants are exactly that tree; each
sample reads ``/proc/<pid>/smaps_rollup``, which walks the page tables: sampling every 0.1 s
cost the measured crawl ~4% of its speed). Each sample also reads every process's CPU time
(``/proc/<pid>/stat``), for the CPU by process: a process's last sample, so up to one interval
short, and a process that lived less than one interval may be missing (the total CPU is exact). Pages
shared between processes (forkserver children) count once per process, so this errs high; the
sum of ``Pss`` (proportional set size: each shared page split between its sharers, from
``/proc/<pid>/smaps_rollup``) is the tree's real footprint and is sampled alongside.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
PROC = Path("/proc")
ORPHAN_GRACE_SECONDS = 20.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Measurement:
    returncode: int
    wall: float  # seconds, start of the command to its exit
    cpu: float  # user + system seconds of the command and every process it started
    peak_rss_mb: float  # max over samples of the summed VmRSS of the tree
    peak_pss_mb: float  # max over samples of the summed Pss of the tree
    peak_by_role: dict[str, list[float]]  # MB of each process at that peak, by role
    cpu_by_role: dict[str, list[float]]  # CPU seconds of each process, by role (last sample)
    stdout: str
    stderr: str


def become_subreaper() -> bool:
    """Adopt orphaned descendants (forkserver, pool workers) so their CPU time is counted."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # exited between listing and reading
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after it.
        fields = stat[stat.rfind(")") + 2:].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found: list[int] = []
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of one process so far, from ``/proc/<pid>/stat``; None once it exited."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # fields[0] is the state (field 3 of proc(5))
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_kib(pid: int) -> tuple[int, int]:
    """(Rss, Pss) of one process in KiB, from one read of ``smaps_rollup``; (0, 0) once it exited."""
    rss = pss = 0
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
                break
    except (OSError, ValueError, IndexError):
        pass
    return rss, pss


def tree_memory_kib(root: int) -> dict[int, tuple[int, int]]:
    """(Rss, Pss) in KiB of each descendant of ``root``."""
    return {pid: memory_kib(pid) for pid in descendants(root)}


def role(pid: int) -> str:
    """What a process of a crawl tree is, from its command line (for the memory breakdown)."""
    try:
        command = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "exited"
    if "multiprocessing.forkserver" in command:
        parent = _parents().get(pid, 0)
        try:
            parent_command = (PROC / str(parent) / "cmdline").read_bytes()
        except OSError:
            parent_command = b""
        return "pool worker" if b"multiprocessing.forkserver" in parent_command else "forkserver"
    if "resource_tracker" in command:
        return "resource tracker"
    return "main"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _reap_orphans(grace: float) -> None:
    """Wait for adopted orphans to exit (they follow their parent within moments)."""
    deadline = time.monotonic() + grace
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > deadline:
                for orphan in descendants(os.getpid()):
                    with contextlib.suppress(OSError):
                        os.kill(orphan, 9)
                deadline = time.monotonic() + grace
            time.sleep(0.05)


def measure(
    command: list[str],
    cwd: Path,
    env: dict[str, str],
    log_dir: Path,
    timeout: float = 3600,
    interval: float = 0.25,
) -> Measurement:
    """Run ``command`` to completion; its stdout/stderr go to files in ``log_dir`` (no pipe stalls)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / "stdout.txt", log_dir / "stderr.txt"
    me = os.getpid()
    peak = 0
    peak_pss = 0
    breakdown: dict[int, int] = {}
    pid_roles: dict[int, str] = {}
    cpu_by_pid: dict[int, float] = {}  # a process's CPU at its last sample: up to one interval short
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss, breakdown
        while not done.is_set():
            memory = tree_memory_kib(me)
            sizes = {pid: rss for pid, (rss, _pss) in memory.items()}
            peak_pss = max(peak_pss, sum(pss for _rss, pss in memory.values()))
            for pid in sizes.keys() - pid_roles.keys():
                pid_roles[pid] = role(pid)
            for pid in sizes:
                seconds = cpu_seconds(pid)
                if seconds is not None:
                    cpu_by_pid[pid] = seconds
            if sum(sizes.values()) > peak:
                peak = sum(sizes.values())
                breakdown = sizes
            done.wait(interval)

    cpu_before = _children_cpu()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            returncode = process.wait()
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
    roles: dict[str, list[float]] = {}
    for pid, kib in breakdown.items():
        roles.setdefault(pid_roles.get(pid, "exited"), []).append(kib / 1024)
    cpu_roles: dict[str, list[float]] = {}
    for pid, seconds in cpu_by_pid.items():
        cpu_roles.setdefault(pid_roles.get(pid, "exited"), []).append(seconds)
    _reap_orphans(ORPHAN_GRACE_SECONDS)
    cpu = _children_cpu() - cpu_before
    return Measurement(
        returncode=returncode,
        wall=wall,
        cpu=cpu,
        peak_rss_mb=peak / 1024,
        peak_pss_mb=peak_pss / 1024,
        peak_by_role=roles,
        cpu_by_role=cpu_roles,
        stdout=out_path.read_text("utf-8", "replace"),
        stderr=err_path.read_text("utf-8", "replace"),
    )
