"""Bot walls: a page that answers 200 with a bot-protection challenge or block instead of the article.

News sites sit behind Cloudflare, DataDome, PerimeterX (HUMAN), Imperva, Akamai, Sucuri or
DDoS-Guard, which answer a crawler they distrust with a challenge page for an hour or a day;
mostly with a 403 or a 503 (failures that may pass, ``drops.is_transient``), but sometimes with a
200. Extraction then finds no article in it, and the source was settled as a soft-404
(``soft404_no_article``), its day counted as read: the article lost for good. A page found here is
instead a dead source of kind ``bot_wall``, a failure that may pass: looked up in a web archive,
and its day read again next run.

Pure functions over the page's text, no Scrapy; checked in the crawl process with the soft-404
tells, so they read the title in the page head and search for a vendor's marker only when the
title is a wall's or the page is small (a wall is a few kilobytes, an article page tens or
hundreds). Each vendor's tell is a pair: a wall's title and the challenge's own script or element,
or a marker that only its block page carries on a small page. A page that merely uses the vendor
(Cloudflare's bot-detection script on every page, DataDome's tag) or an article about one is no
wall. Hand-written: no library recognises these pages.
"""

from __future__ import annotations

from newsarchive.parsing.soft404 import HEAD_CHARS, TITLE_RE, clean_title

SMALL_PAGE = 30_000  # characters: a block page is a few thousand, a news page tens of thousands
# (vendor, wall titles (lower case, whitespace collapsed), markers in the page (lower case))
TITLED_WALLS: tuple[tuple[str, frozenset[str], tuple[str, ...]], ...] = (
    ("cloudflare", frozenset({"just a moment...", "attention required! | cloudflare",
                              "please wait... | cloudflare", "one moment, please..."}),
     # the challenge's own script and elements; not /cdn-cgi/challenge-platform/scripts/jsd/,
     # the bot-detection script Cloudflare adds to every page of a site
     ("_cf_chl_opt", "/cdn-cgi/challenge-platform/h/", "cf-browser-verification",
      "challenge-error-text", "cf-error-details")),
    ("perimeterx", frozenset({"access to this page has been denied",
                              "access to this page has been denied."}),
     ("px-captcha", "_pxappid", "perimeterx")),
    ("akamai", frozenset({"access denied"}), ("edgesuite",)),  # its error host, entity-spelled
    ("sucuri", frozenset({"sucuri website firewall - access denied",
                          "sucuri website firewall - cloudproxy - access denied"}),
     ("sucuri",)),
    ("ddos-guard", frozenset({"ddos-guard"}), ("ddos-guard",)),
)
# (vendor, markers all of which a small page must hold): block pages whose title is the site's
# own. Each marker is a piece of markup, with a "<" or ">": an article quoting such a page holds
# it escaped (&lt; &gt;), as text must be.
SMALL_WALLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("datadome", ('captcha-delivery.com/c.js"></script>',)),
    ("imperva", ('<iframe id="main-iframe" src="/_incapsula_resource?',)),
)


def bot_wall(html: str) -> str | None:
    """The vendor whose challenge or block page this is ("cloudflare", "datadome"...), or None."""
    match = TITLE_RE.search(html, 0, HEAD_CHARS)
    title = clean_title(match.group(1)).lower() if match else ""
    small = len(html) <= SMALL_PAGE
    titled = [wall for wall in TITLED_WALLS if title in wall[1]]
    if not titled and not small:
        return None
    page = html.lower()
    for vendor, _titles, markers in titled:
        if any(marker in page for marker in markers):
            return vendor
    if small:
        for vendor, needed in SMALL_WALLS:
            if all(marker in page for marker in needed):
                return vendor
    return None
