"""The request handler the loopback servers share: HTTP/1.1, quiet, one way to send an answer.

``server.SiteHandler`` (the saved-page sites) and ``archive.ArchiveHandler`` (the Wayback-style
archive) both build on it, so both answer with the same headers.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Any


class LoopbackHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read stdout
        pass

    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        """One answer: status, Content-Type, Content-Length, ``headers``; the body unless HEAD."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
