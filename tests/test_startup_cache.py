"""The startup cache: word lists the extraction stack builds at start, read from disk instead."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsarchive import startup_cache
from newsarchive.startup_cache import cache_path, cached_strings

WORDS = ("und", "the", "le", "el")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSARCHIVE_CACHE_DIR", str(tmp_path))
    return tmp_path


def counting_build(value: tuple[str, ...] | frozenset[str]):
    calls: list[int] = []

    def build():
        calls.append(1)
        return value

    return build, calls


def test_the_list_is_built_once_then_read_from_its_file(folder: Path) -> None:
    build, calls = counting_build(WORDS)
    assert cached_strings("words", ("lxml",), build, tuple) == WORDS
    assert cached_strings("words", ("lxml",), build, tuple) == WORDS
    assert len(calls) == 1
    files = list(folder.iterdir())
    assert [f.name for f in files] == [cache_path("words", ("lxml",)).name]
    assert marshal.loads(files[0].read_bytes()) == WORDS


def test_another_library_version_is_another_file(folder: Path, monkeypatch: pytest.MonkeyPatch
                                                 ) -> None:
    before = cache_path("words", ("lxml",))
    monkeypatch.setattr(startup_cache, "version", lambda package: "999.0")
    assert cache_path("words", ("lxml",)) != before


@pytest.mark.parametrize("content", [
    b"",  # a write cut short
    b"\x00garbage\xff" * 10,  # not marshal at all
    marshal.dumps(["und", "the"]),  # a list, not the tuple asked for
    marshal.dumps(("und", 3)),  # not only strings
    marshal.dumps(WORDS)[:-3],  # truncated
])
def test_a_bad_file_is_built_again_and_replaced(folder: Path, content: bytes) -> None:
    path = cache_path("words", ("lxml",))
    path.write_bytes(content)
    build, calls = counting_build(WORDS)
    assert cached_strings("words", ("lxml",), build, tuple) == WORDS
    assert len(calls) == 1
    assert marshal.loads(path.read_bytes()) == WORDS


def test_a_file_that_cannot_be_written_costs_only_the_build(folder: Path) -> None:
    """Its name taken by a folder (as a read-only file would, even for root): built each time,
    no partial file left behind."""
    cache_path("words", ("lxml",)).mkdir()
    build, calls = counting_build(frozenset(WORDS))
    for _ in range(2):
        assert cached_strings("words", ("lxml",), build, frozenset) == frozenset(WORDS)
    assert len(calls) == 2
    assert [p.name for p in folder.iterdir()] == [cache_path("words", ("lxml",)).name]


def test_a_folder_that_cannot_be_made_costs_only_the_build(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NEWSARCHIVE_CACHE_DIR", str(blocker / "cache"))
    build, calls = counting_build(WORDS)
    assert cached_strings("words", ("lxml",), build, tuple) == WORDS
    assert len(calls) == 1
    assert blocker.read_text() == "not a folder"


def test_the_default_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NEWSARCHIVE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert startup_cache.cache_dir() == tmp_path / "newsarchive"


CHECK = """
import json
from datetime import datetime

import newsarchive.extraction  # installs the cached lists
from htmldate import extractors
from trafilatura import external
from newsarchive.parsing.fallbacks import HashedStoplist

stoplist = external.jt_stoplist_init()
months = extractors.month_words()
print(json.dumps({
    "stoplist_hashed": isinstance(stoplist, HashedStoplist),
    "stoplist_same": set(stoplist) == set(external.jt_stoplist_init.__wrapped__()),
    "stoplist_size": len(stoplist),
    "months_same": months == extractors.month_words.__wrapped__(),
    "months": sorted(word for word in ("märz", "dezember", "styczeń", "juillet") if word in months),
    "cue": extractors.has_date_cue("am 3. Dezember", datetime(1995, 1, 1), datetime(2030, 1, 1)),
}))
"""


def run_check(folder: Path) -> dict:
    env = {**os.environ, "NEWSARCHIVE_CACHE_DIR": str(folder)}
    result = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True,
                            text=True, check=True, timeout=120)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_jusText_and_htmldate_get_the_same_lists_built_or_read(tmp_path: Path) -> None:
    """A fresh process builds both lists and saves them; the next reads them: the same words
    reach jusText (through trafilatura) and htmldate either way."""
    built = run_check(tmp_path)
    names = sorted(path.name.split("-")[0] for path in tmp_path.iterdir())
    assert names == ["htmldate", "justext"]
    read = run_check(tmp_path)
    assert built == read
    assert read["stoplist_hashed"] and read["stoplist_same"] and read["months_same"]
    assert read["stoplist_size"] > 100_000
    assert read["months"] == ["dezember", "juillet", "märz", "styczeń"]
    assert read["cue"] is True
