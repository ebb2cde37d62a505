"""``wrapped``: a Wrapped for any period, assembled from the other insights, plus personality axes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from linernotes.engine import registry
from linernotes.engine.figures import Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.formatting import count_of
from linernotes.insights.calendar import CalendarResult, Run
from linernotes.insights.clock import ClockResult
from linernotes.insights.discovery import first_listens
from linernotes.insights.diversity import DiversityResult
from linernotes.insights.obsessions import Obsession, ObsessionsResult
from linernotes.insights.overview import Totals, totals
from linernotes.insights.personality import Axis, axes
from linernotes.insights.skips import skip_counts
from linernotes.insights.top import Entity, TopRow, ranked
from linernotes.units import format_hours

TOP_N = 5


@dataclass(frozen=True)
class NewArtist:
    artist: str
    first_day: dt.date  # local date of the first play ever
    ms_played: int  # in the period
    plays: int  # counted, in the period


@dataclass
class WrappedResult(Result):
    totals: Totals
    top_artists: list[TopRow]
    top_tracks: list[TopRow]
    top_albums: list[TopRow]
    top_shows: list[TopRow]
    top_audiobooks: list[TopRow]
    peak_hour: int | None
    night_share: float
    longest_streak: Run | None
    busiest_day: str | None
    busiest_day_minutes: float | None
    new_artists: int
    top_discoveries: list[NewArtist]
    skip_rate: float | None
    effective_artists: float | None
    obsessions: list[Obsession]
    personality: list[Axis]

    def summary(self) -> list[str]:
        t = self.totals
        if not t.streams:
            return ["Nothing was played in this period."]
        lines = [
            (f"You listened for {format_hours(t.ms_played)} hours on {count_of(t.days_listened, 'day')}"
             if t.ms_played  # scrobbles record plays, not how long they lasted
             else f"You played {count_of(t.plays, 'track')} on {count_of(t.days_listened, 'day')}")
            + (": " if t.artists else ".")
            # An audiobook or podcast history has no artist or track to count.
            + (f"{count_of(t.tracks, 'different track')} by {count_of(t.artists, 'artist')}." if t.artists else "")
        ]
        if self.top_artists:
            lines.append(
                f"Your top artist: {self.top_artists[0].name}"
                + (f"; your top track: {self.top_tracks[0].name}." if self.top_tracks else ".")
            )
        leanings = [a.leaning_text for a in self.personality if a.leaning_text]
        if leanings:
            lines.append("Your listening leans towards " + ", ".join(leanings) + ".")
        return lines


def _run(ctx: Context, name: str, **params: Any) -> Any:
    spec = registry.get(name)
    values = {p.name: p.default for p in spec.params}
    values.update(params)
    return spec.compute(ctx, **values)


@insight("wrapped", "A Wrapped for any period, with your listening-personality axes")
def wrapped(ctx: Context, *, limit: int = TOP_N) -> WrappedResult:
    """The period's story in one result, every number computed as the insight that defines it computes it:

    - ``totals``: as ``overview``; top artists, tracks, albums, shows and audiobooks by listening time: as
      ``top`` (``limit`` each; without rank moves — ``top`` and ``overview`` compare with the period before);
    - peak hour and night share: ``clock``; longest streak and busiest day: ``calendar``;
    - new artists (first played ever in the period) and those of them with the most time: as ``discovery``;
      skip rate: ``skips``; effective number of artists: ``diversity``; the strongest obsessions:
      ``obsessions``;
    - ``personality``: four axes, each a share from 0 to 1 with its formula and its lifetime value
      (:mod:`linernotes.insights.personality`): familiarity ↔ exploration (music time on artists first
      played less than 90 days before), loyalty ↔ variety (1 − the top 10 artists' share of music time),
      algorithmic ↔ deliberate (plays started by clickrow, playbtn or backbtn among music plays with a known
      reason_start), day ↔ night (share of listening time started 22:00–04:59 local, the clock's night;
      it leans to night from 7/24, the share an even spread over the day would give the night hours).
    """
    tops = {e: ranked(ctx, e, "time", limit)[0] for e in Entity}
    clock: ClockResult = _run(ctx, "clock")
    cal: CalendarResult = _run(ctx, "calendar")
    # Only the rate: the whole skips insight (nine scans of the period) is not needed for one number.
    known, skipped, _ = skip_counts(ctx)
    div: DiversityResult = _run(ctx, "diversity")
    obs: ObsessionsResult = _run(ctx, "obsessions")
    new_count, discoveries = _discoveries(ctx, limit)
    busiest = cal.busiest_day
    return WrappedResult(
        totals=totals(ctx),
        top_artists=tops[Entity.ARTISTS],
        top_tracks=tops[Entity.TRACKS],
        top_albums=tops[Entity.ALBUMS],
        top_shows=tops[Entity.SHOWS],
        top_audiobooks=tops[Entity.AUDIOBOOKS],
        peak_hour=clock.peak_hour,
        night_share=clock.night_share,
        longest_streak=cal.longest_streak,
        busiest_day=busiest.label if busiest else None,
        busiest_day_minutes=busiest.ms_played / 60_000 if busiest else None,
        new_artists=new_count,
        top_discoveries=discoveries,
        skip_rate=skipped / known if known else None,
        effective_artists=div.total.effective_artists,
        obsessions=sorted(obs.obsessions, key=lambda o: -o.ms_played)[:limit],
        personality=axes(ctx),
    )


def _discoveries(ctx: Context, limit: int) -> tuple[int, list[NewArtist]]:
    """Artists first played ever in the period, and the ``limit`` of them with the most time in it."""
    first = first_listens(ctx)
    bounds = f"f.first_day BETWEEN DATE '{ctx.start}' AND DATE '{ctx.end}'" if ctx.start and ctx.end else "false"
    rows = ctx.fetch(f"""
        SELECT f.artist, f.first_day, coalesce(sum(p.ms_played), 0)::BIGINT AS ms,
               count(*) FILTER (WHERE p.counted) AS plays, count(*) OVER () AS n
        FROM {first} f JOIN {ctx.plays} p ON p.artist = f.artist AND {ctx.kinds("track")}
        WHERE {bounds}
        GROUP BY f.artist, f.first_day
        ORDER BY ms DESC, f.artist""")
    found = [NewArtist(str(a), d, int(ms), int(n)) for a, d, ms, n, _ in rows[:limit]]
    return (int(rows[0][4]) if rows else 0), found


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (Figure("top artist", None, "", "top_artists.0.name"),)
