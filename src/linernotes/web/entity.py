"""One artist, track, album or show in detail: the dashboard's entity pages (a track's history — how each
play ended, its hours, devices and other versions —, an album's tracks, a show's episodes).

No insight in the registry is about a single name yet, so these few queries live here. They read the same
plays every insight reads (:class:`~linernotes.engine.scope.Context`: the period, the policy's ``counted``
flag, incognito, the exclusion rules) and count exactly as ``top`` does, so an artist's plays, time and rank
here are the numbers of ``linernotes insights top --json`` for the same period.

A page is asked for any period, often one nobody asked for before, so it reads only structures of the whole
history, built once: the per-day rollup of names (:mod:`linernotes.engine.rollup`, which ``top`` reads
too) and the history's timeline in numpy, from which a period's sessions are cut in milliseconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from linernotes.engine import rollup
from linernotes.engine.dayindex import day_number, index_of
from linernotes.engine.scope import Context, Scope
from linernotes.errors import UsageError
from linernotes.insights.sessions import DEFAULT_GAP_MINUTES, session_keys
from linernotes.insights.top import GROUPS, Entity, beats
from linernotes.library import Library
from linernotes.units import MS_PER_HOUR

# page kind → the ``top`` entity it ranks among
KINDS: dict[str, Entity] = {
    "artist": Entity.ARTISTS,
    "track": Entity.TRACKS,
    "album": Entity.ALBUMS,
    "show": Entity.SHOWS,
}
RECENT_SESSIONS = 10
TOP_OF_ARTIST = 10  # an artist page's "your top songs / albums by this artist", a track's other versions
ITEMS = 50  # an album's tracks, a show's episodes
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
DAY_US = 86_400_000_000


def entity_detail(lib: Library, kind: str, name: str, by: str | None, scope: Scope) -> dict[str, Any]:
    """First and last listen, totals, skip rate, listening by month, rank by year and sessions of one name.

    ``by`` is the artist of a track or album; without it the most played artist of that title is meant.
    """
    if kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r} (choose from: {', '.join(KINDS)})")
    entity = KINDS[kind]
    kinds, name_col, by_col = GROUPS[entity]
    ctx = Context(lib.engine, scope)
    ctx.whole_history().materialise()  # the rollup and the timeline are the whole history's
    days = rollup.entity_days(ctx, entity.value, kinds, name_col, by_col)
    assert days is not None  # the whole history was just selected
    period = rollup.within(scope.period)
    if by_col is not None and by is None:
        found = _one(ctx, f"""SELECT by_name FROM {days} WHERE {period} AND name = $name
                            GROUP BY 1 ORDER BY sum(ms) DESC NULLS LAST, 1 LIMIT 1""", {"name": name})
        by = found[0] if found else None
    mine = f"{period} AND name = $name" + ("" if by_col is None else " AND by_name IS NOT DISTINCT FROM $by")
    args: dict[str, Any] = {"name": name} if by_col is None else {"name": name, "by": by}

    # By month, with what the totals need: the totals are the months' sums (one read of the rollup).
    months = _all(ctx, f"""
        SELECT strftime(day, '%Y-%m') AS month, sum(plays), coalesce(sum(ms), 0), min(first_ts), max(last_ts),
               sum(skips), sum(skip_known)
        FROM {days} WHERE {mine} GROUP BY 1 ORDER BY 1""", args)
    if not months:
        return {"kind": kind, "name": name, "by": by, "found": False, "start": _iso(ctx.start), "end": _iso(ctx.end)}
    monthly = [m[:3] for m in months]
    plays, ms, skips, known = (sum(m[i] for m in months) for i in (1, 2, 5, 6))
    first, last = min(m[3] for m in months), max(m[4] for m in months)
    rank, yearly = _ranks(ctx, days, period, name, by)
    hits = f"{ctx.kinds(*kinds)} AND {name_col} = $name" + (
        "" if by_col is None else f" AND {by_col} IS NOT DISTINCT FROM $by")
    by_artist: dict[str, Any] = {}
    if entity is Entity.TRACKS:
        # A track's plays are few: one read of them gives its sessions and its history.
        rowids, history = _track_history(ctx, hits, args)
        by_artist = {**history, "versions": _versions(ctx, days, period, name, by)}
    else:
        rows = _all(ctx, f"SELECT rowid FROM {ctx.whole_history().plays} WHERE "
                         f"{ctx.scope.period.where_literal()} AND {hits}", args)
        rowids = np.fromiter((r for (r,) in rows), dtype=np.int64, count=len(rows))
    n_sessions, n_all, recent = _sessions(ctx, rowids)
    if entity is Entity.ARTISTS:
        by_artist = {"top_tracks": _top_of_artist(ctx, Entity.TRACKS, period, name),
                     "top_albums": _top_of_artist(ctx, Entity.ALBUMS, period, name)}
    elif entity is Entity.ALBUMS:
        by_artist = {"items": _items(ctx, hits, args, "track")}
    elif entity is Entity.SHOWS:
        by_artist = {"items": _items(ctx, hits, args, "episode")}
    return {
        "kind": kind,
        "name": name,
        "by": by,
        "found": True,
        "start": _iso(ctx.start),
        "end": _iso(ctx.end),
        "plays": int(plays),
        "ms_played": int(ms),
        "hours": round(int(ms) / MS_PER_HOUR, 3),
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
        "sessions": n_sessions,
        "sessions_total": n_all,
        "recent_sessions": recent,
        **by_artist,
    }


def _top_of_artist(ctx: Context, entity: Entity, period: str, artist: str) -> list[dict[str, Any]]:
    """The artist's most listened tracks or albums in the period, by time as ``top`` ranks them (read from
    the same per-day rollup, so the numbers are ``top``'s for that name)."""
    days = rollup.entity_days(ctx, entity.value, *GROUPS[entity])
    rows = _all(ctx, f"""
        SELECT any_value(name), any_value(by_name), sum(plays), coalesce(sum(ms), 0)
        FROM {days} WHERE {period} AND by_name = $artist GROUP BY k
        ORDER BY 4 DESC, 3 DESC, 1 LIMIT {TOP_OF_ARTIST}""", {"artist": artist})
    return [{"name": n, "by": b, "plays": int(p), "ms_played": int(ms)} for n, b, p, ms in rows]


def prepare(lib: Library) -> None:
    """Build what a page for a new period reads — the whole history's selection, its rollups, timeline and
    day index (a few seconds on a million plays) — so that the first visitor of each page does not wait.
    (The whole history's models are built by the first request that needs one, for every reader: see
    :meth:`~linernotes.engine.scope.Engine.share_memos`.)"""
    history = Context(lib.engine, Scope.make()).materialise()
    for entity in KINDS.values():
        rollup.entity_days(history, entity.value, *GROUPS[entity])
    timeline_of(history)
    index_of(history)


def _ranks(ctx: Context, days: str, period: str, name: str, by: str | None
           ) -> tuple[int | None, list[tuple[Any, ...]]]:
    """The name's rank by time in the period (as ``top`` ranks: :func:`~linernotes.insights.top.beats`) and
    in each year of it: (year, rank, of, plays, ms) rows. One grouping of the rollup by year and name serves
    both (the period's totals are sums of the years')."""
    rows = _all(ctx, f"""
        WITH gy AS MATERIALIZED (
                SELECT year(day) AS y, k, any_value(name) AS name, any_value(by_name) AS by_name,
                       sum(plays) AS plays, coalesce(sum(ms), 0) AS ms
                FROM {days} WHERE {period} GROUP BY year(day), k),
             g AS MATERIALIZED (SELECT k, any_value(name) AS name, any_value(by_name) AS by_name,
                                       sum(plays) AS plays, sum(ms) AS ms FROM gy GROUP BY k),
             me AS (SELECT * FROM g WHERE name = $name AND by_name IS NOT DISTINCT FROM $by),
             mey AS (SELECT * FROM gy WHERE name = $name AND by_name IS NOT DISTINCT FROM $by)
        SELECT true AS whole, NULL AS y, 1 + count(*) FILTER (WHERE {beats("time")}), count(*), me.plays, me.ms
        FROM me CROSS JOIN g GROUP BY me.k, me.plays, me.ms
        UNION ALL
        SELECT false, mey.y, 1 + count(*) FILTER (WHERE {beats("time", "gy", "mey")}), count(*), mey.plays, mey.ms
        FROM mey JOIN gy ON gy.y IS NOT DISTINCT FROM mey.y GROUP BY mey.y, mey.plays, mey.ms""",
        {"name": name, "by": by})
    overall = [r for whole, *r in rows if whole]
    years = sorted((r for whole, *r in rows if not whole and r[0] is not None), key=lambda r: r[0])
    return (int(overall[0][1]) if overall else None), [tuple(r) for r in years]


@dataclass(frozen=True)
class Timeline:
    """Every play of a whole history in time order (start, end, ``play_id``), as numpy columns."""

    row: np.ndarray  # the play's rowid in the history's table
    start_us: np.ndarray
    end_us: np.ndarray
    ms: np.ndarray
    day: np.ndarray  # local day, as days since 1970-01-01
    local_us: np.ndarray  # local start time (the wall clock where it was played), as if it were UTC

    def period(self, first: dt.date | None, last: dt.date | None) -> np.ndarray:
        """Positions of the plays whose local day is in ``first..last``, in time order."""
        lo, hi = 0, len(self.day)
        # Local days lie within a day of UTC ones: narrow by start time first (sorted), then test the day.
        if first is not None:
            lo = int(np.searchsorted(self.start_us, (day_number(first) - 1) * DAY_US))
        if last is not None:
            hi = int(np.searchsorted(self.start_us, (day_number(last) + 2) * DAY_US))
        day = self.day[lo:hi]
        inside = np.ones(len(day), dtype=bool)
        if first is not None:
            inside &= day >= day_number(first)
        if last is not None:
            inside &= day <= day_number(last)
        return lo + np.flatnonzero(inside)


def timeline_of(history: Context) -> Timeline:
    """The timeline of a whole history (``ctx.whole_history()``), built on first use."""
    return history.engine.memo((history.scope, "timeline"), lambda: _timeline(history))


def _timeline(history: Context) -> Timeline:
    cols = history.fetchnumpy(f"""
        SELECT rowid AS r, epoch_us(ts_start) AS s, epoch_us(ts_end) AS e, coalesce(ms_played, 0) AS ms,
               coalesce((day - DATE '1970-01-01')::INTEGER, -2147483648) AS d,
               coalesce(epoch_us(ts_local), epoch_us(ts_start)) AS l
        FROM {history.plays} ORDER BY ts_start, ts_end, play_id""")
    return Timeline(*(np.asarray(cols[c], dtype=np.int64) for c in ("r", "s", "e", "ms", "d", "l")))


def _sessions(ctx: Context, rowids: np.ndarray) -> tuple[int, int, list[dict[str, Any]]]:
    """How many of the period's sessions the name is in, of how many, and the latest few of them.

    The sessions are :func:`~linernotes.insights.sessions.session_table`'s for the period (the same plays
    in the same order), cut from the whole history's timeline instead of sorting the period's plays.
    """
    history = ctx.whole_history()
    timeline = timeline_of(history)
    at = timeline.period(ctx.scope.period.start, ctx.scope.period.end)
    if not len(at):
        return 0, 0, []
    start_us, end_us = timeline.start_us[at], timeline.end_us[at]
    # Whole milliseconds, as session_table's epoch_ms: the same gaps, the same sessions.
    ids = session_keys(start_us // 1000, end_us // 1000, DEFAULT_GAP_MINUTES)[0]
    hit = np.isin(timeline.row[at], rowids)
    theirs = np.unique(ids[hit])
    ms = timeline.ms[at]
    recent = []
    for sid in theirs[::-1][:RECENT_SESSIONS]:  # ids follow time: the highest are the latest
        lo, hi = np.searchsorted(ids, [sid, sid + 1])
        recent.append({
            "session_id": int(sid),
            "start": _utc(int(start_us[lo:hi].min())),
            # the wall-clock time it started where it was played (a session's plays are in time order)
            "start_local": _utc(int(timeline.local_us[at[lo]])).removesuffix("+00:00"),
            "end": _utc(int(end_us[lo:hi].max())),
            "streams": int(hi - lo),
            "streams_of_this": int(hit[lo:hi].sum()),
            "ms_played": int(ms[lo:hi].sum()),
        })
    return len(theirs), int(ids[-1]), recent


# How a stream of a track ended, as the podcasts and audiobooks insights tell a finished episode: played
# through when it ended by playing to its end (``reason_end`` trackdone) or, where the export has no reason
# but knows the length, played at least 90 % of it; skipped when the selection's ``skip`` says so; stopped
# when the export says how it ended otherwise; not recorded when it says nothing.
OUTCOME_SQL = """CASE
    WHEN reason_end = 'trackdone' OR (reason_end IS NULL AND duration_ms > 0 AND ms_played >= 0.9 * duration_ms)
        THEN 'through'
    WHEN skip THEN 'skipped'
    WHEN reason_end IS NOT NULL OR duration_ms > 0 THEN 'stopped'
    ELSE 'unknown' END"""
OUTCOMES = ("through", "skipped", "stopped", "unknown")


def _track_history(ctx: Context, hits: str, args: dict[str, Any]) -> tuple[np.ndarray, dict[str, Any]]:
    """The rowids of a track's streams in the period, and those streams counted by year and how they ended,
    by local hour, by device, and the album it was mostly played from."""
    history = ctx.whole_history()
    rows = _all(ctx, f"""
        SELECT rowid, year(day), hour, coalesce(device, 'unknown'), album, counted, coalesce(ms_played, 0),
               {OUTCOME_SQL}
        FROM {history.plays} WHERE {ctx.scope.period.where_literal()} AND {hits}""", args)
    years: dict[int, dict[str, Any]] = {}
    hours = [0] * 24
    devices: dict[str, dict[str, Any]] = {}
    albums: dict[str, int] = {}
    for _, y, hour, device, album, counted, ms, outcome in rows:
        if y is not None:
            year = years.setdefault(y, {"year": y, "streams": 0, "plays": 0, "ms_played": 0,
                                        **dict.fromkeys(OUTCOMES, 0)})
            year[outcome] += 1
            year["streams"] += 1
            year["plays"] += bool(counted)
            year["ms_played"] += ms
        if hour is not None:
            hours[hour] += 1
        seen = devices.setdefault(device, {"device": device, "streams": 0, "ms_played": 0})
        seen["streams"] += 1
        seen["ms_played"] += ms
        if album is not None:
            albums[album] = albums.get(album, 0) + ms
    rowids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    return rowids, {
        "album": max((ms, album) for album, ms in albums.items())[1] if albums else None,
        "outcomes_by_year": [years[y] for y in sorted(years)],
        "streams_by_hour": hours,
        "devices": sorted(devices.values(), key=lambda d: (-d["streams"], d["device"])),
    }


# A version of a title: the title without what follows " - " or an opening bracket ("Song - Live", "Song
# (Remix)", "Song [2011 Remaster]" are versions of "Song").
BASE_TITLE_SQL = r"lower(trim(regexp_replace({col}, '\s+[-–—]\s+.*$|\s*[(\[].*$', '')))"


def _versions(ctx: Context, days: str, period: str, name: str, by: str | None) -> list[dict[str, Any]]:
    """The artist's other tracks with the same title up to a version mark, most listened first (the period's
    sums of the rollup ``top`` reads)."""
    if by is None:
        return []
    rows = _all(ctx, f"""
        SELECT any_value(name), sum(plays), coalesce(sum(ms), 0) FROM {days}
        WHERE {period} AND by_name = $by AND name <> $name
          AND {BASE_TITLE_SQL.format(col="name")} = {BASE_TITLE_SQL.format(col="$name")}
        GROUP BY k ORDER BY 3 DESC, 2 DESC, 1 LIMIT {TOP_OF_ARTIST}""", {"name": name, "by": by})
    return [{"name": n, "by": by, "plays": int(p), "ms_played": int(ms)} for n, p, ms in rows]


def _items(ctx: Context, hits: str, args: dict[str, Any], column: str) -> list[dict[str, Any]]:
    """An album's tracks or a show's episodes in the period, most played first: plays (as ``top`` counts),
    time, how many streams were played through of those whose ending is known, and the last listen."""
    history = ctx.whole_history()
    rows = _all(ctx, f"""
        SELECT {column}, count(*) FILTER (WHERE counted), coalesce(sum(ms_played), 0),
               count(*) FILTER (WHERE outcome = 'through'), count(*) FILTER (WHERE outcome <> 'unknown'),
               max(ts_end)
        FROM (SELECT *, {OUTCOME_SQL} AS outcome FROM {history.plays}
              WHERE {ctx.scope.period.where_literal()} AND {hits} AND {column} IS NOT NULL)
        GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT {ITEMS}""", args)
    return [{"name": n, "plays": int(p), "ms_played": int(ms), "through": int(t), "ending_known": int(k),
             "completion": round(int(t) / int(k), 6) if k else None, "last_listen": last.isoformat()}
            for n, p, ms, t, k, last in rows]


def _utc(microseconds: int) -> str:
    return (EPOCH + dt.timedelta(microseconds=microseconds)).isoformat()


def _one(ctx: Context, sql: str, args: dict[str, Any]) -> tuple[Any, ...]:
    # Named parameters: the same $name and $by appear in several places of one query.
    rows = ctx.con.execute(sql, args).fetchall()
    return rows[0] if rows else ()


def _all(ctx: Context, sql: str, args: dict[str, Any]) -> list[tuple[Any, ...]]:
    return ctx.con.execute(sql, args).fetchall()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
