"""Serve folders of saved pages as several "hosts" on 127.0.0.1 (one port each).

Used by the offline demo, the tests and the benchmarks. Layout of ``root``: one sub-folder per
host (``root/events/``, ``root/outlet-a/``...). In text files, ``{{host:NAME}}`` is replaced by that
host's base URL (``http://127.0.0.1:PORT``), so pages can link across hosts whose ports are only
known at start. ``root/<host>/_routes.json`` maps paths to special answers, for the bad inputs a
crawler meets on the web::

    {"/gone": {"status": 404},
     "/moved": {"status": 301, "location": "{{host:outlet-a}}/story"},
     "/slow": {"delay": 5, "file": "story.html"},
     "/legacy": {"file": "legacy.html", "headers": {"Content-Type": "text/html; charset=shift_jis"}},
     "/hang": {"hang": true}}

``/__hits`` answers how often each path was requested, ``/__headers`` the headers of each path's
last request (what a crawler sent: User-Agent...), ``/__not_modified`` how often each path was
answered ``304 Not Modified``.

Files are served with an ``ETag`` (a hash of the bytes served) and a ``Last-Modified`` (the
file's mtime), and conditional requests are honoured as a static web server does
(``If-None-Match`` first, else ``If-Modified-Since``); a route's ``"validators"`` lists which of
``"etag"`` and ``"last-modified"`` the path sends (both by default; ``[]`` for none).

``python -m newsarchive.demo.server ROOT [ROOT...]`` prints ``{"host": "base url", ...}`` as one JSON line,
then serves until stopped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from newsarchive.demo.handler import LoopbackHandler

PLACEHOLDER = re.compile(r"\{\{host:([\w.-]+)\}\}")
TEXT_TYPES = {".md": "text/markdown; charset=utf-8", ".html": "text/html", ".htm": "text/html",
              ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
              ".json": "application/json", ".rss": "application/rss+xml",
              ".atom": "application/atom+xml"}


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # a crawler opens dozens of connections at once; 5 drops some

    def __init__(
        self,
        address: tuple[str, int],
        folder: Path,
        hosts: dict[str, str],
        handler: type[BaseHTTPRequestHandler] | None = None,
    ) -> None:
        super().__init__(address, handler or SiteHandler)
        self.folder = folder
        self.hosts = hosts
        routes_file = folder / "_routes.json"
        self.routes: dict[str, dict[str, Any]] = (
            json.loads(routes_file.read_text("utf-8")) if routes_file.exists() else {}
        )
        self.hits: dict[str, int] = {}
        self.request_headers: dict[str, dict[str, str]] = {}  # path -> headers of its last request
        self.not_modified: dict[str, int] = {}  # path -> 304 answers
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a crawl stopped or timed out) is not a server error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def substitute(self, data: bytes) -> bytes:
        def base(match: re.Match[bytes]) -> bytes:
            return self.hosts.get(match.group(1).decode(), match.group(0).decode()).encode()

        return re.sub(PLACEHOLDER.pattern.encode(), base, data)


class SiteHandler(LoopbackHandler):
    server: SiteServer

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        with self.server.lock:
            self.server.hits[path] = self.server.hits.get(path, 0) + 1
            self.server.request_headers[path] = dict(self.headers.items())
        if path in ("/__hits", "/__headers", "/__not_modified"):
            data = {"/__hits": self.server.hits, "/__headers": self.server.request_headers,
                    "/__not_modified": self.server.not_modified}[path]
            self._send(200, json.dumps(data).encode(), "application/json")
            return
        route = self.server.routes.get(path) or self.server.routes.get(self.path) or {}
        if route.get("hang"):
            time.sleep(3600)
            return
        if route.get("delay"):
            time.sleep(float(route["delay"]))
        status = int(route.get("status", 200))
        headers = dict(route.get("headers", {}))
        if "location" in route:
            location = self.server.substitute(route["location"].encode()).decode()
            self._send(status, b"", "text/html", {"Location": location, **headers})
            return
        file_name = route.get("file") or path.lstrip("/")
        target = (self.server.folder / file_name).resolve()
        if target.is_dir():
            target = target / "index.html"
        if status == 200 and (not _inside(target, self.server.folder) or not target.is_file()):
            status = 404
        if status != 200 and not target.is_file():
            self._send(status, b"<html><body><h1>Error</h1></body></html>", "text/html", headers)
            return
        data = target.read_bytes()
        content_type = headers.pop("Content-Type", None) or TEXT_TYPES.get(target.suffix.lower())
        if content_type is None:
            content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if not route.get("raw") and _is_text(content_type):
            data = self.server.substitute(data)
        if status == 200:
            validators = route.get("validators", ("etag", "last-modified"))
            mtime = int(target.stat().st_mtime)
            if "etag" in validators:
                headers.setdefault("ETag", '"' + hashlib.sha256(data).hexdigest()[:16] + '"')
            if "last-modified" in validators:
                headers.setdefault("Last-Modified", formatdate(mtime, usegmt=True))
            if self._not_modified(headers.get("ETag"), mtime if "last-modified" in validators
                                  else None):
                with self.server.lock:
                    self.server.not_modified[path] = self.server.not_modified.get(path, 0) + 1
                self._send(304, b"", content_type, headers)
                return
        self._send(status, data, content_type, headers)

    def _not_modified(self, etag: str | None, mtime: int | None) -> bool:
        """RFC 9110 §13.2.2: ``If-None-Match`` (weak comparison) decides when sent, else
        ``If-Modified-Since``."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return etag is not None and ("*" in tags or etag.removeprefix("W/") in tags)
        since = self.headers.get("If-Modified-Since")
        if since is None or mtime is None:
            return False
        try:
            return mtime <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _is_text(content_type: str) -> bool:
    return content_type.startswith("text/") or "xml" in content_type or "json" in content_type


def host_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def start_servers(
    *roots: Path, address: str = "127.0.0.1", handler: type[SiteHandler] | None = None,
    base_port: int = 0,
) -> tuple[dict[str, str], list[SiteServer]]:
    """Bind every host of every root (so all base URLs are known), then serve.

    Each host gets a free port, or with ``base_port`` the port ``base_port + i`` for the i-th
    host in name order: the same URLs on every start, which the demo needs (a record's id is
    its URL's). ``OSError`` when one of those ports is taken.
    """
    hosts: dict[str, str] = {}
    folders = [folder for root in roots for folder in host_folders(Path(root))]
    servers: list[SiteServer] = []
    try:
        for i, folder in enumerate(folders):
            port = base_port + i if base_port else 0
            servers.append(SiteServer((address, port), folder.resolve(), hosts, handler))
    except OSError:
        for server in servers:
            server.server_close()
        raise
    for server in servers:
        hosts[server.folder.name] = f"http://{address}:{server.server_address[1]}"
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return hosts, servers


@contextmanager
def serving(
    *roots: Path, handler: type[SiteHandler] | None = None, base_port: int = 0
) -> Iterator[dict[str, str]]:
    """Serve the hosts under ``roots`` in this process (threads) for the duration of the block."""
    with serving_servers(*roots, handler=handler, base_port=base_port) as (hosts, _servers):
        yield hosts


@contextmanager
def serving_servers(
    *roots: Path, handler: type[SiteHandler] | None = None, base_port: int = 0
) -> Iterator[tuple[dict[str, str], dict[str, SiteServer]]]:
    """``serving``, with each host's server too (by host name): tests change a server's
    ``routes`` between two crawls."""
    hosts, servers = start_servers(*roots, handler=handler, base_port=base_port)
    try:
        yield hosts, {server.folder.name: server for server in servers}
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsarchive.demo.server",
        description="Serve folders of saved pages as hosts on 127.0.0.1; prints their base URLs.")
    parser.add_argument("roots", nargs="+", type=Path, metavar="ROOT",
                        help="a folder with one sub-folder per host (newsarchive/demo/site)")
    roots = parser.parse_args(argv).roots
    for root in roots:
        if not root.is_dir():
            parser.error(f"{root}: not a folder")
    hosts, _servers = start_servers(*roots)
    sys.stdout.write(json.dumps(hosts) + "\n")
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
