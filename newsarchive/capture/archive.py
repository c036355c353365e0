"""Reading captures back: the response recorded for a URL, with revisits resolved.

``CaptureArchive(files)`` reads the records' headers once (every record is decompressed to
find the next one, the bodies are not kept) and remembers, per target URI, the last
``response`` or ``revisit`` record and, per payload digest, a full response holding it. A
revisit's payload comes from the response its digest names, in the same files or in
``resolve_from`` (other runs' WARC files of the same output folder). warcio does the reading.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Location:
    path: Path
    offset: int
    record_id: str
    rec_type: str  # response | revisit
    date: str
    digest: str | None
    truncated: bool


@dataclass
class Captured:
    """One response as captured: what a download of its URL gives back."""

    url: str
    location: Location  # the record read (a revisit's own record, not the original's)
    protocol: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class CaptureArchive:
    def __init__(self, files: Iterable[Path], resolve_from: Iterable[Path] = ()) -> None:
        self.files = [Path(path) for path in files]
        self.by_url: dict[str, Location] = {}
        self.by_digest: dict[str, Location] = {}
        for path in self.files:
            self._scan(path, by_url=True)
        extra = [Path(p) for p in resolve_from if Path(p) not in set(self.files)]
        self._resolve_from = extra
        self._extra_scanned = False

    def _scan(self, path: Path, by_url: bool) -> None:
        with path.open("rb") as handle:
            iterator = ArchiveIterator(handle)
            for record in iterator:
                if record.rec_type not in ("response", "revisit"):
                    continue
                iterator.read_to_end(record)  # skips the body; gives the record's offset
                headers = record.rec_headers
                location = Location(
                    path, iterator.get_record_offset(), headers.get_header("WARC-Record-ID"),
                    record.rec_type, headers.get_header("WARC-Date"),
                    headers.get_header("WARC-Payload-Digest"),
                    bool(headers.get_header("WARC-Truncated")),
                )
                if by_url:
                    self.by_url[headers.get_header("WARC-Target-URI")] = location
                if record.rec_type == "response" and location.digest and not location.truncated:
                    self.by_digest.setdefault(location.digest, location)

    def __len__(self) -> int:
        return len(self.by_url)

    def is_truncated(self, url: str) -> bool:
        """Whether the last capture of ``url`` is a download cut at the size limit."""
        location = self.by_url.get(url)
        return location is not None and location.truncated

    def lookup(self, url: str) -> Captured | None:
        """The last capture of ``url`` (None: not captured, or captured truncated)."""
        location = self.by_url.get(url)
        if location is None or location.truncated:
            return None
        protocol, status, headers, body = self._read(location)
        if location.rec_type == "revisit":
            original = self._original(location.digest)
            if original is None:
                logger.warning("revisit of %s: no capture holds payload %s", url, location.digest)
                return None
            body = self._read(original)[3]
        return Captured(url, location, protocol, status, headers, body)

    def _original(self, digest: str | None) -> Location | None:
        if digest is None:
            return None
        if digest not in self.by_digest and not self._extra_scanned:
            self._extra_scanned = True
            for path in self._resolve_from:
                self._scan(path, by_url=False)
        return self.by_digest.get(digest)

    @staticmethod
    def _read(location: Location) -> tuple[str, int, list[tuple[str, str]], bytes]:
        with location.path.open("rb") as handle:
            handle.seek(location.offset)
            record = next(iter(ArchiveIterator(handle)))
            http = record.http_headers
            body = record.raw_stream.read()  # as stored: content-encoded, not de-chunked again
        return (http.protocol, int(http.get_statuscode()), list(http.headers), body)
