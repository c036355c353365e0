"""The record contract: the JSON Schemas shipped with the package, and ``docs/records.md``
rendered from them.

The schemas are ``schemas/*.schema.json`` in the repo and ``newsarchive/schemas/`` in the
installed package (a link to the same files), so a user of the wheel loads them with
``load_schema("article")``. Every property carries a ``description``; ``docs/records.md`` is
rendered from them and a test keeps it in sync. After changing a schema, regenerate it::

    python -m newsarchive.contract --write docs/records.md
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

RECORD_TYPES = ("event", "article", "comment")
DOC_PATH = Path("docs") / "records.md"

VERSIONING = """\
## Versioning

Every record carries `schema_version`, today **{version}**. It goes up by one only on a breaking
change: a field removed or renamed, its type or meaning changed, a value it could take no longer
allowed, or a field that was never null now null at times. The schemas' `const` changes with it
and the README says what changed. Additive changes keep the version: a new field, a new value
of an enumeration (a new source `status`, say), a new record type. So a reader should ignore
fields it does not know and treat an unknown enumeration value as "other". The schemas are
strict (`additionalProperties: false`) for the release that ships them: validate records with
the schemas of the newsarchive release that wrote them (`newsarchive.contract.load_schema`).
"""


def schema_text(kind: str) -> str:
    return (files("newsarchive") / "schemas" / f"{kind}.schema.json").read_text("utf-8")


def load_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a record type (``event``, ``article``, ``comment``)."""
    if kind not in RECORD_TYPES:
        raise ValueError(f"unknown record type {kind!r}; known: {', '.join(RECORD_TYPES)}")
    return json.loads(schema_text(kind))


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a ``|``, even in code, would end the cell."""
    return text.replace("|", "\\|")


def _type_of(prop: dict[str, Any]) -> str:
    if "properties" in prop:
        kinds = prop.get("type", "object")
        return "object or null" if isinstance(kinds, list) and "null" in kinds else "object"
    if "const" in prop:
        return f"`{json.dumps(prop['const'])}`"
    if "enum" in prop:
        return " \\| ".join(f"`{value}`" for value in prop["enum"])
    kinds = prop.get("type", "any")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    names = []
    for kind in kinds:
        if kind == "array":
            items = prop.get("items", {})
            names.append(f"array of {'objects' if items.get('type') == 'object' else _type_of(items)}")
        else:
            names.append(kind)
    extra = []
    if "pattern" in prop:
        extra.append(f"pattern `{_cell(prop['pattern'])}`")
    if "format" in prop:
        extra.append(prop["format"])
    return " or ".join(names) + (f" ({', '.join(extra)})" if extra else "")


def _rows(properties: dict[str, Any], required: set[str], prefix: str = "") -> list[str]:
    rows = []
    for name, prop in properties.items():
        text = _cell(" ".join(prop.get("description", "").split()))
        req = "yes" if name in required else "no"
        rows.append(f"| `{prefix}{name}` | {_type_of(prop)} | {req} | {text} |")
        items = prop.get("items", {})
        if items.get("type") == "object":
            rows += _rows(items["properties"], set(items.get("required", [])), f"{prefix}{name}[].")
        if "properties" in prop:  # an object field (or null)
            rows += _rows(prop["properties"], set(prop.get("required", [])), f"{prefix}{name}.")
    return rows


def render_records_doc() -> str:
    """``docs/records.md``: every field of every record type, from the schemas."""
    schemas = {kind: load_schema(kind) for kind in RECORD_TYPES}
    version = schemas["event"]["properties"]["schema_version"]["const"]
    out = [
        "# Records",
        "",
        "<!-- Generated from schemas/*.schema.json by `python -m newsarchive.contract --write "
        "docs/records.md`; do not edit by hand (tests/test_contract.py checks it). -->",
        "",
        "A run writes one JSON Lines file per record type under `OUTPUT_DIR/runs/<run_id>/`: "
        "`events.jsonl`, `articles.jsonl`, `comments.jsonl`. Each line is one record, valid "
        "against its JSON Schema in `schemas/` (in the installed package: "
        "`newsarchive.contract.load_schema(\"event\")`). A record is written again only when "
        "it changed; the newest `fetched_at` per `id` is the current version.",
        "",
    ]
    for kind, schema in schemas.items():
        out += [f"## {kind}", "", " ".join(schema.get("description", "").split()), "",
                "| field | type | required | meaning |", "|---|---|---|---|",
                *_rows(schema["properties"], set(schema.get("required", []))), ""]
    out.append(VERSIONING.format(version=version))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsarchive.contract", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", metavar="PATH", help="write the page there (default: print it)")
    args = parser.parse_args(argv)
    text = render_records_doc()
    if args.write:
        Path(args.write).write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
