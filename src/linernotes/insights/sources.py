"""``sources``: which services a history comes from — one timeline, its parts, and what a play of each means."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.formatting import and_list, count_of, format_date_range
from linernotes.services import play_meaning, source_name
from linernotes.units import format_hours


@dataclass(frozen=True)
class SourceRow:
    source: str  # the stored value (apple_music); ``name`` is what a person reads
    name: str
    plays: int  # counted under the policy
    streams: int  # every row of the source in the selection, counted or not
    ms_played: int | None  # None: the source recorded no listening time for any of them
    timed_streams: int  # rows that record a listening time
    first_day: dt.date
    last_day: dt.date
    share: float  # of the period's plays
    play_meaning: str

    @property
    def time_recorded(self) -> bool:
        return self.timed_streams > 0


@dataclass(frozen=True)
class SourceMonth:
    month: str  # YYYY-MM, local time
    source: str
    name: str
    plays: int
    ms_played: int


@dataclass
class SourcesResult(Result):
    policy: str
    sources: list[SourceRow]  # in the order they began
    monthly: list[SourceMonth]  # plays and time per month and source, for a stacked chart

    def summary(self) -> list[str]:
        rows = self.sources
        if not rows:
            return ["No plays in this period."]
        if len(rows) == 1:
            r = rows[0]
            return [f"All of it comes from {r.name}, {format_date_range(r.first_day, r.last_day)}."]
        first, last = min(r.first_day for r in rows), max(r.last_day for r in rows)
        parts = [f"{r.name} ({format_date_range(r.first_day, r.last_day)}, {count_of(r.plays, 'play')})" for r in rows]
        lines = [f"One timeline from {count_of(len(rows), 'service')}, {format_date_range(first, last)}: "
                 f"{and_list(parts)}."]
        untimed = [r.name for r in rows if not r.time_recorded]
        if untimed:
            timed = [r for r in rows if r.time_recorded]
            lines.append(f"{and_list(untimed)} record{'s' if len(untimed) == 1 else ''} no listening time, so "
                         + (f"all {format_hours(sum(r.ms_played or 0 for r in timed))} hours come from "
                            f"{and_list([r.name for r in timed])}; plays count from every service."
                            if timed else "plays are counted and hours are not."))
        # Rows run in the order they began: a service overlaps when it begins before an earlier one ended.
        if any(b.first_day <= max(a.last_day for a in rows[:i]) for i, b in enumerate(rows) if i):
            lines.append("Where two services overlap in time, a listen they both recorded is kept once, from the "
                         "richer one.")
        return lines




@insight("sources", "Where your listening comes from: each service's span, plays, time and what a play means")
def sources(ctx: Context) -> SourcesResult:
    """The services the plays come from (Spotify's two exports, Apple Music, Deezer, Tidal, ListenBrainz,
    Last.fm, YouTube Music), as one timeline: for each, its first and last day with a play (local dates),
    its plays (counted under the policy), its streams (every stored row), its listening time, and what
    "a play" of it means under the policy. Sources differ in what they record: a stream with its listening
    time counts when the policy's rule says so; a row without one (a scrobble, a watch-history entry, a
    Deezer or Tidal row of unknown length) counts under every policy, and adds no time. The same listen
    recorded by two services is stored once (the richer source wins the merge at import), so the sources'
    plays add up to the period's. ``monthly`` has plays and time per month and source, for a chart."""
    rows = ctx.fetch(f"""
        SELECT source, count(*) FILTER (WHERE counted), count(*), coalesce(sum(ms_played), 0), count(ms_played),
               count(*) FILTER (WHERE reason_end IS NOT NULL AND ms_played IS NOT NULL), min(day), max(day)
        FROM {ctx.plays} GROUP BY source ORDER BY min(day), source""")
    total = sum(int(r[1]) for r in rows) or 1
    found = [SourceRow(source=s, name=source_name(s), plays=int(plays), streams=int(n),
                       ms_played=int(ms) if timed else None, timed_streams=int(timed), first_day=first,
                       last_day=last, share=int(plays) / total,
                       play_meaning=play_meaning(s, ctx.scope.policy, timed=int(timed), untimed=int(n) - int(timed),
                                                 ends_recorded=bool(ended)))
             for s, plays, n, ms, timed, ended, first, last in rows]
    monthly = [SourceMonth(month, s, source_name(s), int(plays), int(ms)) for month, s, plays, ms in ctx.fetch(f"""
        SELECT strftime(day, '%Y-%m') AS month, source, count(*) FILTER (WHERE counted),
               coalesce(sum(ms_played), 0)
        FROM {ctx.plays} GROUP BY ALL ORDER BY month, source""")]
    return SourcesResult(policy=ctx.scope.policy.value, sources=found, monthly=monthly)
