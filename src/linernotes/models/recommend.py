"""Recommendations from your own history: what you loved and lost that fits who you are now, and deep cuts.

Three lists, all as of a day (the period's end), over the whole history up to that day:

- **forgotten artists**: artists you gave real time to that have been silent for a while, ranked by
  ``fit × affinity × absence``: fit is the cosine between the artist's taste vector and the *current
  taste* (the time-weighted mean vector of what you played in the current chapter, up to the day), floored
  at 0; affinity is √hours before the silence; absence is log2(1 + silent days / 365) — each doubling of the
  silence weighs alike, as in ``rediscover``;
- **forgotten tracks**: tracks you played many times, silent for a while, ranked the same way with √plays as
  affinity and the track's artist vector as its taste vector (track vectors are their artists');
- **deep cuts**: tracks by your favourite artists (most time up to the day) that you played rarely — at most
  twice, or a tenth of the artist's median plays per track if that is more — never skipped and for at least
  a minute: liked, then left. Ranked by
  ``fit × √(artist hours) × completion`` (completion: the longest play over the artist's median play, at
  most 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from linernotes.insights.scope import Context
from linernotes.models.chapters import chapter_model
from linernotes.models.taste import TasteModel, taste_model
from linernotes.units import MS_PER_HOUR

LISTEN_DAY_PLAYS = 2  # a day with an artist: at least two counted plays (fewer is a stray play)
MAX_STRAY_PLAYS = 3


@dataclass(frozen=True)
class Pick:
    kind: str  # "artist", "track" or "deep cut"
    name: str  # artist name, or track title
    artist: str
    score: float
    fit: float  # cosine to the current taste (0 when unknown)
    plays: int  # counted plays up to the day
    hours: float
    last_day: dt.date
    peak_year: int  # the year with most of its listening
    absence_days: int
    why: str


@dataclass(frozen=True)
class Recommendations:
    as_of: dt.date
    chapter_start: dt.date | None
    artists: list[Pick]
    tracks: list[Pick]
    deep_cuts: list[Pick]


def current_taste(whole: Context, model: TasteModel, since: dt.date, as_of: dt.date) -> np.ndarray:
    """The time-weighted mean artist vector of music played from ``since`` to ``as_of`` (unit length)."""
    rows = whole.fetch(f"""
        SELECT artist, sum(ms_played) FROM {whole.plays}
        WHERE {whole.kinds('track')} AND artist IS NOT NULL AND day BETWEEN ? AND ? GROUP BY artist""",
                       [since, as_of])
    return model.mean_vector({str(a): float(ms or 0) for a, ms in rows})


def recommend(ctx: Context, *, min_absence_days: int = 90, min_hours: float = 1.0, min_track_plays: int = 5,
              favourites: int = 20, limit: int = 10) -> Recommendations | None:
    """The three lists as of ``ctx``'s last day (None when the selection is empty)."""
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


def _fit(model: TasteModel, taste: np.ndarray, artist: str) -> float:
    v = model.vector(artist)
    if v is None or not taste.any():
        return 0.0
    return float(max(0.0, float(v @ taste)))


def _fit_words(fit: float) -> str:
    if fit >= 0.5:
        return "it fits what you play now"  # not "your chapter": a history too short for chapters has none
    if fit >= 0.25:
        return "it is close to what you play now"
    return "a change from what you play now"


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
    picks: list[tuple[float, str, str, str, float, int, float, dt.date, int]] = []
    for _k, artist, track, last_day, plays, ms, absence in rows:
        fit = _fit(model, taste, str(artist))
        affinity = np.sqrt(float(ms) / MS_PER_HOUR) if what == "artist" else np.sqrt(float(plays))
        score = fit * affinity * np.log2(1 + int(absence) / 365)
        if score > 0:
            name = str(artist) if what == "artist" else str(track)
            picks.append((score, name, str(artist), str(_k), fit, int(plays), float(ms) / MS_PER_HOUR, last_day,
                          int(absence)))
    picks.sort(key=lambda p: (-p[0], p[1], p[2]))
    picks = picks[:limit]
    years = _peak_years(whole, as_of, what, [p[3] for p in picks])
    out = []
    for score, name, artist, k, fit, plays, hours, last_day, absence in picks:
        year = years.get(k, last_day.year)
        if what == "artist":
            why = f"{hours:,.0f} hours, mostly in {year}, silent since {last_day:%B %Y}; {_fit_words(fit)}"
        else:
            why = f"you played it {plays} times, mostly in {year}; {_fit_words(fit)}"
        out.append(Pick(kind=what, name=name, artist=artist, score=score, fit=fit, plays=plays, hours=hours,
                        last_day=last_day, peak_year=year, absence_days=absence, why=why))
    return out


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
    picks = []
    for artist, track, n, longest, last_day, a_ms, rank, typical, absence in rows:
        fit = _fit(model, taste, str(artist))
        completion = min(1.0, float(longest) / float(typical)) if typical else 1.0
        score = max(fit, 0.05) * np.sqrt(float(a_ms) / MS_PER_HOUR) * completion
        once = {1: "once", 2: "twice"}.get(int(n), f"only {int(n)} times")
        why = f"played {once}, {'in full' if completion >= 0.9 else 'most of it'}, in {last_day:%B %Y}; by your " \
              f"#{int(rank)} artist"
        picks.append(Pick(kind="deep cut", name=str(track), artist=str(artist), score=float(score), fit=fit,
                          plays=int(n), hours=float(longest) / MS_PER_HOUR, last_day=last_day,
                          peak_year=last_day.year, absence_days=int(absence), why=why))
    picks.sort(key=lambda p: (-p.score, p.artist, p.name))
    return picks[:limit]
