"""When a comment was written: the first date candidate that reads, the year of "June 28"
inferred from the post and the thread, and bylines ("Name - Le 22/01/2020") split into name and
date. Relative dates ("vor 2 Tagen") count from the capture time."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from lxml import etree

from newsarchive.parsing import comment_xpaths as X
from newsarchive.parsing.comments.authors import AUTHOR_PREFIX, clean_author
from newsarchive.parsing.comments.markup import MAX_BYLINE, clean_text, text_of
from newsarchive.parsing.date_languages import DEFAULT_LANGUAGES, languages_for
from newsarchive.parsing.dates import ShownDate, shown_date
from newsarchive.parsing.text import clean_inline

_SHOW_COMMENT = re.compile(r"[?&]showComment=(\d{10,13})")
_EPOCH = re.compile(r"^\d{9,13}$")
_MAX_NAME_WORDS = 5
_MAX_DATE_LINE = 60
_BYLINE_TAIL = re.compile(r"\s*(?:\[\s*[^\]]{1,20}\]|[|·•]\s*[^\W\d_]{2,20})\s*$")
_WORDY = re.compile(r"(?:[^\W\d_]{2,}\s+){5}")
_DATE_PUBLISHED = re.compile(
    r"\"datePublished\"\s*:\s*\"([^\"]{10,40})\"|"
    r"<meta[^>]+(?:property|name)=[\"']article:published_time[\"'][^>]*content=[\"']([^\"']{10,40})|"
    r"<meta[^>]+content=[\"']([^\"']{10,40})[\"'][^>]*(?:property|name)=[\"']article:published_time"
)


@dataclass(frozen=True)
class DateReader:
    """Reads the dates of one page's comments.

    ``base_time``: the capture time, for relative dates. ``languages``: the page's language and
    English, for dateparser (``DEFAULT_LANGUAGES`` for English pages and pages in no language
    dateparser knows). ``month_first``: en-US pages (3/4/2020 is March).
    ``post_date``: the article's day, for the year of dates shown without one.
    """

    base_time: datetime
    languages: tuple[str, ...]
    month_first: bool
    post_date: date | None

    @classmethod
    def for_page(
        cls, root: etree._Element, raw: str, fetched_at: datetime | None, published: str | None
    ) -> DateReader:
        full_lang = (root.xpath(X.HTML_LANG) or [""])[0].lower().strip().replace("_", "-")
        lang = full_lang.split("-")[0]
        return cls(
            base_time=fetched_at or datetime.now(UTC),
            languages=languages_for(lang, ("en",)) if lang != "en" else DEFAULT_LANGUAGES,
            month_first=full_lang == "en-us",
            post_date=(day(published) if published else None) or _post_date(raw),
        )

    def shown(self, text: str, strict: bool = False) -> ShownDate | None:
        return shown_date(text, self.languages, self.base_time, self.month_first, strict)

    def date(self, hits: object, permalink: str | None) -> ShownDate | None:
        """The first candidate that reads as a date; an element's title (the exact time behind
        "3 hours ago") before its text."""
        if permalink:
            match = _SHOW_COMMENT.search(permalink)
            if match:  # Blogger: the comment's own UTC timestamp in milliseconds
                value = _from_epoch(match.group(1))
                if value:
                    return ShownDate(value, True)
        for hit in hits if isinstance(hits, list) else [hits]:
            if hit is None:
                continue
            texts = []
            if isinstance(hit, etree._Element):
                texts.extend(str(t) for t in hit.xpath("./@title | .//*/@title")[:3])
                texts.append(text_of(hit))
            else:
                texts.append(clean_inline(str(hit)))
            for text in texts:
                if _EPOCH.match(text):
                    value = _from_epoch(text)
                    if value:
                        return ShownDate(value, True)
                    continue
                shown = self.shown(text)
                if shown:
                    return shown
        return None

    def published(self, hit: object, permalink: str | None) -> str | None:
        """One comment's date (ISO 8601), its year completed as for a thread of one."""
        return self.complete_years([self.date(hit, permalink)])[0]

    def complete_years(self, shown: list[ShownDate | None]) -> list[str | None]:
        """ISO dates of one thread, the year of "June 28" inferred: the first such day on or
        after the post's date (else the last before the capture time), and not before the
        comment shown above it when the thread runs oldest first."""
        days = [day(s.value) if s else None for s in shown]
        yearless = [d for s, d in zip(shown, days, strict=True) if s and not s.has_year and d]
        ascending = sum(b >= a for a, b in itertools.pairwise(yearless)) >= \
            sum(b < a for a, b in itertools.pairwise(yearless))
        limit = self.base_time.date()
        out: list[str | None] = []
        previous: date | None = None
        for item, day_ in zip(shown, days, strict=True):
            if item is None or day_ is None:
                out.append(item.value if item else None)
                continue
            if not item.has_year:
                if self.post_date:
                    day_ = _with_year(day_, self.post_date.year)
                    if day_ < self.post_date:
                        day_ = _with_year(day_, day_.year + 1)
                else:
                    day_ = _with_year(day_, limit.year)
                if ascending and previous and day_ < previous:
                    day_ = _with_year(day_, previous.year + (day_.replace(year=2000) <
                                                             previous.replace(year=2000)))
                while day_ > limit and (not self.post_date or day_.year > self.post_date.year):
                    day_ = _with_year(day_, day_.year - 1)
                out.append(day_.isoformat() + item.value[10:])
            else:
                out.append(item.value)
            previous = day_
        return out

    def split_byline(self, line: str) -> tuple[str, str] | None:
        """("Name", "date words") from "Name - Le 22/01/2020", "Name June 28", "Name, 3 days
        ago"; None unless the line is a short name followed by a date."""
        line = AUTHOR_PREFIX.sub("", line)
        words = line.split()
        if len(words) < 2 or len(line) > MAX_BYLINE:
            return None
        for cut in range(1, min(len(words), _MAX_NAME_WORDS + 1)):
            name = clean_author(" ".join(words[:cut]))
            rest = " ".join(words[cut:])
            if name and not any(c.isdigit() for c in name) and self.shown(rest, strict=True):
                return name, rest
        return None

    def text_byline(self, text: str) -> tuple[str, tuple[str, str] | None]:
        """A first or last line of the text that is "Name - date": (text without it, (name,
        date words)), else (text, None)."""
        lines = text.split("\n")
        for index in (0, len(lines) - 1):
            line = lines[index]
            if len(lines) > 1 and len(line) <= MAX_BYLINE and any(c.isdigit() for c in line):
                split = self.split_byline(_BYLINE_TAIL.sub("", line))
                if split:
                    del lines[index]
                    return clean_text("\n".join(lines)), split
        return text, None

    def date_line(self, text: str) -> tuple[str, str | None]:
        """A first or last line that is only a date ("März 7, 2018"): the date, not text."""
        lines = text.split("\n")
        for index in (0, len(lines) - 1):
            line = lines[index].strip()
            if len(lines) > 1 and len(line) <= _MAX_DATE_LINE and any(c.isdigit() for c in line) \
                    and not _WORDY.search(line) and "/" not in line.replace(" / ", "") \
                    and self.shown(line, strict=True):
                del lines[index]
                return clean_text("\n".join(lines)), line
        return text, None


def _post_date(raw: str) -> date | None:
    """The article's own publication day, declared in its head (JSON-LD, Open Graph)."""
    match = _DATE_PUBLISHED.search(raw)
    if not match:
        return None
    value = next(g for g in match.groups() if g)
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _with_year(day_: date, year: int) -> date:
    try:
        return day_.replace(year=year)
    except ValueError:  # 29 February
        return day_.replace(year=year, day=28)


def _from_epoch(digits: str) -> str | None:
    try:
        seconds = int(digits) / (1000 if len(digits) > 11 else 1)
        return datetime.fromtimestamp(seconds, UTC).isoformat()
    except (ValueError, OverflowError, OSError):
        return None
