"""Which plays an insight looks at (:class:`Scope`) and the shared, cached selection of them (:class:`Context`).

Every insight reads the same selection: the ``plays`` view, restricted to the period (by local date), the
kinds asked for, incognito as the scope says, minus the exclusion rules, with a few derived columns that
many insights need. The selection is materialised once per scope as a temp table and shared by every
insight run on the same :class:`Engine`, so running all insights costs one scan of the library. Building
is lazy: a period is cut from the whole-history selection when that one is built already, and what is read
only once (a comparison period, a first-listen date over the whole history) can be queried straight from
the view with :meth:`Context.relation` and :meth:`Context.history`, computing only the columns it reads.

Columns of a selection: those of ``plays`` but :data:`DROPPED_COLUMNS` (not in any particular order), and

- ``day`` (DATE), ``hour`` (0–23), ``dow`` (ISO weekday, 1 = Monday): local time of the play's start;
- ``counted``: the play counts as a play under the scope's policy (listening time never depends on it);
- ``skip``: the play was skipped — Spotify's ``skipped`` where the export says, else derived from
  ``reason_end`` and ``ms_played`` (:data:`SKIP_SQL`); NULL when nothing is known (scrobbles) or the play
  is not a music track.

(:data:`ITEM_SQL` gives a stable key of what was played — URI, else lower-cased names — for queries that
need one; it is not materialised, as most insights group by names.)
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import duckdb

from linernotes.columns import fetch_columns
from linernotes.engine.exclusions import Rule, list_rules
from linernotes.engine.period import Period
from linernotes.engine.result import ExclusionEffect
from linernotes.errors import UsageError
from linernotes.policy import Policy, counted_plays, parse_policy
from linernotes.schema import Kind
from linernotes.services import parse_sources

T = TypeVar("T")

# A skip, when the export has no ``skipped`` flag (Gen A, docs/formats.md §1.4): the person ended the track by
# hand (forward, back, or stopping it) before 30 s, Spotify's own threshold for "a play".
SKIP_MAX_MS = 30_000
SKIP_SQL = f"""
CASE WHEN kind <> 'track' THEN NULL
     WHEN skipped IS NOT NULL THEN skipped
     WHEN reason_end IS NULL OR ms_played IS NULL THEN NULL
     ELSE reason_end IN ('fwdbtn', 'backbtn', 'endplay') AND ms_played < {SKIP_MAX_MS}
END"""

ITEM_SQL = (
    "coalesce(uri, lower(coalesce(artist, show_name, audiobook, '')) || chr(31) || "
    "lower(coalesce(track, episode, chapter, '')))"
)

KIND_NAMES = tuple(k.value for k in Kind)
# Columns of ``plays`` no insight reads; leaving them out halves the cost of a selection.
DROPPED_COLUMNS = ("format", "import_id", "platform", "recording_mbid", "artist_mbid", "release_mbid", "zero_play",
                   "utc_offset_min")


@dataclass(frozen=True)
class Scope:
    """The plays an insight runs over.

    ``kinds`` None means every kind (each insight then picks what it is about: artists are music);
    ``include_incognito`` None means the library's setting; ``apply_exclusions`` False ignores the rules;
    ``where`` is an SQL condition on the columns of ``plays`` every selected play must meet (``ask`` uses it
    for "on weekends", "at night", "by this artist"), in every period an insight looks at; ``sources`` None
    means every source, else only the plays of these (``--source``: one timeline split by service).
    """

    period: Period = field(default_factory=Period)
    policy: Policy = Policy.SPOTIFY
    kinds: tuple[str, ...] | None = None
    include_incognito: bool | None = None
    apply_exclusions: bool = True
    where: str | None = None
    sources: tuple[str, ...] | None = None

    @classmethod
    def make(
        cls,
        *,
        period: Period | None = None,
        start: str | None = None,
        end: str | None = None,
        policy: str | Policy = Policy.SPOTIFY,
        kinds: Iterable[str] | str | None = None,
        include_incognito: bool | None = None,
        apply_exclusions: bool = True,
        sources: Iterable[str] | str | None = None,
    ) -> Scope:
        """Build a scope from user-facing values, validating each.

        >>> Scope.make(start="2023-01-01", end="2023-12-31", kinds="track,episode").kinds
        ('track', 'episode')
        >>> Scope.make(sources="spotify").sources
        ('spotify_extended', 'spotify_account', 'spotify_api')
        """
        if period is None:
            period = Period.parse(start, end)
        if isinstance(kinds, str):
            kinds = [k.strip() for k in kinds.split(",") if k.strip()]
        kind_tuple = None
        if kinds is not None:
            kind_tuple = tuple(kinds)
            unknown = [k for k in kind_tuple if k not in KIND_NAMES]
            if unknown or not kind_tuple:
                shown = ", ".join(unknown) or "(none)"
                raise UsageError(f"unknown kind {shown} (choose from: {', '.join(KIND_NAMES)})")
        return cls(
            period=period,
            policy=parse_policy(policy),
            kinds=kind_tuple,
            include_incognito=include_incognito,
            apply_exclusions=apply_exclusions,
            sources=parse_sources(sources),
        )


@dataclass(frozen=True)
class Selection:
    """A materialised selection: the temp table's name and the facts about it."""

    table: str
    start: dt.date | None  # the period resolved: open ends become the first/last day with plays
    end: dt.date | None
    plays: int
    exclusions: tuple[ExclusionEffect, ...]
    include_incognito: bool
    # A period cut from a history already selected is not a table but a filter over that history's table:
    # ``table`` is then ``(SELECT * FROM cut_of WHERE cut_where)``.
    cut_of: str | None = None
    cut_where: str | None = None
    # An unmaterialised selection (``Engine(materialise=False)``): ``table`` is the view's rows as a subquery.
    subquery: bool = False

    def numbered(self, column: str) -> str:
        """The selection's rows with a stable row number in ``column`` (unique within the selection), for
        tables of per-row keys to join back: a table's ``rowid``, or for a cut, the history table's."""
        if self.cut_of is not None:
            return f"(SELECT *, rowid AS {column} FROM {self.cut_of} WHERE {self.cut_where})"
        return f"(SELECT *, rowid AS {column} FROM {self.table})"


class Engine:
    """Runs insights over one library connection, caching selections (temp tables) by scope."""

    _ids = itertools.count(1)

    def __init__(self, con: duckdb.DuckDBPyConnection, *, materialise: bool = True, frozen: bool = False) -> None:
        """``materialise``: build each selection as a temp table, worth it when several insights or queries
        read it. Without, a selection is the view's rows as a subquery that each query reads afresh:
        faster for one question in a new process (``linernotes ask``), slower for a report.
        ``frozen``: the library cannot change while this engine lives (opened read-only: DuckDB lets no
        process write it meanwhile), so the rules and settings are read once, not before every insight."""
        self.con = con
        self.materialise = materialise
        self.frozen = frozen
        self._incognito_setting: bool | None = None
        self._selections: dict[Scope, Selection] = {}
        self._derived: dict[tuple[object, ...], str] = {}
        self._memos: dict[tuple[object, ...], Any] = {}
        self._shared: dict[tuple[object, ...], Any] | None = None  # see share_memos
        self._views: set[str] = set()
        self._tables: set[str] = set()  # the selections built as temp tables
        self._rules_version: tuple[Rule, ...] | None = None

    def context(self, scope: Scope) -> Context:
        return Context(self, scope)

    def invalidate(self) -> None:
        """Forget every cached selection (after an import, a setting or a rule changed)."""
        for name in self._views:
            self.con.execute(f"DROP VIEW IF EXISTS {name}")
        # Unmaterialised selections and cut periods are subqueries, not tables: nothing of theirs to drop.
        for name in [*self._tables, *(d for d in self._derived.values() if d not in self._views)]:
            self.con.execute(f"DROP TABLE IF EXISTS {name}")
        self._tables.clear()
        self._selections.clear()
        self._derived.clear()
        self._memos.clear()
        self._shared = None  # the library changed under this engine: its models are no longer the others'
        self._views.clear()

    def share_memos(self, shared: dict[tuple[object, ...], Any]) -> None:
        """Keep the memos built with ``shared=True`` (whole-history models: plain values, no tables of this
        connection) in ``shared``, a dict that other engines over the same unchanged library use too — the
        dashboard's readers: a model one of them builds, all of them have."""
        self._shared = shared

    def forget_periods(self) -> None:
        """Forget the selections and derived tables of bounded periods, keeping each scope's whole history
        (from which a period is cut again in milliseconds): bounds the memory of a long-running server
        without making its next answer rebuild a history."""
        periods = [scope for scope in self._selections if scope.period.bounded]
        for memo in [key for key in self._memos if isinstance(key[0], Scope) and key[0].period.bounded]:
            del self._memos[memo]
        derived = [key for key in self._derived if isinstance(key[0], Scope) and key[0].period.bounded]
        for key in derived:
            name = self._derived.pop(key)
            kind = "VIEW" if name in self._views else "TABLE"
            self._views.discard(name)
            self.con.execute(f"DROP {kind} IF EXISTS {name}")
        for scope in periods:
            table = self._selections.pop(scope).table
            if table in self._tables:
                self._tables.discard(table)
                self.con.execute(f"DROP TABLE IF EXISTS {table}")

    def selection(self, scope: Scope) -> Selection:
        rules = self._rules(scope)
        found = self._selections.get(scope)
        if found is None:
            found = self._materialise(scope, rules) if self.materialise else self._describe(scope, rules)
            self._selections[scope] = found
        return found

    def derived(
        self, key: tuple[object, ...], build: str, params: list[object] | None = None, *, view: bool = False
    ) -> str:
        """A temp table (or, with ``view``, a temp view) built once per ``key`` by ``build`` (a SELECT);
        returns its name."""
        name = self._derived.get(key)
        if name is None:
            name = f"_ln_d{next(self._ids)}"
            if view:
                if params:
                    raise ValueError("a view cannot take query parameters")
                self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {build}")
                self._views.add(name)
            else:
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {build}", params or [])
            self._derived[key] = name
        return name

    def cached(self, key: tuple[object, ...]) -> str | None:
        return self._derived.get(key)

    def memo(self, key: tuple[object, ...], build: Callable[[], T], *, shared: bool = False) -> T:
        """``build()``'s value (numpy arrays, an index...), kept until the library changes. Keys start with
        the scope they describe; those of bounded periods go with :meth:`forget_periods`. ``shared``: a
        whole history's value that holds nothing of this connection (see :meth:`share_memos`)."""
        store = self._shared if shared and self._shared is not None else self._memos
        if key not in store:
            store[key] = build()
        return store[key]  # type: ignore[no-any-return]

    def history_sql(self, scope: Scope) -> str:
        """The whole history of ``scope`` (any period) as a relation for one query (see :meth:`relation_sql`)."""
        return self.relation_sql(replace(scope, period=Period()))

    def whole_selected(self, scope: Scope) -> Selection | None:
        """The selection of ``scope``'s whole history (any period) if it is built, else None."""
        self._rules(scope)  # drops every selection when the rules changed
        return self._selections.get(replace(scope, period=Period()))

    def relation_sql(self, scope: Scope) -> str:
        """The plays of ``scope`` as a relation for one query: its selection when already built, a filter
        over its whole history when that is built, else the same rows straight from the view, unmaterialised
        — DuckDB then computes only the columns the query reads (no local times for a ``min(ts_start)``),
        which beats building a table read once."""
        rules = self._rules(scope)
        found = self._selections.get(scope)
        if found is not None:
            return found.table
        whole = self._history_of(scope)
        if whole is not None:
            return _cut_sql(whole.table, scope.period.where_literal())
        return (
            "(" + _rows_sql(scope, rules, self._incognito(scope), scope.period.where_literal(), with_flag=False) + ")"
        )

    def _history_of(self, scope: Scope) -> Selection | None:
        """The built selection of the whole history that ``scope``'s bounded period is part of, or None."""
        return self._selections.get(replace(scope, period=Period())) if scope.period.bounded else None

    def _rules(self, scope: Scope) -> tuple[Rule, ...]:
        """The exclusion rules ``scope`` applies; a change of rules since the last call drops every cached
        selection (they were cut with the old ones)."""
        if not scope.apply_exclusions:
            return ()
        if self.frozen and self._rules_version is not None:
            return self._rules_version
        rules = tuple(list_rules(self.con))
        if self._rules_version is not None and rules != self._rules_version:
            self.invalidate()
        self._rules_version = rules
        return rules

    def _incognito(self, scope: Scope) -> bool:
        if scope.include_incognito is not None:
            return scope.include_incognito
        if self._incognito_setting is None or not self.frozen:
            self._incognito_setting = bool(self.con.execute("SELECT include_incognito FROM home").fetchall()[0][0])
        return self._incognito_setting

    def _describe(self, scope: Scope, rules: tuple[Rule, ...]) -> Selection:
        """A selection left unmaterialised: its rows as a subquery, its facts from one scan of the view."""
        incognito = self._incognito(scope)
        where = scope.period.where_literal()
        kept = "NOT _excluded"
        row = self.con.execute(
            f"SELECT min(day) FILTER (WHERE {kept}), max(day) FILTER (WHERE {kept}), count(*) FILTER (WHERE {kept})"
            + (", " + _effect_columns(rules) if rules else "")
            + f" FROM ({_rows_sql(scope, rules, incognito, where, with_flag=True)})"
        ).fetchall()[0]
        return _resolved(scope, "(" + _rows_sql(scope, rules, incognito, where, with_flag=False) + ")", row[:3],
                         _effects(rules, row[3:]), incognito, subquery=True)

    def _materialise(self, scope: Scope, rules: tuple[Rule, ...]) -> Selection:
        whole = self._history_of(scope)
        if whole is not None:
            return self._cut(scope, rules, whole)
        con = self.con
        name = f"_ln_sel{next(self._ids)}"
        incognito = self._incognito(scope)
        where, params = scope.period.where()
        # The selection has no order (insights sort what they need), so DuckDB may fill it in parallel —
        # unless the configuration is locked (``Library.sql`` locks it): then it is filled in order.
        unordered = _set_unordered(con)
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {name} AS " + _rows_sql(scope, rules, incognito, where, with_flag=True),
                params,
            )
        finally:
            if unordered:
                con.execute("RESET preserve_insertion_order")
        self._tables.add(name)
        effects: tuple[ExclusionEffect, ...] = ()
        if rules:
            effects = self._effects(rules, name)
            con.execute(f"DELETE FROM {name} WHERE _excluded")
        con.execute(f"ALTER TABLE {name} DROP COLUMN _excluded")
        return _resolved(scope, name, self._facts(name), effects, incognito)

    def _cut(self, scope: Scope, rules: tuple[Rule, ...], whole: Selection) -> Selection:
        """A period of a history already selected, as a filter over that table rather than a copy of it.
        Copying a year of a million-play history costs ~150 ms; the filter costs a few, because the
        history's row groups follow time and DuckDB skips those outside the period by their min/max — so
        a period nobody asked for before is answered at once (the dashboard's period picker)."""
        where = scope.period.where_literal()
        table = _cut_sql(whole.table, where)
        effects: tuple[ExclusionEffect, ...] = ()
        if rules:
            # The excluded plays are not in the history's table: their effect in the period comes from the view.
            source = f"(SELECT * FROM {_base(whole.include_incognito)} WHERE {where} {_filters(scope)})"
            effects = self._effects(rules, source)
        return _resolved(scope, table, self._facts(table), effects, whole.include_incognito, cut_of=whole.table,
                         cut_where=where)

    def _effects(self, rules: tuple[Rule, ...], rows: str) -> tuple[ExclusionEffect, ...]:
        """Each rule's effect among ``rows`` (a relation with every play, excluded ones included)."""
        return _effects(rules, self.con.execute(f"SELECT {_effect_columns(rules)} FROM {rows}").fetchall()[0])

    def _facts(self, table: str) -> tuple[Any, ...]:
        """First day, last day and number of plays of a selection's rows."""
        return self.con.execute(f"SELECT min(day), max(day), count(*) FROM {table}").fetchall()[0]


def _set_unordered(con: duckdb.DuckDBPyConnection) -> bool:
    """Let DuckDB fill a table in any order; False when the configuration is locked."""
    try:
        con.execute("SET preserve_insertion_order = false")
    except duckdb.InvalidInputException:
        return False
    return True


def _resolved(scope: Scope, table: str, facts: tuple[Any, ...], exclusions: tuple[ExclusionEffect, ...],
              include_incognito: bool, **extra: Any) -> Selection:
    """A selection of ``table`` whose open period ends are resolved to its first and last day with plays
    (``facts``: first day, last day, plays)."""
    first, last, n = facts
    return Selection(table=table, start=scope.period.start or first, end=scope.period.end or last, plays=int(n),
                     exclusions=exclusions, include_incognito=include_incognito, **extra)


def _cut_sql(history: str, where: str) -> str:
    """A period's plays as a filter over its history's table (``where``: the period's literal condition)."""
    return f"(SELECT * FROM {history} WHERE {where})"


def _effect_columns(rules: tuple[Rule, ...]) -> str:
    """For each rule, the plays it matches and their time (two columns), in one scan."""
    return ", ".join(
        f"count(*) FILTER (WHERE {r.predicate()}), coalesce(sum(ms_played) FILTER (WHERE {r.predicate()}), 0)"
        for r in rules
    )


def _effects(rules: tuple[Rule, ...], counts: tuple[Any, ...]) -> tuple[ExclusionEffect, ...]:
    """Each rule's effect from its (plays, ms_played) pair of ``counts``; rules that matched nothing are left out."""
    effects = []
    for i, rule in enumerate(rules):
        n, ms = int(counts[2 * i]), int(counts[2 * i + 1])
        if n:
            effects.append(ExclusionEffect(int(rule.rule_id or 0), rule.describe(), n, ms))
    return tuple(effects)


def _rows_sql(scope: Scope, rules: tuple[Rule, ...], incognito: bool, where: str, *, with_flag: bool) -> str:
    """The SELECT of a selection's rows: ``with_flag`` keeps excluded rows, marked ``_excluded`` (so their
    effect can be counted before they are deleted); without it they are filtered out."""
    excluded = " OR ".join(r.predicate() for r in rules) or "false"
    flag = f", ({excluded}) AS _excluded" if with_flag else ""
    keep = "" if with_flag else f"AND NOT ({excluded})"
    return f"""
        WITH p AS ({counted_plays(scope.policy, _base(incognito))})
        SELECT * EXCLUDE ({", ".join(DROPPED_COLUMNS)}){flag},
               ts_local::DATE AS day, hour(ts_local) AS hour, isodow(ts_local) AS dow, {SKIP_SQL} AS skip
        FROM p WHERE {where} {_filters(scope)} {keep}"""


def _base(incognito: bool) -> str:
    return "all_plays" if incognito else "(SELECT * FROM all_plays WHERE NOT coalesce(incognito, false))"


def _filters(scope: Scope) -> str:
    """SQL (``AND ...``) for the scope's kinds, sources and its own condition."""
    sql = ""
    if scope.kinds is not None:
        sql += " AND kind IN (" + ", ".join(f"'{k}'" for k in scope.kinds) + ")"
    if scope.sources is not None:  # values of Source only (parse_sources): safe to write into the SQL
        sql += " AND source IN (" + ", ".join(f"'{s}'" for s in scope.sources) + ")"
    if scope.where is not None:
        sql += f" AND coalesce(({scope.where}), false)"
    return sql


class Context:
    """What an insight's ``compute`` gets: the connection, the scope and its selection.

    ``ctx.plays`` is the name of the selection's table, to use in SQL::

        rows = ctx.fetch(f"SELECT artist, sum(ms_played) FROM {ctx.plays} WHERE kind = 'track' GROUP BY 1")
    """

    def __init__(self, engine: Engine, scope: Scope) -> None:
        self.engine = engine
        self.scope = scope
        self._selection: Selection | None = None

    @property
    def selection(self) -> Selection:
        """The materialised selection, built on first use (so an insight can ask for the whole history
        first and have its period cut from it)."""
        if self._selection is None:
            self._selection = self.engine.selection(self.scope)
        return self._selection

    def materialise(self) -> Context:
        """Build the selection now (an insight that needs the whole history asks for it first)."""
        _ = self.selection
        return self

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self.engine.con

    @property
    def plays(self) -> str:
        return self.selection.table

    @property
    def start(self) -> dt.date | None:
        return self.scope.period.start or self.selection.start

    @property
    def end(self) -> dt.date | None:
        return self.scope.period.end or self.selection.end

    def kinds(self, *wanted: str) -> str:
        """SQL condition: the play's kind is one of ``wanted`` (and among the scope's kinds)."""
        allowed = [k for k in wanted if self.scope.kinds is None or k in self.scope.kinds]
        if not allowed:
            return "false"
        return "kind IN (" + ", ".join(f"'{k}'" for k in allowed) + ")"

    def fetch(self, sql: str, params: list[object] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()

    def fetchnumpy(self, sql: str, params: list[object] | None = None) -> dict[str, Any]:
        return fetch_columns(self.con, sql, params)

    def one(self, sql: str, params: list[object] | None = None) -> tuple[Any, ...]:
        row = self.con.execute(sql, params or []).fetchall()
        return row[0] if row else ()

    def derived(
        self,
        name: str,
        build: str,
        params: list[object] | None = None,
        *,
        key: tuple[object, ...] = (),
        view: bool = False,
    ) -> str:
        """A temp table (or view) derived from this selection (e.g. sessions), built once per (name, key,
        params) and shared by every insight of the engine; returns its name."""
        return self.engine.derived((self.scope, name, *key, *(params or [])), build, params, view=view)

    def cached(self, name: str, *, key: tuple[object, ...] = ()) -> str | None:
        """The name of a derived table already built with no SQL parameters, or None."""
        return self.engine.cached((self.scope, name, *key))

    def relation(self) -> str:
        """This scope's plays as a relation for a single query, without building the selection when it is
        not built yet (for a comparison period read once)."""
        return self.engine.relation_sql(self.scope)

    def history(self) -> str:
        """The whole history under this scope (any period) as a relation for a single query; cheaper than
        ``whole_history().plays`` when nothing else needs the whole history materialised."""
        return self.engine.history_sql(self.scope)

    def whole_history(self) -> Context:
        """The same scope over all time (for "first ever listen" and lifetime questions)."""
        return Context(self.engine, replace(self.scope, period=Period()))

    def previous(self) -> Context | None:
        """The period of equal length just before this one, or None when this one starts at the beginning."""
        if self.scope.period.start is None or self.end is None:
            return None
        start = self.scope.period.start
        days = (self.end - start).days + 1
        period = Period(start - dt.timedelta(days=days), start - dt.timedelta(days=1))
        return Context(self.engine, replace(self.scope, period=period))
