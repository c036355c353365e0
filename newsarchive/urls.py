"""URL identity: canonical forms and deterministic record ids.

w3lib does the heavy lifting (percent-encoding, query order, fragments, default ports). On top,
the *identity key* ignores what does not change which story a URL points at: tracking parameters,
``www.``, and http vs https. Ids are the first 16 hex digits of SHA-256 over that key (docs/records.md).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that only track the click, never select content. Extendable by setting.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
        "mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "ref_url", "cmpid", "ito", "smid", "sr_share",
        "__twitter_impression", "ocid", "s_cid", "ncid", "ns_mchannel", "ns_source", "ns_campaign",
        "ns_linkname", "ns_fee", "spm", "share", "mkt_tok", "vero_id", "oly_enc_id", "oly_anon_id",
    }
)
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "pk_", "mtm_", "hsa_")

_DEFAULT_PORTS = {"http": 80, "https": 443}


def record_id(*parts: str) -> str:
    """Deterministic id: first 16 hex digits of SHA-256 over the parts."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:16]


def is_tracking_param(name: str, extra: Iterable[str] = ()) -> bool:
    lowered = name.lower()
    return (
        lowered in TRACKING_PARAMS
        or lowered.startswith(TRACKING_PREFIXES)
        or lowered in {e.lower() for e in extra}
    )


def strip_tracking(url: str, extra: Iterable[str] = ()) -> str:
    """Remove tracking query parameters, keeping the others in their order."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    extra = tuple(extra)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not is_tracking_param(k, extra)]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def canonical_url(url: str, extra_tracking: Iterable[str] = ()) -> str:
    """The URL as it should be stored: canonicalized, no fragment, no tracking parameters."""
    url = strip_tracking(url.strip(), extra_tracking)
    canon = canonicalize_url(url, keep_fragments=False)
    parts = urlsplit(canon)
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS.get(parts.scheme) else f"{host}:{port}"
    path = parts.path or "/"
    return urlunsplit((parts.scheme, netloc, path, parts.query, ""))


_WWW = re.compile(r"^www\d?\.")

# AMP renderings of a story (https://amp.dev/documentation/guides-and-tutorials/optimize-and-measure/discovery):
# an ``amp.`` host, an ``amp`` path segment at the start or end of the path (``/amp/story``,
# ``/story/amp/``, WordPress AMP plugin), ``.amp`` before the extension (``story.amp.html``), and
# the ``amp``/``outputType=amp`` query switches. Only whole segments, so ``/amplifiers/`` stays.
_AMP_HOST = re.compile(r"^amp\.")
_AMP_PATH = re.compile(r"^/amp(?=/)|/amp/?$|\.amp(?=\.html?$|$)")
_AMP_QUERY = {("amp", ""), ("amp", "1"), ("amp", "true"), ("outputtype", "amp"), ("output", "amp")}
# Google's AMP cache serves https://<host-with-dashes>.cdn.ampproject.org/c/s/<host>/<path>.
_AMP_CACHE = re.compile(r"^/[cvi]/(?P<secure>s/)?(?P<rest>[^/]+/.*)$")


def _unwrap_amp_cache(url: str) -> str:
    parts = urlsplit(url)
    if not (parts.hostname or "").endswith(".cdn.ampproject.org"):
        return url
    match = _AMP_CACHE.match(parts.path)
    if match is None:
        return url
    scheme = "https" if match.group("secure") else "http"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{match.group('rest')}{query}"


def _drop_amp(netloc: str, path: str, query: str) -> tuple[str, str, str]:
    netloc = _AMP_HOST.sub("", netloc)
    path = _AMP_PATH.sub("", path) or "/"
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if (k.lower(), v.lower()) not in _AMP_QUERY]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    return netloc, path, query


def url_key(url: str, extra_tracking: Iterable[str] = ()) -> str:
    """Identity key: canonical URL without scheme, ``www.`` and AMP markers (http/https, www
    and the AMP rendering are one story)."""
    return _url_key(url, tuple(extra_tracking))


# A crawl asks for the key of one URL about three times (the event page's sources, the article
# request, the fetched page, the pipelines): 1,110 calls for 392 URLs in a 300-page crawl, at
# ~40 µs each. A pure function of its arguments (errors are not cached: they raise each time).
@lru_cache(maxsize=4096)
def _url_key(url: str, extra_tracking: tuple[str, ...]) -> str:
    parts = urlsplit(canonical_url(_unwrap_amp_cache(url.strip()), extra_tracking))
    netloc, path, query = _drop_amp(parts.netloc, parts.path, parts.query)
    netloc = _WWW.sub("", netloc)
    path = path.rstrip("/") or "/"
    return urlunsplit(("", netloc, path, query, "")).lstrip("/")


def url_id(url: str, extra_tracking: Iterable[str] = ()) -> str:
    """Record id of an article or event page."""
    return record_id(url_key(url, extra_tracking))
