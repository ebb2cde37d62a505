"""``loyalty``: artist lifecycles — who stays, who was a one-week wonder, who you have loved the longest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from linernotes.engine.figures import ANY_NAME, Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.errors import UsageError
from linernotes.formatting import format_date, format_date_range

MAX_YEARS = 100  # a century: longer than any listening history
RECENT_DAYS = 90  # "still in rotation": played in the 90 days ending at the period's end
QUIET_DAYS = 30  # a one-week wonder is only called one when the history goes on this long after it


def artist_lifetimes(ctx: Context) -> str:
    """Name of a temp table: one row per artist over the whole history (music, same scope but any period).

    Columns ``artist``, ``first_day``, ``last_day`` (local dates of the first and last play), ``ms`` (total
    time), ``plays`` (counted under the policy), ``active_quarters`` (calendar quarters with a play),
    ``quarters`` (calendar quarters from the first to the last play, both included), ``history_end`` (the
    last local day with any music play in the whole history).
    """
    whole = ctx.whole_history()
    return whole.derived("artist_lifetimes", f"""
        WITH a AS (
            SELECT artist, min(day) AS first_day, max(day) AS last_day, coalesce(sum(ms_played), 0) AS ms,
                   count(*) FILTER (WHERE counted) AS plays,
                   count(DISTINCT year(day) * 4 + quarter(day)) AS active_quarters
            FROM {whole.plays}
            WHERE {whole.kinds('track')} AND artist IS NOT NULL
            GROUP BY artist)
        SELECT *, (year(last_day) * 4 + quarter(last_day)) - (year(first_day) * 4 + quarter(first_day)) + 1
                  AS quarters,
               max(last_day) OVER () AS history_end
        FROM a""")


@dataclass(frozen=True)
class Lifecycle:
    artist: str
    ms_in_period: int
    first_day: dt.date  # whole history
    last_day: dt.date  # whole history
    peak_month: str  # "YYYY-MM": the month with the most time on the artist, whole history
    peak_month_ms: int
    total_ms: int  # whole history
    plays: int  # counted, whole history
    span_days: int  # last_day - first_day


@dataclass(frozen=True)
class Stayer:
    artist: str
    first_day: dt.date
    years: float  # from the first play to the period's end, in years of 365.25 days
    recent_ms: int  # in the 90 days ending at the period's end
    recent_plays: int
    total_ms: int


@dataclass(frozen=True)
class Wonder:
    artist: str
    first_day: dt.date
    last_day: dt.date
    plays: int
    ms_played: int


@dataclass(frozen=True)
class LongLove:
    artist: str
    first_day: dt.date
    last_day: dt.date
    span_days: int
    active_quarters: int
    quarters: int
    coverage: float  # active_quarters / quarters
    plays: int
    total_ms: int


@dataclass
class LoyaltyResult(Result):
    lifecycles: list[Lifecycle]
    in_rotation: list[Stayer]
    in_rotation_count: int
    long_known: int  # artists first heard at least ``years`` years before the period's end
    one_week_wonders: list[Wonder]
    one_week_wonder_count: int
    longest_loved: list[LongLove]
    years: int

    def summary(self) -> list[str]:
        if not self.lifecycles:
            return ["No music in this period."]
        lines = []
        if self.longest_loved:
            x = self.longest_loved[0]
            lines.append(f"Longest-loved: {x.artist}, {x.span_days / 365.25:.1f} years from first to last listen "
                         f"({format_date_range(x.first_day, x.last_day)}), played in {x.coverage:.0%} of "
                         f"the quarters between.")
        if self.in_rotation_count:
            s = self.in_rotation[0]
            lines.append(f"{self.in_rotation_count:,} of the {self.long_known:,} artists you have known for "
                         f"{self.years}+ years are still in rotation; the oldest, {s.artist}, since "
                         f"{format_date(s.first_day)}.")
        elif self.long_known:
            lines.append(f"None of the {self.long_known:,} artists you have known for {self.years}+ years was played "
                         f"in the last {RECENT_DAYS} days.")
        if self.one_week_wonder_count:
            lines.append(f"{self.one_week_wonder_count:,} one-week wonders, such as {self.one_week_wonders[0].artist}.")
        return lines or [f"Too little history to say how loyal you are: loyalty looks at artists known for "
                         f"{self.years}+ years."]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@insight("loyalty", "Artist lifecycles, long-time loves still in rotation, one-week wonders")
def loyalty(
    ctx: Context,
    *,
    years: Annotated[int, "'still in rotation' means first heard at least this many years before the period end"] = 3,
    wonder_days: Annotated[int, "a one-week wonder's plays all fall within this many days"] = 7,
    wonder_plays: Annotated[int, "counted plays a one-week wonder (and a longest-loved artist) needs"] = 3,
    steady: Annotated[float, "share of the quarters between first and last listen with plays, for longest-loved"] = 0.5,
    limit: Annotated[int, "how many artists to list"] = 10,
) -> LoyaltyResult:
    """Artist lifecycles (music, kind ``track``; local dates). Lifetimes are over the WHOLE history under the
    same scope (kinds, incognito, exclusion rules): first and last listen, peak month and totals do not stop
    at the period's edges; the period decides which artists are shown.

    - ``lifecycles``: the ``limit`` artists with the most music time in the period (then counted plays, name):
      first and last listen ever, peak month (the local calendar month with the most time on it, earliest on
      ties), total time and counted plays ever, and the span in days.
    - ``in_rotation``: artists first heard at least ``years`` years before the period's end (same calendar
      day) and with at least one counted play in the 90 days ending at the period's end (from the whole
      history, so also for periods shorter than 90 days); the oldest acquaintances first, ``limit`` of them,
      ``in_rotation_count`` in all.
    - ``one_week_wonders``: artists first heard in the period whose every play (whole history) falls within
      ``wonder_days`` consecutive days, with at least ``wonder_plays`` counted plays, and never played again
      although the history goes on for at least 30 days after their last play; most counted plays first.
    - ``longest_loved``: artists played in the period, with at least ``wonder_plays`` counted plays ever,
      whose listening was steady — plays in at least ``steady`` of the calendar quarters from the first to
      the last listen (both included) — ranked by the span from first to last listen (then time, name).
    """
    for name, value in (("--years", years), ("--wonder-days", wonder_days), ("--wonder-plays", wonder_plays),
                        ("--limit", limit)):
        if value < 1:
            raise UsageError(f"{name} must be at least 1")
    if years > MAX_YEARS:  # nobody has a longer history; more only overflows the calendar
        raise UsageError(f"--years must be at most {MAX_YEARS}")
    if not 0.0 <= steady <= 1.0:
        raise UsageError("--steady must be between 0 and 1")
    if ctx.start is None or ctx.end is None:  # nothing selected at all
        return LoyaltyResult(lifecycles=[], in_rotation=[], in_rotation_count=0, long_known=0, one_week_wonders=[],
                             one_week_wonder_count=0, longest_loved=[], years=years)
    life = artist_lifetimes(ctx)
    whole = ctx.whole_history()
    music = ctx.kinds("track")
    start, end = ctx.start, ctx.end

    rows = ctx.fetch(f"""
        WITH t AS (
            SELECT artist, sum(ms_played) AS ms, count(*) FILTER (WHERE counted) AS n
            FROM {ctx.plays} WHERE {music} AND artist IS NOT NULL GROUP BY artist
            ORDER BY coalesce(ms, 0) DESC, n DESC, artist LIMIT {int(limit)}),
        m AS (
            SELECT artist, date_trunc('month', day)::DATE AS month, coalesce(sum(ms_played), 0) AS ms
            FROM {whole.plays} WHERE {whole.kinds('track')} AND artist IN (SELECT artist FROM t)
            GROUP BY artist, month
            QUALIFY row_number() OVER (PARTITION BY artist ORDER BY ms DESC, month) = 1)
        SELECT t.artist, coalesce(t.ms, 0), l.first_day, l.last_day, m.month, m.ms, l.ms, l.plays
        FROM t JOIN {life} l USING (artist) JOIN m USING (artist)
        ORDER BY coalesce(t.ms, 0) DESC, t.n DESC, t.artist""")
    lifecycles = [Lifecycle(artist=str(a), ms_in_period=int(ms), first_day=f, last_day=la,  # type: ignore[arg-type, call-overload]
                            peak_month=pm.strftime("%Y-%m"), peak_month_ms=int(pms), total_ms=int(tot),  # type: ignore[attr-defined, call-overload]
                            plays=int(n), span_days=(la - f).days)  # type: ignore[call-overload, operator]
                  for a, ms, f, la, pm, pms, tot, n in rows]

    recent_from = end - dt.timedelta(days=RECENT_DAYS - 1)
    stay_rows = ctx.fetch(f"""
        WITH r AS (
            SELECT artist, coalesce(sum(ms_played), 0) AS ms, count(*) FILTER (WHERE counted) AS n
            FROM {whole.plays}
            WHERE {whole.kinds('track')} AND artist IS NOT NULL AND day BETWEEN ? AND ?
            GROUP BY artist HAVING count(*) FILTER (WHERE counted) > 0)
        SELECT l.artist, l.first_day, r.ms, r.n, l.ms, count(*) OVER ()
        FROM {life} l JOIN r USING (artist)
        WHERE l.first_day <= ?
        ORDER BY l.first_day, l.artist LIMIT {int(limit)}""", [recent_from, end, _years_before(end, years)])
    in_rotation = [Stayer(artist=str(a), first_day=f, years=(end - f).days / 365.25, recent_ms=int(rms),  # type: ignore[arg-type, operator, call-overload]
                          recent_plays=int(rn), total_ms=int(tot))  # type: ignore[call-overload]
                   for a, f, rms, rn, tot, _ in stay_rows]

    long_known = int(ctx.one(f"SELECT count(*) FROM {life} WHERE first_day <= ?",  # type: ignore[call-overload]
                             [_years_before(end, years)])[0])
    wonder_rows = ctx.fetch(f"""
        SELECT artist, first_day, last_day, plays, ms, count(*) OVER ()
        FROM {life}
        WHERE first_day BETWEEN ? AND ? AND date_diff('day', first_day, last_day) < ?
              AND plays >= ? AND date_diff('day', last_day, history_end) >= {QUIET_DAYS}
        ORDER BY plays DESC, ms DESC, artist LIMIT {int(limit)}""", [start, end, wonder_days, wonder_plays])
    wonders = [Wonder(artist=str(a), first_day=f, last_day=la, plays=int(n), ms_played=int(ms))  # type: ignore[arg-type, call-overload]
               for a, f, la, n, ms, _ in wonder_rows]

    love_rows = ctx.fetch(f"""
        SELECT artist, first_day, last_day, date_diff('day', first_day, last_day), active_quarters, quarters,
               active_quarters / quarters, plays, ms
        FROM {life}
        WHERE artist IN (SELECT DISTINCT artist FROM {ctx.plays} WHERE {music})
              AND plays >= ? AND active_quarters >= ? * quarters - 1e-9
        ORDER BY 4 DESC, ms DESC, artist LIMIT {int(limit)}""", [wonder_plays, steady])
    loves = [LongLove(artist=str(a), first_day=f, last_day=la, span_days=int(span), active_quarters=int(aq),  # type: ignore[arg-type, call-overload]
                      quarters=int(q), coverage=float(cov), plays=int(n), total_ms=int(ms))  # type: ignore[call-overload, arg-type]
             for a, f, la, span, aq, q, cov, n, ms in love_rows]
    return LoyaltyResult(
        lifecycles=lifecycles, in_rotation=in_rotation,
        in_rotation_count=int(stay_rows[0][5]) if stay_rows else 0,  # type: ignore[call-overload]
        long_known=long_known,
        one_week_wonders=wonders, one_week_wonder_count=int(wonder_rows[0][5]) if wonder_rows else 0,  # type: ignore[call-overload]
        longest_loved=loves, years=years,
    )


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("one-week wonders", "artists", r"\bone[- ]week wonders?\b|\bone hit\b|\bflings?\b",
           "one_week_wonder_count"),
    Figure("artists still in rotation", "artists", r"\bstill\b|\bin rotation\b|\bstayed\b", "in_rotation_count"),
    Figure("longest loved artist", None, "", "longest_loved.0.artist"),
    Figure("last day", None, r"\blast (time|listen|played|heard)\b|\bwhen did i last\b|\bmost recently\b|"
           r"\blast play", "lifecycles.0.last_day", about=ANY_NAME),
)
