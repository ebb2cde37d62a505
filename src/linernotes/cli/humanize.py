"""Field names and values of results as a person reads them in the terminal.

Results keep machine names and exact units (``median_duration_s``, ``ms_played``, shares 0..1) because the JSON
and the charts need them; this module is the one place that turns a field into a label and a value into text
with its unit: times in minutes or hours, shares as percents, dates written out, counts with separators.
Nothing here escapes markup: callers pass the text through :func:`linernotes.cli.common.plain`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from linernotes.engine.words import DEVICE_WORDS, START_WORDS
from linernotes.formatting import format_count, format_date, format_percent
from linernotes.units import format_hours

# Labels a field's own name would not say (or would say as a variable name).
LABELS = {
    "k": "clusters",
    "bucket": "period",
    "dow": "weekday",
    "peak_weekday": "busiest weekday",
    "peak_hour": "busiest hour",
    "peak_cell": "busiest hour of the week",
    "ms": "time",
    "ms_played": "time",
    "total_ms": "total time",
    "bic": "fit by number of clusters (BIC, lower is better)",
    "min_weeks": "shortest chapter (weeks)",
    "left_out_weeks": "weeks left out",
    "days_in_period": "days",
    "index": "#",
    "rows_read": "rows read",
    "n": "count",
    "top10_share": "top 10 share",
    "reason_start": "start reason",
    "reason_end": "end reason",
}

# Values of these fields are names the code chose ("loud_day", "now_playing"): shown as words.
WORD_VALUED = {"kind", "reason", "bucket", "label", "source", "cause", "why_kind", "status", "level", "type"}

# Fields whose values name another field, and fields whose text defines a figure in terms of fields.
NAMING_FIELDS = {"metric", "field", "measure", "feature"}
DEFINITIONS = {"definition", "how", "formula", "meaning"}

_IDENTIFIER_IN_TEXT = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$")
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# Pairs of numbers that are one value: (ISO weekday, hour).
PAIRS = {"peak_cell"}


def pair(key: str, items: list[Any]) -> str:
    """A pair of :data:`PAIRS` as one value: "Monday 19:00"."""
    day, hour = items
    return f"{WEEKDAYS[day - 1]} {hour:02d}:00"


def label(key: Any) -> str:
    """A field's name for people: "median_duration_s" → "median duration", "ms_played" → "time"."""
    key = str(key)
    if key in LABELS:
        return LABELS[key]
    words = key
    if is_duration_ms(key):
        words = re.sub(r"(^|_)ms(_|$)", r"\1time\2", key.replace("ms_played", "time"))
        words = words.replace("time_time", "time").replace("played_time", "time")
    elif _is_seconds(key):
        words = key[: -len("_s")] if key.endswith("_s") else key.replace("seconds", "time")
    return words.replace("_", " ").strip()


def is_duration_ms(key: str) -> bool:
    """Listening times are milliseconds in results (exact for charts); people read them as minutes or hours."""
    return "ms" in key.split("_")


def _is_seconds(key: str) -> bool:
    return key.endswith("_s") or key.endswith("_seconds")


def _is_share(key: str) -> bool:
    return any(word in key.split("_") for word in ("share", "rate", "ratio", "fraction", "closure", "rhythm"))


def _is_minutes(key: str) -> bool:
    return "minutes" in key.split("_") and "gap" not in key


def _is_hour_figure(key: str) -> bool:
    """A number of hours (not an hour of the day, which is "hour" or "peak_hours")."""
    return key in ("hours", "music_hours", "total_hours") or (key.endswith("_hours") and not key.startswith("peak"))


def seconds(value: float) -> str:
    """A duration in seconds: "42 s", "3 min 12 s", "1.2 h"."""
    if value < 60:
        return f"{value:.0f} s"
    if value < 3600:
        minutes, rest = divmod(round(value), 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    return format_hours(value * 1000, unit=" h")


def number(value: float) -> str:
    """A number without a unit: whole numbers with separators, small ones with two decimals at most."""
    if float(value).is_integer() or abs(value) >= 100:
        return format_count(value)
    return f"{value:.2f}".rstrip("0").rstrip(".")


def value(val: Any, key: str = "") -> str:
    """Any scalar of a result as text with its unit (not escaped)."""
    if val is None:
        return "–"
    if isinstance(val, bool):
        return "yes" if val else "no"
    if isinstance(val, dt.datetime | dt.date):
        return when(val)
    if isinstance(val, int | float):
        return _numeric(val, key)
    text = str(val)
    if _ISO_DAY.match(text) or _ISO_TIME.match(text):
        return when(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    if _IDENTIFIER.match(text) and text in DEVICE_WORDS:  # a device family code ("phone_android")
        return re.sub(r"^(your|a|the) ", "", DEVICE_WORDS[text])
    if ("reason" in key or "start" in key) and text in START_WORDS:
        return START_WORDS[text]
    if key in NAMING_FIELDS and _IDENTIFIER.match(text):  # a row about a field ("metric": "top10_share")
        return label(text)
    if key in WORD_VALUED and _IDENTIFIER.match(text):
        return text.replace("_", " ")
    if key in DEFINITIONS:  # a definition names fields of the export or of the JSON: in words here
        return _IDENTIFIER_IN_TEXT.sub(lambda m: label(m.group(0)), text)
    return text


def when(moment: dt.date | dt.datetime) -> str:
    """A date written out ("25 May 2014"), with its time when it has one ("25 May 2014 19:03")."""
    if isinstance(moment, dt.datetime) and (moment.hour, moment.minute, moment.second) != (0, 0, 0):
        return f"{format_date(moment)} {moment:%H:%M}"
    return format_date(moment)


def _numeric(val: float, key: str) -> str:
    if is_duration_ms(key):
        return format_hours(val, unit=" h", minutes_under_an_hour=True)
    if _is_seconds(key):
        return seconds(val)
    if key in ("dow", "peak_weekday") and isinstance(val, int) and 1 <= val <= 7:
        return WEEKDAYS[val - 1]
    if key in ("month",) and isinstance(val, int) and 1 <= val <= 12:
        return calendar.month_name[val]
    if key in ("hour", "peak_hour") and isinstance(val, int) and 0 <= val <= 23:
        return f"{val:02d}:00"
    if (key in ("year", "decade") or key.endswith("_year")) and isinstance(val, int):  # 2015, not "2,015"
        return str(val)
    if key.endswith("_age") and isinstance(val, int):  # the age of music, in years (eras)
        return f"{val} year" if val == 1 else f"{val} years"
    if _is_share(key) and 0 <= val <= 1:
        return format_percent(val)
    if _is_minutes(key):
        return f"{val:,.0f} min" if val >= 10 else f"{val:.1f} min"
    if _is_hour_figure(key):
        return f"{val:,.1f} h"
    if isinstance(val, float):
        return number(val)
    return format_count(val)
