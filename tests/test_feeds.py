"""The project's feeds: each record type to its JSON Lines file, schema fields only."""

from __future__ import annotations

import io

from scrapy.exporters import JsonLinesItemExporter

import newsarchive.exporters  # noqa: F401  (registers RecordAdapter, as the add-on does)
from newsarchive.addon import feeds_for
from newsarchive.items import (
    ArchivedFrom,
    Article,
    Capture,
    Comment,
    Event,
    FetchedPage,
    PageFetch,
    Related,
    Source,
)

RECORDS = [
    Article(id="a1", url="https://outlet.test/a", title="T\u00e9", body="x\n\ny", authors=["A"],
            capture=Capture("w.warc.gz", "<urn:uuid:1>"), html=FetchedPage(b"<p>", "utf-8"),
            archived_from=ArchivedFrom("https://archive.test", "https://archive.test/m", "d", "gone"),
            fetch=PageFetch("outlet.test/a"), sketch=b"\x00"),
    Event(id="e1", url="https://events.test/e", date=None, headline="h", summary="s",
          sources=[Source(url="https://outlet.test/a", label="l", article_id="a1")],
          related=[Related(id="e2", url="https://events.test/r", headline="r")]),
    Comment(id="c1", article_id="a1", text="t"),
]


def test_records_export_the_same_lines_without_asking_each_field_first() -> None:
    options = next(iter(feeds_for("/tmp/out").values()))
    assert options["item_export_kwargs"] == {"export_empty_fields": True}
    for record in RECORDS:
        fields = next(o["fields"] for o in feeds_for("/tmp/out").values()
                      if o["item_classes"] == [type(record)])
        lines = []
        for kwargs in ({}, options["item_export_kwargs"]):
            out = io.BytesIO()
            JsonLinesItemExporter(out, fields_to_export=fields, **kwargs).export_item(record)
            lines.append(out.getvalue())
        assert lines[0] == lines[1]
        assert b'"sketch"' not in lines[0] and b'"fetch"' not in lines[0]


def test_record_adapter_gives_plain_values_as_they_are_and_nested_records_as_dicts() -> None:
    from itemadapter import ItemAdapter

    from newsarchive.items import Capture, Event, Source

    class Label(str):  # a str subclass takes the general path
        pass

    event = Event(id="e1", url="https://example.com/e", date="2024-01-01", headline=Label("H"),
                  summary="", sources=[Source(url="https://example.com/a", label="a")])
    adapter = ItemAdapter(event)
    assert adapter["id"] is event.id and adapter["headline"] is event.headline
    assert adapter["category"] is None
    assert adapter["sources"] == [{"url": "https://example.com/a", "label": "a", "kind": "article",
                                   "article_id": None, "status": "skipped", "reason": None}]
    event.capture = Capture("f.warc.gz", "<urn:uuid:1>")
    assert ItemAdapter(event)["capture"] == {"warc_file": "f.warc.gz", "record_id": "<urn:uuid:1>"}
