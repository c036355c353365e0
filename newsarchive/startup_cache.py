"""Word lists the extraction stack builds at start, kept on disk between processes.

Before a crawl can extract its first page, the extraction pool's fork server builds two word
lists that are the same for every crawl with the same libraries: jusText's stoplist of every
language (154,484 words read from 100 files, 0.10-0.25 s measured) and htmldate's month names of
every dateparser locale (205 locale modules imported, 0.13-0.30 s). From a ``marshal`` file they
load in ~30 ms and <1 ms. Hand-written: neither library keeps anything between processes.

The file's name holds the versions of the libraries the list came from and of Python, so an
upgrade builds afresh; a file that cannot be read or holds the wrong type is built again, and a
cache folder that cannot be written only costs the build. Folder: ``NEWSARCHIVE_CACHE_DIR``, else
``$XDG_CACHE_HOME/newsarchive``, else ``~/.cache/newsarchive``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import os
import sys
import tempfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T", tuple, frozenset)
ENV = "NEWSARCHIVE_CACHE_DIR"


def cache_dir() -> Path:
    configured = os.environ.get(ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "newsarchive"


def cache_path(name: str, packages: tuple[str, ...]) -> Path:
    """The file for ``name`` as built by these ``packages`` at their installed versions."""
    versions = [sys.version, str(marshal.version)]
    for package in packages:
        try:
            versions.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package}==?")
    digest = hashlib.sha256("\n".join(versions).encode()).hexdigest()[:16]
    return cache_dir() / f"{name}-{digest}.marshal"


def cached_strings(name: str, packages: tuple[str, ...], build: Callable[[], T], kind: type[T]
                   ) -> T:
    """``build()`` (a tuple or frozenset of strings), from the cache file when it holds one."""
    path = cache_path(name, packages)
    try:
        value = marshal.loads(path.read_bytes())
    except FileNotFoundError:
        value = None
    except (OSError, ValueError, EOFError, TypeError) as error:
        log.debug("startup cache %s unreadable (%s): building it again", path, error)
        value = None
    if type(value) is kind and all(type(word) is str for word in value):
        return value
    value = build()
    _store(path, value)
    return value


def _store(path: Path, value: tuple | frozenset) -> None:
    """Written to a temporary file renamed into place: two processes building at once both
    write whole files, and a reader never sees half of one."""
    partial: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(marshal.dumps(value))
        os.replace(partial, path)
    except (OSError, ValueError) as error:  # read-only home, full disk: only the saving is lost
        log.debug("startup cache %s not written: %s", path, error)
        if partial is not None:
            with contextlib.suppress(OSError):
                os.unlink(partial)
