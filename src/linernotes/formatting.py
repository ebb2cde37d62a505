"""Numbers and dates as a person reads them, one way in every view (terminal, report, dashboard, cards).

Hours are :func:`linernotes.units.format_hours`; here are the rest. No view prints a bare float: a share is a
percent, a count has thousands separators, a date is written out ("25 May 2014") and a range says its years
once when both ends share them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
from pathlib import Path


def format_count(n: float) -> str:
    """A count with thousands separators: ``format_count(12345) == "12,345"``."""
    return f"{round(n):,}"


def count_of(n: float, noun: str) -> str:
    """A count with its noun, singular for one: ``count_of(1, "day") == "1 day"``, ``count_of(1500, "day") ==
    "1,500 days"`` (the count is rounded as written)."""
    shown = round(n)
    return f"{shown:,} {noun}" if shown == 1 else f"{shown:,} {noun}s"


def format_percent(share: float | None, *, digits: int = 0) -> str:
    """A share (0..1) as a percent ("41%"); a share below the precision shown but above zero is "<1%", so a
    small share never reads as none. None (not measurable) is "–"."""
    if share is None:
        return "–"
    value = share * 100
    smallest = 10 ** -digits
    if 0 < value < smallest:
        return f"<{smallest:g}%"
    return f"{value:,.{digits}f}%"


def format_date(day: dt.date | dt.datetime) -> str:
    """A day written out: "25 May 2014"."""
    return f"{day.day} {day:%b %Y}"


def format_date_range(start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> str:
    """Two days as one range, saying the year (and month) once when both share it: "3–9 May 2014",
    "25 May – 2 Jun 2014", "25 May 2014 – 12 May 2016"."""
    if (start.year, start.month, start.day) == (end.year, end.month, end.day):
        return format_date(start)
    if start.year != end.year:
        return f"{format_date(start)} – {format_date(end)}"
    if start.month != end.month:
        return f"{start.day} {start:%b} – {format_date(end)}"
    return f"{start.day}–{format_date(end)}"


def format_period(start: dt.date | None, end: dt.date | None, *, none: str = "all time") -> str:
    """A period as a title says it: "2023" for a calendar year, else its range ("25 May 2014 – 12 May 2026");
    ``none`` when it has no dates."""
    if start is None or end is None:
        return none
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    return format_date_range(start, end)


def shown_path(path: str | os.PathLike[str]) -> str:
    """A file the command wrote or read, as a person finds it and without the account's name: relative to the
    working folder when inside it, ``~/...`` under the home folder, else as given (then it was typed)."""
    given = Path(path)
    full = given.expanduser().absolute()
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~")):
        try:
            rest = full.relative_to(base)
        except ValueError:
            continue
        return str(Path(prefix) / rest) if prefix else str(rest)
    return str(given)


def and_list(items: list[str]) -> str:
    """Items as a sentence lists them.

    >>> and_list(["Pop"]), and_list(["Pop", "Rock"]), and_list(["Pop", "Rock", "Jazz"]), and_list([])
    ('Pop', 'Pop and Rock', 'Pop, Rock and Jazz', '')
    """
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def bucket_words(key: str) -> str:
    """A calendar bucket's key in words: a year as it is, a month ("2023-03") by its name.

    >>> bucket_words("2023"), bucket_words("2023-03")
    ('2023', 'March 2023')
    """
    if len(key) == 4:
        return key
    year, month = key.split("-")
    return f"{calendar.month_name[int(month)]} {year}"
