"""The active span of a history and its gaps: where the listening really is.

Real exports are gappy: a few stray rows years after the rest (an old device syncing, a one-off Video file),
or months without a play. Stretched over such rows, averages per day, "current" streaks and comparisons with
"the period before" become claims from noise. This module is the one place that says which days of a
selection hold its listening, so every insight uses the same cut.

- A *gap* is a run of at least :data:`GAP_DAYS` calendar days without a play.
- Gaps cut the history into *stretches*; a stretch that is not the biggest and holds less than
  :data:`STRAY_SHARE` of the plays, or fewer than :data:`STRAY_MAX_PLAYS`, is *stray*.
- The *core* runs from the first to the last day of the stretches that are not stray. Averages per day,
  streaks and "current" claims are made over the core only; what lies outside it is named, not hidden.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from linernotes.engine.scope import Context

GAP_DAYS = 183  # about six months without a play splits a history
STRAY_SHARE = 0.05  # a stretch with less than this part of the plays is stray ...
STRAY_MAX_PLAYS = 200  # ... and so is any stretch with fewer plays than this, beside a bigger one
RECENT_DAYS = 30  # a streak is "current" only if it ends this close to the library's last play


@dataclass(frozen=True)
class Stretch:
    """A run of days with plays, no gap of :data:`GAP_DAYS` inside it."""

    first_day: dt.date
    last_day: dt.date
    days_listened: int
    plays: int  # rows, every kind
    ms_played: int
    stray: bool


@dataclass(frozen=True)
class Activity:
    """Where the selection's listening lies."""

    stretches: list[Stretch]
    core_start: dt.date | None  # first day of the first stretch that is not stray
    core_end: dt.date | None  # last day of the last stretch that is not stray
    stray_plays: int  # plays outside the core
    stray_days: int  # days with plays outside the core
    longest_gap_days: int  # longest run of days without plays between stretches (0: none)

    @property
    def core_days(self) -> int:
        if self.core_start is None or self.core_end is None:
            return 0
        return (self.core_end - self.core_start).days + 1

    def stray_note(self) -> str | None:
        """A sentence naming what lies outside the core, or None when nothing does."""
        strays = [s for s in self.stretches if s.stray]
        if not strays or self.core_start is None or self.core_end is None:
            return None
        first, last = min(s.first_day for s in strays), max(s.last_day for s in strays)
        when = f"{first:%b %Y}" if (first.year, first.month) == (last.year, last.month) else \
            f"{first:%b %Y}–{last:%b %Y}"
        return (f"{self.stray_plays:,} stray play{'s' if self.stray_plays != 1 else ''} on {self.stray_days:,} "
                f"day{'s' if self.stray_days != 1 else ''} ({when}), far from the rest of your listening "
                f"({self.core_start:%b %Y}–{self.core_end:%b %Y}), are left out of averages and streaks.")


def split(days: list[tuple[dt.date, int, int]]) -> Activity:
    """:class:`Activity` from (day, plays, ms) rows, one per day with plays, in any order.

    >>> d = dt.date
    >>> a = split([(d(2023, 1, 1), 300, 1), (d(2023, 2, 1), 300, 1), (d(2025, 6, 1), 4, 1)])
    >>> (a.core_start, a.core_end, a.stray_plays, a.longest_gap_days)
    (datetime.date(2023, 1, 1), datetime.date(2023, 2, 1), 4, 850)
    """
    rows = sorted(days)
    groups: list[list[tuple[dt.date, int, int]]] = []
    longest_gap = 0
    for row in rows:
        if groups and (row[0] - groups[-1][-1][0]).days - 1 >= GAP_DAYS:
            longest_gap = max(longest_gap, (row[0] - groups[-1][-1][0]).days - 1)
            groups.append([])
        if not groups:
            groups.append([])
        groups[-1].append(row)
    total = sum(r[1] for r in rows)
    biggest = max((sum(r[1] for r in g) for g in groups), default=0)
    stretches = []
    for g in groups:
        plays = sum(r[1] for r in g)
        stray = plays < biggest and (plays < STRAY_SHARE * total or plays < STRAY_MAX_PLAYS)
        stretches.append(Stretch(g[0][0], g[-1][0], len(g), plays, sum(r[2] for r in g), stray))
    core = [s for s in stretches if not s.stray]
    return Activity(
        stretches=stretches,
        core_start=core[0].first_day if core else None,
        core_end=core[-1].last_day if core else None,
        stray_plays=sum(s.plays for s in stretches if s.stray),
        stray_days=sum(s.days_listened for s in stretches if s.stray),
        longest_gap_days=longest_gap,
    )


def activity(ctx: Context, relation: str | None = None) -> Activity:
    """The :class:`Activity` of ``relation`` (default: the context's selection)."""
    rows = ctx.fetch(f"""
        SELECT day, count(*), coalesce(sum(ms_played), 0)::BIGINT FROM {relation or ctx.plays}
        WHERE day IS NOT NULL GROUP BY day""")
    return split([(d, int(n), int(ms)) for d, n, ms in rows])


def library_last_day(ctx: Context) -> dt.date | None:
    """The last day with a play of the core of the whole history (same exclusions): "now" for the library."""
    whole = activity(ctx, ctx.history())
    return whole.core_end
