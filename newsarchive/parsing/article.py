"""Article body text and metadata: (url, html) → ArticleContent (a ``PageMetadata`` and the body).

trafilatura finds the body (one ``bare_extraction`` call per page, options built once below). For
metadata the page's own declarations (JSON-LD, OpenGraph, meta tags, microdata; see
``metadata.py``) win over trafilatura's guesses, which remain the fallback for every field.
The tuning choices below were measured with ``benchmarks/quality.py`` on a corpus of ~950 real
pages; the figures are in that script's docstring.
"""

from __future__ import annotations

import re
from copy import copy
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement
from trafilatura import bare_extraction, utils
from trafilatura.settings import Extractor

from newsarchive.parsing import (
    boilerplate,
    control_chars,
    date_languages,
    fallbacks,
    fast_xpaths,
    guesses,
)
from newsarchive.parsing import metadata as md
from newsarchive.parsing.dates import iso_datetime
from newsarchive.parsing.text import clean_block, clean_inline


class NotAnArticle(ValueError):
    """The input is empty or not HTML at all (binary data, plain text): nothing to extract."""


@dataclass
class ArticleContent:
    """What extraction settles on for one page: its metadata (``canonical_url`` absolute, or
    None) and its body text."""

    metadata: md.PageMetadata = field(default_factory=md.PageMetadata)
    body: str = ""  # plain text, paragraphs separated by one blank line


def build_options(*, precision: bool = False, recall: bool = False,
                  with_metadata: bool = True, fast: bool = False) -> Extractor:
    """trafilatura's options for the body. Comments are never body text, and trafilatura's own
    dedup keeps process-global state (our dedupe stage does that job)."""
    return Extractor(
        output_format="python",
        fast=fast,
        precision=precision,
        recall=recall,
        comments=False,
        dedup=False,
        with_metadata=with_metadata,
        tables=True,
    )


# Balanced (neither precision nor recall) scored best on the quality benchmark; see quality.py.
OPTIONS: Extractor = build_options()
# trafilatura's metadata pass (htmldate's date search included) is ~20% of the time per page;
# when the page declares every field it would only be a fallback for, it is skipped, and
# otherwise its costly guesses run only for the fields the page leaves undeclared (guesses.py).
OPTIONS_BODY_ONLY: Extractor = build_options(with_metadata=False)
control_chars.install()  # the page's XML-invalid characters looked for with `in`, not a regex
fallbacks.install()  # readability and jusText only where they can change the body
fallbacks.install_stoplist()  # jusText's 154,484-word stoplist hashed once, not per call
guesses.install()
fast_xpaths.install()  # trafilatura's regex tests only on elements with the attribute
fast_xpaths.install_raw_prunes()  # raw-page prunes skipped where no id or class can match
date_languages.install()  # htmldate reads dates in the page's languages, not in all 205
date_languages.install_month_words()  # htmldate's month names from a file, not 205 locales

# Longest body checked for being nothing but link texts (menus are short; the check walks every
# link of the page, so long bodies, which are never pure menus, skip it).
LINK_ONLY_MAX_CHARS = 3000

# "Title | Site", "Site - Title", "Title — Site": separators publishers put around the site name.
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·•»/]\s+|\s+[|·•»]|[|·•»]\s+")
# Whole paragraphs that are a widget's label or a bare time stamp, never story text:
# "Auch interessant", "À lire aussi", "Share this:", "3:59 PM", "23.10.2018".
_BOILERPLATE_LINE = re.compile(
    r"^(?:(?:auch interessant|lesen sie auch|mehr zum thema|das könnte sie auch interessieren"
    r"|à lire aussi|lire aussi|a lire aussi|leer más|lee también|read more|read also|see also"
    r"|related(?: articles| stories)?|more on this story|share this(?: article)?|share|teilen"
    r"|like this|advertisement|anzeige|werbung|publicité)\s*:?"
    r"|\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*uhr)?"
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4}(?:,?\s+\d{1,2}[:.]\d{2}(?:\s*uhr)?)?)$",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[\W_]+")
_TAG_START = re.compile(r"<\s*[a-zA-Z!?/]")
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


@dataclass(frozen=True)
class BodyCleanup:
    """What ``extract_article`` removes from trafilatura's body. The archive always removes all
    three; each is a switch so that ``benchmarks/quality.py`` can score the body without it."""

    link_only: bool = True  # a short body made only of the page's link texts (a menu)
    labels: bool = True  # paragraphs that are a widget's label or a bare time stamp
    furniture: bool = True  # the page's own furniture: headline, "elsewhere" teasers


FULL_CLEANUP = BodyCleanup()


def extract_article(url: str, html: str, options: Extractor = OPTIONS,
                    cleanup: BodyCleanup = FULL_CLEANUP) -> ArticleContent:
    """Body text and metadata of the article at ``url``.

    Raises NotAnArticle when ``html`` is empty or not HTML at all; otherwise returns what the page
    has (a page without a story gives an empty body). ``options`` and ``cleanup`` are for
    ``benchmarks/quality.py``'s variants; the archive uses the defaults.
    """
    return extract_article_from_tree(url, parse_page(html), options, cleanup)


def extract_article_from_tree(url: str, tree: HtmlElement, options: Extractor = OPTIONS,
                              cleanup: BodyCleanup = FULL_CLEANUP) -> ArticleContent:
    """``extract_article`` on the page's tree (``parse_page``), which it leaves as it was:
    trafilatura works on its own copy (``bare_extraction`` copies a tree it is given) and the
    rest only reads. So the comment parser can take the same tree instead of parsing again."""
    declared, article_body = _declared_metadata(tree, url)
    furniture = boilerplate.page_furniture(tree, declared.title) if cleanup.furniture else None
    if options is OPTIONS and _complete(declared):
        options = OPTIONS_BODY_ONLY
    per_page = copy(options)  # the module-level options stay untouched
    per_page.url = per_page.source = url or None
    languages = date_languages.languages_for(declared.language)
    published = iso_datetime(declared.published, languages) if declared.published else None
    try:
        with fallbacks.gated(), guesses.only(_guesses_used(declared, published)), \
                date_languages.reading(languages), fast_xpaths.active():
            doc = bare_extraction(tree, options=per_page)
    except Exception:  # a trafilatura bug on one odd page must not stop a crawl
        doc = None
    body = _body_text(doc.text if doc is not None else "")
    if article_body:
        # trafilatura's last-resort fallback is the JSON-LD articleBody, flattened to one line:
        # give it back its paragraphs. (Preferring articleBody over trafilatura's own body more
        # often than that made the quality benchmark worse, see quality.py.)
        paragraphed = md.text_of_article_body(article_body)
        if _key(paragraphed) == _key(body):
            body = paragraphed
    if cleanup.link_only and 0 < len(body) < LINK_ONLY_MAX_CHARS and _only_links(body, tree):
        body = ""
    if cleanup.labels and body:
        body = "\n\n".join(p for p in body.split("\n\n") if not _BOILERPLATE_LINE.match(p))
    if furniture is not None and body:
        links = boilerplate.link_texts(tree) if boilerplate.may_see_also(body) else None
        body = boilerplate.strip_furniture(body, furniture.headline, furniture.elsewhere, links)
    return _merge(url, declared, published, doc, body, languages)


def _element_classes_in_c() -> None:
    """Every element of the trees trafilatura parses (ours included) an ``HtmlElement``, chosen
    in C. lxml.html's parser chooses each element's class in a Python method, called whenever
    lxml hands out an element (millions of times over a crawl: 1.3 ms of a page's ~45 ms,
    measured); it differs only in giving forms, inputs and labels their own classes, whose
    methods neither trafilatura, jusText, htmldate nor our code call. The parser is
    trafilatura's own (``load_html`` has no parser argument), so it is set there, once."""
    utils.HTML_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(element=HtmlElement))


_element_classes_in_c()


def parse_page(html: str) -> HtmlElement:
    """The page's tree, parsed as trafilatura parses it; NotAnArticle when it is no HTML."""
    if not isinstance(html, str) or not html.strip():
        raise NotAnArticle("empty page")
    head = html[:5000]
    if len(_BINARY.findall(head)) > 10 or not _TAG_START.search(html):
        raise NotAnArticle("not HTML")
    try:
        tree = utils.load_html(html)
    except Exception as err:  # lxml raises several types on garbage
        raise NotAnArticle(f"unparsable: {err}") from err
    if tree is None:
        raise NotAnArticle("not HTML")
    return tree


def _declared_metadata(tree: HtmlElement, url: str) -> tuple[md.PageMetadata, str | None]:
    """Merge JSON-LD, meta tags and microdata, in that order of trust, field by field; and the
    JSON-LD articleBody."""
    jsonld, article_body = md.read_jsonld(tree, url)
    sources = (jsonld, md.read_meta_tags(tree, url), md.read_microdata(tree))
    merged = md.PageMetadata()
    for name in ("title", "published", "modified", "site_name", "description"):
        setattr(merged, name, next((getattr(s, name) for s in sources if getattr(s, name)), None))
    # <link rel=canonical> and og:url name the page itself; JSON-LD ids often carry a #fragment.
    merged.canonical_url = _plausible_canonical(sources[1].canonical_url, url) or \
        _plausible_canonical(sources[0].canonical_url, url)
    merged.authors = next((s.authors for s in sources if s.authors), []) or md.read_byline(tree)
    # Tags: meta tags (article:tag, else news_keywords / keywords), JSON-LD keywords, rel=tag.
    merged.tags = next((s.tags for s in (sources[1], sources[0]) if s.tags), []) or \
        md.rel_tags(tree)
    # Language: the article's own inLanguage, then <html lang>, then og:locale and the like.
    merged.language = sources[0].language or md.html_language(tree) or sources[1].language \
        or sources[2].language
    return merged, article_body


def _complete(declared: md.PageMetadata) -> bool:
    return bool(declared.title and declared.authors and declared.published
                and declared.site_name and declared.language)


def _guesses_used(declared: md.PageMetadata, published: str | None) -> frozenset[str]:
    """The costly trafilatura guesses ``_merge`` can use: those for fields the page leaves
    undeclared (a declared date counts only when it parses). Categories and licence: never."""
    used = {"date"} if published is None else set()
    if not declared.authors:
        used.add("author")
    if not declared.tags:
        used.add("tags")
    return frozenset(used)


def _merge(url: str, declared: md.PageMetadata, published: str | None, doc, body: str,
           languages: tuple[str, ...]) -> ArticleContent:
    """The page's declared metadata (``published`` its declared date, parsed), trafilatura's
    guesses in ``doc`` filling the fields it leaves empty."""
    site_name = declared.site_name or _doc_field(doc, "sitename")
    title = declared.title or _doc_field(doc, "title")
    authors = declared.authors or md.normalize_authors(
        (_doc_field(doc, "author") or "").split(";"))
    tags = declared.tags or [*(getattr(doc, "tags", None) or [])]
    language = declared.language or _doc_field(doc, "language")
    metadata = md.PageMetadata(
        title=strip_site_name(title, site_name, url) if title else None,
        authors=authors,
        published=published or iso_datetime(_doc_field(doc, "date"), languages),
        modified=iso_datetime(declared.modified, languages) if declared.modified else None,
        site_name=site_name,
        language=md.normalize_language(language),
        description=declared.description or _doc_field(doc, "description"),
        tags=md.normalize_tags(tags),
        canonical_url=declared.canonical_url
        or _plausible_canonical(md.absolute_url(_doc_field(doc, "url"), url), url),
    )
    return ArticleContent(metadata=metadata, body=body)


def _plausible_canonical(candidate: str | None, url: str) -> str | None:
    """The candidate without its fragment, unless it is a bare home page claimed by an article
    (a common CMS template bug that would merge every article of the site into one)."""
    if not candidate:
        return None
    candidate = candidate.split("#", 1)[0]
    if urlsplit(candidate).path.strip("/") == "" and urlsplit(url or "").path.strip("/"):
        return None
    return candidate


def _doc_field(doc, name: str) -> str | None:
    value = getattr(doc, name, None) if doc is not None else None
    return clean_inline(value) or None if isinstance(value, str) else None


def _body_text(text: str | None) -> str:
    """trafilatura's text has one block per line; we separate paragraphs by a blank line."""
    return clean_block((text or "").replace("\n", "\n\n"))


def strip_site_name(title: str, site_name: str | None, url: str | None) -> str:
    """Drop a leading or trailing site name ("Title | The Paper") from a title.

    Hand-written because trafilatura only strips when it guesses the separator and keeps the
    suffix whenever the site name differs from the domain.
    """
    title = clean_inline(title)
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    names = {_key(site_name)} if site_name else set()
    host = urlsplit(url or "").hostname or ""
    labels = [x for x in host.split(".") if x not in ("www", "m", "amp")]
    if labels:
        names.add(_key(".".join(labels)))
        names.add(_key(labels[0] if len(labels) < 3 else labels[-2]))
    names.discard("")

    def is_site(part: str) -> bool:
        key = _key(part)
        return bool(key) and any(key == n or (len(n) > 3 and key in n) or (len(key) > 3 and n in key
                                 and len(key) <= len(n) + 6) for n in names)

    while len(parts) > 1 and is_site(parts[-1]):
        parts.pop()
    while len(parts) > 1 and is_site(parts[0]):
        parts.pop(0)
    if len(parts) == len(_TITLE_SEPARATORS.split(title)):
        return title
    # Rebuild from the original text to keep the separators inside the kept title.
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if start >= 0 and end > start else title


def _key(text: str | None) -> str:
    return _NON_WORD.sub("", (text or "").casefold())


def _only_links(body: str, tree: HtmlElement) -> bool:
    """Every paragraph of the body is the text of a link on the page: a menu, not a story.

    trafilatura's fallbacks return whatever text a page has, so a page that is only navigation
    would otherwise yield its menu as the body.
    """
    anchors = {_key(a.text_content()) for a in tree.iter("a")}
    return all(_key(p) in anchors for p in body.split("\n") if p.strip())
