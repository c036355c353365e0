"""Web-archive lookups as pure functions: CDX queries and answers, Memento TimeMaps, memento URLs.

A Wayback-style archive (the Internet Archive, pywb, OpenWayback) answers
``{base}/cdx/search/cdx?url=U&output=json&fl=...`` with a JSON array whose first row names the
fields, and replays a capture's original bytes at ``{base}/web/{14-digit timestamp}id_/{url}``
(``id_``: no rewriting, no toolbar). A Memento TimeMap (RFC 7089, ``application/link-format``)
lists the same captures as ``<uri-m>; rel="memento"; datetime="..."`` links.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

CDX_FIELDS = ("timestamp", "original", "statuscode", "digest")
TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"
MEMENTO_RE = re.compile(r"/web/(\d{4,14})(?:[a-z]{2}_)?/(.+)$")


@dataclass(frozen=True)
class Capture:
    """One capture of a URL in a web archive."""

    timestamp: str  # 14 digits, UTC
    original: str  # the URL as captured
    status: int | None = None
    digest: str | None = None

    @property
    def when(self) -> datetime:
        return parse_timestamp(self.timestamp)


class BadArchiveAnswer(ValueError):
    """The archive's answer is not a CDX / TimeMap listing."""


def to_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(timestamp: str) -> datetime:
    """A 4- to 14-digit Wayback timestamp (missing parts are the earliest) as a UTC datetime."""
    padded = (timestamp + "0101000000"[max(0, len(timestamp) - 4):])[:14]
    return datetime.strptime(padded, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


def cdx_query_url(base: str, url: str, target: datetime, limit: int,
                  before: datetime | None = None) -> str:
    """The CDX query for ``url``'s 200 captures, closest to ``target`` first, at most ``limit``;
    with ``before``, only captures up to that moment (``to=``)."""
    params = [
        ("url", url),
        ("output", "json"),
        ("filter", "statuscode:200"),
        ("fl", ",".join(CDX_FIELDS)),
        ("closest", to_timestamp(target)),
        ("sort", "closest"),
        ("limit", str(limit)),
    ]
    if before is not None:
        params.append(("to", to_timestamp(before)))
    return f"{base.rstrip('/')}/cdx/search/cdx?{urlencode(params)}"


def timemap_url(base: str, url: str) -> str:
    """The URL's Memento TimeMap in link format, at the Wayback Machine's place for it."""
    return f"{base.rstrip('/')}/web/timemap/link/{url}"


def memento_url(base: str, capture: Capture, raw: bool = True) -> str:
    """``{base}/web/{timestamp}id_/{original}`` (raw bytes) or the replay URL (``raw=False``)."""
    flag = "id_" if raw else ""
    return f"{base.rstrip('/')}/web/{capture.timestamp}{flag}/{capture.original}"


def memento_parts(url: str) -> tuple[str, str] | None:
    """(timestamp, original URL) of a ``/web/<timestamp>[xx_]/<url>`` memento URL, else None."""
    match = MEMENTO_RE.search(url)
    return (match.group(1), match.group(2)) if match else None


def parse_cdx_json(body: bytes | str) -> list[Capture]:
    """Captures listed by a CDX JSON answer (``output=json``; the first row names the fields).

    Rows whose status is not 200 are left out even if the archive ignored the filter."""
    try:
        rows = json.loads(body or b"[]")
    except ValueError as error:
        raise BadArchiveAnswer(f"CDX answer is not JSON: {error}") from None
    if not isinstance(rows, list) or (rows and not isinstance(rows[0], list)):
        raise BadArchiveAnswer("CDX answer is not a JSON array of rows")
    if not rows:
        return []
    header = [str(name) for name in rows[0]]
    if "timestamp" not in header or "original" not in header:
        raise BadArchiveAnswer(f"CDX answer lacks timestamp/original fields: {header}")
    captures = []
    for row in rows[1:]:
        if not isinstance(row, list) or len(row) != len(header):
            continue
        fields = dict(zip(header, (str(value) for value in row), strict=True))
        capture = _capture(fields["timestamp"], fields["original"], fields.get("statuscode"),
                           fields.get("digest"))
        if capture is not None and capture.status in (None, 200):
            captures.append(capture)
    return captures


def _capture(timestamp: str, original: str, status: str | None, digest: str | None) -> Capture | None:
    if not re.fullmatch(r"\d{14}", timestamp) or not original.startswith(("http://", "https://")):
        return None
    code = int(status) if status and status.isdigit() else None
    return Capture(timestamp, original, code, digest or None)


LINK_RE = re.compile(r"<([^>]*)>((?:\s*;\s*[\w.-]+\s*=\s*(?:\"[^\"]*\"|[^;,\s]+))*)")
PARAM_RE = re.compile(r";\s*([\w.-]+)\s*=\s*(?:\"([^\"]*)\"|([^;,\s]+))")


def parse_timemap(body: bytes | str) -> list[Capture]:
    """Captures listed by a Memento TimeMap in link format (RFC 7089 §5.1.1), oldest first.

    A TimeMap lists every memento whatever its status; the replay answer says the rest."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    captures = []
    for match in LINK_RE.finditer(text):
        params = {name.lower(): quoted or bare for name, quoted, bare in PARAM_RE.findall(match.group(2))}
        if "memento" not in params.get("rel", "").split() or "datetime" not in params:
            continue
        parts = memento_parts(match.group(1))
        if parts is None:
            continue
        try:
            moment = parsedate_to_datetime(params["datetime"])
        except (TypeError, ValueError):
            continue
        capture = _capture(to_timestamp(moment), parts[1], None, None)
        if capture is not None:
            captures.append(capture)
    return sorted(captures, key=lambda c: c.timestamp)


def order_captures(captures: Iterable[Capture], target: datetime,
                   before: datetime | None = None) -> list[Capture]:
    """Captures to try, best first: closest to ``target`` (ties: the earlier); with ``before``,
    only those up to it, newest first. One capture per digest (the same bytes twice is one try)."""
    chosen = [c for c in captures if before is None or c.when <= before]
    chosen.sort(key=lambda c: (abs((c.when - target).total_seconds()), c.timestamp))
    seen: set[str] = set()
    result = []
    for capture in chosen:
        if capture.digest is not None:
            if capture.digest in seen:
                continue
            seen.add(capture.digest)
        result.append(capture)
    return result


def memento_datetime(header: bytes | str | None, timestamp: str) -> str:
    """The memento's datetime (UTC ISO 8601): the ``Memento-Datetime`` header, else the
    timestamp in its URL."""
    if header:
        text = header.decode("latin-1") if isinstance(header, bytes) else header
        try:
            return parsedate_to_datetime(text).astimezone(UTC).isoformat(timespec="seconds")
        except (TypeError, ValueError):
            pass
    return parse_timestamp(timestamp).isoformat(timespec="seconds")
