"""One comment page's markup: the parse, what is removed before any comment is looked for, and
the visible text of an element (paragraphs kept, buttons and "No comments yet" lines dropped)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from lxml import etree

from newsarchive.parsing import comment_xpaths as X
from newsarchive.parsing.text import clean_block, clean_inline

BLOCK_TAGS = frozenset((
    "p", "div", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4",
    "h5", "h6", "table", "tr", "section", "article", "header", "footer", "figure", "figcaption",
    "hr", "address",
))
SKIP_TAGS = frozenset((
    "script", "style", "noscript", "template", "img", "button", "form", "input", "select",
    "textarea", "svg", "iframe", "video", "audio", "object",
))
_WS = re.compile(r"\s+")
BUTTON_LINE = re.compile(
    r"^(reply|replies|like|likes|unlike|report|share|quote|edit|delete|flag|permalink|"
    r"antworten|beantworten|melden|zitieren|gefällt mir|répondre|signaler|citer|j'aime|"
    r"responder|reportar|rispondi|segnala|beantwoorden|alerter|loading\.*|\d+ likes?|#?\d{1,5}|"
    r"odpowiedz|reageer|reageren|odpovědět|ответить|svara|svar|vastaa|yanıtla|válasz|"
    r"your comment is awaiting moderation\.?|ihr kommentar muss noch freigegeben werden\.?|"
    r"votre commentaire est en attente de modération\.?|log in to reply|"
    r"(kommentar|comment|posted|written|submitted|antwort|réponse)\s+(von|by|from|de|par)|"
    r"[↓↑·•|,:;.()\[\]/\s–—-]*)$",
    re.I,
)
NO_COMMENTS = re.compile(
    r"^(no comments?( yet)?|0 comments?|be the first to comment|leave a (comment|reply)|"
    r"keine kommentare|noch keine kommentare|aucun commentaire|pas de commentaire)",
    re.I,
)
MAX_AUTHOR = 120
MAX_BYLINE = 150  # a "Name - date" line
TAG = re.compile(r"<[^>]+>")

# Plain etree elements: lxml.html's HtmlElement class lookup costs more than the rest of the pass.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, encoding="utf-8")

_HIDDEN_STYLE = re.compile(X.HIDDEN_STYLE, re.I)
# the pass notes forms and JSON-LD scripts besides the tags it drops
_NOTED_TAGS = X.DROP_TAGS | {"form", "dl"}  # forms and lists are not dropped by tag; scripts are
_NOT_COMMENT_TOKENS = frozenset(X.NOT_COMMENT_TOKENS)
_SIDEBAR_TOKENS = frozenset(X.SIDEBAR_TOKENS)
# every token and part above contains one of these: a cheap first test for most elements, on the
# lower-cased names (re.IGNORECASE makes this search 4x slower)
_NAME_HINTS = re.compile(
    "omment|respond|repl|side|secondary|widget|related|shar|author|form|pingl|pingb|trackb")

# Every element the comment families' node XPaths can select (``families.NodeScan``) has one of
# these tags and a class or id that, lower-cased, holds one of these names: the pass that drops
# non-comments notes such elements, and the families test only those instead of the whole page.
CANDIDATE_TAGS = frozenset(("li", "div", "article", "section", "tr"))
CANDIDATE_NAMES = ("omment", "entar", "review")
# (element, tag, its class and id lower-cased), in document order
Candidate = tuple[etree._Element, str, str]


def parse(html: str) -> etree._Element | None:
    # Encode ourselves: lxml refuses str input that carries an XML encoding declaration.
    data = html.replace("\x00", "").encode("utf-8", errors="replace")
    if not data.strip():
        return None
    return etree.fromstring(data, parser=_PARSER)


def select(node: etree._Element, expression: str) -> list:
    """``node.xpath(expression)`` with the expression compiled once per process: lxml compiles a
    string on every call, which costs more than evaluating it on one comment (~100 µs for
    ``JUNK``)."""
    return _compiled(expression)(node)


@cache  # the expressions are the module constants of comment_xpaths: a fixed, small set
def _compiled(expression: str) -> etree.XPath:
    return etree.XPath(expression, namespaces=X.REGEX_NS)


_TOP_STEP = re.compile(r"//(\*|[A-Za-z][\w-]*)(?=\[)")
_POSITIONAL = re.compile(r"^\s*\d+\s*$|position\s*\(|last\s*\(")


@cache
def element_test(expression: str) -> etree.XPath:
    """``expression``, one step from the document (``//name[p1][p2]...``), as a test of one
    element: ``self::name[p1][p2]...``, which selects the element exactly when ``expression``
    selects it, since none of the predicates depends on a position (checked here: each is read
    from the element alone). ValueError for any other expression."""
    step = _TOP_STEP.match(expression)
    if step is None:
        raise ValueError(f"not one step from the document: {expression}")
    depth, quote, start = 0, "", step.end()
    for at in range(step.end(), len(expression)):
        char = expression[at]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"" and depth:
            quote = char
        elif char == "[":
            depth += 1
            start = at + 1 if depth == 1 else start
        elif char == "]" and depth:
            depth -= 1
            if depth == 0 and _POSITIONAL.search(expression[start:at]):
                raise ValueError(f"a predicate that depends on a position: {expression}")
        elif not depth:
            raise ValueError(f"not one step from the document: {expression}")
    if depth or quote:
        raise ValueError(f"unbalanced: {expression}")
    return etree.XPath("self::" + expression[2:], namespaces=X.REGEX_NS)


def _is_not_comment(names: str) -> bool:
    """``names``: the element's class and id, lower-cased."""
    return any(part in names for part in X.NOT_COMMENT_PARTS) or not _NOT_COMMENT_TOKENS.isdisjoint(
        names.split()
    )


def _is_sidebar(el: etree._Element, names: str) -> bool:
    """A sidebar, unless an old theme put the article itself in it."""
    return not _SIDEBAR_TOKENS.isdisjoint(names.split()) and not select(el, X.SIDEBAR_KEEP)


@dataclass
class Pruned:
    """What ``drop_non_comments`` notes on its pass. ``candidates``: the elements of
    ``CANDIDATE_TAGS`` whose names hold one of ``CANDIDATE_NAMES`` and that were not dropped
    themselves, in document order (some may be inside a dropped element: ``is_attached``); None
    for a fragment's element (lxml.html's ``fromstring``), whose XPaths read the whole document,
    beyond the elements the pass sees. ``jsonld``: the text of the page's JSON-LD scripts
    (``X.JSONLD``), read before the scripts are dropped. ``lists``: the ``<dl>`` elements, in
    document order (some dropped since; None for a fragment's element)."""

    candidates: list[Candidate] | None
    jsonld: list[str]
    lists: list[etree._Element] | None


_TEXT = "text()"


def drop_non_comments(root: etree._Element) -> Pruned:
    """Remove what is never a reader comment, in one pass over the elements. The pass also
    notes the JSON-LD scripts, the forms and the ``<dl>`` lists (``X.COMMENT_FORMS`` is then
    tested on the forms alone, ``X.DL_LISTS`` on the lists alone and the scripts' text read from
    those alone: three walks of the whole tree fewer)."""
    whole = root.getparent() is None
    doomed = []
    candidates: list[Candidate] = []
    scripts = []
    forms = []
    lists = []
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if tag in _NOTED_TAGS:
            if tag == "form":
                forms.append(el)
            elif tag == "dl":
                lists.append(el)
            else:
                doomed.append(el)
                if tag == "script" and el.get("type") == "application/ld+json":
                    scripts.append(el)
                continue
        attrib = el.attrib
        if not attrib:
            continue
        names = f"{attrib.get('class', '')} {attrib.get('id', '')}".lower()
        style = attrib.get("style")
        if (
            "hidden" in attrib
            or (style and _HIDDEN_STYLE.search(style))
            or (
                len(names) > 1
                and _NAME_HINTS.search(names)
                and (_is_not_comment(names) or _is_sidebar(el, names))
            )
        ):
            doomed.append(el)
        elif tag in CANDIDATE_TAGS and ("omment" in names or "entar" in names or "review" in names):
            candidates.append((el, tag, names))
    if whole:
        jsonld = [text for script in scripts for text in select(script, _TEXT)]
        is_form = element_test(X.COMMENT_FORMS)
        doomed.extend(form for form in forms if is_form(form))
    else:
        jsonld = select(root, X.JSONLD)
        doomed.extend(select(root, X.COMMENT_FORMS))
    for el in doomed:
        _drop_tree(el)
    return Pruned(candidates if whole else None, jsonld, lists if whole else None)


_JUNK_CLASSES = frozenset(X.JUNK_CLASSES)
_JUNK_TAGS = frozenset(X.JUNK_TAGS)
_JUNK_READMORE_TAGS = frozenset(X.JUNK_READMORE_TAGS)


def junk(node: etree._Element) -> list[etree._Element]:
    """``select(node, X.JUNK)``, read in Python from the same names: the XPath's 45 class-token
    tests reread the class attribute for each name (7.6 µs an element with a class, 0.13 ms a
    page over the corpus); here it is split once into its tokens, as ``normalize-space`` splits
    it (on XML's four whitespace characters only, not on all that ``str.split`` knows)."""
    found = []
    for el in node.iterdescendants():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if tag in _JUNK_TAGS:
            found.append(el)
            continue
        value = el.get("class")
        if not value:
            continue
        tokens = value.replace("\t", " ").replace("\n", " ").replace("\r", " ").split(" ")
        if (
            not _JUNK_CLASSES.isdisjoint(tokens)
            or any(part in value for part in X.JUNK_CLASS_PARTS)
            or (tag in _JUNK_READMORE_TAGS
                and any(part in value for part in X.JUNK_READMORE_PARTS))
        ):
            found.append(el)
    return found


def is_attached(el: etree._Element, top: etree._Element) -> bool:
    """Whether ``el`` is ``top`` or inside it (not in a subtree removed from it)."""
    while el is not top:
        parent = el.getparent()
        if parent is None:
            return False
        el = parent
    return True


def _drop_tree(el: etree._Element) -> None:
    """Remove an element and its children, keeping its tail text (lxml.html's drop_tree)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def text_content(el: etree._Element) -> str:
    return "".join(el.itertext())


def first(node: etree._Element, xpaths: Iterable[str]) -> object | None:
    """First non-blank hit: an attribute value (str) or an element with some text."""
    for xpath in xpaths:
        for hit in select(node, xpath):
            if isinstance(hit, str):
                if hit.strip():
                    return str(hit)
            elif isinstance(hit, etree._Element) and text_content(hit).strip():
                return hit
    return None


def hits(node: etree._Element, xpaths: Iterable[str], limit: int = 6) -> list:
    """Every non-blank hit of the XPaths, in order (for dates: the first that reads wins)."""
    found: list = []
    for xpath in xpaths:
        for hit in select(node, xpath):
            if isinstance(hit, str):
                if hit.strip() and hit not in found:
                    found.append(hit)
            elif isinstance(hit, etree._Element) and hit not in found \
                    and text_content(hit).strip():
                found.append(hit)
            if len(found) >= limit:
                return found
    return found


def text_of(value: object) -> str:
    """One line of text: an element's visible words, or a string's."""
    if isinstance(value, etree._Element):
        return clean_inline(render(value, set(junk(value))).replace("\n", " "))
    return clean_inline(str(value)) if value else ""


def render(root: etree._Element, skip: set) -> str:
    """Visible text with paragraphs: block elements end a paragraph, <br> ends a line."""
    parts: list[str] = []

    def walk(el: etree._Element, is_root: bool = False) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag and el not in skip and tag not in SKIP_TAGS:
            if tag == "br":
                parts.append("\n")
            elif tag in BLOCK_TAGS:
                parts.append("\n\n")
            if el.text:
                parts.append(el.text if tag == "pre" else _WS.sub(" ", el.text))
            for child in el:
                walk(child)
            if tag in BLOCK_TAGS:
                parts.append("\n\n")
        if el.tail and not is_root:
            parts.append(_WS.sub(" ", el.tail))

    walk(root, True)
    return "".join(parts)


def is_line(el: etree._Element) -> bool:
    return len(text_content(el)) <= MAX_BYLINE


def enclosing_line(el: etree._Element, stop: etree._Element) -> etree._Element:
    """The short block (a byline such as <p><cite>Name</cite> — date</p>) that holds ``el``."""
    best = el
    for anc in el.iterancestors():
        if anc is stop or len(text_content(anc)) > MAX_AUTHOR:
            break
        best = anc
    return best


def clean_text(raw: str) -> str:
    paragraphs = []
    for para in clean_block(raw).split("\n\n"):
        lines = [line for line in para.split("\n") if not BUTTON_LINE.match(line)]
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)
