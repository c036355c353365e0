"""How many CPUs this process may use: the default size of the extraction pool.

``os.cpu_count()`` counts the host's CPUs: a container limited to 2 CPUs on a 64-core host would
start 64 workers. The process may run on the CPUs of its affinity mask (``taskset``, cpusets,
``docker --cpuset-cpus``) and, under a cgroup v2 CPU quota (``docker --cpus``, Kubernetes CPU
limits), gets ``quota / period`` CPUs of time, in its own cgroup or any ancestor's. Python 3.13's
``os.process_cpu_count()`` reads the affinity only; nothing in the standard library reads the
quota, hence this module.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


def affinity_cpus() -> int:
    """CPUs in this process's affinity mask (``os.cpu_count()`` where there is none)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def read_cpu_max(path: Path) -> float | None:
    """A cgroup v2 ``cpu.max`` file: ``"max 100000"`` is no limit, ``"150000 100000"`` 1.5 CPUs."""
    try:
        quota, period = path.read_text("ascii").split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError, ZeroDivisionError):
        return None


def own_cgroup(proc_cgroup: Path = PROC_CGROUP) -> str | None:
    """The process's cgroup v2 path (the ``0::/path`` line of ``/proc/self/cgroup``)."""
    try:
        lines = proc_cgroup.read_text("ascii").splitlines()
    except OSError:
        return None
    return next((line[3:] for line in lines if line.startswith("0::")), None)


def cgroup_cpu_quota(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> float | None:
    """The tightest ``cpu.max`` quota of the process's cgroup and its ancestors, in CPUs."""
    path = own_cgroup(proc_cgroup)
    if path is None:
        return None
    folder = root / path.strip("/")
    quotas = []
    while True:
        quota = read_cpu_max(folder / "cpu.max")
        if quota is not None:
            quotas.append(quota)
        if folder == root or root not in folder.parents:
            break
        folder = folder.parent
    return min(quotas) if quotas else None


def available_cpus(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> int:
    """CPUs the process may run on, at least 1: its affinity, bounded by its cgroup quota
    (rounded down: 1.5 CPUs of quota keep 1 worker busy, not 2 half-starved)."""
    cpus = affinity_cpus()
    quota = cgroup_cpu_quota(root, proc_cgroup)
    if quota is not None:
        cpus = min(cpus, max(1, math.floor(quota)))
    return cpus
