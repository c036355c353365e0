"""Dates to ISO 8601. Absolute dates via dateutil/dateparser, relative ones ("3 days ago",
"vor 2 Stunden", "il y a 5 minutes") via dateparser against a reference time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

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
    languages: list[str] | None = None,
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
    languages: list[str] | None = None,
    relative_base: datetime | None = None,
) -> datetime | None:
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
        return dateparser.parse(text, languages=languages, settings=settings)
    except (ValueError, OverflowError, TypeError):
        return None
