"""What goes into the WARC for one Scrapy exchange: plain values, built on the reactor thread.

The HTTP message is rebuilt from what Scrapy kept, because Scrapy (Twisted) never exposes the
raw bytes of the status line and headers:

- status line: the protocol Scrapy saw (``HTTP/1.1``), the code, the standard reason phrase;
- headers: names as Twisted canonicalizes them, every value kept. Twisted hides the
  connection-level headers (``Transfer-Encoding``, ``Connection``, ``Keep-Alive``): the body
  Scrapy hands over is the de-chunked entity body, still content-encoded (captured before
  ``HttpCompressionMiddleware``), and that is what the record holds. When the server sent no
  ``Content-Length`` (chunked or close-delimited), the record gets one with the length of that
  body, so the message is self-consistent and replays as one; the payload digest is over the
  entity body with the transfer coding removed, as WARC 1.1 (§6.3.2) defines it;
- request: method, path and the headers Scrapy sent (Twisted adds ``Host``; it is recorded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlsplit

from scrapy.http import Request, Response

Headers = list[tuple[str, str]]


@dataclass
class Exchange:
    """One request and its response, ready for the writer."""

    url: str
    request_line: str
    request_headers: Headers
    request_body: bytes
    protocol: str  # HTTP/1.1
    status_line: str  # 200 OK
    status: int
    response_headers: Headers
    body: bytes
    date: str  # WARC-Date, UTC, ISO 8601 with microseconds
    record_id: str  # WARC-Record-ID of the response (or revisit) record, ``<urn:uuid:...>``
    truncated: str | None = None  # WARC-Truncated reason: "length", "disconnect"...
    extra_fields: Headers = field(default_factory=list)  # more WARC named fields


def _decode(value: bytes | str) -> str:
    return value if isinstance(value, str) else value.decode("latin-1")


def header_list(headers: object) -> Headers:
    """Scrapy ``Headers`` (a case-insensitive dict of lists) as (name, value) pairs."""
    pairs: Headers = []
    for name, values in headers.items():  # type: ignore[attr-defined]
        for value in values:
            pairs.append((_decode(name), _decode(value)))
    return pairs


def request_parts(request: Request) -> tuple[str, Headers, bytes]:
    parts = urlsplit(request.url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = header_list(request.headers)
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    body = request.body or b""
    if body and not any(name.lower() == "content-length" for name, _ in headers):
        headers.append(("Content-Length", str(len(body))))
    return f"{request.method} {target} HTTP/1.1", headers, body


def response_parts(response: Response) -> tuple[str, str, Headers]:
    """(protocol, status line after it, headers)."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    if not protocol.startswith("HTTP/"):
        protocol = "HTTP/1.1"
    headers = header_list(response.headers)
    if not any(name.lower() == "content-length" for name, _ in headers):
        headers.append(("Content-Length", str(len(response.body))))
    return protocol, f"{response.status} {reason}", headers
