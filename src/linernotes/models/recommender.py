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

Pure computation (candidate rows and taste vectors in, picks out): the ``recommend`` insight
(:mod:`linernotes.insights.recommend`) reads the candidates and the current taste from the library.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from linernotes.models.artist_embedding import TasteModel
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


def taste_fit(model: TasteModel, taste: np.ndarray, artist: str) -> float:
    v = model.vector(artist)
    if v is None or not taste.any():
        return 0.0
    return float(max(0.0, float(v @ taste)))


def fit_words(fit: float) -> str:
    if fit >= 0.5:
        return "it fits what you play now"  # not "your chapter": a history too short for chapters has none
    if fit >= 0.25:
        return "it is close to what you play now"
    return "a change from what you play now"


Ranked = tuple[float, str, str, str, float, int, float, dt.date, int]


def rank_forgotten(rows: list[tuple[Any, ...]], model: TasteModel, taste: np.ndarray, what: str,
                   limit: int) -> list[Ranked]:
    """The best ``limit`` forgotten artists or tracks (``what``) as (score, name, artist, key, fit, plays,
    hours, last day, absence days), from rows of (key, artist, track, last day, counted plays, ms, absence
    days) of the candidates silent long enough."""
    picks: list[tuple[float, str, str, str, float, int, float, dt.date, int]] = []
    for _k, artist, track, last_day, plays, ms, absence in rows:
        fit = taste_fit(model, taste, str(artist))
        affinity = np.sqrt(float(ms) / MS_PER_HOUR) if what == "artist" else np.sqrt(float(plays))
        score = fit * affinity * np.log2(1 + int(absence) / 365)
        if score > 0:
            name = str(artist) if what == "artist" else str(track)
            picks.append((score, name, str(artist), str(_k), fit, int(plays), float(ms) / MS_PER_HOUR, last_day,
                          int(absence)))
    picks.sort(key=lambda p: (-p[0], p[1], p[2]))
    return picks[:limit]


def forgotten_picks(ranked: list[Ranked], years: dict[str, int], what: str) -> list[Pick]:
    """The picks of :func:`rank_forgotten`, with the year that held most of each one's listening (by key)."""
    out = []
    for score, name, artist, k, fit, plays, hours, last_day, absence in ranked:
        year = years.get(k, last_day.year)
        if what == "artist":
            # A tenth of an hour only where it tells ("1.4 hours", not "1 hours"); whole hours from ten on.
            amount = f"{hours:,.1f}" if hours < 10 else f"{hours:,.0f}"
            why = f"{amount} hours, mostly in {year}, silent since {last_day:%B %Y}; {fit_words(fit)}"
        else:
            why = f"you played it {plays} times, mostly in {year}; {fit_words(fit)}"
        out.append(Pick(kind=what, name=name, artist=artist, score=score, fit=fit, plays=plays, hours=hours,
                        last_day=last_day, peak_year=year, absence_days=absence, why=why))
    return out


def deep_cut_picks(rows: list[tuple[Any, ...]], model: TasteModel, taste: np.ndarray, limit: int) -> list[Pick]:
    """The best ``limit`` deep cuts from rows of (artist, track, plays, longest play ms, last day, the artist's
    ms, its rank, its typical play ms, absence days) of rarely played, never skipped tracks of favourites."""
    picks = []
    for artist, track, n, longest, last_day, a_ms, rank, typical, absence in rows:
        fit = taste_fit(model, taste, str(artist))
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
