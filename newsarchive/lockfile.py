"""One writer per output folder: a non-blocking ``fcntl.flock`` on a lock file.

The kernel drops the lock when its holder dies, so a SIGKILLed run never leaves a stale lock.
The file names the holder (its run and pid) for the message a second crawl prints.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class FolderLocked(Exception):
    """Another live process holds the lock."""


class FolderLock:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self, owner: str) -> None:
        """Take the lock now or raise ``FolderLocked`` naming the holder (never waits)."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 4096).decode("utf-8", "replace").strip() or "unknown"
            os.close(fd)
            raise FolderLocked(f"{self.path} is held by {holder}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{owner} pid={os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        # the file stays: unlinking it would let two runs lock different inodes
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
