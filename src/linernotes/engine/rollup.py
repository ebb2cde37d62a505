"""Per-day totals of every name (artist, track, album, show, audiobook) of a whole history.

A period's ranking groups every play of the period by name: ~100,000 rows a year on a million-play
history, read again for each period nobody asked for before. The rollup groups them once, by day and name
(a third of the rows for artists, three fifths for tracks), sorted by day so that DuckDB reads only the row
groups of the period; a period's ranking then sums the rollup's rows instead of counting plays. The sums
are the plays' own (counted plays, time, first and last listen, skips), so every number is exactly the one
the plays give.

Built once per whole-history scope and entity, on first use, and kept by the engine until the library
changes; only for scopes whose whole history is already selected (the dashboard, the report).
"""

from __future__ import annotations

from linernotes.engine.period import Period
from linernotes.engine.scope import Context


def entity_days(ctx: Context, entity: str, kinds: tuple[str, ...], name_col: str, by_col: str | None) -> str | None:
    """The rollup table of ``entity`` over ``ctx``'s whole history, or None when that history is not
    selected. Columns: ``day``, ``name``, ``by_name``, ``plays``, ``ms``, ``first_ts``, ``last_ts``,
    ``skips``, ``skip_known`` and ``k`` (a number per name and by-name)."""
    whole = ctx.engine.whole_selected(ctx.scope)
    if whole is None:
        return None
    history = ctx.whole_history()
    # ``ms`` keeps SQL's NULL for names whose plays all lack a duration (scrobbles): sums of it stay NULL.
    # ``k`` numbers the (name, by_name) pairs: a period's ranking groups by it, an integer, three times
    # faster than by the two strings (any_value gives the names back for free).
    return history.derived(
        "rollup",
        f"""WITH g AS MATERIALIZED (
                SELECT day, {name_col} AS name, {by_col or "NULL::VARCHAR"} AS by_name,
                       count(*) FILTER (WHERE counted) AS plays, sum(ms_played) AS ms,
                       min(ts_start) AS first_ts, max(ts_end) AS last_ts,
                       count(*) FILTER (WHERE skip) AS skips, count(skip) AS skip_known
                FROM {whole.table}
                WHERE {history.kinds(*kinds)} AND {name_col} IS NOT NULL
                GROUP BY ALL),
             names AS (SELECT name, by_name, row_number() OVER () AS k FROM (SELECT DISTINCT name, by_name FROM g))
            SELECT g.*, names.k FROM g
            JOIN names ON g.name = names.name AND g.by_name IS NOT DISTINCT FROM names.by_name
            ORDER BY g.day""",
        key=(entity,),
    )


def within(period: Period) -> str:
    """SQL condition: the rollup row's day is inside ``period`` (as the plays' local day is in a selection)."""
    parts = []
    if period.start is not None:
        parts.append(f"day >= DATE '{period.start}'")
    if period.end is not None:
        parts.append(f"day <= DATE '{period.end}'")
    return " AND ".join(parts) or "true"
