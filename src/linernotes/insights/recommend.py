"""``recommend``: what to play next, from your own history — forgotten favourites that fit you now, deep cuts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from linernotes.errors import UsageError
from linernotes.insights.figures import Figure
from linernotes.insights.registry import insight
from linernotes.insights.result import Result
from linernotes.insights.scope import Context
from linernotes.models.recommend import Pick
from linernotes.models.recommend import recommend as compute


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

    The *current taste* is the listening-time-weighted mean taste vector (:mod:`linernotes.models.taste`)
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


# The figures `ask` answers questions with, tried in this order (see linernotes.insights.figures).
FIGURES = (
    Figure("top deep cut", None, r"\bdeep cuts?\b", "deep_cuts.0.name"),
    Figure("top recommended artist", None, "", "artists.0.name"),
)
