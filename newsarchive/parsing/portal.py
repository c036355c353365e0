"""Wikipedia's Current events portal: day pages as raw wikitext or rendered HTML → Event records.

Two inputs, one result. The wikitext path (``action=raw`` of a day page) is the cheap one a cron
run uses; the HTML path reads any rendered portal page (the main ``Portal:Current_events`` with
its last days, a day page, a month archive) in every layout the portal has used:

- up to 2017 each day is a ``table.vevent`` whose ``td.description`` holds the day;
- since 2018 a ``div.vevent`` with ``id="2024_March_5"``, since 2022 with the content in
  ``div.current-events-content.description``;
- category headings are ``dl > dt`` (wikitext ``;Heading``), ``p > b`` (``'''Heading'''``) or
  ``div[role=heading]`` (inline-styled, or ``.current-events-content-heading``).

Both paths first reduce the day to the same small tree (category → nested bullets made of text,
wiki-link and source tokens) and share one builder, so a day parsed from its wikitext and from its
HTML yields identical records, ids included. Nothing outside a ``.vevent`` block (the "Topics in
the news" box, Ongoing, Recent deaths, calendars, sidebars, navboxes) is ever read.

Event ids (``record_id("portal", date, key)``) must survive the portal's everyday edits: copy
edits of the text, a source appended, events inserted above. The key is therefore:

1. ``src:<url_key of the first source>`` when the event cites a source. Survives text edits,
   appended sources, moves between categories and stories, and insertions elsewhere in the day.
   It changes when the first source itself is replaced or another one is put in front of it,
   which on the portal mostly means the bullet was rewritten into a different event. Two bullets
   citing the same first article get ``#2``, ``#3``… in page order, so they never collide (and
   only those two swap ids if an editor swaps them).
2. ``pos:<category>|<context chain>|<n>`` for an event without a source, ``n`` its rank among
   the source-less events under the same category and story. Survives text edits and a source
   being added later would give it a new id (key 1): the only case where an edit re-keys an
   event, accepted because an unsourced bullet is usually fixed right away.

A text hash would be stable across layouts too, but every copy edit would mint a new event; a
plain position key would re-key every event below an insertion.

``Event.url`` is the day page's URL with ``#<id>`` as anchor: the day page has no per-event
anchors, and the id is the one anchor that is unique and stable. A bullet holding sub-bullets is
a story (its links, or its text, join the context); a childless bullet made only of links and
without a source is an empty story and yields nothing. Templates other than the few rendered in
``_template_tokens`` are dropped on the wikitext path, so a day using e.g. ``{{convert}}`` can
differ slightly in text between the two paths (in the id only when such a template sits in
a heading or story of an unsourced event).
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs, quote, unquote, urlsplit

import mwparserfromhell
from lxml import etree
from lxml import html as lxml_html
from mwparserfromhell.nodes import (
    ExternalLink,
    Heading,
    HTMLEntity,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.wikicode import Wikicode

from newsarchive.items import Event
from newsarchive.parsing.html import has_class
from newsarchive.parsing.sources import make_source, source_kind
from newsarchive.parsing.text import clean_inline
from newsarchive.urls import record_id, url_key

__all__ = [
    "PORTAL_DEFAULT_BASE",
    "parse_portal_html",
    "parse_portal_wikitext",
    "portal_day_title",
    "portal_html_url",
    "portal_raw_url",
    "transcluded_day_titles",
]

PORTAL_DEFAULT_BASE = "https://en.wikipedia.org"
PORTAL_EVENT_SOURCE = "portal"
PORTAL_PREFIX = "Portal:Current_events"

# English month names, spelled out here: calendar.month_name follows the process locale.
MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
_MONTH_NUMBER = {name.lower(): i for i, name in enumerate(MONTHS, 1)}
_MONTH_ALT = "|".join(MONTHS)

# "Portal:Current_events/2024_March_5" in a title, a /wiki/ path or a title= query value.
_DAY_TITLE = re.compile(
    rf"Current[ _]events/(\d{{4}})[ _]({_MONTH_ALT})[ _](\d{{1,2}})\s*$", re.IGNORECASE
)
_MONTH_TITLE = re.compile(rf"Current[ _]events/({_MONTH_ALT})[ _](\d{{4}})\s*$", re.IGNORECASE)
_DAY_ANCHOR = re.compile(rf"^(\d{{4}})_({_MONTH_ALT})_(\d{{1,2}})$", re.IGNORECASE)
_VISIBLE_DATE = re.compile(rf"({_MONTH_ALT})\s+(\d{{1,2}}),?\s+(\d{{4}})", re.IGNORECASE)

# --- HTML selectors -------------------------------------------------------------------------

XP_DAY_BLOCKS = f"//*[{has_class('vevent')}]"
XP_NESTED_BLOCK = f".//*[{has_class('vevent')}]"
XP_ISO_DATE = f".//*[{has_class('bday')}]"
XP_VISIBLE_DATE = f".//*[{has_class('summary')}]"
XP_DESCRIPTION = f".//*[{has_class('description')}]"
CLASS_CONTENT_HEADING = "current-events-content-heading"
# Elements inside a bullet that are never event text: edit links, dead-link notes, citations.
SKIP_CLASSES = frozenset({"noprint", "reference", "mw-editsection", "mw-ref", "printfooter"})
SKIP_TAGS = frozenset({"style", "script", "link", "meta", "noscript", "img", "figure", "audio",
                       "video", "math", "template"})
LIST_TAGS = frozenset({"ul", "ol"})
HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6", "dt"})

# --- wikitext -------------------------------------------------------------------------------

# Namespaces whose [[links]] render as images or categories, not text.
FILE_NAMESPACES = frozenset({"file", "image", "media", "category"})
# Tags whose contents never reach the rendered text of a bullet.
WIKI_SKIP_TAGS = frozenset({"ref", "references", "gallery", "math", "score", "templatedata",
                            "syntaxhighlight", "timeline", "graph", "mapframe", "maplink"})
# Templates rendered to text the way MediaWiki renders them (close enough for the portal's use);
# every other template is dropped (Dead link, citation needed, webarchive, flagicon, ...).
WIKI_TEMPLATE_FIRST_PARAM = frozenset({
    "nowrap", "nobr", "small", "smaller", "midsize", "big", "larger", "em", "strong", "abbr",
    "not a typo", "proper name", "visible anchor", "nowrap begin", "sic", "tooltip",
})
WIKI_TEMPLATE_SECOND_PARAM = frozenset({"lang", "transl", "transliteration"})
WIKI_TEMPLATE_LINK_FIRST = frozenset({"ill", "interlanguage link", "flag", "flagcountry"})
WIKI_TEMPLATE_CONSTANTS: dict[str, str] = {
    "snd": " – ", "spaced ndash": " – ", "spnd": " – ", "ndash": "–", "mdash": "—",
    "spaced mdash": " — ", "smd": " — ", "!": "|", "=": "=", "nbsp": " ", "clear": "",
}
WIKI_TEMPLATE_CURRENCY: dict[str, str] = {"usd": "US$", "us$": "US$", "gbp": "£", "eur": "€",
                                          "€": "€", "jpy": "¥"}
_LINK_TRAIL = re.compile(r"^[a-z]+")
_WIKI_HEADING_BOLD = re.compile(r"^'''(?!')(.+?)'''\s*:?\s*$")
_HTML_ROLE_HEADING = re.compile(r"role\s*=\s*[\"']?heading", re.IGNORECASE)
_DAY_TEMPLATE_NAMES = frozenset({"current events", "current events header"})

# --- sources --------------------------------------------------------------------------------

_AUTONUMBER = re.compile(r"^\[\d+\]$")
# What may sit between or after sources without being event text.
_SOURCE_GLUE = re.compile(r"^[\s(),;.\[\]|/–—-]*$")
# What may sit between the links of a story bullet ("[[A]], [[B]] and [[C]]").
_STORY_GLUE = re.compile(r"^(?:[\s,;/&|·–—:-]|\band\b)*$")

# First sentence. Hand-written: the only candidates (nltk punkt, pysbd) are large dependencies
# for one headline; the portal's prose is plain and the abbreviation list covers what it uses.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "gen", "lt", "col", "sgt", "capt", "cmdr", "adm",
    "gov", "sen", "rep", "pres", "prof", "rev", "no", "nos", "vs", "v", "inc", "corp", "co", "ltd",
    "mt", "ft", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "approx", "est", "fig", "al", "etc", "hon", "messrs", "brig", "maj", "op",
})
_INITIALS = re.compile(r"^(?:[a-z]\.)*[a-z]$")


# --- titles and URLs ------------------------------------------------------------------------

def portal_day_title(day: date) -> str:
    """``Portal:Current_events/2024_March_5`` (day not zero-padded)."""
    return f"{PORTAL_PREFIX}/{day.year}_{MONTHS[day.month - 1]}_{day.day}"


def _quote_title(title: str) -> str:
    return quote(title.strip().replace(" ", "_"), safe=":/_(),'!-.")


def portal_raw_url(base: str, title: str) -> str:
    """The page's raw wikitext: ``{base}/w/index.php?title=<title>&action=raw``."""
    return f"{base.rstrip('/')}/w/index.php?title={_quote_title(title)}&action=raw"


def portal_html_url(base: str, title: str) -> str:
    """The rendered page: ``{base}/wiki/<title>``."""
    return f"{base.rstrip('/')}/wiki/{_quote_title(title)}"


def _make_date(year: str | int, month: str | int, day: str | int) -> date | None:
    try:
        m = month if isinstance(month, int) else (
            int(month) if str(month).isdigit() else _MONTH_NUMBER[str(month).lower()]
        )
        return date(int(year), m, int(day))
    except (KeyError, ValueError, TypeError, OverflowError):
        return None


def _day_from_title(title: str) -> date | None:
    """The day a day page's title (or a URL naming it) stands for."""
    if not title:
        return None
    title = unquote(title).strip()
    if "://" in title or title.startswith("/"):
        parts = urlsplit(title)
        query_title = parse_qs(parts.query).get("title")
        title = unquote(query_title[0]) if query_title else parts.path
    match = _DAY_TITLE.search(title)
    return _make_date(match.group(1), match.group(2), match.group(3)) if match else None


def _base_of(url: str) -> str:
    parts = urlsplit(url.strip()) if url else None
    if parts and parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return PORTAL_DEFAULT_BASE


# --- the shared day model -------------------------------------------------------------------

@dataclass
class _Txt:
    text: str
    link: bool = False  # text of a wiki link (story bullets are made of these)


@dataclass
class _Src:
    url: str
    label: str


_Token = _Txt | _Src


@dataclass
class _Bullet:
    tokens: list[_Token] = field(default_factory=list)
    children: list[_Bullet] = field(default_factory=list)


@dataclass
class _Root:
    category: str | None
    bullet: _Bullet


def _source_label(label: str, url: str) -> str:
    """Outlet name: link text without the parentheses and italics; the host when it has none."""
    text = clean_inline(label)
    while len(text) >= 2 and text[0] in "([" and text[-1] in ")]" and not _AUTONUMBER.match(text):
        text = text[1:-1].strip()
    text = text.strip("() ")
    if not text or _AUTONUMBER.match(text) or text == url:
        host = (urlsplit(url).hostname or "").lower()
        text = re.sub(r"^www\d?\.", "", host)
    return text


def first_sentence(text: str) -> str:
    """The text up to its first sentence end, skipping abbreviations and initials ("U.S.")."""
    for match in _SENTENCE_END.finditer(text):
        end = match.start()
        if text[end] == ".":
            before = text[:end].rsplit(None, 1)
            word = before[-1].lower().lstrip("\"'“‘([") if before else ""
            if word in _ABBREVIATIONS or _INITIALS.match(word):
                continue
        return text[: match.end()].strip()
    return text


def _is_inline_link(label: str, before: object, after: object) -> bool:
    """An external link that is part of the sentence ("issues [url a statement] saying ..."):
    unparenthesized, not after a sentence end, and followed by the sentence's continuation."""
    if label.strip().startswith(("(", "[")) or not isinstance(after, str):
        return False
    prev = before.rstrip() if isinstance(before, str) else ""
    nxt = after.lstrip()
    return (
        bool(prev) and not prev.endswith(("(", ".", "!", "?", '"', "”", ")"))
        and bool(nxt) and (nxt[0].islower() or nxt[0] in ",;:")
    )


def _bullet_text(tokens: list[_Token]) -> tuple[str, list[_Src]]:
    """(summary text, sources) of a bullet: sources cut out with the parentheses around them."""
    parts: list[str | _Src] = [t if isinstance(t, _Src) else t.text for t in tokens]
    sources = [p for p in parts if isinstance(p, _Src)]
    if not sources:
        return clean_inline("".join(p for p in parts if isinstance(p, str))), []
    for i, part in enumerate(parts):
        if not isinstance(part, _Src):
            continue
        before = parts[i - 1] if i > 0 else None
        after = parts[i + 1] if i + 1 < len(parts) else None
        if _is_inline_link(part.label, before, after):
            parts[i] = part.label  # still a source, but its words belong to the sentence
        elif isinstance(before, str) and isinstance(after, str):
            # "([url Name])": drop the "(" before and the ")" after a source link.
            stripped_before, stripped_after = before.rstrip(), after.lstrip()
            if stripped_before.endswith("(") and stripped_after.startswith(")"):
                parts[i - 1] = stripped_before[:-1]
                parts[i + 1] = " " + stripped_after[1:]
    # Text after a source is kept only if it says something ("Sentence. (AP) Sentence. (BBC)").
    kept: list[str] = []
    seen_source = False
    for part in parts:
        if isinstance(part, _Src):
            seen_source = True
            kept.append(" ")
        elif not (seen_source and _SOURCE_GLUE.match(part)):
            kept.append(part)
    return clean_inline("".join(kept)), sources


def _story_labels(tokens: list[_Token]) -> list[str]:
    """Context entries of a story bullet: each link's text, or the whole text if not only links."""
    texts = [t for t in tokens if isinstance(t, _Txt)]
    links = [clean_inline(t.text) for t in texts if t.link]
    glue = "".join(t.text for t in texts if not t.link)
    if any(links) and _STORY_GLUE.match(glue):
        return [label for label in links if label]
    text, _ = _bullet_text(tokens)
    return [text] if text else []


def _is_orphan_story(tokens: list[_Token]) -> bool:
    """A bullet made only of links, with no source and no sub-bullets: a story with no events."""
    if any(isinstance(t, _Src) for t in tokens):
        return False
    texts = [t for t in tokens if isinstance(t, _Txt)]
    return any(t.link and t.text.strip() for t in texts) and bool(
        _STORY_GLUE.match("".join(t.text for t in texts if not t.link))
    )


def _build_events(base: str, day: date, roots: list[_Root]) -> list[Event]:
    """Events of one day from its bullet tree (shared by the wikitext and the HTML path)."""
    iso = day.isoformat()
    page_url = portal_html_url(base, portal_day_title(day))
    events: list[Event] = []
    keys: Counter[str] = Counter()
    unsourced: Counter[tuple[str, tuple[str, ...]]] = Counter()

    def emit(bullet: _Bullet, category: str | None, context: list[str]) -> None:
        summary, found = _bullet_text(bullet.tokens)
        if not summary:
            return
        sources = []
        for src in found:
            url = src.url.strip()
            if url.startswith("//"):
                url = "https:" + url
            if not url.lower().startswith(("http://", "https://")):
                continue
            # Media are recorded, never fetched: no article id (as on event sites); a malformed
            # URL is kept as an invalid source.
            sources.append(make_source(url, _source_label(src.label, url), source_kind(url)))
        valid = [s for s in sources if s.status != "invalid"]
        if valid:
            articles = [s for s in valid if s.kind == "article"] or valid
            key = "src:" + url_key(articles[0].url)
        else:
            slot = (category or "", tuple(context))
            unsourced[slot] += 1
            key = "pos:" + "\x1f".join([slot[0], "\x1e".join(slot[1]), str(unsourced[slot])])
        keys[key] += 1
        if keys[key] > 1:
            key = f"{key}#{keys[key]}"
        event_id = record_id(PORTAL_EVENT_SOURCE, iso, key)
        events.append(Event(
            id=event_id, url=f"{page_url}#{event_id}", date=iso,
            headline=first_sentence(summary), summary=summary, context=list(context),
            category=category, sources=sources, related=[], event_source=PORTAL_EVENT_SOURCE,
        ))

    def walk(bullet: _Bullet, category: str | None, context: list[str]) -> None:
        if bullet.children:
            if any(isinstance(t, _Src) for t in bullet.tokens):
                emit(bullet, category, context)  # an event with sub-bullets of its own
            inner = context + _story_labels(bullet.tokens)
            for child in bullet.children:
                walk(child, category, inner)
        elif not _is_orphan_story(bullet.tokens):
            emit(bullet, category, context)

    for root in roots:
        walk(root.bullet, root.category, [])
    return events


# --- wikitext path --------------------------------------------------------------------------

def _template_name(template: Template) -> str:
    return clean_inline(str(template.name).replace("_", " ")).lower()


def _param_code(template: Template, name: str | int) -> Wikicode | None:
    key = str(name)
    return template.get(key).value if template.has(key) else None


def _wiki_tokens(code: Wikicode | None, link: bool = False) -> list[_Token]:
    out: list[_Token] = []
    if code is None:
        return out
    for node in code.nodes:
        if isinstance(node, Text):
            out.append(_Txt(str(node), link))
        elif isinstance(node, HTMLEntity):
            out.append(_Txt(node.normalize(), link))
        elif isinstance(node, Wikilink):
            out.extend(_wikilink_tokens(node))
        elif isinstance(node, ExternalLink):
            label = _wiki_plain(node.title) if node.title is not None else ""
            out.append(_Src(str(node.url).strip(), label))
        elif isinstance(node, Tag):
            out.extend(_tag_tokens(node, link))
        elif isinstance(node, Template):
            out.extend(_template_tokens(node, link))
        elif isinstance(node, Heading):
            out.extend(_wiki_tokens(node.title, link))
        # Comments, arguments ({{{1}}}) and anything else render to nothing here.
    return _attach_link_trails(out)


def _wikilink_tokens(node: Wikilink) -> list[_Token]:
    title = clean_inline(str(node.title))
    namespace = title.split(":", 1)[0].strip().lower() if ":" in title else ""
    if not title.startswith(":") and namespace in FILE_NAMESPACES:
        return []
    if node.text is not None:
        return [_Txt(t.text, True) if isinstance(t, _Txt) else t for t in _wiki_tokens(node.text)]
    return [_Txt(title.lstrip(":"), True)]


def _tag_tokens(node: Tag, link: bool) -> list[_Token]:
    tag = str(node.tag).strip().lower()
    if tag in WIKI_SKIP_TAGS:
        return []
    if tag == "br":
        return [_Txt(" ", link)]
    for attr in node.attributes:
        name = str(attr.name).strip().lower()
        value = str(attr.value or "").replace(" ", "").lower()
        if name == "style" and "display:none" in value:
            return []
    if tag == "nowiki":
        return [_Txt(str(node.contents or ""), link)]
    return _wiki_tokens(node.contents, link) if node.contents is not None else []


def _template_tokens(node: Template, link: bool) -> list[_Token]:
    name = _template_name(node)
    if name in WIKI_TEMPLATE_CONSTANTS:
        return [_Txt(WIKI_TEMPLATE_CONSTANTS[name], link)]
    if name in WIKI_TEMPLATE_FIRST_PARAM:
        return _wiki_tokens(_param_code(node, 1), link)
    if name in WIKI_TEMPLATE_SECOND_PARAM:
        return _wiki_tokens(_param_code(node, 2), link)
    if name in WIKI_TEMPLATE_LINK_FIRST:
        shown = _param_code(node, "lt") or _param_code(node, 1)
        return [_Txt(_wiki_plain(shown), True)] if shown is not None else []
    if name in WIKI_TEMPLATE_CURRENCY:
        amount = _param_code(node, 1)
        return [_Txt(WIKI_TEMPLATE_CURRENCY[name] + _wiki_plain(amount), link)]
    if name == "convert":
        # Only the value and unit as written; the rendered conversion is not reproduced.
        value, unit = _param_code(node, 1), _param_code(node, 2)
        return [_Txt(" ".join(_wiki_plain(p) for p in (value, unit) if p is not None), link)]
    return []


def _attach_link_trails(tokens: list[_Token]) -> list[_Token]:
    """``[[Rwanda]]n`` renders as one link "Rwandan": move the trail into the link's text."""
    for i in range(len(tokens) - 1):
        here, after = tokens[i], tokens[i + 1]
        if isinstance(here, _Txt) and here.link and isinstance(after, _Txt) and not after.link:
            trail = _LINK_TRAIL.match(after.text)
            if trail:
                here.text += trail.group(0)
                after.text = after.text[trail.end():]
    return tokens


def _wiki_plain(code: Wikicode | None) -> str:
    if code is None:
        return ""
    return clean_inline("".join(
        t.text if isinstance(t, _Txt) else t.label for t in _wiki_tokens(code)
    ))


def _day_content(code: Wikicode) -> tuple[Wikicode, date | None]:
    """The day's content (``{{Current events|...|content=...}}`` since 2020) and its date."""
    for template in code.filter_templates(recursive=False):
        name = _template_name(template)
        if name not in _DAY_TEMPLATE_NAMES:
            continue
        if name == "current events header":
            params = [_wiki_plain(_param_code(template, i)) for i in (1, 2, 3)]
            return code, _make_date(*params)
        when = _make_date(
            *(_wiki_plain(_param_code(template, k)) for k in ("year", "month", "day"))
        )
        content = _param_code(template, "content")
        if content is not None:
            return content, when
        return code, when
    return code, None


def _wiki_heading(line: str) -> str | None:
    """Category heading of a line: ``;Heading``, ``'''Heading'''`` or a role=heading element."""
    if line.startswith(";"):
        return _wiki_plain(mwparserfromhell.parse(line[1:].split(":", 1)[0])) or None
    bold = _WIKI_HEADING_BOLD.match(line)
    if bold:
        return _wiki_plain(mwparserfromhell.parse(bold.group(1))) or None
    if _HTML_ROLE_HEADING.search(line) or line.lower().startswith(("<b>", "<h2", "<h3", "<h4")):
        parsed = mwparserfromhell.parse(line)
        tags = [n for n in parsed.nodes if not (isinstance(n, Text) and not str(n).strip())]
        if len(tags) == 1 and isinstance(tags[0], Tag):
            return _wiki_plain(tags[0].contents) or None
    return None


def _wiki_roots(content: Wikicode) -> list[_Root]:
    """Bullet tree of a day's wikitext. MediaWiki lists are line-based, and so is this."""
    for comment in content.filter_comments():
        with contextlib.suppress(ValueError):
            content.remove(comment)
    roots: list[_Root] = []
    category: str | None = None
    stack: list[tuple[int, _Bullet]] = []
    for raw_line in str(content).splitlines():
        line = raw_line.strip()
        if not line:
            continue
        depth = len(line) - len(line.lstrip("*#"))
        if depth == 0:
            heading = _wiki_heading(line)
            if heading:
                category = heading
                stack = []
            continue
        bullet = _Bullet(tokens=_wiki_tokens(mwparserfromhell.parse(line[depth:])))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            stack[-1][1].children.append(bullet)
        else:
            roots.append(_Root(category, bullet))
        stack.append((depth, bullet))
    return roots


def transcluded_day_titles(wikitext: str) -> list[tuple[date, str]]:
    """Day pages a month page transcludes (``{{Portal:Current events/2024 March 5}}``), in order,
    as ``(day, "Portal:Current_events/2024_March_5")``."""
    try:
        code = mwparserfromhell.parse(wikitext or "")
        templates = code.filter_templates(recursive=True)
    except Exception:  # mwparserfromhell on hostile input: nothing to transclude
        return []
    found: list[tuple[date, str]] = []
    seen: set[date] = set()
    for template in templates:
        name = str(template.name).strip().lstrip(":")
        if not name.lower().replace("_", " ").startswith("portal:current events/"):
            continue
        day = _day_from_title(name)
        if day and day not in seen:
            seen.add(day)
            found.append((day, portal_day_title(day)))
    return found


def parse_portal_wikitext(
    base: str, title: str, wikitext: str, day: date | None = None
) -> list[Event]:
    """Events of a day page from its raw wikitext (the day from the title when None).

    A month page (which only transcludes its days, see ``transcluded_day_titles``) gives [].
    """
    try:
        if not wikitext or not wikitext.strip() or _MONTH_TITLE.search(unquote(title or "")):
            return []
        code = mwparserfromhell.parse(wikitext.replace("\x00", ""))
        content, template_day = _day_content(code)
        day = day or _day_from_title(title) or template_day
        if day is None:
            return []
        return _build_events(base or PORTAL_DEFAULT_BASE, day, _wiki_roots(content))
    except (ValueError, TypeError, AttributeError, IndexError, RecursionError):
        return []


# --- HTML path ------------------------------------------------------------------------------

def _classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


def _is_hidden(el: etree._Element) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style


def _is_skipped(el: etree._Element) -> bool:
    if not isinstance(el.tag, str) or el.tag.lower() in SKIP_TAGS:
        return True
    if _classes(el) & SKIP_CLASSES or _is_hidden(el):
        return True
    # A "[permanent dead link]" / "[dead link]" note, however the template is styled.
    return el.tag.lower() == "sup" and "dead link" in (el.text_content() or "").lower()


def _is_external(anchor: etree._Element) -> bool:
    classes = _classes(anchor)
    rel = (anchor.get("rel") or "").lower()
    href = (anchor.get("href") or "").strip()
    if "external" in classes or "mw:extlink" in rel:
        return True
    return "nofollow" in rel and href.lower().startswith(("http://", "https://", "//"))


def _html_tokens(el: etree._Element, bullet: _Bullet, link: bool = False) -> None:
    """Fill a bullet with the tokens of ``el``'s content; nested lists become its children."""
    if el.text:
        bullet.tokens.append(_Txt(el.text, link))
    for child in el:
        if isinstance(child.tag, str) and not _is_skipped(child):
            tag = child.tag.lower()
            if tag in LIST_TAGS:
                bullet.children.extend(_html_list(child))
            elif tag == "a" and _is_external(child):
                bullet.tokens.append(_Src(child.get("href") or "", child.text_content() or ""))
            elif tag == "a":
                _html_tokens(child, bullet, link=True)
            elif tag == "br":
                bullet.tokens.append(_Txt(" ", link))
            else:
                _html_tokens(child, bullet, link)
        if child.tail:
            bullet.tokens.append(_Txt(child.tail, link))


def _html_list(ul: etree._Element) -> list[_Bullet]:
    bullets = []
    for li in ul:
        if isinstance(li.tag, str) and li.tag.lower() == "li":
            bullet = _Bullet()
            _html_tokens(li, bullet)
            bullets.append(bullet)
    return bullets


def _html_heading(el: etree._Element) -> str | None:
    tag = el.tag.lower()
    if (
        tag in HEADING_TAGS
        or (el.get("role") or "").lower() == "heading"
        or CLASS_CONTENT_HEADING in _classes(el)
    ):
        return clean_inline(el.text_content()) or None
    if tag == "p":
        children = [c for c in el if isinstance(c.tag, str)]
        loose = (el.text or "") + "".join(c.tail or "" for c in children)
        if len(children) == 1 and children[0].tag.lower() == "b" and not loose.strip():
            return clean_inline(children[0].text_content()) or None
    return None


def _html_roots(container: etree._Element) -> list[_Root]:
    roots: list[_Root] = []
    category: str | None = None

    def visit(el: etree._Element) -> None:
        nonlocal category
        for child in el:
            if not isinstance(child.tag, str) or _is_skipped(child):
                continue
            heading = _html_heading(child)
            if heading is not None:
                category = heading
            elif child.tag.lower() in LIST_TAGS:
                roots.extend(_Root(category, bullet) for bullet in _html_list(child))
            else:
                visit(child)

    visit(container)
    return roots


def _block_day(block: etree._Element, page_day: date | None) -> date | None:
    for el in block.xpath(XP_ISO_DATE):
        try:
            return date.fromisoformat(clean_inline(el.text_content())[:10])
        except ValueError:
            continue
    anchor = _DAY_ANCHOR.match(block.get("id") or "")
    if anchor:
        return _make_date(*anchor.groups())
    for el in block.xpath(XP_VISIBLE_DATE):
        visible = _VISIBLE_DATE.search(clean_inline(el.text_content()))
        if visible:
            return _make_date(visible.group(3), visible.group(1), visible.group(2))
    return page_day


def _day_blocks(root: etree._Element) -> Iterator[etree._Element]:
    """The innermost ``.vevent`` blocks (a wrapper that holds days is not a day)."""
    for block in root.xpath(XP_DAY_BLOCKS):
        if not block.xpath(XP_NESTED_BLOCK):
            yield block


def _block_content(block: etree._Element) -> etree._Element:
    descriptions: Iterable[etree._Element] = block.xpath(XP_DESCRIPTION)
    return next(iter(descriptions), block)


def parse_portal_html(url: str, html: str) -> list[Event]:
    """Events of any rendered portal page: the main portal (several days), a day, a month."""
    if not html or not html.strip():
        return []
    try:
        data = html.replace("\x00", "").encode("utf-8", "replace")
        document = lxml_html.fromstring(data, parser=lxml_html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return []
    base = _base_of(url)
    page_day = _day_from_title(url or "")
    events: list[Event] = []
    seen_days: set[date] = set()
    try:
        for block in _day_blocks(document):
            day = _block_day(block, page_day)
            if day is None or day in seen_days:
                continue
            seen_days.add(day)
            events.extend(_build_events(base, day, _html_roots(_block_content(block))))
    except (ValueError, TypeError, AttributeError, RecursionError):
        return events
    return events
