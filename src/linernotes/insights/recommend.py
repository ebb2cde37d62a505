"""``recommend``: what to play next, from your own history — forgotten favourites that fit you now, deep cuts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

import numpy as np

from linernotes.engine.figures import Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.errors import UsageError
from linernotes.insights.chapters import chapter_model
from linernotes.insights.taste import taste_model
from linernotes.models.artist_embedding import TasteModel
from linernotes.models.recommender import (
    LISTEN_DAY_PLAYS,
    MAX_STRAY_PLAYS,
    Pick,
    Recommendations,
    deep_cut_picks,
    forgotten_picks,
    rank_forgotten,
)
from linernotes.units import MS_PER_HOUR


@dataclass
class RecommendResult(Result):
    as_of: dt.date | None
    chapter_start: dt.date | None  # the current chapter's first day (None: no chapters; last 90 days used)
    artists: list[Pick]
    tracks: list[Pick]
    deep_cuts: list[Pick]

    def summary(self) -> list[str]:
        if self.as_of is None:
            return ["Nothing to recommend from an empty period."]
        lines = []
        if self.artists:
            a = self.artists[0]
            lines.append(f"Put {a.name} back on: {a.why}.")
        if self.tracks:
            t = self.tracks[0]
            lines.append(f"“{t.name}” by {t.artist}: {t.why}.")
        if self.deep_cuts:
            d = self.deep_cuts[0]
            lines.append(f"Deep cut: “{d.name}” by {d.artist}, {d.why}.")
        return lines or ["Nothing forgotten yet: everything you loved is still in rotation."]


@insight(
    "recommend", "Recommendations from your own history: forgotten favourites that fit you now, deep cuts", model=True
)
def recommend(
    ctx: Context,
    *,
    min_absence_days: Annotated[int, "days of silence before something counts as forgotten"] = 90,
    min_hours: Annotated[float, "hours an artist needs before its silence to be recommended"] = 1.0,
    min_track_plays: Annotated[int, "plays a track needs before its silence to be recommended"] = 5,
    favourites: Annotated[int, "how many of your top artists to search for deep cuts"] = 20,
    limit: Annotated[int, "how many picks per list"] = 10,
) -> RecommendResult:
    """Three lists as of the period's last day, over the whole history up to it (music, same exclusions).

    The *current taste* is the listening-time-weighted mean taste vector (:mod:`linernotes.models.artist_embedding`)
    of the music played in the current chapter (the ``chapters`` insight's chapter holding the day) up to
    the day. ``fit`` is the cosine between a candidate's taste vector and it, floored at 0 (a track's vector
    is its artist's).

    - ``artists``: artists whose last *listening day* (a day with at least 2 counted plays) is at least
      ``min_absence_days`` before the day, with at most 3 counted stray plays since, at least ``min_hours``
      of listening up to their last day, and a skip rate under 50 %; ranked by
      ``fit × √hours × log2(1 + absence_days / 365)`` (picks with no fit are left out);
    - ``tracks``: the same for tracks (title + artist), with at least ``min_track_plays`` counted plays and
      ``√plays`` as the affinity;
    - ``deep_cuts``: tracks of your ``favourites`` top artists (time up to the day) stored rarely — at most
      twice, or at most a tenth of the artist's median stored plays per track when that is more — never
      skipped and played for at least a minute; ranked by ``max(fit, 0.05) × √(artist hours) × completion``
      (completion: the longest play over the artist's median unskipped play, at most 1).

    Each pick says why in a few words (``why``): how much you played it and when, and how it fits now.
    """
    if min_absence_days < 1 or min_hours < 0 or min_track_plays < 1 or favourites < 1 or limit < 1:
        raise UsageError(
            "--min-absence-days, --min-track-plays, --favourites and --limit must be at least 1, "
            "--min-hours not negative"
        )
    rec = compute(
        ctx,
        min_absence_days=min_absence_days,
        min_hours=min_hours,
        min_track_plays=min_track_plays,
        favourites=favourites,
        limit=limit,
    )
    if rec is None:
        return RecommendResult(as_of=None, chapter_start=None, artists=[], tracks=[], deep_cuts=[])
    return RecommendResult(
        as_of=rec.as_of,
        chapter_start=rec.chapter_start,
        artists=rec.artists,
        tracks=rec.tracks,
        deep_cuts=rec.deep_cuts,
    )


def current_taste(whole: Context, model: TasteModel, since: dt.date, as_of: dt.date) -> np.ndarray:
    """The time-weighted mean artist vector of music played from ``since`` to ``as_of`` (unit length)."""
    rows = whole.fetch(f"""
        SELECT artist, sum(ms_played) FROM {whole.plays}
        WHERE {whole.kinds('track')} AND artist IS NOT NULL AND day BETWEEN ? AND ? GROUP BY artist""",
                       [since, as_of])
    return model.mean_vector({str(a): float(ms or 0) for a, ms in rows})


def compute(ctx: Context, *, min_absence_days: int = 90, min_hours: float = 1.0, min_track_plays: int = 5,
              favourites: int = 20, limit: int = 10) -> Recommendations | None:
    """The three lists as of ``ctx``'s last day (None when the selection is empty); the ranking is
    :mod:`linernotes.models.recommender`'s."""
    as_of = ctx.end
    if as_of is None or not ctx.selection.plays:
        return None
    whole = ctx.whole_history()
    model = taste_model(ctx)
    chapters = chapter_model(ctx)
    k = chapters.index_at(as_of)
    since = chapters.spans[k].start if k is not None else as_of - dt.timedelta(days=90)
    taste = current_taste(whole, model, since, as_of)
    artists = _forgotten(whole, model, taste, as_of, "artist", min_absence_days, min_hours, 0, limit)
    tracks = _forgotten(whole, model, taste, as_of, "track", min_absence_days, 0.0, min_track_plays, limit)
    cuts = _deep_cuts(whole, model, taste, as_of, favourites, limit)
    return Recommendations(as_of=as_of, chapter_start=since if k is not None else None, artists=artists,
                           tracks=tracks, deep_cuts=cuts)


def _forgotten(whole: Context, model: TasteModel, taste: np.ndarray, as_of: dt.date, what: str, min_absence: int,
               min_hours: float, min_plays: int, limit: int) -> list[Pick]:
    key = "artist" if what == "artist" else "artist || chr(31) || track"
    track_cond = "" if what == "artist" else "AND track IS NOT NULL"
    rows = whole.fetch(f"""
        WITH p AS (SELECT {key} AS k, artist, track, day, ms_played, counted, skip FROM {whole.plays}
                   WHERE {whole.kinds('track')} AND artist IS NOT NULL {track_cond} AND day <= ?),
        d AS (SELECT k, day, count(*) FILTER (WHERE counted) AS n FROM p GROUP BY k, day),
        last AS (SELECT k, max(day) FILTER (WHERE n >= {LISTEN_DAY_PLAYS}) AS last_day FROM d GROUP BY k),
        agg AS (
            SELECT p.k, any_value(p.artist) AS artist, any_value(p.track) AS track, l.last_day,
                   count(*) FILTER (WHERE p.counted AND p.day <= l.last_day) AS plays,
                   sum(p.ms_played) FILTER (WHERE p.day <= l.last_day) AS ms,
                   count(*) FILTER (WHERE p.counted AND p.day > l.last_day) AS stray,
                   avg(CASE WHEN p.skip THEN 1.0 WHEN p.skip IS NOT NULL THEN 0.0 END) AS skip_rate
            FROM p JOIN last l USING (k) WHERE l.last_day IS NOT NULL AND ? - l.last_day >= ?
            GROUP BY p.k, l.last_day)
        SELECT k, artist, track, last_day, plays, ms, ? - last_day AS absence FROM agg
        WHERE stray <= {MAX_STRAY_PLAYS} AND ms >= ? * {MS_PER_HOUR:.1f} AND plays >= ?
              AND coalesce(skip_rate, 0) < 0.5""",
        [as_of, as_of, min_absence, as_of, min_hours, min_plays])
    ranked = rank_forgotten(rows, model, taste, what, limit)
    return forgotten_picks(ranked, _peak_years(whole, as_of, what, [r[3] for r in ranked]), what)


def _peak_years(whole: Context, as_of: dt.date, what: str, keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    key = "artist" if what == "artist" else "artist || chr(31) || track"
    return {str(k): int(y) for k, y in whole.fetch(f"""
        SELECT k, arg_max(y, ms) FROM (
            SELECT {key} AS k, year(day) AS y, sum(ms_played) AS ms FROM {whole.plays}
            WHERE {whole.kinds('track')} AND day <= ? AND {key} IN (SELECT unnest(?::VARCHAR[])) GROUP BY ALL)
        GROUP BY k""", [as_of, keys])}


def _deep_cuts(whole: Context, model: TasteModel, taste: np.ndarray, as_of: dt.date, favourites: int,
               limit: int) -> list[Pick]:
    rows = whole.fetch(f"""
        WITH m AS (SELECT artist, track, day, ms_played, counted, skip FROM {whole.plays}
                   WHERE {whole.kinds('track')} AND artist IS NOT NULL AND day <= ?),
        fav AS (SELECT artist, sum(ms_played) AS ms,
                       row_number() OVER (ORDER BY sum(ms_played) DESC, artist) AS rank,
                       median(ms_played) FILTER (WHERE NOT coalesce(skip, false)) AS typical
                FROM m GROUP BY artist ORDER BY ms DESC, artist LIMIT {int(favourites)}),
        t AS (SELECT artist, track, count(*) AS n, max(ms_played) AS longest, max(day) AS last_day,
                     count(*) FILTER (WHERE skip) AS skips
              FROM m WHERE track IS NOT NULL AND artist IN (SELECT artist FROM fav) GROUP BY artist, track),
        rare AS (SELECT artist, greatest(2, floor(0.1 * median(n))) AS most FROM t GROUP BY artist)
        SELECT t.artist, t.track, t.n, t.longest, t.last_day, f.ms, f.rank, f.typical, ? - t.last_day
        FROM t JOIN fav f USING (artist) JOIN rare r USING (artist)
        WHERE t.n <= r.most AND t.skips = 0 AND t.longest >= 60000""", [as_of, as_of])
    return deep_cut_picks(rows, model, taste, limit)
# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("top deep cut", None, r"\bdeep cuts?\b", "deep_cuts.0.name"),
    Figure("top recommended artist", None, "", "artists.0.name"),
)
