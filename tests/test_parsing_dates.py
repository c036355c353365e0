"""Dates as comment bylines show them: European forms, words around them, no year, relative."""

from __future__ import annotations

from datetime import datetime

import pytest

from newsarchive.parsing.dates import shown_date


@pytest.mark.parametrize(("shown", "iso", "has_year"), [
    ("17.07, 2011 @ 13:04", "2011-07-17T13:04:00", True),
    ("am 9. Juni 2017 um 13:22 Uhr", "2017-06-09T13:22:00", True),
    ("8. April 2019 @ 11:38", "2019-04-08T11:38:00", True),
    ("Le 22/01/2020 à 12:01:03", "2020-01-22T12:01:03", True),
    ("le 7 mai 2020 - 12:38.", "2020-05-07T12:38:00", True),
    ("14/04/2020 at 3:00 pm", "2020-04-14T15:00:00", True),
    ("wtorek, 11 maja 2021, 23:13", "2021-05-11T23:13:00", True),
    ("5 mars 2021 à 18 h 02 min", "2021-03-05T18:02:00", True),
    ("06.11.2023, 13.47 Uhr", "2023-11-06T13:47:00", True),
    ("June 28", "2024-06-28", False),
    ("Le 12/02 à 11:30", "2024-02-12T11:30:00", False),
    ("3 days ago", "2024-05-29T12:00:00", True),
    ("vor 2 Stunden", "2024-06-01T10:00:00", True),
    ("Hans 2", None, None),
    ("Reply", None, None),
])
def test_shown_dates(shown: str, iso: str | None, has_year: bool | None) -> None:
    found = shown_date(shown, None, datetime(2024, 6, 1, 12, 0))
    assert (found.value, found.has_year) == (iso, has_year) if iso else found is None


def test_shown_dates_read_numbers_month_first_only_where_the_page_says_so() -> None:
    assert shown_date("05/04/2020", None, None).value == "2020-04-05"
    assert shown_date("05/04/2020", None, None, month_first=True).value == "2020-05-04"
    assert shown_date("04/25/2020", None, None).value == "2020-04-25"  # only fits month first
