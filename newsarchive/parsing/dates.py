"""Dates to ISO 8601. ISO dates via ``datetime.fromisoformat``, other absolute ones and relative ones
("3 days ago", "vor 2 Stunden", "il y a 5 minutes") via dateparser against a reference time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from newsarchive.parsing.date_languages import DEFAULT_LANGUAGES

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def iso_date(value: str | date | datetime | None) -> str | None:
    """YYYY-MM-DD, or None when the value is not a date."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    parsed = parse_datetime(value)
    return parsed.date().isoformat() if parsed else None


def iso_datetime(
    value: str | date | datetime | None,
    languages: list[str] | tuple[str, ...] | None = None,
    relative_base: datetime | None = None,
) -> str | None:
    """ISO 8601 string for a date or date-time in any common notation, or None.

    A bare day stays a day (``2024-03-01``); date-times keep their offset when the source gives one.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = value.strip()
    if not text:
        return None
    if _ISO_DAY.match(text):
        return text
    parsed = parse_datetime(text, languages=languages, relative_base=relative_base)
    if parsed is None:
        return None
    if parsed.hour == parsed.minute == parsed.second == 0 and not re.search(r"\d:\d", text):
        return parsed.date().isoformat()
    return parsed.isoformat()


def parse_datetime(
    text: str,
    languages: list[str] | tuple[str, ...] | None = None,
    relative_base: datetime | None = None,
) -> datetime | None:
    """``languages``: dateparser's, for dates in words; None for ``DEFAULT_LANGUAGES`` (never
    all of dateparser's: see ``date_languages``)."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    import dateparser  # slow import: only when a non-ISO date shows up

    settings = {
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DAY_OF_MONTH": "first",
        "RELATIVE_BASE": (relative_base or datetime.now(UTC)).replace(tzinfo=None),
    }
    try:
        return dateparser.parse(text, languages=list(languages or DEFAULT_LANGUAGES),
                                settings=settings)
    except (ValueError, OverflowError, TypeError):
        return None


@dataclass(frozen=True)
class ShownDate:
    """A date as a page shows it, read to ISO 8601; ``has_year`` is False for "June 28"."""

    value: str
    has_year: bool


# Hand-written: dateparser reads whole strings only, and comment bylines glue words around the
# date ("am 9. Juni 2017 um 13:22 Uhr", "17.07, 2011 @ 13:04", "Le 22/01/2020 à 12:01:03").
_ISO_IN = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?")
_NUMERIC = re.compile(
    r"(?<![\d.:/])(\d{1,2})\s?[./]\s?(\d{1,2})(?:(?:\s?[./]\s?|,\s?)(\d{4}|\d{2}(?![\d:])))?(?![\d/])"
)
_TIME = re.compile(r"(?<![\d.])(\d{1,2})\s?[:h]\s?(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?\s?m\b\.?)?",
                   re.I)
_DOT_TIME = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{2})(?![\d.])")  # "um 21.11" after a date
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2[01]\d\d)(?!\d)")
_RELATIVE = re.compile(
    r"\b(ago|vor|il y a|hace|fa|geleden|temu|yesterday|gestern|hier|ayer|ieri|today|heute|"
    r"aujourd'hui|hoy|oggi|just now|gerade eben)\b", re.I)
_CONNECTORS = re.compile(
    r"(?:(?<=\s)|^)(?:um|at|à|a las|alle|om|o|kl\.?|le|am|on|el|il|den|op|em|de|the)(?=\s)|"
    r"@|//|\||\s[-–—]\s|,|\[|\]|\buhr\b", re.I)
_LEADING_FILLER = re.compile(
    r"^(?:[\W_]+|(?:am|on|le|el|il|den|op|em|the|um|at|posted|publié|geschrieben|said|says|wrote|"
    r"sagt|sagte|schrieb|meint|dit|écrit|escribió|dice)(?=[\s,:]))+", re.I)
_LETTERS = re.compile(r"[^\W\d_]{3,}")
_WORDS_BEFORE_DATE = 6
_MAX_SEARCHED = 3000
_MAX_WORDS_DATE = 200


def shown_date(
    text: str | None,
    languages: list[str] | tuple[str, ...] | None = None,
    relative_base: datetime | None = None,
    month_first: bool = False,
    strict: bool = False,
) -> ShownDate | None:
    """The date in a short displayed text (a comment's byline or time stamp), or None.

    Numeric dates are read day first (``17.07.2011``, ``14/04/2020``) unless ``month_first``
    (en-US pages) or the numbers only fit month first. Relative dates are resolved against
    ``relative_base`` (the page's capture time; now if None). ``strict``: the date must start
    the text (after words such as "am", "on", "le"), as when a byline is split into its name and
    its date.
    """
    if not text:
        return None
    text = " ".join(text.split())[:_MAX_SEARCHED]
    if not any(c.isdigit() for c in text) and not _RELATIVE.search(text):
        return None
    if strict:
        text = _LEADING_FILLER.sub("", text)
    iso = _ISO_IN.match(text) if strict else _ISO_IN.search(text)
    if iso:
        value = iso.group(1) + (f"T{iso.group(2)}{iso.group(3) or ''}" if iso.group(2) else "")
        return ShownDate(iso_datetime(value) or iso.group(1), True)
    numeric = _NUMERIC.match(text) if strict else _NUMERIC.search(text)
    if numeric:
        found = _numeric(numeric, text, month_first, relative_base)
        if found:
            return found
    if len(text) > _MAX_WORDS_DATE:
        return None  # month names are looked up in short texts only (bylines, time stamps)
    return _words_date(text, languages, relative_base, 1 if strict else _WORDS_BEFORE_DATE)


def _numeric(match: re.Match, text: str, month_first: bool,
             relative_base: datetime | None) -> ShownDate | None:
    first, second, year = match.groups()
    day, month = (int(second), int(first)) if month_first else (int(first), int(second))
    if month > 12 >= day:
        day, month = month, day
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    has_year = year is not None
    if year is None:
        year_number = (relative_base or datetime.now(UTC)).year
    else:
        year_number = int(year) + (2000 if len(year) == 2 else 0)
    try:
        day_value = date(year_number, month, day)
    except ValueError:
        return None
    rest = text[match.end():]
    clock = _TIME.search(rest) or _DOT_TIME.search(rest)
    value = day_value.isoformat()
    if clock:
        groups = clock.groups()
        hour, minute = int(groups[0]), int(groups[1])
        second = int(groups[2]) if len(groups) > 2 and groups[2] else 0
        if len(groups) > 3 and groups[3]:
            hour = hour % 12 + (12 if groups[3].lower() == "p" else 0)
        if hour < 24 and minute < 60 and second < 60:
            value += f"T{hour:02d}:{minute:02d}:{second:02d}"
    return ShownDate(value, has_year)


def _words_date(text: str, languages: list[str] | tuple[str, ...] | None,
                relative_base: datetime | None, starts: int) -> ShownDate | None:
    """Dates with month names or relative words, through dateparser, words around them cut."""
    cleaned = " ".join(_CONNECTORS.sub(" ", text).split())
    if cleaned.lower().endswith(" her"):  # German "2 Stunden her" is "vor 2 Stunden"
        cleaned = "vor " + cleaned[:-4]
    clock = _TIME.search(cleaned)
    if clock:  # nothing after the time belongs to the date ("19:04 antworten"); "18 h 02"
        suffix = f" {clock.group(4)}m" if clock.group(4) else ""
        cleaned = f"{cleaned[:clock.start()]}{clock.group(1)}:{clock.group(2)}{suffix}"
    words = cleaned.split()
    for start in range(min(len(words), starts)):
        candidate = " ".join(words[start:])
        if not any(c.isdigit() for c in candidate) and not _RELATIVE.search(candidate):
            break
        if not _LETTERS.search(candidate):
            break  # a lone number is no date
        parsed = parse_datetime(candidate, languages=languages, relative_base=relative_base)
        if parsed is not None:
            has_year = bool(_YEAR.search(candidate)) or bool(_RELATIVE.search(candidate))
            value = parsed.isoformat() if (parsed.hour, parsed.minute) != (0, 0) or clock \
                else parsed.date().isoformat()
            return ShownDate(value, has_year)
    return None
