"""The CDXJ index built while writing equals cdxj-indexer's index of the finished files.

Real WARC files from the real writer (rotation, revisits, a truncated body, a redirect, a 404,
a non-ASCII URL, a content type with parameters), indexed a second time by reading them with
cdxj-indexer, as ``index.cdxj`` was built before.
"""

from __future__ import annotations

import os
from pathlib import Path

from cdxj_indexer.main import write_cdx_index
from warcio.statusandheaders import StatusAndHeadersParser

from newsarchive.capture.index import RunIndex
from newsarchive.capture.records import Exchange
from newsarchive.capture.writer import MemoryPayloadLog, WarcWriter


def exchange(url: str, body: bytes, status: int = 200, reason: str = "OK",
             headers: list[tuple[str, str]] | None = None, second: int = 0,
             truncated: str | None = None) -> Exchange:
    return Exchange(
        url=url, request_line="GET / HTTP/1.1", request_headers=[("Host", "news.example")],
        request_body=b"", protocol="HTTP/1.1", status_line=f"{status} {reason}", status=status,
        response_headers=headers or [("Content-Type", "text/html; charset=utf-8")],
        body=body, date=f"2024-03-05T10:00:{second:02d}.123456Z",
        record_id=StatusAndHeadersParser.make_warc_id(), truncated=truncated,
    )


def reindexed(files: list[Path], output: Path) -> str:
    write_cdx_index(str(output), [str(path) for path in files], {"sort": True})
    return output.read_text("utf-8")


def write_run(folder: Path, index: RunIndex, max_size: int) -> list[Path]:
    writer = WarcWriter(folder, "run", {"isPartOf": "run"}, MemoryPayloadLog(), max_size=max_size,
                        index=index)
    writer.start()
    story = b"<html><body><p>Council approves the budget.</p></body></html>"
    writer.submit(exchange("https://news.example/2024/03/budget", story, second=1))
    writer.submit(exchange("https://news.example/amp/budget", story, second=2))  # a revisit
    writer.submit(exchange("https://news.example/old", b"", 301, "Moved Permanently",
                           [("Location", "https://news.example/new")], second=3))
    writer.submit(exchange("https://news.example/missing", b"<h1>Not found</h1>", 404,
                           "Not Found", second=4))
    writer.submit(exchange("https://news.example/big", os.urandom(3000), truncated="length",
                           second=5))
    writer.submit(exchange("https://nachrichten.example/straße?q=ä#top", "Grüße".encode(),
                           headers=[("Content-Type", "text/plain;charset=UTF-8")], second=6))
    for number in range(8):  # incompressible bodies: the files rotate
        writer.submit(exchange(f"https://news.example/{number}", os.urandom(900), second=7))
    return writer.close()


def test_the_index_built_while_writing_is_cdxj_indexers_index_of_the_files(tmp_path: Path) -> None:
    index = RunIndex()
    files = write_run(tmp_path / "warc", index, max_size=4000)
    assert len(files) > 2  # rotation: offsets restart in each file

    built = index.write(tmp_path / "index.cdxj").read_text("utf-8")

    assert built == reindexed(files, tmp_path / "reread.cdxj")
    lines = built.splitlines()
    assert len(lines) == index.count == 14  # responses and the revisit; no request, no warcinfo
    assert any('"mime": "warc/revisit"' in line for line in lines)
    assert not list(tmp_path.glob("*.part"))


def test_spilled_sorted_runs_merge_into_the_same_index(tmp_path: Path) -> None:
    index = RunIndex(max_buffer=500)  # a few lines per sorted run, merged at the end
    files = write_run(tmp_path / "warc", index, max_size=1 << 30)

    built = index.write(tmp_path / "index.cdxj").read_text("utf-8")

    assert built == reindexed(files, tmp_path / "reread.cdxj")


def test_an_index_of_no_records_is_an_empty_file(tmp_path: Path) -> None:
    output = RunIndex().write(tmp_path / "index.cdxj")
    assert output.read_bytes() == b""
    assert not (tmp_path / "index.cdxj.part").exists()
