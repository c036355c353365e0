"""A worker whose extraction function cannot be imported says why, not "no attribute"."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from newsarchive.worker import named_function


def test_import_error_of_the_function_module_is_reported(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "brokenpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "extraction.py").write_text(
        "raise ImportError('lxml.html.clean module is now a separate project')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImportError, match="separate project"):
        named_function("brokenpkg.extraction.extract")
    sys.modules.pop("brokenpkg", None)


def test_named_function_finds_the_function() -> None:
    from newsarchive.extraction import extract_article_record

    assert named_function("newsarchive.extraction.extract_article_record") is extract_article_record
