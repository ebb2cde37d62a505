"""``podcasts``: time per show, episodes finished or abandoned, binges, new shows."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated

from linernotes.engine.figures import Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.errors import UsageError
from linernotes.formatting import format_date
from linernotes.insights.sessions import session_table
from linernotes.units import format_hours

# An episode played for at least this part of its length (when the source knows the length) is finished.
FINISHED_PART = 0.9
EPISODE_KEY = "coalesce(uri, lower(show_name) || chr(31) || lower(coalesce(episode, '')))"


@dataclass(frozen=True)
class ShowRow:
    show: str
    ms_played: int
    plays: int  # counted
    episodes: int  # distinct episodes played
    finished: int
    abandoned: int
    unknown: int  # episodes whose end is not known (no reason_end and no length)
    sessions: int
    days: int
    first_ever: dt.date  # first play of the show in the whole history
    new: bool  # first_ever falls in the period


@dataclass(frozen=True)
class Binge:
    show: str
    day: dt.date  # local day the session(s) started
    episodes: int  # distinct episodes
    ms_played: int


@dataclass(frozen=True)
class MonthTime:
    month: str  # YYYY-MM
    ms_played: int


@dataclass(frozen=True)
class MonthCount:
    month: str  # YYYY-MM
    shows: int  # shows first played (in the whole history) that month


@dataclass
class PodcastsResult(Result):
    ms_played: int
    shows: int
    episodes: int
    finished: int
    abandoned: int
    unknown: int
    finish_rate: float | None  # finished / (finished + abandoned)
    by_show: list[ShowRow]  # by time
    binges: list[Binge]  # most episodes first
    new_shows: list[str]  # shows first played in this period, by time
    monthly: list[MonthTime]
    new_by_month: list[MonthCount] = field(default_factory=list)  # new shows by the month of their first play

    def summary(self) -> list[str]:
        if not self.shows:
            return ["No podcasts in this period."]
        top = self.by_show[0]
        lines = [
            f"{format_hours(self.ms_played)} hours of podcasts from {self.shows:,} "
            f"show{'s' if self.shows != 1 else ''}; most of all {top.show} "
            f"({format_hours(top.ms_played)} hours)."
        ]
        if self.finish_rate is not None:
            lines.append(
                f"You finished {self.finished:,} of {self.finished + self.abandoned:,} episodes "
                f"({self.finish_rate:.0%}) and abandoned {self.abandoned:,}."
            )
        if self.binges:
            b = self.binges[0]
            lines.append(f"Biggest binge: {b.episodes} episodes of {b.show} on {format_date(b.day)}.")
        return lines


@insight("podcasts", "Podcasts: time per show, finished vs abandoned episodes, binges, new shows")
def podcasts(
    ctx: Context,
    *,
    binge_episodes: Annotated[int, "distinct episodes of one show in one day that make a binge"] = 3,
    limit: Annotated[int, "rows of the per-show table"] = 20,
) -> PodcastsResult:
    """Podcast listening: plays of kind ``episode`` and ``video`` (video podcasts), shows by ``show_name``.

    - time = sum of ``ms_played``; plays = counted under the policy;
    - an episode (its URI, else show + title) is **finished** when one of its plays in the period ended
      with ``reason_end`` ``trackdone`` (it played to its end, possibly after a resume), or, where the source
      knows the length (``duration_ms``), when its plays add up to at least 90 % of it; **abandoned** when it
      is not finished and some play says how it ended (``endplay``, ``fwdbtn``, ... — not finished, at least
      not yet); **unknown** otherwise (sources without ``reason_end`` or length). The finish rate is
      finished / (finished + abandoned);
    - a **binge** is a local day with at least ``binge_episodes`` distinct episodes of one show; a session
      (20-minute gaps) that runs past midnight counts on the day of its first episode;
    - a **new show** is one first played (whole history, same exclusions) within the period.
    """
    if binge_episodes < 2 or limit < 1:
        raise UsageError("--binge-episodes must be at least 2 and --limit at least 1")
    kinds = ctx.kinds("episode", "video")
    empty = PodcastsResult(
        ms_played=0,
        shows=0,
        episodes=0,
        finished=0,
        abandoned=0,
        unknown=0,
        finish_rate=None,
        by_show=[],
        binges=[],
        new_shows=[],
        monthly=[],
    )
    if (
        not ctx.selection.plays
        or not ctx.one(f"SELECT count(*) FROM {ctx.plays} WHERE {kinds} AND show_name IS NOT NULL")[0]
    ):
        return empty
    sessions = session_table(ctx)
    base = f"""
        p AS (SELECT s.*, {EPISODE_KEY} AS ep,
                     min(day) OVER (PARTITION BY session_id) AS session_day
              FROM {sessions} s WHERE {kinds} AND show_name IS NOT NULL),
        eps AS (
            SELECT show_name, ep,
                   CASE WHEN bool_or(reason_end = 'trackdone')
                          OR sum(ms_played) >= {FINISHED_PART} * max(duration_ms) THEN 'finished'
                        WHEN bool_or(reason_end IS NOT NULL) THEN 'abandoned' ELSE 'unknown' END AS state
            FROM p GROUP BY show_name, ep)"""
    shows = ctx.fetch(f"""
        WITH {base},
        first AS (SELECT show_name, min(day) AS first_ever FROM {ctx.history()}
                  WHERE {kinds} AND show_name IS NOT NULL GROUP BY show_name),
        st AS (SELECT show_name, count(*) FILTER (WHERE state = 'finished') AS fin,
                      count(*) FILTER (WHERE state = 'abandoned') AS ab, count(*) FILTER (WHERE state = 'unknown') AS un
               FROM eps GROUP BY show_name)
        SELECT p.show_name, sum(ms_played), count(*) FILTER (WHERE counted), count(DISTINCT ep),
               any_value(st.fin), any_value(st.ab), any_value(st.un), count(DISTINCT session_id), count(DISTINCT day),
               any_value(f.first_ever)
        FROM p JOIN st USING (show_name) JOIN first f USING (show_name)
        GROUP BY p.show_name ORDER BY 2 DESC, 1""")
    start = ctx.start
    rows = [
        ShowRow(
            show=str(s),
            ms_played=int(ms),
            plays=int(n),
            episodes=int(e),
            finished=int(f),
            abandoned=int(a),
            unknown=int(u),
            sessions=int(se),
            days=int(d),
            first_ever=fe,
            new=start is not None and fe >= start,
        )
        for s, ms, n, e, f, a, u, se, d, fe in shows
    ]
    binges = [
        Binge(show=str(s), day=d, episodes=int(e), ms_played=int(ms))
        for s, d, e, ms in ctx.fetch(
            f"""
                  WITH {base}
                  SELECT show_name, session_day, count(DISTINCT ep), sum(ms_played) FROM p
                  GROUP BY ALL HAVING count(DISTINCT ep) >= ?
                  ORDER BY 3 DESC, 4 DESC, 2, 1 LIMIT {int(limit)}""",
            [binge_episodes],
        )
    ]
    monthly = [
        MonthTime(str(m), int(ms))
        for m, ms in ctx.fetch(
            f"SELECT strftime(day, '%Y-%m'), sum(ms_played) FROM {ctx.plays} WHERE {kinds} AND show_name IS NOT NULL "
            f"GROUP BY 1 ORDER BY 1"
        )
    ]
    new = [r for r in rows if r.new]
    fin, ab, un = (sum(getattr(r, k) for r in rows) for k in ("finished", "abandoned", "unknown"))
    return PodcastsResult(
        ms_played=sum(r.ms_played for r in rows),
        shows=len(rows),
        episodes=sum(r.episodes for r in rows),
        finished=fin,
        abandoned=ab,
        unknown=un,
        finish_rate=fin / (fin + ab) if fin + ab else None,
        by_show=rows[:limit],
        binges=binges,
        new_shows=[r.show for r in new],
        monthly=monthly,
        new_by_month=[MonthCount(m, n) for m, n in sorted(Counter(f"{r.first_ever:%Y-%m}" for r in new).items())],
    )


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("episodes", "episodes", r"\bhow many (episodes|eps)\b|\bepisodes\b", "episodes"),
    Figure("finish rate", "%", r"\bfinish|\babandon|\bcomplete", "finish_rate|pct"),
    Figure("shows", "shows", r"\bhow many (podcasts|shows)\b", "shows"),
    Figure("new shows", "shows", r"\bnew (podcasts|shows)\b", "new_shows|len"),
    Figure("podcast time in minutes", "minutes", r"\bminutes\b", "ms_played|minutes"),
    Figure("podcast time", "hours", "", "ms_played|hours"),
    Figure("episodes of the show", "episodes", r"\bhow many\b.*\bepisodes?\b|\bepisodes?\b.*\bhow many\b", "episodes",
           about=("show",)),
)
