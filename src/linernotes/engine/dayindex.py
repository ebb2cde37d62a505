"""Per-day indexes of a whole history: a period's totals and distinct counts in a millisecond or two.

A period cut from a whole history (the dashboard's period picker, a report for one year) is a filter over the
history's table, but counting the distinct artists, tracks and albums in it still hashes every play of the
period: ~20 ms a year on a million-play history, twice for ``overview`` (it compares with the period
before). The index turns the question around. For each family of names it keeps, sorted by name, the days
each name was played on; a name was played in a period when one of its days falls inside, which numpy
answers for every name at once with one comparison and one ``logical_or.reduceat`` — the same cost for a
week as for ten years. Sums (time, plays, streams by kind) come from per-day, per-kind totals.

Built once per whole-history scope (a few hundred milliseconds on a million plays) and kept by the engine
until the library changes. The counts are exactly the SQL's: each family's names are grouped by the same
expression and filter as ``overview``'s ``count(DISTINCT ...)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from linernotes.engine.scope import Context

EPOCH = dt.date(1970, 1, 1)
# family -> (the name, as grouped by count(DISTINCT ...), and the plays it counts)
FAMILIES: dict[str, tuple[str, str]] = {
    "artists": ("artist", "kind = 'track' AND artist IS NOT NULL"),
    "tracks": ("artist, track", "kind = 'track' AND track IS NOT NULL"),
    "albums": ("artist, album", "kind = 'track' AND album IS NOT NULL"),
    "shows": ("show_name", "kind IN ('episode', 'video') AND show_name IS NOT NULL"),
    "audiobooks": ("audiobook", "kind = 'audiobook' AND audiobook IS NOT NULL"),
}


@dataclass(frozen=True)
class Presence:
    """The days (as day numbers) each name of one family was played on, grouped by name."""

    days: np.ndarray  # int32, sorted by (name, day)
    starts: np.ndarray  # where each name's days begin in ``days``

    def count(self, first: int, last: int) -> int:
        """How many names were played on at least one day of ``first..last``."""
        if not len(self.starts):
            return 0
        inside = (self.days >= first) & (self.days <= last)
        return int(np.count_nonzero(np.logical_or.reduceat(inside, self.starts)))


@dataclass(frozen=True)
class DaySums:
    """Per (day, kind), in day order: counted plays, streams and time."""

    days: np.ndarray
    kinds: np.ndarray  # int: the position of the kind in kind_names
    kind_names: tuple[str, ...]  # as overview names a kind ("None" when missing)
    plays: np.ndarray
    streams: np.ndarray
    ms: np.ndarray


@dataclass(frozen=True)
class PeriodCounts:
    ms_played: int
    plays: int
    streams: int
    by_kind: list[tuple[str, int, int]]  # (kind, plays, ms), most time first, as overview orders them
    days_listened: int
    distinct: dict[str, int]  # family -> names played


@dataclass(frozen=True)
class DayIndex:
    sums: DaySums
    families: dict[str, Presence]

    def counts(self, first: int, last: int) -> PeriodCounts:
        s = self.sums
        lo, hi = int(np.searchsorted(s.days, first)), int(np.searchsorted(s.days, last, side="right"))
        kinds, n = s.kinds[lo:hi], len(s.kind_names)
        plays, ms = np.bincount(kinds, s.plays[lo:hi], n), np.bincount(kinds, s.ms[lo:hi], n)
        present = np.flatnonzero(np.bincount(kinds, minlength=n))
        # ORDER BY time DESC, kind (NULL last): as overview's SQL.
        by_kind = sorted(((s.kind_names[i], int(plays[i]), int(ms[i])) for i in present),
                         key=lambda row: (-row[2], row[0] == "None", row[0]))
        days = s.days[lo:hi]
        return PeriodCounts(
            ms_played=int(s.ms[lo:hi].sum()),
            plays=int(s.plays[lo:hi].sum()),
            streams=int(s.streams[lo:hi].sum()),
            by_kind=by_kind,
            days_listened=int(np.count_nonzero(np.diff(days))) + 1 if len(days) else 0,
            distinct={name: p.count(first, last) for name, p in self.families.items()},
        )


def period_counts(ctx: Context) -> PeriodCounts | None:
    """``ctx``'s totals from its history's index, or None when ``ctx`` is not a period cut from a history
    (then its own SQL is as fast)."""
    if ctx.selection.cut_of is None:
        return None
    index = index_of(ctx.whole_history())
    start, end = ctx.scope.period.start, ctx.scope.period.end
    return index.counts(day_number(start) if start else -(2**31), day_number(end) if end else 2**31 - 1)


def index_of(history: Context) -> DayIndex:
    """The index of a whole history (``ctx.whole_history()``), built on first use."""
    return history.engine.memo((history.scope, "dayindex"), lambda: _build(history))


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01, as the indexes (and DuckDB's ``day - DATE '1970-01-01'``) number days."""
    return (day - EPOCH).days


def _build(whole: Context) -> DayIndex:
    table = whole.plays
    day = "(day - DATE '1970-01-01')::INTEGER"
    sums = whole.fetchnumpy(f"""
        SELECT {day} AS d, kind, count(*) FILTER (WHERE counted) AS plays, count(*) AS streams,
               coalesce(sum(ms_played), 0) AS ms
        FROM {table} WHERE day IS NOT NULL GROUP BY ALL ORDER BY d""")
    families = {}
    for name, (key, condition) in FAMILIES.items():
        cols = whole.fetchnumpy(f"""
            SELECT d, dense_rank() OVER (ORDER BY {key}) AS k
            FROM (SELECT DISTINCT {key}, {day} AS d FROM {table} WHERE {condition} AND day IS NOT NULL)
            ORDER BY k, d""")
        keys = np.asarray(cols["k"], dtype=np.int64)
        starts = np.flatnonzero(np.diff(keys, prepend=-1)) if len(keys) else np.zeros(0, dtype=np.int64)
        families[name] = Presence(np.asarray(cols["d"], dtype=np.int32), starts)
    names, codes = np.unique(np.asarray([str(k) for k in sums["kind"]], dtype=object), return_inverse=True)
    return DayIndex(
        DaySums(
            np.asarray(sums["d"], dtype=np.int32),
            codes.astype(np.int64),
            tuple(names.tolist()),
            np.asarray(sums["plays"], dtype=np.int64),
            np.asarray(sums["streams"], dtype=np.int64),
            np.asarray(sums["ms"], dtype=np.int64),
        ),
        families,
    )
