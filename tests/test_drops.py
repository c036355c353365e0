"""Drop reasons of failed downloads: what a manifest's ``dropped`` says about each."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from twisted.python.failure import Failure

from newsarchive.drops import failure_reason
from newsarchive.middlewares.safety import PrivateAddressRefused


@pytest.mark.parametrize(("error", "reason"), [
    # Scrapy's messages (2.19): Content-Length above DOWNLOAD_MAXSIZE, then a streamed body
    # passing it (a cancelled Deferred, no message)
    (DownloadCancelledError("Expected to receive 17000000 bytes which is larger than download "
                            "max size (16777216) in request <GET http://a.test/>."), "too_large"),
    (DownloadCancelledError(""), "too_large"),
    (IgnoreRequest("Ignored response <200 http://a.test/> because its body (20 B compressed, "
                   "16777300 B decompressed so far) exceeded DOWNLOAD_MAXSIZE (16777216 B) during "
                   "decompression."), "decompression_limit"),
    (PrivateAddressRefused("refused private address 0x7f000001: http://0x7f000001/"),
     "refused_address"),
    (IgnoreRequest("Forbidden by robots.txt"), "robots_txt"),
    (IgnoreRequest("max redirections reached"), "redirect_loop"),
])
def test_failure_reasons(error: Exception, reason: str) -> None:
    assert failure_reason(Failure(error)) == reason
