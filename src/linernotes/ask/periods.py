"""Periods and time-of-day/weekday filters in plain words: "last summer", "since March", "on weekends".

Relative periods are resolved against a fixed ``today`` (a parameter, so answers and tests are stable).
Conventions, chosen to match what people mean:

- seasons are meteorological and northern: spring = March–May, summer = June–August, autumn/fall =
  September–November, winter = December–February (winter 2023 = December 2023 to February 2024);
- "last summer" is the most recent summer that has *ended*; "this summer" the current year's (cut at today);
  "in summer" / "summer" alone the most recent one that has *started*;
- "last year/month/week" are the previous calendar year/month/ISO week; "the last year", "the past 12
  months", "the last 30 days" are rolling windows ending today;
- "in March" (no year) is the most recent March that has started; "since March" runs from its first day to
  today; "between May and July 2021" covers both months whole;
- "on weekends", "on weekdays", "on Mondays", "at night" (22:00–04:59, as in the ``clock`` insight),
  "in the mornings" (05:00–11:59), "in the afternoon" (12:00–16:59), "in the evening" (17:00–21:59) are
  filters on the plays, not periods.

:func:`parse_when` returns what it found and the character spans it consumed, so the entity matcher does
not mistake "may" or "2019" for part of a name.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from linernotes.errors import UsageError
from linernotes.insights.clock import NIGHT

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}  # first month of each
DAYS = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "twelve": 12, "a": 1, "an": 1}
# Hours [from, to): to < from wraps midnight. Night is the clock insight's NIGHT (22:00–04:59), one definition.
DAYPARTS = {"night": NIGHT, "morning": (5, 12), "afternoon": (12, 17), "evening": (17, 22)}

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_SEASON_RE = "|".join(SEASONS)
_YEAR_RE = r"(?:19[89]\d|20[0-4]\d)"
_DAY_RE = "|".join(DAYS)
_NUM_RE = r"\d{1,3}|" + "|".join(NUMBERS)
_ISO_RE = r"\d{4}-\d{2}-\d{2}"


@dataclass
class When:
    """What a question says about time: a period (inclusive local dates, either end open), filters, spans."""

    start: dt.date | None = None
    end: dt.date | None = None
    label: str = "all time"
    dows: tuple[int, ...] | None = None  # ISO weekdays kept (1 = Monday)
    hours: tuple[int, int] | None = None  # [from, to) local hours; wraps midnight when to < from
    filter_label: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)
    explicit: bool = False  # the question named a period (even "ever")

    def has_period(self) -> bool:
        return self.start is not None or self.end is not None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def season_bounds(year: int, season: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``season`` starting in ``year`` (winter 2023 ends in February 2024)."""
    start = dt.date(year, SEASONS[season], 1)
    return start, _add_months(start, 3) - dt.timedelta(days=1)


def _num(text: str) -> int:
    return int(text) if text.isdigit() else NUMBERS[text]


def _year(text: str | None, default: int) -> int:
    return int(text) if text else default


def _recent_month(month: int, today: dt.date) -> int:
    """The year of the most recent ``month`` that has started by ``today``."""
    return today.year if month <= today.month else today.year - 1


def _iso_date(text: str) -> dt.date:
    """A date the question names as YYYY-MM-DD; one that is not in the calendar is the person's mistake.

    >>> _iso_date("2023-02-30")
    Traceback (most recent call last):
    ...
    linernotes.errors.UsageError: 2023-02-30 is not a date in the calendar
    """
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{text} is not a date in the calendar") from None


def _clip(end: dt.date, today: dt.date) -> dt.date:
    return min(end, today)


class _Parser:
    def __init__(self, text: str, today: dt.date) -> None:
        self.text = text
        self.today = today
        self.when = When()

    def take(self, match: re.Match[str]) -> None:
        self.when.spans.append(match.span())
        self.when.explicit = True

    def period(self, start: dt.date | None, end: dt.date | None, label: str) -> None:
        if end is not None and start is not None and end < start:
            start, end = end, start
        self.when.start, self.when.end, self.when.label = start, end, label

    def search(self, pattern: str) -> re.Match[str] | None:
        for m in re.finditer(pattern, self.text):
            if not any(a < m.end() and m.start() < b for a, b in self.when.spans):
                return m
        return None

    # -- filters -------------------------------------------------------------------------------------
    def filters(self) -> None:
        w = self.when
        labels = []
        if re.search(r"\bweek ?days? (or|vs|versus|and|compared to) (on )?(the )?weekends?\b|\bweekends? (or|vs|"
                     r"versus|and|compared to) (on )?(the )?week ?days?\b", self.text):
            return  # a comparison of the two (the clock insight), not a filter
        m = self.search(r"\b(?:on |at |during |over )?(?:the )?(?:weekends?|saturdays? and sundays?)\b")
        if m and not re.search(r"\b(?:this|last|past|previous) weekend\b", m.group(0)) and \
                not re.search(r"\b(?:this|last|past|previous) $", self.text[: m.start()]):
            self.take(m)
            w.dows, label = (6, 7), "on weekends"
            labels.append(label)
        else:
            m = self.search(r"\b(?:on |during )?(?:the )?(?:weekdays|workdays|work days|week days|weekday|"
                            r"during the week)\b")
            if m:
                self.take(m)
                w.dows = (1, 2, 3, 4, 5)
                labels.append("on weekdays")
            else:
                m = self.search(rf"\b(?:on |every )?({_DAY_RE})s\b|\bon ({_DAY_RE})\b")
                if m:
                    self.take(m)
                    day = m.group(1) or m.group(2)
                    w.dows = (DAYS[day],)
                    labels.append(f"on {day.capitalize()}s")
        m = self.search(r"\b(?:(?:late )?at night|late nights?|(?:in|during) the night|nights|overnight|"
                        r"after midnight|late night)\b")
        if m:
            self.take(m)
            w.hours = DAYPARTS["night"]
            labels.append("at night")
        else:
            m = self.search(r"\b(?:in the |during the |on |most |every )?(mornings?|afternoons?|evenings?)\b")
            if m and not re.search(r"\b(this|yesterday|tomorrow)\s*$", self.text[: m.start()]):
                self.take(m)
                part = m.group(1).rstrip("s")
                w.hours = DAYPARTS[part]
                labels.append(f"in the {part}s")
        if labels:
            w.filter_label = " ".join(labels)

    # -- periods -------------------------------------------------------------------------------------
    def periods(self) -> None:
        today = self.today
        # ISO dates
        m = self.search(rf"\b(?:between|from) ({_ISO_RE}) (?:and|to|until|till|-) ({_ISO_RE})\b")
        if m:
            self.take(m)
            a, b = _iso_date(m.group(1)), _iso_date(m.group(2))
            return self.period(a, b, f"{a} to {b}")
        m = self.search(rf"\bsince ({_ISO_RE})\b")
        if m:
            self.take(m)
            a = _iso_date(m.group(1))
            return self.period(a, today, f"since {a}")
        m = self.search(rf"\b(?:on )?({_ISO_RE})\b")
        if m:
            self.take(m)
            a = _iso_date(m.group(1))
            return self.period(a, a, f"on {a}")
        # one day in words: "march 3rd 2021", "april 20, 2024", "3 march 2021", "the 12th of june 2021"
        m = self.search(rf"\b(?:on )?({_MONTH_RE}) (\d{{1,2}})(?:st|nd|rd|th)?,? ({_YEAR_RE})\b|"
                        rf"\b(?:on )?(?:the )?(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({_MONTH_RE}),? ({_YEAR_RE})\b")
        if m:
            in_month = MONTHS[m.group(1) or m.group(5)]
            in_day, in_year = int(m.group(2) or m.group(4)), int(m.group(3) or m.group(6))
            try:
                a = dt.date(in_year, in_month, in_day)
            except ValueError:
                raise UsageError(f"{m.group(0).removeprefix('on ')} is not a date in the calendar") from None
            self.take(m)
            return self.period(a, a, f"on {a}")
        # halves and quarters of a year, holidays
        m = self.search(rf"\b(?:the )?(first|second|1st|2nd) half of (?:the year )?({_YEAR_RE})?\b|"
                        rf"\b(?:the )?(first|second|third|fourth|last|1st|2nd|3rd|4th) quarter of ({_YEAR_RE})?\b|"
                        rf"\bq([1-4]) ({_YEAR_RE})\b")
        if m:
            self.take(m)
            order = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
                     "last": 4}
            if m.group(1):
                y = int(m.group(2)) if m.group(2) else today.year
                first_month = 1 if order[m.group(1)] == 1 else 7
                a = dt.date(y, first_month, 1)
                b = _month_end(y, first_month + 5)
                return self.period(a, _clip(b, today), f"the {m.group(1)} half of {y}")
            q = order[m.group(3)] if m.group(3) else int(m.group(5))
            y = int(m.group(4) or m.group(6) or today.year)
            a = dt.date(y, 3 * q - 2, 1)
            return self.period(a, _clip(_month_end(y, 3 * q), today), f"Q{q} {y}")
        m = self.search(rf"\b(christmas|xmas|new years? eve|new years? day)(?: (?:of )?({_YEAR_RE}))?\b")
        if m:
            self.take(m)
            word = m.group(1)
            if word in ("christmas", "xmas"):
                y = int(m.group(2)) if m.group(2) else (today.year if today >= dt.date(today.year, 12, 24) else
                                                        today.year - 1)
                return self.period(dt.date(y, 12, 24), dt.date(y, 12, 26), f"Christmas {y}")
            if word.endswith("eve"):
                y = int(m.group(2)) if m.group(2) else today.year - 1
                return self.period(dt.date(y, 12, 31), dt.date(y, 12, 31), f"New Year's Eve {y}")
            y = int(m.group(2)) if m.group(2) else today.year
            return self.period(dt.date(y, 1, 1), dt.date(y, 1, 1), f"New Year's Day {y}")
        # ranges of months / years
        m = self.search(rf"\b(?:between|from) (?:(?:the )?(?:start|beginning) of )?({_MONTH_RE})(?: ({_YEAR_RE}))? "
                        rf"(?:and|to|until|till|through|-) (?:(?:the )?end of )?({_MONTH_RE})(?: ({_YEAR_RE}))?\b")
        if m:
            self.take(m)
            m1, m2 = MONTHS[m.group(1)], MONTHS[m.group(3)]
            y2 = int(m.group(4)) if m.group(4) else (int(m.group(2)) if m.group(2) else
                                                      _recent_month(m2, today))
            y1 = int(m.group(2)) if m.group(2) else (y2 if m1 <= m2 else y2 - 1)
            return self.period(dt.date(y1, m1, 1), _clip(_month_end(y2, m2), today),
                               f"{calendar.month_name[m1]} {y1} to {calendar.month_name[m2]} {y2}")
        m = self.search(rf"\b(?:between|from) ({_YEAR_RE}) (?:and|to|until|till|through|-) ({_YEAR_RE})\b|"
                        rf"\b({_YEAR_RE}) ?(?:-|to|until|through) ?({_YEAR_RE})\b")
        if m:
            self.take(m)
            y1, y2 = int(m.group(1) or m.group(3)), int(m.group(2) or m.group(4))
            return self.period(dt.date(min(y1, y2), 1, 1), _clip(dt.date(max(y1, y2), 12, 31), today),
                               f"{min(y1, y2)} to {max(y1, y2)}")
        # since ...
        m = self.search(rf"\bsince (?:the (?:start|beginning) of )?(?:(last|this) )?({_MONTH_RE}|{_SEASON_RE}|year|"
                        rf"month|week)(?: (?:of )?({_YEAR_RE}))?\b")
        if m:
            self.take(m)
            which, word, year = m.group(1), m.group(2), m.group(3)
            if word in MONTHS:
                month = MONTHS[word]
                y = int(year) if year else _recent_month(month, today)
                if which == "last" and not year and y == today.year and month == today.month:
                    y -= 1
                start = dt.date(y, month, 1)
                label = f"since {calendar.month_name[month]} {y}"
            elif word in SEASONS:
                y = int(year) if year else self._season_year(word, "last" if which == "last" else "in")
                start = season_bounds(y, word)[0]
                label = f"since {word} {y}"
            elif word == "year":
                start = dt.date(today.year - (1 if which == "last" else 0), 1, 1)
                label = f"since {start.year}"
            elif word == "month":
                start = _add_months(today.replace(day=1), -1 if which == "last" else 0)
                label = f"since {start:%B %Y}"
            else:
                start = today - dt.timedelta(days=today.isoweekday() - 1 + (7 if which == "last" else 0))
                label = f"since {start}"
            return self.period(start, today, label)
        m = self.search(rf"\bsince ({_YEAR_RE})\b")
        if m:
            self.take(m)
            y = int(m.group(1))
            return self.period(dt.date(y, 1, 1), today, f"since {y}")
        # rolling windows: "the last 30 days", "past 6 months", "last 2 years", "the past year"
        m = self.search(rf"\b(?:in |over |during |for )?(?:the )?(?:last|past|previous) ({_NUM_RE}) "
                        r"(days?|weeks?|months?|years?)\b|\b(?:in |over |during )?the (?:last|past) "
                        r"(day|week|month|year)\b|"
                        r"\b(?:in |over |during )?the (?:last|past) (few) (days|weeks|months)\b")
        if m:
            self.take(m)
            if m.group(1):
                n, unit = _num(m.group(1)), m.group(2).rstrip("s")
            elif m.group(3):
                n, unit = 1, m.group(3)
            else:
                n, unit = 3, m.group(5).rstrip("s")
            if unit == "day":
                start = today - dt.timedelta(days=n - 1)
            elif unit == "week":
                start = today - dt.timedelta(days=7 * n - 1)
            elif unit == "month":
                start = _add_months(today, -n) + dt.timedelta(days=1)
            else:
                start = _add_months(today, -12 * n) + dt.timedelta(days=1)
            return self.period(start, today, f"the last {n} {unit}{'s' if n != 1 else ''}")
        # seasons
        m = self.search(rf"\b(?:(last|this|previous|past) )?({_SEASON_RE})(?: (?:of )?({_YEAR_RE}))?\b")
        if m:
            self.take(m)
            which, season, year = m.group(1), m.group(2), m.group(3)
            if year:
                y = int(year)
            else:
                y = self._season_year(season, {"last": "last", "previous": "last", "past": "last",
                                               "this": "this"}.get(which or "", "in"))
            a, b = season_bounds(y, season)
            label = f"{season} {y}" if season != "winter" else f"winter {y}/{str(y + 1)[2:]}"
            return self.period(a, _clip(b, today) if b >= today >= a else b, label)
        # month with year: "december 2022", "dec of 2022", "in december"
        for m in re.finditer(rf"\b(?:(last|this|previous) )?({_MONTH_RE})(?:,? (?:of )?({_YEAR_RE}))?\b", self.text):
            if any(x < m.end() and m.start() < y for x, y in self.when.spans):
                continue
            which, word, year = m.group(1), m.group(2), m.group(3)
            before = self.text[: m.start()]
            lead = re.search(r"\b(in|during|of|over|for|month of|through|around|back in)\s*$", before)
            if not (year or which or lead) or (word == "may" and not (year or which or lead)):
                continue
            self.take(m)
            month = MONTHS[word]
            if year:
                y = int(year)
            else:
                y = _recent_month(month, today)
                if which in ("last", "previous") and y == today.year and month >= today.month:
                    y -= 1
            a = dt.date(y, month, 1)
            return self.period(a, _clip(_month_end(y, month), today), f"{calendar.month_name[month]} {y}")
        # calendar units
        m = self.search(r"\b(yesterday|today|tonight|last night|this (?:week|month|year|weekend)|"
                        r"(?:last|previous) (?:week|month|year|weekend)|the (?:week|month|year) before last|"
                        r"(?:the )?(?:week|month|year) so far|year to date|ytd)\b")
        if m:
            self.take(m)
            word = m.group(1)
            iso_monday = today - dt.timedelta(days=today.isoweekday() - 1)
            if word == "yesterday" or word == "last night":
                a = today - dt.timedelta(days=1)
                return self.period(a, a, f"yesterday ({a})")
            if word in ("today", "tonight"):
                return self.period(today, today, f"today ({today})")
            if word in ("this week", "the week so far", "week so far"):
                return self.period(iso_monday, today, f"this week (since {iso_monday})")
            if word in ("last week", "previous week"):
                a = iso_monday - dt.timedelta(days=7)
                return self.period(a, a + dt.timedelta(days=6), f"last week ({a} to {a + dt.timedelta(days=6)})")
            if word == "the week before last":
                a = iso_monday - dt.timedelta(days=14)
                return self.period(a, a + dt.timedelta(days=6), f"the week of {a}")
            if word == "this weekend":
                sat = iso_monday + dt.timedelta(days=5)
                if sat > today:
                    sat -= dt.timedelta(days=7)
                return self.period(sat, _clip(sat + dt.timedelta(days=1), today), f"the weekend of {sat}")
            if word in ("last weekend", "previous weekend"):
                sat = iso_monday - dt.timedelta(days=2)
                return self.period(sat, sat + dt.timedelta(days=1), f"the weekend of {sat}")
            if word in ("this month", "the month so far", "month so far"):
                a = today.replace(day=1)
                return self.period(a, today, f"{a:%B %Y} so far")
            if word in ("last month", "previous month"):
                a = _add_months(today.replace(day=1), -1)
                return self.period(a, _month_end(a.year, a.month), f"{a:%B %Y}")
            if word == "the month before last":
                a = _add_months(today.replace(day=1), -2)
                return self.period(a, _month_end(a.year, a.month), f"{a:%B %Y}")
            if word in ("this year", "the year so far", "year so far", "year to date", "ytd"):
                a = dt.date(today.year, 1, 1)
                return self.period(a, today, f"{today.year} so far")
            if word in ("last year", "previous year"):
                y = today.year - 1
                return self.period(dt.date(y, 1, 1), dt.date(y, 12, 31), str(y))
            y = today.year - 2
            return self.period(dt.date(y, 1, 1), dt.date(y, 12, 31), str(y))
        # a bare year: "in 2019", "2019"
        m = self.search(rf"\b({_YEAR_RE})(?: so far)?\b")
        if m:
            self.take(m)
            y = int(m.group(1))
            return self.period(dt.date(y, 1, 1), _clip(dt.date(y, 12, 31), today) if y == today.year else
                               dt.date(y, 12, 31), str(y))
        m = self.search(r"\b(?:of all time|all time|all-time|ever|overall|in total|lifetime|since (?:i )?"
                        r"(?:started|the beginning|forever))\b")
        if m:
            self.take(m)
        return None

    def _season_year(self, season: str, which: str) -> int:
        """The year a season starts in: ``last`` = most recent ended, ``this`` = current year's, ``in`` =
        most recent started."""
        today = self.today
        if which == "this":
            return today.year - 1 if season == "winter" and today.month <= 2 else today.year
        for y in range(today.year, today.year - 3, -1):
            a, b = season_bounds(y, season)
            if (which == "last" and b < today) or (which != "last" and a <= today):
                return y
        return today.year - 1


def parse_when(text: str, today: dt.date) -> When:
    """Find the period and filters in a normalised (lower-case, corrected) question."""
    p = _Parser(text, today)
    p.filters()
    p.periods()
    return p.when
