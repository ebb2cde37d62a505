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

from linernotes.insights.period import Period
from linernotes.insights.scope import Context


def entity_days(ctx: Context, entity: str, kinds: tuple[str, ...], name_col: str, by_col: str | None) -> str | None:
    """The rollup table of ``entity`` (``name``, ``by_name``, ``day``, ``plays``, ``ms``, ``first_ts``,
    ``last_ts``, ``skips``, ``skip_known``) over ``ctx``'s whole history, or None when that history is not
    selected."""
    whole = ctx.engine.whole_selected(ctx.scope)
    if whole is None:
        return None
    history = ctx.whole_history()
    # ``ms`` keeps SQL's NULL for names whose plays all lack a duration (scrobbles): sums of it stay NULL.
    return history.derived(
        "rollup",
        f"""SELECT day, {name_col} AS name, {by_col or "NULL::VARCHAR"} AS by_name,
                   count(*) FILTER (WHERE counted) AS plays, sum(ms_played) AS ms,
                   min(ts_start) AS first_ts, max(ts_end) AS last_ts,
                   count(*) FILTER (WHERE skip) AS skips, count(skip) AS skip_known
            FROM {whole.table}
            WHERE {history.kinds(*kinds)} AND {name_col} IS NOT NULL
            GROUP BY ALL ORDER BY day""",
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
