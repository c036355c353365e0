"""Bot walls (``parsing/bot_wall.py``): the challenge and block pages of the bot-protection
services news sites use, modelled on the pages they serve, against article pages that merely
use such a service or talk about one."""

from __future__ import annotations

import re

import pytest

from newsarchive.parsing.bot_wall import SMALL_PAGE, bot_wall
from tests.conftest import DEMO_SITE, FIXTURES

WALLS = FIXTURES / "bot_walls"
ARTICLE = (DEMO_SITE / "outlet-a" / "2024" / "03" / "05" / "dam-collapse-kills-twelve.html"
           ).read_text("utf-8")
# what Cloudflare's bot management adds to every page of a site it protects
CF_DETECTION = '<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script>'


@pytest.mark.parametrize(("page", "vendor"), [
    ("cloudflare_challenge.html", "cloudflare"), ("cloudflare_block.html", "cloudflare"),
    ("datadome.html", "datadome"), ("perimeterx.html", "perimeterx"),
    ("imperva.html", "imperva"), ("akamai.html", "akamai"),
])
def test_each_service_wall_is_recognised(page: str, vendor: str) -> None:
    assert bot_wall((WALLS / page).read_text("utf-8")) == vendor


@pytest.mark.parametrize(("title", "vendor"), [
    ("Sucuri WebSite Firewall - Access Denied", "sucuri"), ("DDoS-Guard", "ddos-guard"),
])
def test_walls_known_by_their_title_and_name(title: str, vendor: str) -> None:
    page = (f"<html><head><title>{title}</title></head><body><h1>Access denied</h1>"
            f"<p>Blocked by {vendor}.net: your request looked automated.</p></body></html>")
    assert bot_wall(page) == vendor


def test_an_article_on_a_protected_site_is_no_wall() -> None:
    assert bot_wall(ARTICLE.replace("</head>", CF_DETECTION + "</head>")) is None
    assert bot_wall(ARTICLE) is None


def test_a_post_titled_like_a_challenge_is_no_wall() -> None:
    page = re.sub(r"<title>.*?</title>", "<title>Just a moment...</title>", ARTICLE, count=1,
                  flags=re.S).replace("</head>", CF_DETECTION + "</head>")
    assert "<title>Just a moment...</title>" in page
    assert bot_wall(page) is None


def test_an_article_about_a_service_is_no_wall() -> None:
    """A short article (the demo's is 18 K characters, under ``SMALL_PAGE``) quoting the
    services' block pages, their markup escaped as an article's text is."""
    mentions = ("<p>DataDome's block page is <code>var dd={'rt':'c'}&lt;/script&gt;&lt;script "
                'src="https://ct.captcha-delivery.com/c.js"&gt;&lt;/script&gt;</code>; Imperva\'s '
                "says 'Request unsuccessful. Incapsula incident ID' in an "
                '<code>&lt;iframe id="main-iframe" src="/_Incapsula_Resource?..."&gt;</code></p>')
    page = ARTICLE.replace("</body>", mentions + "</body>")
    assert len(page) <= SMALL_PAGE
    assert bot_wall(page) is None


def test_a_small_page_without_a_service_is_no_wall() -> None:
    assert bot_wall("<html><head><title>Access Denied</title></head>"
                    "<body>Members only.</body></html>") is None
    assert bot_wall("") is None


def test_the_title_is_read_whatever_its_case_and_spacing() -> None:
    page = (WALLS / "cloudflare_challenge.html").read_text("utf-8").replace(
        "<title>Just a moment...</title>", "<TITLE>\n  Just a moment...\n</TITLE>")
    assert bot_wall(page) == "cloudflare"
