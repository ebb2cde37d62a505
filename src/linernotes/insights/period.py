"""A period of local calendar days, and the SQL that selects plays inside it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from linernotes.errors import UsageError


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
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r} is not a date (use YYYY-MM-DD)") from None
