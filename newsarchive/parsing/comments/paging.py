"""The other pages of an article's comments (WordPress ``/comment-page-N/`` and ``?cpage=N``,
Blogger ``?commentPage=N``, "Older/Newer comments" links that stay on the article)."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

from newsarchive.parsing.comments.markup import TAG
from newsarchive.parsing.text import clean_inline

# (href, label) of each link. The tag is atomic: it ends at its first ">" whichever href was
# taken, so when no "</a>" follows in time, trying the tag's later href attributes cannot help.
_ANCHOR = re.compile(
    r"<a\b(?>[^>]*?\bhref\s*=\s*[\"']([^\"'<>]+)[\"'][^>]*>)(.{0,300}?)</a\s*>",
    re.I | re.S,
)
_PAGING_HREF = re.compile(r"/comment-page-\d+|[?&](?:cpage|commentPage|comments_page)=\d+", re.I)
_PAGING_LABEL = re.compile(
    r"(older|newer|previous|next|more|ältere|neuere|vorherige|nächste|weitere)\s+"
    r"(comments|kommentare)|commentaires\s+(plus\s+)?(anciens|récents)|"
    r"(comentarios\s+(anteriores|más\s+recientes))",
    re.I,
)
# Supersets of the two above, tested on raw (unescaped, tagged) markup.
_PAGING_HREF_HINT = re.compile(r"comment-page-|cpage=|commentpage=|comments_page=", re.I)
_PAGING_LABEL_HINT = re.compile(r"ment", re.I)  # comments, kommentare, commentaires, comentarios
_PAGE_PARAMS = frozenset({"cpage", "commentpage", "comments_page", "page", "showcomment"})


def comment_page_urls(url: str, html: str) -> list[str]:
    """Absolute URLs (no fragment) of the other pages of this article's comments, in page order.

    Recognises WordPress ``/comment-page-N/`` and ``?cpage=N``, Blogger ``?commentPage=N``, and
    links labelled "Older/Newer comments" that stay on this article. Scans hrefs with a regex
    instead of parsing again: the page is already parsed once by ``extract_comments``.
    """
    if not html or not url:
        return []
    try:
        # Worked out at the first link that may be paging (7 µs; few pages have one).
        here: str | None = None
        this_page = ""
        found: dict[str, None] = {}
        for raw_href, raw_label in _ANCHOR.findall(html):
            # Cheap tests on the raw markup first: few of a page's hundreds of links qualify.
            # ``in`` on lower-cased text first (4 links a page pass it, of ~140): every hint has
            # "page" or "ment" in it, and no letter of those two has a case-insensitive twin
            # outside ASCII (as "k" and "s" have) that lower() or re.I would treat otherwise.
            if not ("ment" in raw_label.lower() or "page" in raw_href.lower()):
                continue
            if not (_PAGING_HREF_HINT.search(raw_href) or _PAGING_LABEL_HINT.search(raw_label)):
                continue
            href = html_lib.unescape(raw_href).strip()
            label = clean_inline(html_lib.unescape(TAG.sub(" ", raw_label)))
            is_paging = _PAGING_HREF.search(href) or _PAGING_LABEL.search(label)
            if not is_paging or href.startswith(("javascript:", "mailto:")):
                continue
            if here is None:
                here, this_page = _article_base(url), urldefrag(url)[0]
            absolute = urldefrag(urljoin(url, href))[0]
            if absolute == this_page or _article_base(absolute) != here:
                continue
            if absolute.split("//", 1)[-1] == this_page.split("//", 1)[-1]:
                continue
            found.setdefault(absolute, None)
        return list(found)
    except ValueError:
        return []


def _article_base(url: str) -> str:
    """The article a (comment page) URL belongs to: no comment-page part, paging or fragment."""
    parts = urlsplit(url)
    path = re.sub(r"/comment-page-\d+/?$", "/", parts.path).rstrip("/")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in _PAGE_PARAMS])
    host = parts.netloc.lower().removeprefix("www.")
    return urlunsplit(("", host, path, query, ""))
