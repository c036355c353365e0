"""A Wayback-style web archive on 127.0.0.1 (tests, benchmarks): a CDX server and raw ``id_`` replay.

Speaks the part of the Internet Archive's API newsarchive uses (and the Memento TimeMap at
``/web/timemap/link/<url>``):
``/cdx/search/cdx?url=U&output=json&fl=...&filter=[!]field:regex&closest=TS&sort=closest&limit=N
&from=TS&to=TS`` and ``/web/<timestamp>id_/<url>`` (an exact capture's bytes with a
``Memento-Datetime`` header; another timestamp redirects to the closest capture, as the Internet
Archive does). Every request is logged with its arrival time and the number of requests in flight;
``throttle`` answers the next requests with a status and headers first (429 + Retry-After),
``serve_only`` makes the server go away (close its socket) after that many requests, and
``delay`` makes every answer wait (the Internet Archive takes a second or more).
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from newsarchive.demo.handler import LoopbackHandler


@dataclass
class StoredCapture:
    timestamp: str  # 14 digits
    status: int = 200
    body: bytes = b""
    location: str | None = None  # for a captured redirect

    @property
    def digest(self) -> str:
        return hashlib.sha1(self.body + str(self.status).encode()).hexdigest().upper()


@dataclass
class LoggedRequest:
    at: float  # time.monotonic() on arrival
    path: str  # path and query
    in_flight: int  # requests being served at arrival, this one included
    status: int = 0


@dataclass
class ArchiveState:
    captures: dict[str, list[StoredCapture]] = field(default_factory=dict)
    log: list[LoggedRequest] = field(default_factory=list)
    throttle: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    serve_only: int | None = None  # go away after this many requests
    delay: float = 0.0  # seconds before each answer
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, url: str, timestamp: str, body: bytes | str = b"", status: int = 200,
            location: str | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.captures.setdefault(url, []).append(StoredCapture(timestamp, status, data, location))

    def requests(self, prefix: str = "") -> list[LoggedRequest]:
        with self.lock:
            return [entry for entry in self.log if entry.path.startswith(prefix)]


class ArchiveServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: ArchiveState) -> None:
        super().__init__(("127.0.0.1", 0), ArchiveHandler)
        self.state = state
        self.gone = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ArchiveHandler(LoopbackHandler):
    server: ArchiveServer

    def do_GET(self) -> None:
        if self.server.gone.is_set():  # a kept-alive connection to an archive that went away
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        state = self.server.state
        with state.lock:
            state.in_flight += 1
            entry = LoggedRequest(time.monotonic(), self.path, state.in_flight)
            state.log.append(entry)
            throttled = state.throttle.pop(0) if state.throttle else None
            last = state.serve_only is not None and len(state.log) >= state.serve_only
        try:
            if state.delay:
                time.sleep(state.delay)
            if throttled is not None:
                entry.status = throttled[0]
                self._send(throttled[0], b"slow down", "text/plain", throttled[1])
            else:
                entry.status = self._answer()
        finally:
            with state.lock:
                state.in_flight -= 1
        if last:  # the archive goes away: nothing listens on its port any more
            self.server.gone.set()
            self.close_connection = True
            threading.Thread(target=_close, args=(self.server,), daemon=True).start()

    def _answer(self) -> int:
        parts = urlsplit(self.path)
        if parts.path == "/cdx/search/cdx":
            return self._cdx(parse_qs(parts.query))
        if self.path.startswith("/web/timemap/link/"):
            return self._timemap(self.path[len("/web/timemap/link/"):])
        match = re.match(r"/web/(\d{14})id_/(.+)$", self.path)
        if match:
            return self._replay(match.group(1), match.group(2))
        self._send(404, b"not found", "text/plain")
        return 404

    def _cdx(self, query: dict[str, list[str]]) -> int:
        url = query.get("url", [""])[0]
        fields = query.get("fl", ["timestamp,original,statuscode,digest"])[0].split(",")
        captures = list(self.server.state.captures.get(url, []))
        for rule in query.get("filter", []):
            negate = rule.startswith("!")
            name, _, pattern = rule.lstrip("!").partition(":")
            captures = [c for c in captures
                        if bool(re.fullmatch(pattern, str(_field(c, url, name)))) != negate]
        if "to" in query:
            captures = [c for c in captures if c.timestamp <= query["to"][0].ljust(14, "9")]
        if "from" in query:
            captures = [c for c in captures if c.timestamp >= query["from"][0].ljust(14, "0")]
        closest = query.get("closest", [None])[0]
        if closest and query.get("sort", [""])[0] == "closest":
            target = _when(closest)
            captures.sort(key=lambda c: abs((_when(c.timestamp) - target).total_seconds()))
        else:
            captures.sort(key=lambda c: c.timestamp)
        if "limit" in query:
            captures = captures[: int(query["limit"][0])]
        rows: list[list[Any]] = [fields] if captures else []
        rows += [[str(_field(c, url, name)) for name in fields] for c in captures]
        self._send(200, json.dumps(rows).encode(), "application/json")
        return 200

    def _timemap(self, url: str) -> int:
        captures = sorted(self.server.state.captures.get(url, []), key=lambda c: c.timestamp)
        if not captures:
            self._send(404, b"", "application/link-format")
            return 404
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        links = [f'<{url}>; rel="original"']
        links += [f'<{base}/web/{c.timestamp}/{url}>; rel="memento"; '
                  f'datetime="{format_datetime(_when(c.timestamp), usegmt=True)}"' for c in captures]
        self._send(200, ",\n".join(links).encode(), "application/link-format")
        return 200

    def _replay(self, timestamp: str, url: str) -> int:
        captures = self.server.state.captures.get(url, [])
        exact = next((c for c in captures if c.timestamp == timestamp), None)
        if exact is None:
            if not captures:
                self._send(404, b"not in archive", "text/plain")
                return 404
            nearest = min(captures, key=lambda c: abs((_when(c.timestamp) - _when(timestamp))
                                                      .total_seconds()))
            self._send(302, b"", "text/plain",
                       {"Location": f"/web/{nearest.timestamp}id_/{url}"})
            return 302
        headers = {"Memento-Datetime": format_datetime(_when(exact.timestamp), usegmt=True)}
        if exact.location:
            headers["Location"] = exact.location
        self._send(exact.status, exact.body, "text/html; charset=utf-8", headers)
        return exact.status


def _field(capture: StoredCapture, url: str, name: str) -> Any:
    return {"timestamp": capture.timestamp, "original": url, "statuscode": capture.status,
            "digest": capture.digest, "mimetype": "text/html"}.get(name, "-")


def _when(timestamp: str) -> datetime:
    return datetime.strptime(timestamp.ljust(14, "0")[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def _close(server: ArchiveServer) -> None:
    server.shutdown()
    server.server_close()


@contextmanager
def archive_serving(state: ArchiveState) -> Iterator[ArchiveServer]:
    server = ArchiveServer(state)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        if not server.gone.is_set():
            _close(server)
