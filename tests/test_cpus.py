"""The default pool size: the CPUs the process may use, not the host's (containers)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsarchive import cpus
from newsarchive.cpus import affinity_cpus, available_cpus, cgroup_cpu_quota, read_cpu_max
from newsarchive.pool import default_pool_size


def fake_cgroup(tmp_path: Path, limits: dict[str, str], own: str = "/kubepods/pod1/box") -> tuple[Path, Path]:
    """A cgroup v2 tree under ``tmp_path`` with ``cpu.max`` files at the given paths."""
    root = tmp_path / "cgroup"
    (root / own.strip("/")).mkdir(parents=True)
    for path, text in limits.items():
        (root / path.strip("/") / "cpu.max").write_text(text + "\n")
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text(f"0::{own}\n")
    return root, proc


def test_affinity_not_host_count() -> None:
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no affinity on this platform")
    assert affinity_cpus() == len(os.sched_getaffinity(0))
    assert default_pool_size() <= len(os.sched_getaffinity(0))


@pytest.mark.parametrize(("text", "cpus"), [
    ("max 100000", None), ("200000 100000", 2.0), ("150000 100000", 1.5), ("garbage", None),
])
def test_read_cpu_max(tmp_path: Path, text: str, cpus: float | None) -> None:
    path = tmp_path / "cpu.max"
    path.write_text(text + "\n")
    assert read_cpu_max(path) == cpus


def test_quota_of_a_two_cpu_container_bounds_the_pool(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A 2-CPU container on a 64-core host: 2 workers, not 64."""
    monkeypatch.setattr(cpus, "affinity_cpus", lambda: 64)
    root, proc = fake_cgroup(tmp_path, {"/kubepods/pod1/box": "max 100000",
                                        "/kubepods/pod1": "200000 100000"})
    assert cgroup_cpu_quota(root, proc) == 2.0  # an ancestor's limit applies too
    assert available_cpus(root, proc) == 2


def test_fractional_quota_rounds_down_but_never_to_zero(tmp_path: Path) -> None:
    root, proc = fake_cgroup(tmp_path, {"/kubepods/pod1/box": "50000 100000"})
    assert available_cpus(root, proc) == 1


def test_no_cgroup_v2_means_the_affinity(tmp_path: Path) -> None:
    root, proc = fake_cgroup(tmp_path, {})
    assert cgroup_cpu_quota(root, proc) is None
    assert available_cpus(root, proc) == affinity_cpus()
    assert available_cpus(tmp_path / "none", tmp_path / "missing") == affinity_cpus()
