"""``clock``: when you listen — hour × weekday, the daily rhythm, weekdays against weekends, the seasons, the night."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from linernotes.engine.figures import Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.engine.words import nothing_timed
from linernotes.formatting import count_of

# "Night", the one definition used by clock, wrapped (personality) and ask: from 22:00 to 04:59 local time,
# as [from, to) hours wrapping midnight (the hours 22, 23, 0, 1, 2, 3 and 4). Printed with every night figure.
NIGHT = (22, 5)
NIGHT_HOURS = tuple(h % 24 for h in range(NIGHT[0], NIGHT[1] + 24))
NIGHT_LABEL = f"{NIGHT[0]:02d}:00–{NIGHT[1] - 1:02d}:59"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MS_PER_MINUTE = 60_000


@dataclass(frozen=True)
class WeekdayTotal:
    dow: int  # ISO weekday, 1 = Monday
    name: str
    ms_played: int
    days_in_period: int  # calendar days of this weekday in the period
    minutes_per_day: float  # minutes per calendar day of this weekday (0 when the period has none)


@dataclass(frozen=True)
class MonthOfYear:
    month: int  # 1 = January; every year of the period adds to the same month
    name: str
    ms_played: int
    days_in_period: int  # calendar days of this month (over all years) inside the period
    minutes_per_day: float  # minutes per calendar day of this month inside the period


@dataclass(frozen=True)
class WeekSplit:
    """Monday–Friday against Saturday–Sunday, per calendar day of each in the period."""

    weekday_ms: int
    weekend_ms: int
    weekday_days: int
    weekend_days: int
    weekday_minutes_per_day: float
    weekend_minutes_per_day: float
    weekend_share: float  # the weekend's part of all listening time (2/7 ≈ 0.286 would be "even")


MIN_CLOCK_PLAYS = 20  # fewer plays make a pattern of chance, not of habit (as the clock page)


@dataclass
class ClockResult(Result):
    total_ms: int
    heatmap: list[list[float]]  # 7 rows (Monday..Sunday) × 24 columns (hour 0..23): minutes listened, local time
    hourly_ms: list[int]  # 24 values: time started in each local hour, all days together
    rhythm: list[float]  # 24 values: each hour's share of all listening time (sums to 1; zeros when empty)
    weekdays: list[WeekdayTotal]
    week_split: WeekSplit
    seasons: list[MonthOfYear]  # 12 months of the year
    night_ms: int
    night_share: float  # share of listening time started 22:00–04:59 local
    peak_hour: int | None  # the hour (0–23) with the most listening time; ties go to the earlier hour
    peak_weekday: int | None  # ISO weekday with the most time per calendar day of it
    peak_cell: tuple[int, int] | None  # (ISO weekday, hour) of the heatmap's largest cell

    def summary(self) -> list[str]:
        plays = self.meta.plays if self.meta else 0
        if not self.total_ms or self.peak_hour is None:
            return [nothing_timed(plays, "listening clock")]
        if self.meta is not None and plays < MIN_CLOCK_PLAYS:
            return [f"Only {count_of(plays, 'play')} in this period: too few to say when you usually listen."]
        lines = [
            f"Your peak hour is {self.peak_hour:02d}:00–{self.peak_hour:02d}:59; "
            f"{self.night_share:.0%} of your listening happens at night ({NIGHT_LABEL})."
        ]
        s = self.week_split
        lines.append(
            f"{count_of(s.weekday_minutes_per_day, 'minute')} a weekday against {s.weekend_minutes_per_day:,.0f} "
            f"a weekend day."
        )
        counted = [m for m in self.seasons if m.days_in_period]
        if len(counted) >= 2:
            best = max(counted, key=lambda m: (m.minutes_per_day, -m.month))
            lines.append(f"Your busiest month of the year is {best.name} "
                         f"({count_of(best.minutes_per_day, 'minute')} a day).")
        return lines


def calendar_days(start: dt.date | None, end: dt.date | None) -> np.ndarray:
    """Every day from ``start`` to ``end`` inclusive, as ``datetime64[D]`` (empty when either is None)."""
    if start is None or end is None or end < start:
        return np.zeros(0, dtype="datetime64[D]")
    return np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1, dtype="datetime64[D]")


def iso_weekday(days: np.ndarray) -> np.ndarray:
    """ISO weekday (1 = Monday) of ``datetime64[D]`` values (1970-01-01 was a Thursday)."""
    return (days.astype(np.int64) + 3) % 7 + 1


@insight("clock", "When you listen: hour × weekday, daily rhythm, weekends, seasons, night owl share")
def clock(ctx: Context) -> ClockResult:
    """When, in local time (the time zone of the country each play was made in), listening happens.

    Every play of the selection counts, of every kind in the scope, by its listening time (``ms_played``)
    placed at the local hour, weekday and month of the play's *start* (a play is not split across hours).

    - ``heatmap``: minutes per (ISO weekday, hour) cell, Monday first, hour 0 first;
    - ``rhythm``: each hour's share of all listening time; ``peak_hour``: the hour with the most time
      (ties: the earlier hour); ``peak_cell``: the largest heatmap cell (ties: earlier weekday, then hour);
    - ``weekdays``/``week_split``: time per weekday, and minutes per *calendar* day (every day of the
      period, listened or not) of Monday–Friday against Saturday–Sunday; ``peak_weekday`` is the weekday
      with the most minutes per calendar day of it;
    - ``seasons``: time per month of the year (all years added), with minutes per calendar day of that
      month inside the period, so a half-covered month is not undercounted;
    - ``night_share``: the share of listening time started from 22:00 to 04:59 local (hours 22–4).

    The period's calendar days run from its first to its last day (open ends: the first/last day with plays).
    """
    cells = ctx.fetchnumpy(f"""
        SELECT dow, hour, coalesce(sum(ms_played), 0)::BIGINT AS ms
        FROM {ctx.plays} WHERE dow IS NOT NULL AND hour IS NOT NULL GROUP BY ALL""")
    grid = np.zeros((7, 24), dtype=np.int64)
    dow, hour = np.asarray(cells["dow"], dtype=np.int64), np.asarray(cells["hour"], dtype=np.int64)
    grid[dow - 1, hour] = np.asarray(cells["ms"], dtype=np.int64)
    months = ctx.fetchnumpy(f"""
        SELECT month(day) AS m, coalesce(sum(ms_played), 0)::BIGINT AS ms
        FROM {ctx.plays} WHERE day IS NOT NULL GROUP BY ALL""")
    month_ms = np.zeros(12, dtype=np.int64)
    month_ms[np.asarray(months["m"], dtype=np.int64) - 1] = np.asarray(months["ms"], dtype=np.int64)

    days = calendar_days(ctx.start, ctx.end)
    days_per_dow = np.bincount(iso_weekday(days) - 1, minlength=7) if len(days) else np.zeros(7, dtype=np.int64)
    month_index = days.astype("datetime64[M]").astype(np.int64) % 12
    days_per_month = np.bincount(month_index, minlength=12) if len(days) else np.zeros(12, dtype=np.int64)

    total = int(grid.sum())
    hourly = grid.sum(axis=0)
    by_dow = grid.sum(axis=1)

    def per_day(ms: float, n: int) -> float:
        return ms / MS_PER_MINUTE / n if n else 0.0

    weekdays = [
        WeekdayTotal(
            d + 1, WEEKDAYS[d], int(by_dow[d]), int(days_per_dow[d]), per_day(float(by_dow[d]), int(days_per_dow[d]))
        )
        for d in range(7)
    ]
    wd_ms, we_ms = int(by_dow[:5].sum()), int(by_dow[5:].sum())
    wd_days, we_days = int(days_per_dow[:5].sum()), int(days_per_dow[5:].sum())
    split = WeekSplit(
        weekday_ms=wd_ms,
        weekend_ms=we_ms,
        weekday_days=wd_days,
        weekend_days=we_days,
        weekday_minutes_per_day=per_day(wd_ms, wd_days),
        weekend_minutes_per_day=per_day(we_ms, we_days),
        weekend_share=we_ms / total if total else 0.0,
    )
    seasons = [
        MonthOfYear(
            m + 1,
            MONTHS[m],
            int(month_ms[m]),
            int(days_per_month[m]),
            per_day(float(month_ms[m]), int(days_per_month[m])),
        )
        for m in range(12)
    ]
    night = int(hourly[list(NIGHT_HOURS)].sum())
    peak_hour = int(np.argmax(hourly)) if total else None  # argmax takes the first maximum: the earlier hour
    rates = [w.minutes_per_day for w in weekdays]
    peak_weekday = int(np.argmax(rates)) + 1 if total and any(rates) else None
    flat = int(np.argmax(grid)) if total else None
    return ClockResult(
        total_ms=total,
        heatmap=(grid / MS_PER_MINUTE).tolist(),
        hourly_ms=[int(v) for v in hourly],
        rhythm=[float(v) / total if total else 0.0 for v in hourly],
        weekdays=weekdays,
        week_split=split,
        seasons=seasons,
        night_ms=night,
        night_share=night / total if total else 0.0,
        peak_hour=peak_hour,
        peak_weekday=peak_weekday,
        peak_cell=(flat // 24 + 1, flat % 24) if flat is not None else None,
    )


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("night share", "%", r"\bnight owl\b|\bat night\b|\bnight\b|\blate\b", "night_share|pct"),
    Figure("weekend share", "%", r"\bweekends?\b|\bweekdays?\b", "week_split.weekend_share|pct"),
    Figure("peak day of the week", None, r"\bday of the week\b|\bwhich day\b|\bwhat day\b|\bweekday\b",
           "peak_weekday|weekday"),
    Figure("peak season", None, r"\bseasons?\b|\bmonth of the year\b|\bwhich month\b", "@peak_season",
           reads="seasons"),
    Figure("peak hour", "hour of the day", "", "peak_hour"),
)
