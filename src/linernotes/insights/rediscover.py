"""``rediscover``: forgotten favourites (loved once, silent for long) and "on this day" in earlier years."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from linernotes.engine.figures import Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.errors import UsageError
from linernotes.insights.obsessions import daily_units
from linernotes.units import MS_PER_HOUR

# A day "with" an artist: at least this many counted plays of them. Fewer is a stray play (shuffle, radio,
# someone else's queue) that neither ends nor starts an absence.
MAX_YEARS = 100  # a century: longer than any listening history
LISTEN_DAY_PLAYS = 2
# More than this many counted stray plays during the absence, and the artist is not forgotten.
MAX_STRAY_PLAYS = 3


@dataclass(frozen=True)
class Favourite:
    artist: str
    score: float  # sqrt(hours) * log2(1 + absence_days / 365)
    hours: float  # listening time up to the last listening day
    plays: int  # counted plays up to the last listening day
    first_day: dt.date
    last_day: dt.date  # the last day with at least LISTEN_DAY_PLAYS counted plays
    absence_days: int  # from last_day to the period's end
    stray_plays: int  # counted plays after last_day (at most MAX_STRAY_PLAYS)
    peak_month: str  # YYYY-MM with the most time on the artist
    peak_month_hours: float
    top_tracks: list[str]  # the artist's three most played tracks (by time): what to put back on


@dataclass(frozen=True)
class DayItem:
    name: str  # track, episode or chapter
    by: str | None  # artist, show or audiobook
    kind: str
    plays: int
    ms_played: int


@dataclass(frozen=True)
class OnThisDay:
    years_ago: int
    date: dt.date
    plays: int
    ms_played: int
    top: list[DayItem]  # up to five, by time


@dataclass
class RediscoverResult(Result):
    as_of: dt.date | None  # the period's end: forgotten "by" this day, "on this day" is its calendar day
    favourites: list[Favourite]
    on_this_day: list[OnThisDay]

    def summary(self) -> list[str]:
        lines = []
        if self.favourites:
            f = self.favourites[0]
            lines.append(
                f"Forgotten favourite: {f.artist} — {f.hours:,.1f} hours until {f.last_day:%B %Y}, "
                f"then silence for {_span(f.absence_days)}. Try “{f.top_tracks[0]}”."
                if f.top_tracks
                else f"Forgotten favourite: {f.artist} — {f.hours:,.1f} hours, then silence for "
                f"{_span(f.absence_days)}."
            )
            if len(self.favourites) > 1:
                lines.append("Also waiting for you: " + ", ".join(x.artist for x in self.favourites[1:4]) + ".")
        else:
            lines.append("No forgotten favourites: everything you loved is still in rotation.")
        if self.on_this_day:
            d = self.on_this_day[0]
            what = f": mostly {d.top[0].name}" + (f" by {d.top[0].by}" if d.top[0].by else "") if d.top else ""
            lines.append(
                f"On this day {d.years_ago} year{'s' if d.years_ago != 1 else ''} ago you listened "
                f"for {d.ms_played / 60_000:,.0f} minutes{what}."
            )
        return lines


def _span(days: int) -> str:
    return f"{days / 365.25:.1f} years" if days >= 365 else f"{days} days"


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


@insight("rediscover", "Forgotten favourites and what you played on this day in earlier years")
def rediscover(
    ctx: Context,
    *,
    min_absence_days: Annotated[
        int, "days of silence (up to the period's end) before an artist counts as forgotten"
    ] = 90,
    min_hours: Annotated[float, "hours an artist needs before the silence to count as a favourite"] = 1.0,
    limit: Annotated[int, "how many forgotten favourites to list"] = 10,
    years: Annotated[int, "how many years back to look for 'on this day'"] = 10,
) -> RediscoverResult:
    """Forgotten favourites, and "on this day" N years ago, both as of the period's end (its last day).

    Forgotten favourites (music, whole history up to the period's end, same exclusions): an artist's
    *listening days* are days with at least two counted plays of them; fewer is a stray play. The artist's
    *last day* is their last listening day; the *absence* runs from it to the period's end. An artist is a
    forgotten favourite when the absence is at least ``min_absence_days``, at most three counted stray plays
    fall into it ("no or almost no plays"), and they got at least ``min_hours`` of listening up to their last
    day (the past affinity). Ranked by

        score = sqrt(hours) × log2(1 + absence_days / 365)

    so more hours and a longer silence both rank higher. The square root tempers the hours (an artist of
    400 hours that went quiet a few months ago should not bury one of 40 hours silent for five years); the
    logarithm weighs every doubling of the silence alike (a year weighs 1, three years 2, seven years 3).
    Each comes with its busiest month and its three most played tracks (by time).

    On this day: for each of the ``years`` years before the period's end, the same calendar day (29 February
    falls back to the 28th), if you played anything then: time and counted plays of every kind, and the five
    items (track, episode, chapter) with the most time. Nearest year first.
    """
    if min_absence_days < 0 or min_hours < 0 or limit < 1 or years < 1:
        raise UsageError("--min-absence-days and --min-hours must not be negative, --limit and --years at least 1")
    if years > MAX_YEARS:  # one look-up per year: nobody has a longer history, more only overflows the calendar
        raise UsageError(f"--years must be at most {MAX_YEARS}")
    as_of = ctx.end
    if as_of is None or not ctx.selection.plays:
        return RediscoverResult(as_of=as_of, favourites=[], on_this_day=[])
    whole = ctx.whole_history()
    favourites = _favourites(ctx, whole, as_of, min_absence_days, min_hours, limit)
    return RediscoverResult(as_of=as_of, favourites=favourites, on_this_day=_on_this_day(ctx, as_of, years))


def _favourites(
    ctx: Context, whole: Context, as_of: dt.date, min_absence: int, min_hours: float, limit: int
) -> list[Favourite]:
    units = daily_units(ctx)
    rows = whole.fetch(
        f"""
        WITH u AS (SELECT key, day, ms, plays FROM {units} WHERE type = 'artist' AND day <= ?),
        last AS (SELECT key, max(day) FILTER (WHERE plays >= {LISTEN_DAY_PLAYS}) AS last_day FROM u GROUP BY key),
        a AS (
            SELECT u.key, l.last_day, min(u.day) AS first_day,
                   sum(u.ms) FILTER (WHERE u.day <= l.last_day) AS ms,
                   sum(u.plays) FILTER (WHERE u.day <= l.last_day) AS plays,
                   coalesce(sum(u.plays) FILTER (WHERE u.day > l.last_day), 0) AS stray
            FROM u JOIN last l USING (key) WHERE l.last_day IS NOT NULL AND ? - l.last_day >= ?
            GROUP BY u.key, l.last_day),
        scored AS (
            SELECT *, ? - last_day AS absence, sqrt(ms / {MS_PER_HOUR:.1f}) * log2(1 + (? - last_day) / 365.0) AS score
            FROM a WHERE stray <= {MAX_STRAY_PLAYS} AND ms >= ? * {MS_PER_HOUR:.1f})
        SELECT key, score, ms, plays, first_day, last_day, absence, stray FROM scored
        ORDER BY score DESC, key LIMIT ?
    """,
        [as_of, as_of, min_absence, as_of, as_of, min_hours, limit],
    )
    if not rows:
        return []
    keys = [str(r[0]) for r in rows]
    music = ctx.kinds("track")
    names = dict(
        whole.fetch(
            f"""
        SELECT lower(artist), arg_max(artist, n) FROM (
            SELECT artist, count(*) AS n FROM {ctx.history()}
            WHERE {music} AND day <= ? AND lower(artist) IN (SELECT unnest(?::VARCHAR[])) GROUP BY ALL)
        GROUP BY 1""",
            [as_of, keys],
        )
    )
    months = {
        str(k): (str(m), int(ms))
        for k, m, ms in whole.fetch(
            f"""
        SELECT key, arg_max(month, ms), max(ms) FROM (
            SELECT key, strftime(day, '%Y-%m') AS month, sum(ms) AS ms FROM {units}
            WHERE type = 'artist' AND day <= ? AND key IN (SELECT unnest(?::VARCHAR[])) GROUP BY ALL)
        GROUP BY key""",
            [as_of, keys],
        )
    }
    tracks: dict[str, list[str]] = {}
    for k, track in whole.fetch(
        f"""
        SELECT a, track FROM (
            SELECT lower(artist) AS a, arg_max(track, n) AS track, sum(ms) AS ms,
                   row_number() OVER (PARTITION BY lower(artist) ORDER BY sum(ms) DESC, lower(track)) AS r
            FROM (SELECT artist, track, count(*) AS n, sum(ms_played) AS ms FROM {ctx.history()}
                  WHERE {music} AND day <= ? AND track IS NOT NULL
                        AND lower(artist) IN (SELECT unnest(?::VARCHAR[])) GROUP BY ALL)
            GROUP BY lower(artist), lower(track))
        WHERE r <= 3 ORDER BY a, r""",
        [as_of, keys],
    ):
        tracks.setdefault(str(k), []).append(str(track))
    out = []
    for key, score, ms, plays, first, last, absence, stray in rows:
        month, month_ms = months.get(str(key), ("", 0))
        out.append(
            Favourite(
                artist=str(names.get(key, key)),
                score=float(score),
                hours=int(ms) / MS_PER_HOUR,
                plays=int(plays),
                first_day=first,
                last_day=last,
                absence_days=int(absence),
                stray_plays=int(stray),
                peak_month=month,
                peak_month_hours=month_ms / MS_PER_HOUR,
                top_tracks=tracks.get(str(key), []),
            )
        )
    return out


def _on_this_day(ctx: Context, as_of: dt.date, years: int) -> list[OnThisDay]:
    days = [_years_before(as_of, k) for k in range(1, years + 1)]
    # A few days of the whole history: their UTC neighbourhood first, so local dates are computed for
    # those plays only, not for the whole history.
    near = " OR ".join(f"ts_start BETWEEN TIMESTAMPTZ '{d - dt.timedelta(days=1)} 00:00:00+00' "
                       f"AND TIMESTAMPTZ '{d + dt.timedelta(days=2)} 00:00:00+00'" for d in days) or "false"
    rows = ctx.fetch(
        f"""
        WITH d AS (SELECT unnest(?::DATE[]) AS day),
        p AS (SELECT day, kind, coalesce(track, episode, chapter) AS name,
                     coalesce(artist, show_name, audiobook) AS who,
                     ms_played, counted FROM (SELECT * FROM {ctx.history()} WHERE {near}) JOIN d USING (day)),
        g AS (
            SELECT day, kind, name, who, count(*) FILTER (WHERE counted) AS plays, sum(ms_played) AS ms
            FROM p WHERE name IS NOT NULL GROUP BY day, kind, name, who),
        items AS (SELECT *, row_number() OVER (PARTITION BY day ORDER BY ms DESC, name, who, kind) AS r FROM g),
        totals AS (SELECT day, count(*) FILTER (WHERE counted) AS plays, sum(ms_played) AS ms FROM p GROUP BY day)
        SELECT t.day, t.plays, t.ms, list((i.name, i.who, i.kind, i.plays, i.ms) ORDER BY i.r)
                                     FILTER (WHERE i.r IS NOT NULL)
        FROM totals t LEFT JOIN items i ON i.day = t.day AND i.r <= 5
        GROUP BY ALL ORDER BY t.day DESC
    """,
        [days],
    )
    out = []
    for day, plays, ms, top in rows:
        items = [
            DayItem(name=str(n), by=None if b is None else str(b), kind=str(k), plays=int(p),
                    ms_played=int(m or 0))  # scrobbles carry no time
            for n, b, k, p, m in (tuple(x.values()) if isinstance(x, dict) else x for x in (top or []))
        ]
        out.append(
            OnThisDay(
                years_ago=as_of.year - day.year,
                date=day,
                plays=int(plays),
                ms_played=int(ms or 0),
                top=items,
            )
        )
    return out


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("plays on this day", "plays", r"\bon this day\b", "on_this_day.0.plays"),
    Figure("forgotten favourite", None, "", "favourites.0.artist"),
)
