"""``discovery``: the artists and tracks you heard for the first time ever, and what became of them.

:func:`first_listens` and :func:`first_track_listens` are shared temp tables (the whole history's first
plays) for any code that needs discovery dates.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Annotated

from linernotes.engine.figures import ANY_NAME, Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.errors import UsageError
from linernotes.formatting import format_date
from linernotes.insights.diversity import month_range

MAX_WINDOW_WEEKS = 520  # ten years: a favourite over longer than that is not a favourite of the moment


def first_listens(ctx: Context) -> str:
    """Name of a temp table: every artist's first play ever, one row per artist.

    Columns ``artist``, ``first_ts`` (TIMESTAMPTZ: the start of its earliest music play) and ``first_day``
    (DATE: the local date of that play). Built over ``ctx``'s scope across the whole history (same kinds,
    incognito setting and exclusion rules, any period), once per engine. Every stored music play counts,
    however short: the first time an artist played at all is when you met it.
    """
    whole = ctx.whole_history()
    return whole.derived("first_listens", f"""
        SELECT artist, min(ts_start) AS first_ts, arg_min(day, ts_start) AS first_day
        FROM {ctx.history()}
        WHERE {whole.kinds('track')} AND artist IS NOT NULL
        GROUP BY artist""")


def first_track_listens(ctx: Context) -> str:
    """Like :func:`first_listens`, per track (title + artist): columns ``artist``, ``track``, ``first_ts``,
    ``first_day``."""
    whole = ctx.whole_history()
    return whole.derived("first_track_listens", f"""
        SELECT artist, track, min(ts_start) AS first_ts, arg_min(day, ts_start) AS first_day
        FROM {ctx.history()}
        WHERE {whole.kinds('track')} AND artist IS NOT NULL AND track IS NOT NULL
        GROUP BY artist, track""")


def favourite_weeks(ctx: Context, top_n: int, window_weeks: int, since: dt.date | None = None) -> str:
    """Name of a temp table (``artist``, ``week``): the first week each artist was a favourite.

    An artist is a favourite in an ISO week (Monday–Sunday, local dates) when it is among the ``top_n``
    artists by music listening time over the ``window_weeks`` weeks ending with that week (ties broken by
    name), over the whole history; weeks after the last week with a play are not considered. With ``since``,
    only weeks from the one holding ``since`` on are ranked (enough for artists first heard on or after it,
    and much cheaper for a short period in a long history).
    """
    whole = ctx.whole_history()
    since_week = None if since is None else since - dt.timedelta(days=since.weekday())
    weeks_from = "true" if since_week is None else f"week >= DATE '{since_week.isoformat()}'"
    days_from = "true" if since_week is None else \
        f"day >= DATE '{(since_week - dt.timedelta(weeks=window_weeks - 1)).isoformat()}'"
    return whole.derived("favourite_weeks", f"""
        WITH w AS (
            SELECT artist, date_trunc('week', day)::DATE AS week, sum(ms_played) AS ms
            FROM {whole.plays}
            WHERE {whole.kinds('track')} AND artist IS NOT NULL AND ms_played > 0 AND {days_from}
            GROUP BY ALL),
        rolling AS (
            SELECT artist, week + (7 * k)::INTEGER AS week, sum(ms) AS ms
            FROM w, range({int(window_weeks)}) r(k)
            WHERE week + (7 * k)::INTEGER <= (SELECT max(week) FROM w)
            GROUP BY ALL),
        ranked AS (
            SELECT artist, week FROM rolling
            WHERE {weeks_from}
            QUALIFY row_number() OVER (PARTITION BY week ORDER BY ms DESC, artist) <= {int(top_n)})
        SELECT artist, min(week) AS week FROM ranked GROUP BY artist""", key=(top_n, window_weeks, since_week))


@dataclass(frozen=True)
class DiscoveryMonth:
    month: str  # "YYYY-MM"
    new_artists: int  # artists whose first play ever is in this month
    new_tracks: int  # tracks (title + artist) whose first play ever is in this month
    ms_played: int  # music listening time this month
    fresh_ms: int  # of which on artists discovered at most ``fresh_days`` before the play
    fresh_share: float | None


@dataclass(frozen=True)
class Discovery:
    artist: str
    first_day: dt.date  # local date of the first play ever
    ms_played: int  # in the period
    plays: int  # counted, in the period
    favourite_on: dt.date | None  # when it first entered your top artists (see the definition), or None
    days_to_favourite: int | None


@dataclass
class DiscoveryResult(Result):
    new_artists: int
    new_tracks: int
    artists: int  # artists played in the period
    ms_played: int  # music listening time in the period
    new_artists_per_100h: float | None
    new_artist_share: float | None  # share of the period's music time on artists discovered in the period
    fresh_share: float | None  # share of the period's music time on music discovered in the last fresh_days
    became_favourites: int  # artists discovered in the period that became favourites (so far)
    median_days_to_favourite: float | None
    months: list[DiscoveryMonth]
    discoveries: list[Discovery]  # the period's discoveries with the most time in it
    fresh_days: int
    top_n: int
    window_weeks: int

    def summary(self) -> list[str]:
        if not self.new_artists and not self.ms_played:
            return ["No music in this period."]
        lines = [f"You discovered {self.new_artists:,} new artists and {self.new_tracks:,} new tracks"
                 + (f" ({self.new_artists_per_100h:,.1f} new artists per 100 hours of music)."
                    if self.new_artists_per_100h is not None else ".")]
        if self.fresh_share is not None:
            lines.append(f"{self.fresh_share:.0%} of your music time went to artists you had found in the "
                         f"{self.fresh_days} days before.")
        if self.discoveries:
            d = self.discoveries[0]
            line = f"Your biggest find: {d.artist}, first heard on {format_date(d.first_day)}"
            if d.days_to_favourite is not None:
                line += (" and a favourite within the same week" if d.days_to_favourite == 0
                         else f" and a favourite {d.days_to_favourite:,} days later")
            lines.append(line + ".")
        return lines


@insight("discovery", "New artists and tracks, discovery rate, and how new finds become favourites")
def discovery(
    ctx: Context,
    *,
    fresh_days: Annotated[int, "music counts as freshly discovered this many days after its first play"] = 90,
    top_n: Annotated[int, "a favourite is among this many top artists of a rolling window"] = 10,
    window_weeks: Annotated[int, "length of the rolling window for favourites, in weeks"] = 4,
    limit: Annotated[int, "how many discoveries to list"] = 10,
) -> DiscoveryResult:
    """Discoveries: music (kind ``track``) heard for the first time ever, by local date.

    An artist's (or track's, title + artist) *first listen* is its earliest stored music play in the whole
    history — not only the period — under the same scope (kinds, incognito, exclusion rules), however short
    the play; its *discovery date* is that play's local date (:func:`first_listens`). An artist is *new* in
    the period (or a month) when its discovery date falls in it.

    - ``months``: every local calendar month of the period: new artists, new tracks, music time (sum of
      ``ms_played``), and the time and share on *fresh* music: plays of artists whose discovery date is at
      most ``fresh_days`` days before the play's local date (the discovery day included).
    - ``new_artists_per_100h``: new artists in the period per 100 hours of music in it;
      ``new_artist_share``: the share of the period's music time on artists new in the period;
      ``fresh_share``: the period's share of music time on fresh music, as above.
    - *Becoming a favourite*: an artist is a favourite in an ISO week (local Monday–Sunday) when it is among
      the ``top_n`` artists by music time over the ``window_weeks`` weeks ending with that week, over the
      whole history (:func:`favourite_weeks`). ``favourite_on`` is the Monday of the first such week, or the
      discovery date when that is later (the same week); ``days_to_favourite`` = ``favourite_on`` − discovery
      date. ``became_favourites`` and ``median_days_to_favourite`` are over the artists new in the period,
      also counting weeks after the period.
    - ``discoveries``: the ``limit`` artists new in the period with the most music time in it (then counted
      plays, then name).
    """
    for name, value in (("--fresh-days", fresh_days), ("--top-n", top_n), ("--window-weeks", window_weeks),
                        ("--limit", limit)):
        if value < 1:
            raise UsageError(f"{name} must be at least 1")
    if window_weeks > MAX_WINDOW_WEEKS:  # the window is a join over that many weeks per week of history
        raise UsageError(f"--window-weeks must be at most {MAX_WINDOW_WEEKS}")
    music = ctx.kinds("track")
    months = month_range(ctx.start, ctx.end)
    start = ctx.start or dt.date.min
    end = ctx.end or dt.date.min
    first = first_listens(ctx)
    first_tracks = first_track_listens(ctx)
    favourites = favourite_weeks(ctx, top_n, window_weeks, ctx.start)
    new_a: dict[object, object] = dict(ctx.fetch(  # type: ignore[arg-type]
        f"SELECT date_trunc('month', first_day)::DATE, count(*) FROM {first} "
        f"WHERE first_day BETWEEN ? AND ? GROUP BY 1", [start, end]))
    new_t: dict[object, object] = dict(ctx.fetch(  # type: ignore[arg-type]
        f"SELECT date_trunc('month', first_day)::DATE, count(*) FROM {first_tracks} "
        f"WHERE first_day BETWEEN ? AND ? GROUP BY 1", [start, end]))
    time_rows = ctx.fetch(f"""
        SELECT date_trunc('month', p.day)::DATE, coalesce(sum(p.ms_played), 0),
               coalesce(sum(p.ms_played) FILTER (WHERE date_diff('day', f.first_day, p.day) <= ?), 0),
               coalesce(sum(p.ms_played) FILTER (WHERE f.first_day >= ?), 0),
               count(DISTINCT p.artist)
        FROM {ctx.plays} p LEFT JOIN {first} f USING (artist)
        WHERE {music} AND p.artist IS NOT NULL
        GROUP BY ROLLUP (1)""", [fresh_days, start])
    per_month = {row[0]: row for row in time_rows if row[0] is not None}
    overall = next((row for row in time_rows if row[0] is None), None)
    out_months = []
    for m in months:
        _, ms, fresh, _, _ = per_month.get(m, (m, 0, 0, 0, 0))
        out_months.append(DiscoveryMonth(month=m.strftime("%Y-%m"), new_artists=int(new_a.get(m, 0)),  # type: ignore[call-overload]
                                         new_tracks=int(new_t.get(m, 0)), ms_played=int(ms),  # type: ignore[call-overload]
                                         fresh_ms=int(fresh), fresh_share=int(fresh) / int(ms) if ms else None))  # type: ignore[call-overload]
    total_ms, fresh_ms, new_ms, artists = [int(v) for v in overall[1:]] if overall else [0, 0, 0, 0]  # type: ignore[call-overload]

    rows = ctx.fetch(f"""
        WITH found AS (
            SELECT f.artist, f.first_day, CASE WHEN fw.week IS NOT NULL THEN greatest(fw.week, f.first_day) END AS fav
            FROM {first} f LEFT JOIN {favourites} fw USING (artist)
            WHERE f.first_day BETWEEN ? AND ?),
        t AS (
            SELECT artist, sum(ms_played) AS ms, count(*) FILTER (WHERE counted) AS plays
            FROM {ctx.plays} WHERE {music} AND artist IS NOT NULL GROUP BY artist)
        SELECT found.artist, found.first_day, coalesce(t.ms, 0), coalesce(t.plays, 0), found.fav,
               date_diff('day', found.first_day, found.fav)
        FROM found LEFT JOIN t USING (artist)
        ORDER BY 3 DESC, 4 DESC, 1""", [start, end])
    new_artists = len(rows)
    delays = [int(r[5]) for r in rows if r[5] is not None]  # type: ignore[call-overload]
    discoveries = [Discovery(artist=str(a), first_day=d, ms_played=int(ms), plays=int(n), favourite_on=fav,  # type: ignore[arg-type, call-overload]
                             days_to_favourite=None if days is None else int(days))  # type: ignore[call-overload]
                   for a, d, ms, n, fav, days in rows[:limit]]
    new_tracks = sum(int(v) for v in new_t.values())  # type: ignore[call-overload]
    return DiscoveryResult(
        new_artists=new_artists, new_tracks=new_tracks, artists=artists, ms_played=total_ms,
        new_artists_per_100h=new_artists / (total_ms / 360_000_000) if total_ms else None,
        new_artist_share=new_ms / total_ms if total_ms else None,
        fresh_share=fresh_ms / total_ms if total_ms else None,
        became_favourites=len(delays),
        median_days_to_favourite=float(statistics.median(delays)) if delays else None,
        months=out_months, discoveries=discoveries,
        fresh_days=fresh_days, top_n=top_n, window_weeks=window_weeks,
    )


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("new tracks", "tracks", r"\bhow many new (songs|tracks)\b", "new_tracks"),
    Figure("new artists", "artists", r"\bhow many\b|\bnumber of\b|\bcount\b", "new_artists"),
    Figure("discoveries that became favourites", "artists", r"\bbecame|\bfavou?rites?\b", "became_favourites"),
    Figure("biggest discovery", None, "", "discoveries.0.artist"),
    Figure("first day", None, r"\bwhen (did|have) i (first|start|begin|discover|find|get into|meet|hear)|"
           r"\bfirst (time|listen|heard|played|play)\b|\bdiscover|\bhow did i (find|discover)\b|"
           r"\bwhen did i find\b", "discoveries.0.first_day", about=ANY_NAME),
)
