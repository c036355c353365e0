"""The loopback servers' shared answer (demo/handler.py): the site and the archive send alike."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from newsarchive.demo.archive import ArchiveState, StoredCapture, archive_serving
from newsarchive.demo.server import serving
from tests.conftest import DEMO_SITE

PAGE = "/news/election-result-2024.html"


def request(base: str, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, path)
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def test_site_answers_get_with_the_body_and_head_with_its_length_only() -> None:
    with serving(DEMO_SITE) as hosts:
        status, headers, body = request(hosts["outlet-c"], "GET", PAGE)
        assert status == 200 and b"<html" in body.lower() and b"{{host:" not in body
        assert headers["Content-Type"] == "text/html"
        assert headers["Content-Length"] == str(len(body))
        status, head_headers, head_body = request(hosts["outlet-c"], "HEAD", PAGE)
        assert status == 200 and head_body == b""
        assert head_headers["Content-Length"] == str(len(body))


def test_archive_answers_through_the_same_handler() -> None:
    state = ArchiveState()
    url = "https://outlet.example/story"
    state.captures[url] = [StoredCapture("20240305120000", body=b"<p>story</p>")]
    with archive_serving(state) as server:
        status, headers, body = request(server.base_url, "GET", f"/web/20240305120000id_/{url}")
        assert (status, body) == (200, b"<p>story</p>")
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Content-Length"] == "12"
        assert headers["Memento-Datetime"] == "Tue, 05 Mar 2024 12:00:00 GMT"
        status, headers, body = request(server.base_url, "GET", "/web/20240305120000id_/https://x.example/")
        assert (status, body, headers["Content-Length"]) == (404, b"not in archive", "14")
