"""The WARC writer on its own: rotation, revisits, recovery of a killed run's file, a full disk.

Real files, read back with warcio; the full disk is a real write failure (``RLIMIT_FSIZE`` in a
subprocess: the kernel refuses writes past the limit, as a full disk refuses them).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.warcwriter import WARCWriter

from newsarchive.capture.records import Exchange
from newsarchive.capture.recover import recover_open_files, whole_length
from newsarchive.capture.writer import MemoryPayloadLog, WarcWriter, payload_digest
from newsarchive.state.sqlite import SQLiteState
from tests.crawling import REPO


def exchange(url: str, body: bytes, status: int = 200) -> Exchange:
    return Exchange(
        url=url, request_line="GET /x HTTP/1.1", request_headers=[("Host", "example.org")],
        request_body=b"", protocol="HTTP/1.1", status_line=f"{status} OK", status=status,
        response_headers=[("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
        body=body, date="2024-03-05T10:00:00.000000Z",
        record_id=StatusAndHeadersParser.make_warc_id(),
    )


def read(path: Path) -> list[tuple[str, str | None, bytes]]:
    with path.open("rb") as handle:
        return [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.raw_stream.read())
                for r in ArchiveIterator(handle)]


def test_rotation_each_file_opens_with_warcinfo_and_records_land_where_submit_said(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "run", {"isPartOf": "run"}, MemoryPayloadLog(), max_size=3000)
    writer.start()
    placed = {}
    for number in range(12):
        body = os.urandom(800)  # incompressible: each exchange ~1 KB on disk
        url = f"http://example.org/{number}"
        placed[url] = (writer.submit(exchange(url, body)), body)
    files = writer.close()
    assert len(files) > 2 and not list(tmp_path.glob("*.open"))
    found = {}
    for path in files:
        records = read(path)
        assert records[0][0] == "warcinfo"
        found.update({url: (path.name, payload) for kind, url, payload in records if kind == "response"})
    assert found == placed


def test_identical_payload_of_an_earlier_capture_is_a_revisit(tmp_path: Path) -> None:
    state = SQLiteState(tmp_path / "state.sqlite")
    body = b"<html>same story</html>"
    state.add_payload_capture(payload_digest(body), "http://example.org/first", "2024-03-01T00:00:00Z")

    class Log:
        def captured_payload(self, digest: str) -> tuple[str, str] | None:
            return state.payload_capture(digest)

        def add_payload(self, digest: str, uri: str, date: str) -> None:
            state.add_payload_capture(digest, uri, date)

    writer = WarcWriter(tmp_path / "warc", "run", {}, Log())
    writer.start()
    writer.submit(exchange("http://example.org/again", body))
    writer.submit(exchange("http://example.org/new", b"<html>new story</html>"))
    [path] = writer.close()
    with path.open("rb") as handle:
        kinds = {r.rec_headers.get_header("WARC-Target-URI"): r for r in ArchiveIterator(handle)
                 if r.rec_type in ("response", "revisit")}
        revisit = kinds["http://example.org/again"]
        assert revisit.rec_type == "revisit"
        assert revisit.rec_headers.get_header("WARC-Refers-To-Target-URI") == "http://example.org/first"
        assert revisit.rec_headers.get_header("WARC-Refers-To-Date") == "2024-03-01T00:00:00Z"
        assert kinds["http://example.org/new"].rec_type == "response"
    assert writer.counts.revisits == 1
    assert state.payload_capture(payload_digest(b"<html>new story</html>")) is not None
    state.close()


class UnreachablePayloadLog:
    """A shared run's payload log whose Redis is gone (or, with ``error``, some other fault)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def captured_payload(self, digest: str) -> tuple[str, str] | None:
        raise self.error

    def add_payload(self, digest: str, uri: str, date: str) -> None:
        raise self.error


def test_redis_gone_from_the_payload_log_writes_pages_in_full_and_keeps_the_writer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    import redis

    lost = redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    writer = WarcWriter(tmp_path, "run", {}, UnreachablePayloadLog(lost))
    writer.start()
    body = b"<html>the same story, twice</html>"
    placed = [writer.submit(exchange(f"http://example.org/{n}", body)) for n in range(2)]
    [path] = writer.close()
    # the state stops the run (redis_unavailable), not the capture: both pages are captured
    assert placed == [path.name, path.name] and writer.error is None
    responses = [(uri, kind) for kind, uri, _ in read(path) if kind in ("response", "revisit")]
    assert responses == [("http://example.org/0", "response"), ("http://example.org/1", "response")]
    assert writer.counts.responses == 2 and writer.counts.revisits == 0
    warnings = [r for r in caplog.records if "payload look-ups failed" in r.getMessage()]
    assert len(warnings) == 1


def redis_out_of_memory() -> Exception:
    import redis

    return redis.ResponseError("OOM command not allowed when used memory > 'maxmemory'.")


@pytest.mark.parametrize("error", [lambda: RuntimeError("a bug"), redis_out_of_memory],
                         ids=["a bug", "a full Redis"])
def test_any_other_payload_log_failure_stops_the_capture(
    tmp_path: Path, error: Callable[[], Exception],
) -> None:
    failures: list[Exception] = []
    cause = error()
    writer = WarcWriter(tmp_path, "run", {}, UnreachablePayloadLog(cause), on_error=failures.append)
    writer.start()
    assert writer.submit(exchange("http://example.org/", b"<html>story</html>")) is None
    assert writer.error is cause and failures == [cause]
    assert writer.submit(exchange("http://example.org/next", b"<html>next</html>")) is None


def test_recovery_cuts_a_killed_runs_file_after_its_last_whole_record(tmp_path: Path) -> None:
    folder = tmp_path / "runs" / "run" / "warc"
    writer = WarcWriter(folder, "run", {}, MemoryPayloadLog())
    writer.start()
    for number in range(3):
        writer.submit(exchange(f"http://example.org/{number}", os.urandom(500)))
    [path] = writer.close()
    whole = path.read_bytes()
    killed = folder / "run-00009.warc.gz.open"
    killed.write_bytes(whole + whole[200:900])  # a record cut in the middle of its gzip member
    assert whole_length(killed) == len(whole)
    [recovered] = recover_open_files(tmp_path / "runs")
    assert recovered.name == "run-00009.warc.gz" and recovered.read_bytes() == whole
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(recovered)],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout



def test_digests_of_pages_of_many_chunks_verify_and_are_warcios_own(tmp_path: Path) -> None:
    """The writer hashes a response's block itself (``block_digest``) and compresses each
    record in one call: the records must be those warcio writes (which hashes and writes 16 KB
    at a time), with digests ``warcio check`` verifies, for bodies of many 16 KB chunks."""
    writer = WarcWriter(tmp_path, "run", {}, MemoryPayloadLog())
    writer.start()
    bodies = {f"http://example.org/{size}": (b"<p>caf\xc3\xa9 " * size)[:size]
              for size in (0, 1, 2047, 16384, 16385, 150_000, 600_000)}
    sent = {url: exchange(url, body) for url, body in bodies.items()}
    for item in sent.values():
        item.response_headers.append(("X-Note", "caf\xe9"))  # a latin-1 header value
        writer.submit(item)
    [path] = writer.close()
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(path)],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    with path.open("rb") as handle:
        responses = {r.rec_headers.get_header("WARC-Target-URI"): r.rec_headers
                     for r in ArchiveIterator(handle) if r.rec_type == "response"}
    assert set(responses) == set(bodies)
    for url, headers in responses.items():
        # warcio's own writer, given the same record, hashes the same block
        record = sent[url]
        builder = WARCWriter(BytesIO(), gzip=False, warc_version="1.1")
        own = builder.create_warc_record(
            url, "response", payload=BytesIO(record.body), length=len(record.body),
            http_headers=StatusAndHeaders(record.status_line, record.response_headers,
                                          protocol=record.protocol))
        builder.write_record(own)
        assert headers.get_header("WARC-Block-Digest") == own.rec_headers.get_header(
            "WARC-Block-Digest")
        assert headers.get_header("WARC-Payload-Digest") == payload_digest(record.body)
        assert headers.get_header("Content-Length") == own.rec_headers.get_header("Content-Length")


FULL_DISK = textwrap.dedent("""
    import os, resource, sys
    from pathlib import Path
    from tests.test_capture_writer import exchange
    from newsarchive.capture.writer import MemoryPayloadLog, WarcWriter
    resource.setrlimit(resource.RLIMIT_FSIZE, (20000, resource.RLIM_INFINITY))
    writer = WarcWriter(Path(sys.argv[1]), "run", {}, MemoryPayloadLog())
    errors = []
    writer.on_error = errors.append
    writer.start()
    for number in range(40):
        if writer.submit(exchange(f"http://example.org/{number}", os.urandom(1500))) is None:
            break
    writer.close()
    print(writer.counts.responses, repr(errors[0]) if errors else "no error")
""")


def test_a_full_disk_stops_the_writer_and_leaves_no_half_record(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", FULL_DISK, str(tmp_path)], cwd=REPO,
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    written, error = done.stdout.split(" ", 1)
    assert "File too large" in error  # EFBIG: the write past the limit was refused
    [path] = tmp_path.glob("*.open")  # not closed: the next run's recovery closes it
    assert whole_length(path) == path.stat().st_size  # cut back to the last whole record
    responses = [r for r in read(path) if r[0] == "response"]
    assert len(responses) == int(written) > 0
    assert resource.getrlimit(resource.RLIMIT_FSIZE)  # (the limit applied to the child only)


@pytest.mark.parametrize("level", [0, 1, 3, 4, 9])
def test_every_gzip_level_writes_records_warcio_reads_back(tmp_path: Path, level: int) -> None:
    """1-3 compress with ISA-L, 4-9 with zlib, 0 stores: each a gzip member per record that
    warcio reads, the smaller the higher the level."""
    body = b"<html><body>" + b"<p>The council approved the budget on Tuesday.</p>" * 200 + b"</body></html>"
    writer = WarcWriter(tmp_path / "warc", "run", {}, MemoryPayloadLog(), gzip_level=level)
    writer.start()
    writer.submit(exchange("http://example.org/story", body))
    [path] = writer.close()
    assert [(kind, payload) for kind, _, payload in read(path) if kind == "response"] == [
        ("response", body)]
    size = path.stat().st_size
    assert size > len(body) if level == 0 else size < len(body) / 5
