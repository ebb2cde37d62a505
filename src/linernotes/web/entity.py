"""One artist, track, album or show in detail: the dashboard's entity pages.

No insight in the registry is about a single name yet, so these few queries live here. They read the same
selection every insight reads (:class:`~linernotes.insights.scope.Context`: the period, the policy's
``counted`` flag, incognito, the exclusion rules) and count exactly as ``top`` does, so an artist's plays,
time and rank here are the numbers of ``linernotes insights top --json`` for the same period.
"""

from __future__ import annotations

from typing import Any

from linernotes.errors import UsageError
from linernotes.insights.scope import Context, Scope
from linernotes.insights.sessions import session_table
from linernotes.insights.top import GROUPS, Entity, ranks_of
from linernotes.library import Library

# page kind → the ``top`` entity it ranks among
KINDS: dict[str, Entity] = {
    "artist": Entity.ARTISTS,
    "track": Entity.TRACKS,
    "album": Entity.ALBUMS,
    "show": Entity.SHOWS,
}
RECENT_SESSIONS = 10


def entity_detail(lib: Library, kind: str, name: str, by: str | None, scope: Scope) -> dict[str, Any]:
    """First and last listen, totals, skip rate, listening by month, rank by year and sessions of one name.

    ``by`` is the artist of a track or album; without it the most played artist of that title is meant.
    """
    if kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r} (choose from: {', '.join(KINDS)})")
    entity = KINDS[kind]
    kinds, name_col, by_col = GROUPS[entity]
    ctx = Context(lib.engine, scope)
    base = f"{ctx.kinds(*kinds)} AND {name_col} = $name"
    if by_col is not None and by is None:
        found = _one(ctx, f"""SELECT {by_col} FROM {ctx.plays} WHERE {base}
                            GROUP BY 1 ORDER BY sum(ms_played) DESC NULLS LAST, 1 LIMIT 1""", {"name": name})
        by = found[0] if found else None
    where = base if by_col is None else f"{base} AND {by_col} IS NOT DISTINCT FROM $by"
    args: dict[str, Any] = {"name": name} if by_col is None else {"name": name, "by": by}

    plays, ms, first, last, skips, known = _one(ctx, f"""
        SELECT count(*) FILTER (WHERE counted), coalesce(sum(ms_played), 0), min(ts_start), max(ts_end),
               count(*) FILTER (WHERE skip), count(skip)
        FROM {ctx.plays} WHERE {where}""", args)
    if not first:
        return {"kind": kind, "name": name, "by": by, "found": False, "start": _iso(ctx.start), "end": _iso(ctx.end)}
    rank = ranks_of(ctx, entity, "time", [name]).get((name, by))
    monthly = _all(ctx, f"""
        SELECT strftime(day, '%Y-%m') AS month, count(*) FILTER (WHERE counted), coalesce(sum(ms_played), 0)
        FROM {ctx.plays} WHERE {where} GROUP BY 1 ORDER BY 1""", args)
    by_name = by_col or "NULL"
    yearly = _all(ctx, f"""
        WITH g AS (SELECT year(day) AS y, {name_col} AS name, {by_name} AS by_name,
                          count(*) FILTER (WHERE counted) AS plays, coalesce(sum(ms_played), 0) AS ms
                   FROM {ctx.plays} WHERE {ctx.kinds(*kinds)} AND {name_col} IS NOT NULL GROUP BY ALL),
             r AS (SELECT *, row_number() OVER (PARTITION BY y ORDER BY ms DESC, plays DESC, name) AS rank,
                          count(*) OVER (PARTITION BY y) AS ranked FROM g)
        SELECT y, rank, ranked, plays, ms FROM r
        WHERE name = $name AND by_name IS NOT DISTINCT FROM $by ORDER BY y""", {"name": name, "by": by})
    sessions = session_table(ctx)
    n_sessions, n_all = _one(ctx, f"""
        SELECT count(DISTINCT session_id) FILTER (WHERE {where}), count(DISTINCT session_id)
        FROM {sessions}""", args)
    recent = _all(ctx, f"""
        SELECT session_id, min(ts_start), max(ts_end), count(*), count(*) FILTER (WHERE {where}),
               coalesce(sum(ms_played), 0)
        FROM {sessions}
        WHERE session_id IN (SELECT DISTINCT session_id FROM {sessions} WHERE {where})
        GROUP BY 1 ORDER BY 2 DESC LIMIT {RECENT_SESSIONS}""", args)
    return {
        "kind": kind,
        "name": name,
        "by": by,
        "found": True,
        "start": _iso(ctx.start),
        "end": _iso(ctx.end),
        "plays": int(plays),
        "ms_played": int(ms),
        "hours": round(int(ms) / 3_600_000, 3),
        "rank": rank,
        "first_listen": first.isoformat(),
        "last_listen": last.isoformat(),
        # Only plays whose export says whether they were skipped count towards the rate.
        "skips": int(skips),
        "skip_known": int(known),
        "skip_rate": round(int(skips) / int(known), 6) if known else None,
        "by_month": [{"month": m, "plays": int(p), "ms_played": int(t)} for m, p, t in monthly],
        "rank_by_year": [{"year": int(y), "rank": int(r), "of": int(n), "plays": int(p), "ms_played": int(t)}
                         for y, r, n, p, t in yearly],
        "sessions": int(n_sessions),
        "sessions_total": int(n_all),
        "recent_sessions": [{"session_id": int(s), "start": a.isoformat(), "end": b.isoformat(), "streams": int(n),
                             "streams_of_this": int(k), "ms_played": int(t)} for s, a, b, n, k, t in recent],
    }


def _one(ctx: Context, sql: str, args: dict[str, Any]) -> tuple[Any, ...]:
    # Named parameters: the same $name and $by appear in several places of one query.
    rows = ctx.con.execute(sql, args).fetchall()
    return rows[0] if rows else ()


def _all(ctx: Context, sql: str, args: dict[str, Any]) -> list[tuple[Any, ...]]:
    return ctx.con.execute(sql, args).fetchall()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
