"""A period of local calendar days, and the SQL that selects plays inside it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from linernotes.errors import UsageError

# The dates a period may name. Nothing was streamed before 1900 or will be after 2999, and keeping well
# inside Python's and DuckDB's date range leaves room for the day of margin in :meth:`Period.where` and for
# insights that compare a period with the one before it (as long again): year 1 or 9999 would overflow.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)


@dataclass(frozen=True)
class Period:
    """Inclusive local dates; either end may be open. Plays are placed by their local start time."""

    start: dt.date | None = None
    end: dt.date | None = None

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> Period:
        """
        >>> Period.parse("2023-01-01", "2023-12-31").end
        datetime.date(2023, 12, 31)
        """
        period = cls(_date(start, "--from"), _date(end, "--to"))
        if period.start and period.end and period.start > period.end:
            raise UsageError(f"--from {period.start} is after --to {period.end}")
        return period

    @property
    def bounded(self) -> bool:
        return self.start is not None or self.end is not None

    def where(self) -> tuple[str, list[object]]:
        """SQL condition and parameters. A UTC range with a day of margin on each side comes first so
        DuckDB can skip row groups before it computes local times."""
        parts: list[str] = []
        params: list[object] = []
        if self.start:
            parts.append("ts_start >= ?::TIMESTAMPTZ AND ts_local >= ?::TIMESTAMP")
            params += [f"{self.start - dt.timedelta(days=1)} 00:00:00+00", f"{self.start} 00:00:00"]
        if self.end:
            after = self.end + dt.timedelta(days=1)
            parts.append("ts_start < ?::TIMESTAMPTZ AND ts_local < ?::TIMESTAMP")
            params += [f"{after + dt.timedelta(days=1)} 00:00:00+00", f"{after} 00:00:00"]
        return (" AND ".join(parts) or "true"), params

    def where_literal(self) -> str:
        """:meth:`where` with the dates written into the SQL (for a relation used inside another query)."""
        sql, params = self.where()
        for value in params:
            sql = sql.replace("?", f"'{value}'", 1)
        return sql

    def label(self) -> str:
        return f"{self.start or 'the beginning'} → {self.end or 'now'}"


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {_shown(value)} is not a date (use YYYY-MM-DD)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise UsageError(f"{option} {day} is out of range (dates from {FIRST_DAY} to {LAST_DAY})")
    return day


def _shown(value: str) -> str:
    """The value as typed, cut short: a message stays one readable line whatever was passed."""
    return repr(value if len(value) <= 40 else value[:40] + "…")


def calendar_buckets(start: dt.date | None, end: dt.date | None, yearly: bool) -> list[str]:
    """Every month ("YYYY-MM") or, with ``yearly``, every year ("YYYY") from ``start`` to ``end``, in order.

    >>> calendar_buckets(dt.date(2023, 11, 5), dt.date(2024, 1, 2), False)
    ['2023-11', '2023-12', '2024-01']
    >>> calendar_buckets(dt.date(2023, 11, 5), dt.date(2024, 1, 2), True)
    ['2023', '2024']
    """
    if start is None or end is None or start > end:
        return []
    if yearly:
        return [str(y) for y in range(start.year, end.year + 1)]
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
