"""``albums``: albums heard through, albums only sampled, and how often an album you start gets finished."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pyarrow as pa

from linernotes.engine.figures import Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.errors import UsageError
from linernotes.insights.sessions import session_table

# A track is *heard* in a run when it played at least this long and was not skipped.
HEARD_MS = 30_000
# A run of at least this many distinct heard tracks of one album is an album *start*: you put the album on.
START_TRACKS = 3


@dataclass(frozen=True)
class ListenThrough:
    album: str
    artist: str
    day: dt.date  # local day the run started
    session_id: int
    tracks_heard: int  # distinct tracks heard in the run
    known_tracks: int  # distinct tracks of the album in the whole history
    ms_played: int


@dataclass(frozen=True)
class AlbumRow:
    album: str
    artist: str
    plays: int  # counted plays in the period
    ms_played: int
    tracks_played: int  # distinct tracks played in the period
    known_tracks: int
    starts: int  # runs of >= START_TRACKS distinct heard tracks, shuffle off
    listen_throughs: int
    completion: float | None  # listen_throughs / starts; None when never started
    longest_run: int  # most distinct heard tracks in one uninterrupted run


@dataclass
class AlbumsResult(Result):
    listen_throughs: int
    starts: int
    completion_rate: float | None  # listen-throughs / starts over every album
    albums_played: int
    albums_heard_through: int  # distinct albums with at least one listen-through
    recent_listen_throughs: list[ListenThrough]  # latest first
    albums: list[AlbumRow]  # most played (counted plays, then time)
    sampled: list[AlbumRow]  # many plays, never in a run of more than two tracks

    def summary(self) -> list[str]:
        if not self.albums_played:
            return ["No albums played in this period."]
        lines = [
            f"{self.listen_throughs:,} album listen-through{'s' if self.listen_throughs != 1 else ''} "
            f"({self.albums_heard_through:,} different album{'s' if self.albums_heard_through != 1 else ''})"
            + (
                f"; you finished {self.completion_rate:.0%} of the albums you put on."
                if self.completion_rate is not None
                else "."
            )
        ]
        best = max(self.albums, key=lambda a: (a.listen_throughs, a.plays), default=None)
        if best is not None and best.listen_throughs:
            lines.append(f"Most heard through: {best.album} by {best.artist} ({best.listen_throughs}×).")
        if self.sampled:
            s = self.sampled[0]
            lines.append(
                f"Only sampled: {s.album} by {s.artist} — {s.plays} plays, {s.tracks_played} "
                f"track{'s' if s.tracks_played != 1 else ''}, never in a run."
            )
        return lines


@insight("albums", "Album listen-throughs, sampled albums and album completion rate")
def albums(
    ctx: Context,
    *,
    coverage: Annotated[float, "part of an album's known tracks a run must hold to be a listen-through"] = 0.8,
    min_tracks: Annotated[int, "fewest distinct tracks in a listen-through"] = 4,
    min_plays: Annotated[int, "counted plays that make a never-run album 'sampled'"] = 5,
    limit: Annotated[int, "rows of each table"] = 20,
) -> AlbumsResult:
    """Album listening (music, albums told apart by artist + album name, case-insensitive).

    The export holds neither an album's track list nor its order, so both come from the history:

    - an album's *known tracks* are the distinct titles of it ever played (whole history, same exclusions);
    - a *run* is a stretch of consecutive plays within one session (20-minute gaps, see ``sessions``) that
      all belong to the album; its tracks *heard* are the distinct titles played at least 30 s and not skipped;
    - a run is *in album order* when shuffle was off for all its plays (the closest the export comes to
      "in order": with shuffle off, consecutive tracks of an album are the album's own sequence);
    - a **listen-through** is a run in album order whose heard tracks number at least ``min_tracks`` and at
      least ``coverage`` of the album's known tracks;
    - an album **start** is a run in album order with at least three heard tracks (you put the album on);
      the **completion rate** is listen-throughs / starts, overall and per album;
    - an album is **sampled** when it has at least ``min_plays`` counted plays in the period, no
      listen-through, and never more than two heard tracks in one run.

    Runs are attributed to the period by their plays (the selection); the day of a listen-through is the
    local day of its first play.
    """
    if not 0 < coverage <= 1 or min_tracks < 1 or min_plays < 1 or limit < 1:
        raise UsageError("--coverage must be in (0, 1], --min-tracks, --min-plays and --limit at least 1")
    empty = AlbumsResult(
        listen_throughs=0,
        starts=0,
        completion_rate=None,
        albums_played=0,
        albums_heard_through=0,
        recent_listen_throughs=[],
        albums=[],
        sampled=[],
    )
    music = ctx.kinds("track")
    if (
        not ctx.selection.plays
        or not ctx.one(f"SELECT count(*) FROM {ctx.plays} WHERE {music} AND album IS NOT NULL AND artist IS NOT NULL")[
            0
        ]
    ):
        return empty
    whole = ctx.whole_history()
    akey = "hash(lower(artist) || chr(31) || lower(album))"
    album_play = f"{music} AND album IS NOT NULL AND artist IS NOT NULL"
    known = whole.derived(
        "album_known_tracks",
        f"""
        SELECT h, count(*) AS known FROM (
            SELECT DISTINCT {akey} AS h, hash(lower(track)) AS t FROM {ctx.history()}
            WHERE {album_play} AND track IS NOT NULL)
        GROUP BY h""",
    )
    runs = _runs(ctx, session_table(ctx), akey, album_play)
    per_run = f"""
        SELECT r.*, k.known, r.in_order AND r.heard >= {START_TRACKS} AS is_start,
               r.in_order AND r.heard >= greatest({int(min_tracks)}, ceil({float(coverage)} * k.known)) AS is_through
        FROM {runs} r JOIN {known} k USING (h)"""
    rows = ctx.fetch(f"""
        SELECT h, sum(plays), sum(ms), any_value(known), count(*) FILTER (WHERE is_start),
               count(*) FILTER (WHERE is_through), max(heard)
        FROM ({per_run}) GROUP BY h""")
    through_rows = ctx.fetch(f"""
        SELECT h, day, session_id, heard, known, ms FROM ({per_run})
        WHERE is_through ORDER BY day DESC, session_id DESC LIMIT {int(limit)}""")
    # (plays, ms, known, starts, listen-throughs, longest run) per album key hash, most played first
    stats = sorted(
        ((int(h), tuple(int(v) for v in rest)) for h, *rest in rows),
        key=lambda x: (-x[1][0], -x[1][1], x[0]),
    )
    top = [h for h, _ in stats[:limit]]
    sampled_h = [h for h, (p, _, _, _, lt, lr) in stats if p >= min_plays and not lt and lr <= 2][:limit]
    shown = set(top) | set(sampled_h) | {int(r[0]) for r in through_rows}
    names = _names(ctx, akey, album_play, sorted(shown))
    by_h = dict(stats)

    def row(h: int) -> AlbumRow:
        p, ms, k, st, lt, lr = by_h[h]
        album, artist, played = names[h]
        return AlbumRow(
            album=album,
            artist=artist,
            plays=p,
            ms_played=ms,
            tracks_played=played,
            known_tracks=k,
            starts=st,
            listen_throughs=lt,
            completion=lt / st if st else None,
            longest_run=lr,
        )

    recent = [
        ListenThrough(
            album=names[int(h)][0],
            artist=names[int(h)][1],
            day=d,
            session_id=int(sid),
            tracks_heard=int(hd),
            known_tracks=int(k),
            ms_played=int(ms),
        )
        for h, d, sid, hd, k, ms in through_rows
    ]
    table = [row(h) for h in top]
    starts = sum(v[3] for _, v in stats)
    throughs = sum(v[4] for _, v in stats)
    return AlbumsResult(
        listen_throughs=throughs,
        starts=starts,
        completion_rate=throughs / starts if starts else None,
        albums_played=len(stats),
        albums_heard_through=sum(1 for _, v in stats if v[4]),
        recent_listen_throughs=recent,
        albums=table,
        sampled=[row(h) for h in sampled_h],
    )


def _names(ctx: Context, akey: str, album_play: str, hashes: list[int]) -> dict[int, tuple[str, str, int]]:
    """Display names (album, artist: the most played spelling) and distinct tracks played in the selection,
    of the albums with these key hashes."""
    rows = ctx.fetch(
        f"""
        WITH p AS (SELECT {akey} AS h, album, artist, lower(track) AS t FROM {ctx.plays}
                   WHERE {album_play} AND {akey} IN (SELECT unnest(?::UBIGINT[])))
        SELECT h, arg_max(album, n), arg_max(artist, n), any_value(tracks) FROM (
            SELECT h, album, artist, count(*) AS n FROM p GROUP BY h, album, artist)
        JOIN (SELECT h, count(DISTINCT t) AS tracks FROM p GROUP BY h) USING (h)
        GROUP BY h""",
        [hashes],
    )
    return {int(h): (str(al), str(ar), int(n)) for h, al, ar, n in rows}


def _runs(ctx: Context, sessions: str, akey: str, album_play: str) -> str:
    """A temp table of album runs — consecutive plays of one album within one session — built once per scope.

    Run boundaries and per-run sums are computed in numpy over the plays in session order (a SQL window
    over every play would sort the wide table, and a grouped distinct count per run is slow).
    """
    found = ctx.cached("album_runs")
    if found is not None:
        return found
    c = ctx.fetchnumpy(f"""
        SELECT session_id, CASE WHEN {album_play} THEN {akey} ELSE 0 END AS h,
               CASE WHEN {album_play} AND track IS NOT NULL AND ms_played >= {HEARD_MS} AND NOT coalesce(skip, false)
                    THEN hash(lower(track)) ELSE 0 END AS t,
               counted::INT AS counted, coalesce(ms_played, 0) AS ms, coalesce(shuffle, false)::INT AS shuffle,
               day - DATE '1970-01-01' AS day
        FROM {sessions} ORDER BY session_id, pos""")
    h = np.asarray(c["h"], dtype=np.uint64)
    sid = np.asarray(c["session_id"], dtype=np.int64)
    brk = np.ones(len(h), dtype=bool)
    brk[1:] = (h[1:] != h[:-1]) | (sid[1:] != sid[:-1])
    keep = h != 0
    run = (np.cumsum(brk) - 1)[keep]
    h, sid = h[keep], sid[keep]
    t = np.asarray(c["t"], dtype=np.uint64)[keep]
    first = np.flatnonzero(np.r_[True, run[1:] != run[:-1]]) if len(run) else np.zeros(0, dtype=np.int64)
    ridx = np.cumsum(np.r_[True, run[1:] != run[:-1]]) - 1 if len(run) else np.zeros(0, dtype=np.int64)

    def total(name: str) -> np.ndarray:
        values = np.asarray(c[name], dtype=np.int64)[keep]
        return np.add.reduceat(values, first) if len(first) else np.zeros(0, dtype=np.int64)

    heard_pairs = t != 0
    pr, pt = ridx[heard_pairs], t[heard_pairs]
    order = np.lexsort((pt, pr))
    pr, pt = pr[order], pt[order]
    new_pair = np.r_[True, (pr[1:] != pr[:-1]) | (pt[1:] != pt[:-1])] if len(pr) else np.zeros(0, dtype=bool)
    heard = np.bincount(pr[new_pair], minlength=len(first))
    days = np.asarray(c["day"], dtype=np.int64)[keep]
    table = pa.table(
        {
            "h": pa.array(h[first], pa.uint64()),
            "session_id": pa.array(sid[first], pa.int64()),
            "day": pa.array(days[first].astype("datetime64[D]")),
            "heard": pa.array(heard, pa.int64()),
            "plays": pa.array(total("counted"), pa.int64()),
            "ms": pa.array(total("ms"), pa.int64()),
            "in_order": pa.array(total("shuffle") == 0),
        }
    )
    ctx.con.register("_ln_album_runs", table)
    try:
        return ctx.derived("album_runs", "SELECT * FROM _ln_album_runs")
    finally:
        ctx.con.unregister("_ln_album_runs")


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("completion rate", "%", r"\brate\b|\bpercent|\bshare\b|\bhow often\b", "completion_rate|pct"),
    Figure("album most listened through", None, r"\bwhich\b|\bwhat\b|\bmost\b", "albums.0.album"),
    Figure("albums listened through", "albums", "", "listen_throughs"),
)
