"""Listening time in hours: the one conversion from milliseconds (how every export and the library count time)
and the one way an hour figure is written."""

from __future__ import annotations

import math

MS_PER_HOUR = 3_600_000


def format_hours(ms: float, *, unit: str = "", whole_from: float = math.inf,
                 minutes_under_an_hour: bool = False) -> str:
    """``ms`` as hours with one decimal and thousands separators, followed by ``unit``.

    ``whole_from``: from this many hours on, no decimal (a tenth of an hour is noise beside ten of them).
    ``minutes_under_an_hour``: below one hour, whole minutes instead ("45 min"), for figures a person reads
    at a glance.

    >>> format_hours(5_580_000), format_hours(45_000_000, unit=" h", whole_from=10)
    ('1.6', '12 h')
    >>> format_hours(2_700_000, unit=" h", minutes_under_an_hour=True)
    '45 min'
    """
    if minutes_under_an_hour and ms < MS_PER_HOUR:
        return f"{ms / 60_000:,.0f} min"
    h = ms / MS_PER_HOUR
    return f"{h:,.0f}{unit}" if h >= whole_from else f"{h:,.1f}{unit}"


def format_wait(seconds: float) -> str:
    """How long something will take, as a person says it: "under a minute", "about 25 minutes",
    "about 9 h 26 min".

    >>> format_wait(20), format_wait(60 * 25), format_wait(33_960), format_wait(7200)
    ('under a minute', 'about 25 minutes', 'about 9 h 26 min', 'about 2 h')
    """
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    h, m = divmod(minutes, 60)
    return f"about {h:,} h {m} min" if m else f"about {h:,} h"
