"""``wrapped``: a Wrapped for any period, assembled from the other insights, plus personality axes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from linernotes.insights import registry
from linernotes.insights.calendar import CalendarResult, Run
from linernotes.insights.clock import ClockResult
from linernotes.insights.discovery import Discovery, DiscoveryResult
from linernotes.insights.diversity import DiversityResult
from linernotes.insights.obsessions import Obsession, ObsessionsResult
from linernotes.insights.overview import OverviewResult, Totals
from linernotes.insights.personality import Axis, axes
from linernotes.insights.registry import insight
from linernotes.insights.result import Result
from linernotes.insights.scope import Context
from linernotes.insights.skips import SkipsResult
from linernotes.insights.top import TopResult, TopRow

TOP_N = 5


@dataclass
class WrappedResult(Result):
    totals: Totals
    change: dict[str, float | None]  # against the period before (overview's definition)
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
    top_discoveries: list[Discovery]
    skip_rate: float | None
    effective_artists: float | None
    obsessions: list[Obsession]
    personality: list[Axis]

    def summary(self) -> list[str]:
        t = self.totals
        if not t.streams:
            return ["Nothing was played in this period."]
        lines = [f"You listened for {t.ms_played / 3_600_000:,.1f} hours on {t.days_listened:,} days: "
                 f"{t.artists:,} artists, {t.tracks:,} tracks."]
        if self.top_artists:
            lines.append(f"Your top artist: {self.top_artists[0].name}"
                         + (f"; your top track: {self.top_tracks[0].name}." if self.top_tracks else "."))
        leanings = [a.leaning for a in self.personality if a.leaning]
        if leanings:
            lines.append("Your listening leans " + ", ".join(leanings) + ".")
        return lines


def _run(ctx: Context, name: str, **params: Any) -> Any:
    spec = registry.get(name)
    values = {p.name: p.default for p in spec.params}
    values.update(params)
    return spec.compute(ctx, **values)


@insight("wrapped", "A Wrapped for any period, with your listening-personality axes")
def wrapped(ctx: Context, *, limit: int = TOP_N) -> WrappedResult:
    """The period's story in one result, every number taken from the insight that defines it:

    - ``totals``/``change``: ``overview``; top artists, tracks, albums, shows and audiobooks by time with
      rank moves: ``top`` (``limit`` each);
    - peak hour and night share: ``clock``; longest streak and busiest day: ``calendar``;
    - new artists and the discoveries with the most time: ``discovery``; skip rate: ``skips``; effective
      number of artists: ``diversity``; the strongest obsessions: ``obsessions``;
    - ``personality``: four axes, each a share from 0 to 1 with its formula and its lifetime value
      (:mod:`linernotes.insights.personality`): familiarity ↔ exploration (music time on artists first
      played less than 90 days before), loyalty ↔ variety (1 − the top 10 artists' share of music time),
      algorithmic ↔ deliberate (plays started by clickrow, playbtn or backbtn among music plays with a known
      reason_start), day ↔ night (share of listening time started 22:00–04:59 local).
    """
    ctx.whole_history().materialise()  # first: the period and the one before are then cut from it, cheaply
    over: OverviewResult = _run(ctx, "overview")
    tops: dict[str, TopResult] = {e: _run(ctx, "top", entity=e, limit=limit)
                                  for e in ("artists", "tracks", "albums", "shows", "audiobooks")}
    clock: ClockResult = _run(ctx, "clock")
    cal: CalendarResult = _run(ctx, "calendar")
    disc: DiscoveryResult = _run(ctx, "discovery", limit=limit)
    skips: SkipsResult = _run(ctx, "skips")
    div: DiversityResult = _run(ctx, "diversity")
    obs: ObsessionsResult = _run(ctx, "obsessions")
    busiest = cal.busiest_day
    return WrappedResult(
        totals=over.totals,
        change=over.change,
        top_artists=tops["artists"].rows,
        top_tracks=tops["tracks"].rows,
        top_albums=tops["albums"].rows,
        top_shows=tops["shows"].rows,
        top_audiobooks=tops["audiobooks"].rows,
        peak_hour=clock.peak_hour,
        night_share=clock.night_share,
        longest_streak=cal.longest_streak,
        busiest_day=busiest.label if busiest else None,
        busiest_day_minutes=busiest.ms_played / 60_000 if busiest else None,
        new_artists=disc.new_artists,
        top_discoveries=disc.discoveries[:limit],
        skip_rate=skips.rate,
        effective_artists=div.total.effective_artists,
        obsessions=sorted(obs.obsessions, key=lambda o: -o.ms_played)[:limit],
        personality=axes(ctx),
    )
