"""``moments``: days and weeks when your listening broke from its own normal (:mod:`linernotes.models.anomalies`)."""

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
from linernotes.models.anomalies import NEW_MIN_MINUTES, NEW_WARMUP_DAYS, NEW_WEEKS, Moment, NewArtistRow, week_origin
from linernotes.models.anomalies import find_moments as moments_of


@dataclass
class MomentsResult(Result):
    moments: list[Moment]  # strongest first (score), at most ``top``
    found: int  # moments in the period before the cut to ``top``
    by_kind: dict[str, int]  # of the ``found``
    days: int  # local days from the period's first to its last
    ms_played: int  # listening time in the period (the volume baseline's unit)

    def summary(self) -> list[str]:
        if not self.moments:
            return ["No moments stand out: your listening kept to its own normal throughout."]
        lines = [f"{self.found} moment{'s stand' if self.found != 1 else ' stands'} out; the strongest:"]
        lines += [m.sentence for m in self.moments[:5]]
        return lines


@insight("moments", "Moments: days and weeks when your listening broke from its normal", model=True)
def moments(
    ctx: Context,
    *,
    top: Annotated[int, "moments to list"] = 20,
    min_z: Annotated[float, "robust z-score that makes a day, week or rhythm stand out"] = 4.0,
    min_share: Annotated[float, "part of a week's music a new artist must take"] = 0.25,
) -> MomentsResult:
    """Candidates for "what happened in your life then", each with its date, kind, magnitude and a sentence.

    Computed over the whole history of the scope (every day's surroundings are known) and listed for the
    period (by the moment's first day):

    - ``loud_day`` / ``loud_week`` / ``quiet_week``: listening time (every kind) of a local day or ISO week
      (Monday–Sunday) as a robust z-score against the 28 days (8 weeks) either side, the day or week itself
      left out: z = (x − median) / max(1.4826·MAD, 0.25·median, 15 minutes a day / 1 hour a week);
      |z| ≥ ``min_z`` stands out (quiet days are not listed: silent days are ordinary; days inside a loud
      week are folded into it; the partial first and last weeks are not judged);
    - ``new_artist``: an artist first played (whole history, music) at most 4 weeks before a week in which
      it took at least ``min_share`` of the music time and at least 30 minutes; its strongest such week;
      magnitude = that share (artists first played in the history's first 8 weeks were there before it);
    - ``rhythm``: a week with at least 2 hours of listening whose hour-of-day profile (time per local start
      hour, smoothed with weights 1-2-3-2-1 over ±2 hours) is far from the usual one — the hour-by-hour
      median of the 13 weeks either side: the total variation distance is scored as a robust z against the
      distances of the 26 weeks either side, and stands out at z ≥ ``min_z`` and a distance of at least 0.4.

    ``score`` = |magnitude| / threshold (``min_z`` or ``min_share``) ranks all kinds on one scale (≥ 1).
    """
    if top < 1 or min_z <= 0 or not 0 < min_share <= 1:
        raise UsageError("--top must be at least 1, --min-z positive and --min-share between 0 and 1")
    found = find_moments(ctx, min_z=min_z, min_share=min_share)
    if ctx.start is not None and ctx.end is not None:
        found = [m for m in found if ctx.start <= m.start <= ctx.end]
    by_kind: dict[str, int] = {}
    for m in found:
        by_kind[m.kind] = by_kind.get(m.kind, 0) + 1
    days = (ctx.end - ctx.start).days + 1 if ctx.start and ctx.end else 0
    ms = int(ctx.one(f"SELECT coalesce(sum(ms_played), 0) FROM {ctx.plays}")[0])
    return MomentsResult(moments=found[:top], found=len(found), by_kind=dict(sorted(by_kind.items())), days=days,
                         ms_played=ms)


def find_moments(ctx: Context, *, min_z: float = 4.0, min_share: float = 0.25) -> list[Moment]:
    """Every moment of ``ctx``'s whole history (:mod:`linernotes.models.anomalies`), strongest first; kept by
    the engine, so a new period pays only for picking its own."""
    whole = ctx.whole_history()
    return list(whole.engine.memo((whole.scope, "moments", min_z, min_share),
                                  lambda: _find_moments(whole, min_z, min_share), shared=True))


def _find_moments(whole: Context, min_z: float, min_share: float) -> list[Moment]:
    days = whole.fetchnumpy(f"""
        SELECT day, hour, coalesce(sum(ms_played), 0)::DOUBLE AS ms FROM {whole.plays}
        WHERE day IS NOT NULL GROUP BY ALL ORDER BY day""")
    if not len(days["day"]):
        return []
    day = np.asarray(days["day"]).astype("datetime64[D]")
    first, monday0 = week_origin(day)
    rows = _new_artist_weeks(whole, first, monday0, min_share)
    return moments_of(day, days["hour"], days["ms"], rows, min_z=min_z, min_share=min_share)


def _new_artist_weeks(ctx: Context, first: np.datetime64, monday0: np.datetime64,
                      min_share: float) -> list[NewArtistRow]:
    """Weeks (numbered from ``monday0``) in which an artist first played at most NEW_WEEKS weeks before took
    at least ``min_share`` of the music; by artist key, then share descending, then week."""
    whole = ctx.whole_history()
    music = ctx.kinds("track")
    return whole.fetch(f"""
        WITH m AS (SELECT artist, day, ms_played FROM {whole.plays}
                   WHERE {music} AND artist IS NOT NULL AND ms_played > 0),
        firsts AS (SELECT lower(artist) AS a, min(day) AS d0 FROM m GROUP BY 1),
        weekly AS (SELECT lower(artist) AS a, (day - ?::DATE) // 7 AS w, sum(ms_played)::DOUBLE AS ms,
                          arg_max(artist, ms_played) AS name
                   FROM m GROUP BY ALL),
        totals AS (SELECT (day - ?::DATE) // 7 AS w, sum(ms_played)::DOUBLE AS ms FROM m GROUP BY 1)
        SELECT k.a, any_value(k.name), k.w, k.ms, t.ms, f.d0
        FROM weekly k JOIN totals t USING (w) JOIN firsts f USING (a)
        WHERE k.w BETWEEN (f.d0 - ?::DATE) // 7 AND (f.d0 - ?::DATE) // 7 + {NEW_WEEKS}
          AND k.ms >= ? * t.ms AND k.ms >= {NEW_MIN_MINUTES * 60_000}
          AND f.d0 >= ?::DATE + {NEW_WARMUP_DAYS}
        GROUP BY k.a, k.w, k.ms, t.ms, f.d0
        ORDER BY k.a, k.ms / t.ms DESC, k.w""", [monday0.astype(dt.date)] * 4 + [min_share, first.astype(dt.date)])
# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("moments", "moments", r"\bhow many\b", "found"),
    Figure("first moment", None, "", "moments.0.start"),
)
