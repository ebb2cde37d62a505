"""``overview``: how much, of what, on how many days — and how that compares with the period before."""

from __future__ import annotations

from dataclasses import dataclass, field

from linernotes.engine.dayindex import period_counts
from linernotes.engine.figures import ALL, ANY_NAME, Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.formatting import count_of
from linernotes.units import MS_PER_HOUR, format_hours


@dataclass(frozen=True)
class KindTotals:
    kind: str
    plays: int  # counted under the policy
    ms_played: int


@dataclass(frozen=True)
class Totals:
    ms_played: int
    plays: int
    streams: int  # every stored row, counted or not
    by_kind: list[KindTotals]
    artists: int
    tracks: int
    albums: int
    shows: int
    audiobooks: int
    days_listened: int
    days_in_period: int
    ms_per_active_day: float


@dataclass
class OverviewResult(Result):
    totals: Totals
    previous: Totals | None
    previous_start: str | None
    previous_end: str | None
    change: dict[str, float | None]  # relative change against the previous period (0.25 = +25 %)
    withheld: list[str] = field(default_factory=list)  # comparisons left out, and why

    def summary(self) -> list[str]:
        t = self.totals
        if t.ms_played or not t.plays:
            amount = (f"{format_hours(t.ms_played)} hours over {count_of(t.days_listened, 'day')} "
                      f"({count_of(t.ms_per_active_day / 60_000, 'minute')} a day when you listened)")
        else:  # scrobbles: no listening time recorded, so no hours are claimed
            amount = f"{t.plays:,} plays over {count_of(t.days_listened, 'day')} (the export records no listening time)"
        lines = [f"{amount}, {t.artists:,} artists and {t.tracks:,} tracks."]
        ch = self.change.get("ms_played")
        if ch is not None:
            lines.append(f"That is {abs(ch):.0%} {'more' if ch >= 0 else 'less'} than the period before.")
        return lines


def totals(ctx: Context) -> Totals:
    span = (ctx.end - ctx.start).days + 1 if ctx.start and ctx.end else 0
    indexed = period_counts(ctx)
    if indexed is not None:
        n = indexed.distinct
        return _totals(indexed.ms_played, indexed.plays, indexed.streams, [KindTotals(*row) for row in indexed.by_kind],
                       n["artists"], n["tracks"], n["albums"], n["shows"], n["audiobooks"], indexed.days_listened, span)
    row = ctx.one(f"""
        SELECT coalesce(sum(ms_played), 0), count(*) FILTER (WHERE counted), count(*),
               count(DISTINCT artist) FILTER (WHERE kind = 'track'),
               count(DISTINCT (artist, track)) FILTER (WHERE kind = 'track' AND track IS NOT NULL),
               count(DISTINCT (artist, album)) FILTER (WHERE kind = 'track' AND album IS NOT NULL),
               count(DISTINCT show_name) FILTER (WHERE kind IN ('episode', 'video')),
               count(DISTINCT audiobook) FILTER (WHERE kind = 'audiobook'),
               count(DISTINCT day)
        FROM {ctx.plays}""")
    by_kind = [
        KindTotals(str(k), int(n), int(ms))
        for k, n, ms in ctx.fetch(  # type: ignore[call-overload]
            f"SELECT kind, count(*) FILTER (WHERE counted), coalesce(sum(ms_played), 0) FROM {ctx.plays} "
            f"GROUP BY kind ORDER BY 3 DESC, 1"
        )
    ]
    ms, plays, streams, artists, tracks, albums, shows, books, days = (int(v or 0) for v in row)  # type: ignore[call-overload]
    return _totals(ms, plays, streams, by_kind, artists, tracks, albums, shows, books, days, span)


def _totals(ms: int, plays: int, streams: int, by_kind: list[KindTotals], artists: int, tracks: int, albums: int,
            shows: int, books: int, days: int, span: int) -> Totals:
    return Totals(
        ms_played=ms,
        plays=plays,
        streams=streams,
        by_kind=by_kind,
        artists=artists,
        tracks=tracks,
        albums=albums,
        shows=shows,
        audiobooks=books,
        days_listened=days,
        days_in_period=span,
        ms_per_active_day=ms / days if days else 0.0,
    )


# A comparison with the period before needs this much listening on each side; below it the change is noise
# (a few stray plays make "41577 % more") and is left out.
MIN_COMPARE_DAYS = 7  # days with plays
MIN_COMPARE_MS = MS_PER_HOUR  # one hour


def _change(now: float, before: float) -> float | None:
    return None if not before else (now - before) / before


def comparable(now: Totals, before: Totals) -> str | None:
    """None when both periods hold enough listening to compare, else why not (a sentence fragment)."""
    for name, t in (("this period", now), ("the period before", before)):
        if t.days_listened < MIN_COMPARE_DAYS or t.ms_played < MIN_COMPARE_MS:
            return (f"{name} has {t.days_listened:,} day{'s' if t.days_listened != 1 else ''} and "
                    f"{format_hours(t.ms_played)} hours of listening; a comparison needs at least "
                    f"{MIN_COMPARE_DAYS} days and {MIN_COMPARE_MS // MS_PER_HOUR} hour on each side")
    return None


@insight("overview", "Listening time, plays and variety, against the period before")
def overview(ctx: Context) -> OverviewResult:
    """Listening time (sum of ``ms_played``, every kind), counted plays (under the policy) and streams (every
    stored play) overall and by kind; distinct artists, tracks (artist + title), albums (artist + album),
    shows and audiobooks; days with at least one play; days in the period (first to last day, open ends
    resolved to the first/last day with plays); time per day listened. ``previous`` is the same for the
    period of equal length just before (none for a period that starts at the beginning); ``change`` holds the
    relative change of time, plays, days listened and artists — only when both periods have at least
    ``MIN_COMPARE_DAYS`` days with plays and ``MIN_COMPARE_MS`` of listening (else None, and ``withheld``
    says why).
    """
    now = totals(ctx)
    prev_ctx = ctx.previous()
    prev = totals(prev_ctx) if prev_ctx is not None else None
    change: dict[str, float | None] = {}
    withheld: list[str] = []
    if prev is not None:
        why = comparable(now, prev)
        for key in ("ms_played", "plays", "days_listened", "artists", "tracks"):
            change[key] = None if why else _change(getattr(now, key), getattr(prev, key))
        if why:
            withheld.append(f"change against the period before: {why}")
    return OverviewResult(
        totals=now,
        previous=prev,
        previous_start=prev_ctx.start.isoformat() if prev_ctx and prev_ctx.start else None,
        previous_end=prev_ctx.end.isoformat() if prev_ctx and prev_ctx.end else None,
        change=change,
        withheld=withheld,
    )


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("artists", "artists", r"\bhow many (different |distinct |unique |new )?artists\b|\bnumber of artists\b",
           "totals.artists"),
    Figure("tracks", "tracks", r"\bhow many (different|distinct|unique) (songs|tracks)\b|"
           r"\bnumber of (different )?(songs|tracks)\b", "totals.tracks"),
    Figure("albums", "albums", r"\bhow many (different |distinct |unique )?albums\b", "totals.albums"),
    Figure("plays", "plays", r"\bhow many (plays|streams|songs|tracks|times)\b|\bplay count\b|"
           r"\bnumber of (plays|streams)\b", "totals.plays"),
    Figure("days without listening", "days", r"\bhow many days (did|have) i not\b|\bhow many days without\b",
           "@days_without", reads="totals.days_in_period"),
    Figure("plays of one name", "plays", r"\bhow many (times|plays|streams)\b|\bplay count\b|\bhow often\b|\btimes\b|"
           r"\bnumber of plays\b", "totals.plays", about=ANY_NAME),
    Figure("days listened", "days", r"\bhow many days\b", "totals.days_listened", about=(ALL, *ANY_NAME)),
    Figure("tracks of one name", "tracks", r"\bhow many (different |distinct |unique )?(songs|tracks)\b",
           "totals.tracks", about=("artist", "album")),
    Figure("listening time in minutes", "minutes", r"\bminutes\b", "totals.ms_played|minutes",
           about=(ALL, *ANY_NAME)),
    Figure("change in listening time", "%", r"\bmore or less\b|\bmore than\b|\bless than\b|\bcompared\b|"
           r"\bchange\b|\bversus\b|\bvs\b", "change.ms_played|pct"),
    Figure("listening time", "hours", "", "totals.ms_played|hours", about=(ALL, *ANY_NAME)),
)
