"""``calendar``: listening day by day — minutes per day, streaks, gaps, and the busiest day, week and month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from linernotes.engine.figures import Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.engine.span import Activity, activity
from linernotes.formatting import count_of, format_date, format_date_range
from linernotes.insights.clock import MS_PER_MINUTE, calendar_days, iso_weekday


@dataclass(frozen=True)
class DailySeries:
    """One value per calendar day from ``start`` to ``end`` (index 0 is ``start``), zeros included."""

    start: dt.date | None
    end: dt.date | None
    minutes: list[float]
    plays: list[int]  # counted under the policy


@dataclass(frozen=True)
class Run:
    """A run of consecutive calendar days (both ends included)."""

    first_day: dt.date
    last_day: dt.date
    days: int


@dataclass(frozen=True)
class Busiest:
    """The busiest day, ISO week or month by listening time (ties: the earliest)."""

    label: str  # "2024-01-15", "2024-W03", "2024-01"
    first_day: dt.date  # the first day of that day/week/month (a week starts on Monday)
    ms_played: int
    plays: int  # counted under the policy


@dataclass
class CalendarResult(Result):
    daily: DailySeries
    days_in_period: int
    days_listened: int
    total_ms: int
    minutes_per_day: float  # over every calendar day of the period
    minutes_per_active_day: float  # over the days with plays
    longest_streak: Run | None
    current_streak: Run | None  # the streak that runs up to the period's last day, if that day has plays
    longest_gap: Run | None  # the longest run of days without plays inside the period
    busiest_day: Busiest | None
    busiest_week: Busiest | None
    busiest_month: Busiest | None
    activity: Activity | None = None  # where the listening lies: stretches, gaps, stray plays (engine/span.py)
    withheld: list[str] = field(default_factory=list)  # claims left out, and why

    def summary(self) -> list[str]:
        if not self.days_listened:
            return ["No listening in this period."]
        act = self.activity
        # Scrobbles carry no listening time: a day's figure is then its plays, not "0 minutes".
        per_day = (f"{count_of(self.minutes_per_day, 'minute')} a day on average" if self.total_ms else
                   f"{sum(self.daily.plays) / max(self.days_in_period, 1):,.1f} plays a day on average (the export "
                   f"records no listening time)")
        if act is not None and act.stray_plays and act.core_start and act.core_end:
            core_listened = self.days_listened - act.stray_days
            lines = [
                f"You listened on {core_listened:,} of the {count_of(act.core_days, 'day')} from "
                f"{format_date(act.core_start)} to {format_date(act.core_end)}, {per_day}."
            ]
            note = act.stray_note()
            if note:
                lines.append(note[0].upper() + note[1:])
        else:
            lines = [
                f"You listened on {self.days_listened:,} of {count_of(self.days_in_period, 'day')}, "
                f"{per_day}."
            ]
        if self.longest_streak is not None:
            s = self.longest_streak
            lines.append(
                f"Your longest streak: {count_of(s.days, 'day')} in a row "
                f"({format_date_range(s.first_day, s.last_day)})"
                + (
                    f"; your longest break: {count_of(self.longest_gap.days, 'day')} "
                    f"({format_date_range(self.longest_gap.first_day, self.longest_gap.last_day)})."
                    if self.longest_gap
                    else "."
                )
            )
        if self.busiest_day is not None:
            b = self.busiest_day
            lines.append(f"Your busiest day was {b.first_day:%A} {format_date(b.first_day)}, with "
                         f"{b.ms_played / MS_PER_MINUTE:,.0f} minutes.")
        return lines


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start indices and lengths of the runs of True in ``mask``."""
    if not len(mask):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.diff(padded)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return starts, ends - starts


def longest_run(mask: np.ndarray, days: np.ndarray) -> Run | None:
    """The longest run of True (ties: the earliest), with its dates."""
    starts, lengths = runs(mask)
    if not len(starts):
        return None
    i = int(np.argmax(lengths))
    return _run(days, int(starts[i]), int(lengths[i]))


def _run(days: np.ndarray, start: int, length: int) -> Run:
    return Run(first_day=_date(days[start]), last_day=_date(days[start + length - 1]), days=length)


def _date(value: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(value.astype("datetime64[D]")))


def busiest(keys: np.ndarray, ms: np.ndarray, plays: np.ndarray, label: str) -> Busiest | None:
    """Group daily values by ``keys`` (the first day of each group, datetime64[D], ascending) and pick the
    group with the most time (ties: the earliest)."""
    if not len(keys) or not ms.any():
        return None
    groups, index = np.unique(keys, return_inverse=True)
    sums = np.bincount(index, weights=ms)
    counts = np.bincount(index, weights=plays)
    best = int(np.argmax(sums))
    first = _date(groups[best])
    if label == "week":
        year, week, _ = first.isocalendar()
        text = f"{year}-W{week:02d}"
    elif label == "month":
        text = first.strftime("%Y-%m")
    else:
        text = first.isoformat()
    return Busiest(label=text, first_day=first, ms_played=round(sums[best]), plays=round(counts[best]))


@insight("calendar", "Minutes per day, listening streaks and gaps, and the busiest day, week and month")
def calendar(ctx: Context) -> CalendarResult:
    """Listening per local calendar day over the period (its first to last day; open ends become the first or
    last day with plays).

    - ``daily``: minutes (sum of ``ms_played``) and counted plays per day, every day of the period, zeros
      included, as two series starting at ``daily.start``;
    - a day *with plays* has at least one play of the selection (of any length, like ``overview``'s days
      listened); ``longest_streak`` is the longest run of consecutive such days, ``current_streak`` the run
      that ends on the period's last day (none when that day has no plays, or when it lies in a stray stretch
      of :mod:`~linernotes.engine.span` — a few plays far from the rest — and ``withheld`` says so),
      ``longest_gap`` the longest run
      of consecutive days without plays inside the period (edges included when the period is given). Ties:
      the earliest run;
    - ``activity``: the stretches of listening and the gaps between them (:mod:`linernotes.engine.span`);
      when some plays are stray, ``minutes_per_day`` is over the calendar days of the core (first to last
      day of the stretches that are not stray), so a few plays years away do not dilute it;
    - ``busiest_day``/``busiest_week``/``busiest_month``: most listening time in a day, an ISO week
      (Monday–Sunday, labelled ``YYYY-Www``) and a calendar month; only days inside the period count, so a
      week or month cut by the period's ends holds just its days inside. Ties: the earliest.
    """
    days = calendar_days(ctx.start, ctx.end)
    n = len(days)
    ms = np.zeros(n, dtype=np.int64)
    plays = np.zeros(n, dtype=np.int64)
    active = np.zeros(n, dtype=bool)
    if n:
        rows = ctx.fetchnumpy(
            f"""
            SELECT day - ?::DATE AS i, coalesce(sum(ms_played), 0)::BIGINT AS ms,
                   count(*) FILTER (WHERE counted) AS plays
            FROM {ctx.plays} WHERE day BETWEEN ?::DATE AND ?::DATE GROUP BY day""",
            [ctx.start, ctx.start, ctx.end],
        )
        index = np.asarray(rows["i"], dtype=np.int64)
        ms[index] = np.asarray(rows["ms"], dtype=np.int64)
        plays[index] = np.asarray(rows["plays"], dtype=np.int64)
        active[index] = True
    total = int(ms.sum())
    listened = int(active.sum())
    act = activity(ctx) if n else None
    withheld: list[str] = []
    current = None
    if n and active[-1]:
        starts, lengths = runs(active)
        current = _run(days, int(starts[-1]), int(lengths[-1]))
        if act is not None and act.core_end is not None and current.last_day > act.core_end:
            withheld.append(
                f"current streak: the last plays ({current.last_day}) are stray, after a gap of "
                f"{act.longest_gap_days:,} days without listening, so no streak is current")
            current = None
    # Averages per day over the core of the listening: stray plays far away do not stretch them.
    avg_days, avg_ms = n, total
    if act is not None and act.stray_plays and act.core_start is not None and act.core_end is not None:
        inside = (days >= np.datetime64(act.core_start, "D")) & (days <= np.datetime64(act.core_end, "D"))
        avg_days, avg_ms = int(inside.sum()), int(ms[inside].sum())
        withheld.append(
            f"averages: {act.stray_plays:,} stray plays outside {act.core_start}..{act.core_end} are left out")
    monday = days - (iso_weekday(days) - 1).astype("timedelta64[D]") if n else days
    month = days.astype("datetime64[M]").astype("datetime64[D]")
    return CalendarResult(
        daily=DailySeries(
            start=ctx.start if n else None,
            end=ctx.end if n else None,
            minutes=(ms / MS_PER_MINUTE).tolist(),
            plays=plays.tolist(),
        ),
        days_in_period=n,
        days_listened=listened,
        total_ms=total,
        minutes_per_day=avg_ms / MS_PER_MINUTE / avg_days if avg_days else 0.0,
        minutes_per_active_day=total / MS_PER_MINUTE / listened if listened else 0.0,
        longest_streak=longest_run(active, days),
        current_streak=current,
        longest_gap=longest_run(~active, days),
        busiest_day=busiest(days, ms, plays, "day"),
        busiest_week=busiest(monday, ms, plays, "week"),
        busiest_month=busiest(month, ms, plays, "month"),
        activity=act,
        withheld=withheld,
    )


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("longest streak", "days", r"\bstreaks?\b|\bin a row\b|\bconsecutive\b|\bevery day\b",
           "longest_streak.days"),
    Figure("longest gap", "days", r"\bgaps?\b|\bbreaks?\b|\bwithout\b", "longest_gap.days"),
    Figure("busiest week", None, r"\bbusiest (week)\b|\bwhich week\b|\bbiggest week\b|\bmost active week\b",
           "busiest_week.label"),
    Figure("biggest month", None, r"\bbusiest month\b|\bwhich month\b|\bbiggest month\b|\bmost active month\b",
           "@biggest_month", reads="daily"),
    Figure("biggest day", None, r"\bbusiest\b|\bmost active\b|\bbiggest day\b|\bwhich day\b|\bin a day\b|"
           r"\bon one day\b", "@biggest_day", reads="daily"),
    Figure("days listened", "days", r"\bhow many days\b|\bdays? (did|have) i listen", "days_listened"),
    Figure("minutes a day", "minutes", "", "minutes_per_day|round1"),
)
