"""Exclusion rules: listening that is not the person's own, kept out of every insight.

A rule is a conjunction of conditions — "artist X on the living-room speaker", "anything between 20:00 and
07:00 on the tablet", a saved selection written as SQL over the ``plays`` columns. A play is excluded when
any rule matches it. Rules live in the library (table ``exclusion_rules``), never delete plays, and every
insight result lists the rules that removed plays from its selection, with how many.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from linernotes.engine.safe_where import RefusedSelection, canonical
from linernotes.errors import UsageError
from linernotes.store.db import sql_literal

# Conditions a rule can hold: name → (column, how it matches). Names match case-insensitively and exactly
# (after trimming); the platform matches as a substring because raw platform strings carry versions.
TEXT_CONDITIONS = {
    "artist": "artist",
    "track": "track",
    "album": "album",
    "show": "show_name",
    "audiobook": "audiobook",
    "device": "device",
    "country": "country",
}


@dataclass(frozen=True)
class Rule:
    """One exclusion rule. Unset conditions match everything; at least one must be set."""

    rule_id: int | None = None
    artist: str | None = None
    track: str | None = None
    album: str | None = None
    show: str | None = None
    audiobook: str | None = None
    device: str | None = None
    country: str | None = None
    platform: str | None = None
    hour_from: int | None = None
    hour_to: int | None = None
    where: str | None = None
    note: str | None = None
    created_at: dt.datetime | None = None

    def conditions(self) -> dict[str, Any]:
        names = (*TEXT_CONDITIONS, "platform", "hour_from", "hour_to", "where")
        return {k: getattr(self, k) for k in names if getattr(self, k) is not None}

    def describe(self) -> str:
        """
        >>> Rule(artist="Kinderlieder", device="speaker").describe()
        "artist = 'Kinderlieder' and device = 'speaker'"
        """
        parts = []
        for key in TEXT_CONDITIONS:
            value = getattr(self, key)
            if value is not None:
                parts.append(f"{key} = {sql_literal(value)}")
        if self.platform is not None:
            parts.append(f"platform contains {sql_literal(self.platform)}")
        if self.hour_from is not None and self.hour_to is not None:
            parts.append(f"local time {self.hour_from:02d}:00–{self.hour_to:02d}:00")
        if self.where is not None:
            parts.append(f"({self.where})")
        text = " and ".join(parts)
        return f"{text} — {self.note}" if self.note else text

    def predicate(self) -> str:
        """SQL over the columns of ``plays`` that is true for plays this rule excludes."""
        parts = []
        for key, column in TEXT_CONDITIONS.items():
            value = getattr(self, key)
            if value is not None:
                parts.append(f"lower(trim({column})) = {sql_literal(value.strip().lower())}")
        if self.platform is not None:
            parts.append(f"contains(lower(platform), {sql_literal(self.platform.lower())})")
        if self.hour_from is not None and self.hour_to is not None:
            hour = "hour(ts_local)"
            if self.hour_from <= self.hour_to:
                parts.append(f"({hour} >= {self.hour_from} AND {hour} < {self.hour_to})")
            else:  # wraps midnight: 20–7 means 20:00 to 07:00
                parts.append(f"({hour} >= {self.hour_from} OR {hour} < {self.hour_to})")
        if self.where is not None:
            # Never the text as typed: its checked rendering (a rule stored in a library made elsewhere is
            # checked here too), inside TRY so a value that fails a cast cannot stop an insight or have
            # DuckDB quote it in an error — the play is then simply not matched.
            try:
                parts.append(f"try({canonical(self.where)})")
            except RefusedSelection as exc:
                raise RefusedSelection(
                    f"exclusion rule {self.rule_id}: {exc} — remove it with `linernotes exclude remove "
                    f"{self.rule_id}`" if self.rule_id is not None else str(exc)) from None
        return "coalesce(" + " AND ".join(parts) + ", false)"


def validate(con: duckdb.DuckDBPyConnection, rule: Rule) -> None:
    """Refuse empty rules, impossible hours and selections that are not a valid condition on ``plays``."""
    if not rule.conditions():
        raise UsageError("an exclusion rule needs at least one condition (e.g. --artist NAME)")
    if (rule.hour_from is None) != (rule.hour_to is None):
        raise UsageError("give both ends of the hours (e.g. --hours 20-7)")
    for hour in (rule.hour_from, rule.hour_to):
        if hour is not None and not 0 <= hour <= 24:
            raise UsageError(f"hour {hour} is not between 0 and 24")
    if rule.hour_from is not None and rule.hour_from == rule.hour_to:
        raise UsageError("the hours must not start and end at the same time")
    if rule.where is not None:
        predicate = rule.predicate()  # refuses anything but an allowed condition on the plays columns
        try:
            con.execute(f"SELECT count(*) FROM all_plays WHERE {predicate}").fetchall()
        except duckdb.Error:
            # A fixed sentence: DuckDB's message can quote values of the library.
            raise RefusedSelection("the selection does not fit the plays columns (check their names and types, "
                                   "e.g. ms_played is a number, artist is text)") from None


def parse_hours(text: str) -> tuple[int, int]:
    """
    >>> parse_hours("20-7")
    (20, 7)
    """
    try:
        a, b = text.replace("–", "-").split("-")
        return int(a.split(":")[0]), int(b.split(":")[0])
    except ValueError:
        raise UsageError(f"--hours {text!r}: use FROM-TO in local hours, e.g. 20-7") from None


_COLUMNS = (
    "rule_id",
    "artist",
    "track",
    "album",
    "show_name",
    "audiobook",
    "device",
    "country",
    "platform",
    "hour_from",
    "hour_to",
    "where_sql",
    "note",
    "created_at",
)


def list_rules(con: duckdb.DuckDBPyConnection) -> list[Rule]:
    rows = con.execute(f"SELECT {', '.join(_COLUMNS)} FROM exclusion_rules ORDER BY rule_id").fetchall()
    out = []
    for row in rows:
        values = dict(zip(_COLUMNS, row, strict=True))
        values["where"] = values.pop("where_sql")
        values["show"] = values.pop("show_name")
        out.append(Rule(**values))
    return out


def add_rule(con: duckdb.DuckDBPyConnection, rule: Rule) -> Rule:
    """Store ``rule`` and return it with its id."""
    validate(con, rule)
    row = con.execute("SELECT coalesce(max(rule_id), 0) + 1 FROM exclusion_rules").fetchall()[0]
    rule_id = int(row[0])
    values = [
        rule_id,
        rule.artist,
        rule.track,
        rule.album,
        rule.show,
        rule.audiobook,
        rule.device,
        rule.country,
        rule.platform,
        rule.hour_from,
        rule.hour_to,
        rule.where,
        rule.note,
    ]
    con.execute(
        f"INSERT INTO exclusion_rules ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * (len(_COLUMNS) - 1))}, now())",
        values,
    )
    return next(r for r in list_rules(con) if r.rule_id == rule_id)


def remove_rule(con: duckdb.DuckDBPyConnection, rule_id: int) -> Rule:
    found = [r for r in list_rules(con) if r.rule_id == rule_id]
    if not found:
        raise UsageError(f"no exclusion rule {rule_id} (see `linernotes exclude list`)")
    con.execute("DELETE FROM exclusion_rules WHERE rule_id = ?", [rule_id])
    return found[0]
