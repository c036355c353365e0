"""A loopback event site whose sources come over the wire in every shape the capture must keep.

Built in a temporary folder from the demo site's articles: one event (2024-03-05) citing an
outlet that serves a plain page, a gzip-encoded page (``Content-Encoding: gzip``, sent as is), a
chunked page (``Transfer-Encoding: chunked``, no ``Content-Length``), a 301 to a page, a
windows-1251 page, and two pages past ``MAXSIZE``: one announcing its length, one chunked. The
pages are written after the servers have their ports, so their links are real URLs and the
bytes on disk are the bytes sent (``raw`` routes: no substitution).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from newsarchive.demo.server import SiteHandler, SiteServer, start_servers

DEMO = Path(__file__).resolve().parent.parent / "newsarchive" / "demo" / "site"
MAXSIZE = 64 * 1024
DAY = "2024-03-05"
EVENT_PATH = "/news/2024/03/5/capture-test.md"
INDEX_PATH = "/news/2024/03/5/index.md"
SOURCES = {  # outlet path -> demo article it is made from
    "/plain.html": "outlet-c/news/election-result-2024.html",
    "/gzip.html": "outlet-c/news/storm-warning-issued.html",
    "/chunked.html": "outlet-c/news/summit-leaders-arrive.html",
    "/target.html": "outlet-b/2024/03/02/forecast-warns-of-heavy-rain/index.html",
    "/legacy.html": "outlet-a/2024/03/05/dam-collapse-kills-twelve.html",
    "/huge.html": "outlet-b/2024/03/05/dam-failure-eyewitness/index.html",
    "/huge-chunked.html": "outlet-b/2024/03/05/summit-opens/index.html",
}
LINKED = ["/plain.html", "/gzip.html", "/chunked.html", "/moved", "/legacy.html", "/huge.html",
          "/huge-chunked.html"]
ARCHIVED = ["/plain.html", "/gzip.html", "/chunked.html", "/target.html", "/legacy.html"]
TRUNCATED = ["/huge.html", "/huge-chunked.html"]
CYRILLIC = "Жители долины говорят, что сирены не звучали."


class CaptureSiteHandler(SiteHandler):
    """The demo server's handler, plus ``"chunked": true`` routes sent chunk by chunk."""

    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        route = self.server.routes.get(urlsplit(self.path).path, {})
        if not route.get("chunked"):
            super()._send(status, body, content_type, headers)
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            for start in range(0, len(body), 4096):
                chunk = body[start:start + 4096]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except ConnectionError:  # the crawler cut a page past its size limit
            pass


@dataclass
class CaptureSite:
    hosts: dict[str, str]
    servers: dict[str, SiteServer]
    root: Path

    @property
    def events(self) -> str:
        return self.hosts["events"]

    def url(self, path: str) -> str:
        return self.hosts["outlet"] + path


def _article(name: str) -> str:
    html = (DEMO / name).read_text("utf-8")
    # the copies live at other URLs: their canonical/og:url links would name the demo's
    html = re.sub(r'<link rel="canonical"[^>]*>', "", html)
    return re.sub(r'<meta property="og:url"[^>]*>', "", html)


def build(root: Path) -> None:
    """Folders and routes (read when the servers start); pages come in ``write_pages``."""
    for host in ("events", "outlet"):
        (root / host).mkdir(parents=True)
        (root / host / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    routes = {
        "/gzip.html": {"file": "gzip.html.gz", "raw": True,
                       "headers": {"Content-Type": "text/html; charset=utf-8",
                                   "Content-Encoding": "gzip"}},
        "/chunked.html": {"file": "chunked.html", "raw": True, "chunked": True},
        "/moved": {"status": 301, "location": "{{host:outlet}}/target.html"},
        "/legacy.html": {"file": "legacy.html", "raw": True,
                         "headers": {"Content-Type": "text/html; charset=windows-1251"}},
        "/huge-chunked.html": {"file": "huge-chunked.html", "raw": True, "chunked": True},
    }
    for path in ("/plain.html", "/target.html", "/huge.html"):
        routes[path] = {"file": path.lstrip("/"), "raw": True}
    (root / "outlet" / "_routes.json").write_text(json.dumps(routes, indent=1))


def write_pages(root: Path, hosts: dict[str, str]) -> None:
    outlet = root / "outlet"
    for path, name in SOURCES.items():
        html = _article(name)
        if path == "/legacy.html":
            html = html.replace("<head>", '<head><meta charset="windows-1251">', 1)
            html = re.sub(r'<meta charset="utf-8">', "", html, flags=re.IGNORECASE)
            body_at = html.index("</p>", html.index("story-body"))
            html = html[:body_at] + f"</p>\n<p>{CYRILLIC}" + html[body_at:]
            (outlet / "legacy.html").write_bytes(html.encode("cp1251", "replace"))
            continue
        if path.startswith("/huge"):
            html = html.replace("</body>", "<!--" + "x" * (2 * MAXSIZE) + "--></body>")
        data = html.encode("utf-8")
        if path == "/gzip.html":
            (outlet / "gzip.html.gz").write_bytes(gzip.compress(data, mtime=0))
        else:
            (outlet / path.lstrip("/")).write_bytes(data)
    sources = "\n".join(f"1. [Outlet {i}]({hosts['outlet']}{path})" for i, path in enumerate(LINKED))
    event = (f"### [2024-03-5]({INDEX_PATH})\n\n# Capture test: one story, every wire shape\n\n"
             "A story whose sources come gzip-encoded, chunked, redirected, in windows-1251 and "
             f"too large.\n\n### Source:\n\n{sources}\n")
    day = root / "events" / "news" / "2024" / "03" / "5"
    day.mkdir(parents=True, exist_ok=True)
    (day / "capture-test.md").write_text(event, "utf-8")
    (day / "index.md").write_text(f"# Events of 5 March 2024\n\n- [Capture test]({EVENT_PATH})\n")


@contextmanager
def capture_site(root: Path) -> Iterator[CaptureSite]:
    build(root)
    hosts, servers = start_servers(root, handler=CaptureSiteHandler)
    try:
        write_pages(root, hosts)
        yield CaptureSite(hosts, {s.folder.name: s for s in servers}, root)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
