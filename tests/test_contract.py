"""The record contract lives in the repo and ships with the package.

Every field of every record type has a description in its JSON Schema; ``docs/records.md`` is
rendered from them (regenerate: ``python -m newsarchive.contract --write docs/records.md``); the
schemas list exactly the fields the records carry; the wheel holds the schemas.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import fields
from pathlib import Path

import pytest

from newsarchive.contract import RECORD_TYPES, load_schema, render_records_doc
from newsarchive.items import RECORD_TYPES as ITEM_CLASSES
from newsarchive.items import SCHEMA_VERSION, Related, Source, exported_fields

REPO = Path(__file__).resolve().parent.parent


def test_docs_records_md_is_rendered_from_the_schemas() -> None:
    page = (REPO / "docs" / "records.md").read_text("utf-8")
    assert page == render_records_doc(), (
        "docs/records.md is stale: run `python -m newsarchive.contract --write docs/records.md`")


@pytest.mark.parametrize("kind", RECORD_TYPES)
def test_every_field_is_described(kind: str) -> None:
    schema = load_schema(kind)
    assert schema.get("description")
    missing = []
    for name, prop in schema["properties"].items():
        if not prop.get("description", "").strip():
            missing.append(name)
        items = prop.get("items", {})
        missing += [f"{name}[].{sub}" for sub, subprop in items.get("properties", {}).items()
                    if not subprop.get("description", "").strip()]
        missing += [f"{name}.{sub}" for sub, subprop in prop.get("properties", {}).items()
                    if not subprop.get("description", "").strip()]
    assert not missing, f"{kind}: fields without a description: {missing}"


@pytest.mark.parametrize("kind", RECORD_TYPES)
def test_schema_fields_are_the_record_fields(kind: str) -> None:
    schema = load_schema(kind)
    assert set(schema["properties"]) == set(exported_fields(ITEM_CLASSES[kind]))
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    if kind == "event":
        for name, cls in (("sources", Source), ("related", Related)):
            assert set(schema["properties"][name]["items"]["properties"]) == {
                f.name for f in fields(cls)}


@pytest.mark.parametrize("kind", RECORD_TYPES)
def test_packaged_schema_is_the_repo_schema(kind: str) -> None:
    assert load_schema(kind) == json.loads(
        (REPO / "schemas" / f"{kind}.schema.json").read_text("utf-8"))


def test_no_reference_to_a_document_users_do_not_have() -> None:
    for path in [REPO / "README.md", REPO / "docs" / "records.md", *(REPO / "schemas").glob("*.json")]:
        assert "DESIGN" not in path.read_text("utf-8"), path


def test_the_wheel_ships_the_schemas(tmp_path: Path) -> None:
    """Built offline with the test environment's setuptools, from a copy of the sources."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "schemas", source / "schemas")
    shutil.copytree(REPO / "newsarchive", source / "newsarchive", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
                           "--no-index", "-q", "-w", str(tmp_path / "dist"), str(source)],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("newsarchive-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        for kind in RECORD_TYPES:
            shipped = json.loads(archive.read(f"newsarchive/schemas/{kind}.schema.json"))
            assert shipped == load_schema(kind)
