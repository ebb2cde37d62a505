"""``obsessions``: bursts where one track (on repeat) or one artist (a binge) takes over your listening."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Annotated, Any

from linernotes.engine.figures import ANY_NAME, Figure
from linernotes.engine.period import Period
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.errors import UsageError
from linernotes.formatting import format_date_range
from linernotes.insights.sessions import DEFAULT_GAP_MINUTES

# From this many times its usual level on, a burst is told in words ("hardly played in the months around it").
RATIO_IN_WORDS = 20.0
# Days either side of a burst whose listening gives the item's usual level.
BASELINE_DAYS = 90
# Hot days at most this many days apart belong to one burst (one ordinary or silent day may sit between).
BRIDGE_DAYS = 2
# A track burst and an artist burst of the same artist that overlap are one obsession: the track's, when the
# track holds at least this part of the artist's listening time over the artist's burst, else the artist's.
TRACK_OF_ARTIST = 0.75
# Additive smoothing of the usual share: one pseudo-play of this length of the item is added to the baseline
# (item and total), so a near-empty baseline cannot make a ratio of thousands — the ratio is at most
# share × (baseline time + PSEUDO_MS) / PSEUDO_MS.
PSEUDO_MS = 3 * 60_000
# A burst is compared only with a baseline of at least this many days with music around it.
MIN_BASELINE_DAYS = 14
# Days either side of a burst whose daily listening is returned with it, so a chart can draw the burst in place.
CONTEXT_DAYS = 14


@dataclass(frozen=True)
class DayTime:
    day: dt.date
    ms: int  # time on the obsession's item that day
    total_ms: int  # all music time that day (0: no music)


@dataclass(frozen=True)
class Obsession:
    type: str  # "track" (a track on repeat) or "artist" (an artist binge)
    name: str  # the track's or the artist's name
    artist: str
    start: dt.date  # first hot day (local)
    end: dt.date  # last hot day (local)
    days: int  # calendar days from start to end
    hot_days: int  # days on which the item held at least min_share of the music time
    plays: int  # counted plays of the item from start to end
    ms_played: int  # time on the item from start to end
    share: float  # the item's part of all music time from start to end
    usual_share: float  # its part of music time in the BASELINE_DAYS before and after the burst, shrunk
    ratio: float | None  # share / usual_share; None when it was not played at all around the burst
    sessions: int  # listening sessions (20-minute gaps) from start to end in which the item was played
    baseline_ms: int = 0  # time on the item in the BASELINE_DAYS around the burst (0: not played there)
    baseline_days: int = 0  # days with music in the BASELINE_DAYS around the burst
    # every day from CONTEXT_DAYS before the burst to CONTEXT_DAYS after it: the item's time and all music time
    around: list[DayTime] = field(default_factory=list)


@dataclass
class ObsessionsResult(Result):
    obsessions: list[Obsession]
    min_share: float
    min_ratio: float
    withheld: list[str] = field(default_factory=list)  # bursts left out for too little data around them

    def summary(self) -> list[str]:
        if not self.obsessions:
            return ["No obsessions: no track or artist took over your listening for days in this period."]
        n_track = sum(o.type == "track" for o in self.obsessions)
        n_artist = len(self.obsessions) - n_track
        lines = [
            f"{len(self.obsessions)} obsession{'s' if len(self.obsessions) != 1 else ''}: "
            f"{n_track} track{'s' if n_track != 1 else ''} on repeat, "
            f"{n_artist} artist binge{'s' if n_artist != 1 else ''}."
        ]
        top = max(self.obsessions, key=lambda o: (o.ms_played * o.share, o.start))
        what = f"“{top.name}” by {top.artist}" if top.type == "track" else top.name
        lines.append(
            f"The strongest: {what}, {format_date_range(top.start, top.end)}, {top.plays:,} plays, "
            f"{top.share:.0%} of your music on those days"
            + (
                " (not played at all in the months around it)." if top.ratio is None or top.baseline_ms <= 0
                # Against a few minutes in the months around it, "492×" is true but says less than words do.
                else " (hardly played in the months around it)." if top.ratio >= RATIO_IN_WORDS
                else f" ({top.ratio:,.0f}× its usual level)."
            )
        )
        return lines


def _window(ctx: Context, around_period: bool) -> tuple[str, list[object], tuple[object, ...]]:
    """SQL (and its parameters) restricting whole-history plays to what the period's bursts can look at —
    the period plus the baseline on each side — or nothing when the whole history is wanted or the
    period is open."""
    if not around_period or ctx.scope.period.start is None or ctx.scope.period.end is None:
        return "", [], ()
    low = ctx.scope.period.start - dt.timedelta(days=BASELINE_DAYS + BRIDGE_DAYS)
    high = ctx.scope.period.end + dt.timedelta(days=BASELINE_DAYS + BRIDGE_DAYS)
    where, params = Period(low, high).where()
    return f"AND {where}", params, (low, high)


def daily_units(ctx: Context, *, around_period: bool = False) -> str:
    """Daily time and counted plays per track (``artist<US>title``, lower case) and per artist (lower case),
    over the whole history under the scope's exclusions (or, with ``around_period``, the period and the
    baseline days around it — all that bursts of the period look at): built once, shared."""
    whole = ctx.whole_history()
    window, params, key = _window(ctx, around_period)
    return whole.derived(
        "obsession_units",
        f"""
        WITH m AS (SELECT day, lower(artist) AS a, lower(track) AS t, ms_played AS ms, counted
                   FROM {ctx.history()}
                   WHERE {ctx.kinds("track")} AND artist IS NOT NULL AND ms_played > 0 {window})
        SELECT 'track' AS type, a || chr(31) || t AS key, day, sum(ms)::BIGINT AS ms,
               count(*) FILTER (WHERE counted) AS plays
        FROM m WHERE t IS NOT NULL GROUP BY ALL
        UNION ALL
        SELECT 'artist', a, day, sum(ms)::BIGINT, count(*) FILTER (WHERE counted) FROM m GROUP BY ALL
    """,
        params,
        key=key,
    )


def _days(ctx: Context) -> str:
    """Music time per day over the whole history, or around the period (same exclusions)."""
    whole = ctx.whole_history()
    window, params, key = _window(ctx, True)
    return whole.derived(
        "obsession_days",
        f"""
        SELECT day, sum(ms_played)::BIGINT AS total FROM {ctx.history()}
        WHERE {ctx.kinds("track")} AND artist IS NOT NULL AND ms_played > 0 {window} GROUP BY day
    """,
        params,
        key=key,
    )


def _runs(
    ctx: Context, min_share: float, min_days: int, min_artist_days: int, min_plays: int
) -> list[tuple[object, ...]]:
    """Candidate bursts of the selection, with their baseline over the whole history around them."""
    sel = ctx.plays
    music = ctx.kinds("track")
    units, days = daily_units(ctx, around_period=True), _days(ctx)
    # Hot days are looked for on the selection's days only; the selection's plays are a subset of units'.
    return ctx.fetch(
        f"""
        WITH sel_days AS (SELECT DISTINCT day FROM {sel} WHERE {music}),
        hot AS (
            SELECT u.type, u.key, u.day FROM {units} u JOIN {days} d USING (day) JOIN sel_days USING (day)
            WHERE u.ms >= ? * d.total),
        marked AS (
            SELECT *, CASE WHEN day - lag(day) OVER (PARTITION BY type, key ORDER BY day) > {BRIDGE_DAYS}
                           THEN 1 ELSE 0 END AS brk
            FROM hot),
        numbered AS (SELECT *, sum(brk) OVER (PARTITION BY type, key ORDER BY day) AS run FROM marked),
        runs AS (
            SELECT type, key, min(day) AS s, max(day) AS e, count(*) AS hot_days
            FROM numbered GROUP BY type, key, run
            HAVING count(*) >= CASE type WHEN 'track' THEN ? ELSE ? END),
        inside AS (
            SELECT r.type, r.key, r.s, any_value(r.e) AS e, any_value(r.hot_days) AS hot_days,
                   sum(u.ms)::BIGINT AS ms, sum(u.plays)::BIGINT AS plays
            FROM runs r JOIN {units} u ON u.type = r.type AND u.key = r.key AND u.day BETWEEN r.s AND r.e
            GROUP BY r.type, r.key, r.s),
        totals AS (
            SELECT i.type, i.key, i.s, sum(d.total)::BIGINT AS total
            FROM inside i JOIN {days} d ON d.day BETWEEN i.s AND i.e GROUP BY ALL),
        base_item AS (
            SELECT i.type, i.key, i.s, sum(u.ms)::BIGINT AS ms
            FROM inside i JOIN {units} u ON u.type = i.type AND u.key = i.key
                 AND u.day BETWEEN i.s - {BASELINE_DAYS} AND i.e + {BASELINE_DAYS} AND u.day NOT BETWEEN i.s AND i.e
            GROUP BY ALL),
        base_total AS (
            SELECT i.type, i.key, i.s, sum(d.total)::BIGINT AS total, count(*) AS days
            FROM inside i JOIN {days} d
                 ON d.day BETWEEN i.s - {BASELINE_DAYS} AND i.e + {BASELINE_DAYS} AND d.day NOT BETWEEN i.s AND i.e
            GROUP BY ALL)
        SELECT i.type, i.key, i.s, i.e, i.hot_days, i.plays, i.ms, t.total,
               coalesce(bi.ms, 0), coalesce(bt.total, 0), coalesce(bt.days, 0)
        FROM inside i JOIN totals t USING (type, key, s)
        LEFT JOIN base_item bi USING (type, key, s) LEFT JOIN base_total bt USING (type, key, s)
        WHERE i.plays >= ? AND i.ms >= ? * t.total
        ORDER BY i.s, i.type, i.key
    """,
        [min_share, min_days, min_artist_days, min_plays, min_share],
    )


@insight("obsessions", "Tracks on repeat and artist binges: bursts that took over your listening")
def obsessions(
    ctx: Context,
    *,
    min_share: Annotated[float, "part of a day's music time that makes it a hot day for a track or artist"] = 0.3,
    min_ratio: Annotated[float, "how many times its usual share a burst must reach"] = 20.0,
    min_days: Annotated[int, "fewest hot days of a track on repeat"] = 2,
    min_artist_days: Annotated[int, "fewest hot days of an artist binge"] = 3,
    min_plays: Annotated[int, "fewest counted plays of the item in a burst"] = 10,
    min_sessions: Annotated[int, "fewest listening sessions a burst must recur in"] = 3,
) -> ObsessionsResult:
    """Bursts in which one track or one artist took an outsized share of your music (kind ``track``).

    Statistic: for every local day, each track's (artist + title, case-insensitive) and each artist's part of
    that day's music listening time. A day is *hot* for an item when that part is at least ``min_share``.
    Hot days of one item at most two days apart (one ordinary or silent day between them) form a *burst*
    from the first to the last hot day. A burst is an obsession when

    - it has at least ``min_days`` hot days for a track (``min_artist_days`` for an artist: listening to one
      artist all evening twice is an album, not a binge) and at least ``min_plays`` counted plays of the item;
    - the item was played in at least ``min_sessions`` listening sessions (20-minute gaps) during the burst:
      an obsession recurs, one or two long sessions are a mood;
    - the item's ``share`` of all music time over the burst's days is at least ``min_share``;
    - that share is at least ``min_ratio`` times the item's ``usual_share``: its part of music time in the
      90 days before and the 90 days after the burst (whole history, so a burst at the edge of a period is
      still judged against its surroundings). This is what separates a binge from a long-time favourite or
      from the slow drift of taste between eras. The usual share is smoothed by one pseudo-play:
      ``(baseline item time + PSEUDO_MS) / (baseline music time + PSEUDO_MS)`` (3 minutes), so a near-empty
      baseline cannot make a ratio of thousands. A burst with fewer than
      ``MIN_BASELINE_DAYS`` days with music in those 180 days around it cannot be compared: it is left out
      and ``withheld`` says so.

    A track on repeat also makes its artist hot: when a track burst and an artist burst of the same artist
    overlap, they are one obsession — the track's when the track holds at least half of the artist's time
    over the artist's burst, else the artist's. Hot days are looked for on days of the selection (period,
    exclusions); the baseline uses the whole history under the same exclusions. Listed in time order.
    """
    if not 0 < min_share <= 1:
        raise UsageError("--min-share must be between 0 and 1")
    if min(min_days, min_artist_days, min_plays, min_sessions) < 1 or min_ratio < 0:
        raise UsageError("--min-days, --min-artist-days and --min-plays must be at least 1, --min-ratio not negative")
    rows: list[Any] = _runs(ctx, min_share, min_days, min_artist_days, min_plays) if ctx.selection.plays else []
    found: list[Obsession] = []
    withheld: list[str] = []
    for typ, key, s, e, hot_days, plays, ms, total, base_ms, base_total, base_days in rows:
        if int(base_days) < MIN_BASELINE_DAYS:  # too little music around the burst to know its usual level
            withheld.append(f"a burst from {s} to {e}: only {int(base_days)} days with music in the "
                            f"{BASELINE_DAYS} days either side (at least {MIN_BASELINE_DAYS} are needed)")
            continue
        usual = (int(base_ms) + PSEUDO_MS) / (int(base_total) + PSEUDO_MS)
        share = int(ms) / int(total) if total else 0.0
        if share / usual < min_ratio:
            continue
        ratio = share / usual if base_ms else None  # None: not played at all around the burst
        found.append(
            Obsession(
                type=str(typ),
                name=str(key),
                artist="",
                start=s,
                end=e,
                days=(e - s).days + 1,
                hot_days=int(hot_days),
                plays=int(plays),
                ms_played=int(ms),
                share=share,
                usual_share=usual,
                ratio=ratio,
                sessions=0,
                baseline_ms=int(base_ms),
                baseline_days=int(base_days),
            )
        )
    found = [o for o in _with_sessions(ctx, found) if o.sessions >= min_sessions]
    found = _with_days_around(ctx, found)
    found = _merge(ctx, daily_units(ctx, around_period=True), found)
    found.sort(key=lambda o: (o.start, o.type, o.artist, o.name))
    return ObsessionsResult(obsessions=found, min_share=min_share, min_ratio=min_ratio, withheld=withheld)


def _with_sessions(ctx: Context, found: list[Obsession]) -> list[Obsession]:
    """``found`` with the number of sessions in which each burst's item was played.

    Sessions are those of :func:`~linernotes.insights.sessions.session_table` (a new one after more than
    20 minutes of silence since the latest end so far), computed here in SQL over the bursts' days only,
    which is all this needs (a few thousand plays: no need to hand data to numpy and back).
    """
    if not found:
        return []
    rows = ", ".join("(?, ?, ?, ?::DATE, ?::DATE)" for _ in found)
    params: list[object] = []
    for i, o in enumerate(found):
        params += [i, o.type, o.name, o.start, o.end]
    counts = dict(
        ctx.fetch(
            f"""
        WITH cands(i, type, key, s, e) AS (VALUES {rows}),
        days AS (SELECT DISTINCT unnest(generate_series(s, e, INTERVAL 1 DAY))::DATE AS day FROM cands),
        pl AS (SELECT * FROM {ctx.plays} WHERE day IN (SELECT day FROM days)),
        ordered AS (
            SELECT *, max(ts_end) OVER (ORDER BY ts_start, ts_end, play_id
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
            FROM pl),
        numbered AS (
            SELECT *, sum(CASE WHEN prev_end IS NULL
                                 OR epoch(ts_start) - epoch(prev_end) > {DEFAULT_GAP_MINUTES * 60}
                               THEN 1 ELSE 0 END) OVER (ORDER BY ts_start, ts_end, play_id) AS session
            FROM ordered),
        p AS (SELECT lower(artist) AS a, lower(track) AS t, day, session FROM numbered
              WHERE {ctx.kinds("track")} AND artist IS NOT NULL AND ms_played > 0),
        keyed AS (SELECT 'artist' AS type, a AS key, day, session FROM p
                  UNION ALL SELECT 'track', a || chr(31) || t, day, session FROM p WHERE t IS NOT NULL)
        SELECT c.i, count(DISTINCT k.session) FROM cands c
        JOIN keyed k ON k.type = c.type AND k.key = c.key AND k.day BETWEEN c.s AND c.e
        GROUP BY c.i""",
            params,
        )
    )
    return [replace(o, sessions=int(counts.get(i, 0))) for i, o in enumerate(found)]


def _with_days_around(ctx: Context, found: list[Obsession]) -> list[Obsession]:
    """``found`` with each burst's daily listening from CONTEXT_DAYS before to CONTEXT_DAYS after it (one
    query for all bursts; the daily tables are the ones the bursts were found in, so the days agree)."""
    if not found:
        return []
    rows = ", ".join("(?, ?, ?, ?::DATE, ?::DATE)" for _ in found)
    params: list[object] = []
    for i, o in enumerate(found):
        margin = dt.timedelta(days=CONTEXT_DAYS)
        params += [i, o.type, o.name, o.start - margin, o.end + margin]
    units, days = daily_units(ctx, around_period=True), _days(ctx)
    daily: dict[int, list[DayTime]] = {i: [] for i in range(len(found))}
    for i, day, ms, total in ctx.fetch(
        f"""
        WITH cands(i, type, key, s, e) AS (VALUES {rows}),
        cal AS (SELECT i, type, key, unnest(generate_series(s, e, INTERVAL 1 DAY))::DATE AS day FROM cands)
        SELECT c.i, c.day, coalesce(u.ms, 0), coalesce(d.total, 0)
        FROM cal c LEFT JOIN {units} u ON u.type = c.type AND u.key = c.key AND u.day = c.day
        LEFT JOIN {days} d ON d.day = c.day
        ORDER BY c.i, c.day""",
        params,
    ):
        daily[int(i)].append(DayTime(day=day, ms=int(ms), total_ms=int(total)))
    return [replace(o, around=daily[i]) for i, o in enumerate(found)]


def _merge(ctx: Context, units: str, found: list[Obsession]) -> list[Obsession]:
    """Resolve overlapping track/artist bursts of one artist, and put display names on the rest."""
    tracks = [o for o in found if o.type == "track"]
    artists = [o for o in found if o.type == "artist"]
    drop: set[int] = set()
    for a in artists:
        for t in tracks:
            if t.name.split(chr(31))[0] != a.name or t.end < a.start or t.start > a.end or id(t) in drop:
                continue
            # the track's time over the artist's burst (same exclusions), against the artist's time there
            track_ms = ctx.one(
                f"SELECT coalesce(sum(ms), 0) FROM {units} WHERE type = 'track' AND key = ? AND day BETWEEN ? AND ?",
                [t.name, a.start, a.end],
            )[0]
            if int(track_ms) >= TRACK_OF_ARTIST * a.ms_played:
                drop.add(id(a))
            else:
                drop.add(id(t))
    kept = [o for o in found if id(o) not in drop]
    if not kept:
        return []
    # Display names: the most played spelling of each artist and track in the selection.
    wanted = sorted({o.name.split(chr(31))[0] for o in kept})
    names = ctx.fetch(
        f"""
        SELECT lower(artist) || chr(31) || coalesce(lower(track), ''), arg_max(artist, n), arg_max(track, n)
        FROM (SELECT artist, track, count(*) AS n FROM {ctx.plays}
              WHERE {ctx.kinds("track")} AND lower(artist) IN (SELECT unnest(?::VARCHAR[])) GROUP BY ALL)
        GROUP BY 1""",
        [wanted],
    )
    by_key = {str(k): (str(a), str(t) if t is not None else "") for k, a, t in names}
    artist_name = {k.split(chr(31))[0]: a for k, (a, _) in by_key.items()}
    out = []
    for o in kept:
        if o.type == "track":
            artist, track = by_key.get(o.name, (o.name.split(chr(31))[0], o.name.split(chr(31))[-1]))
            out.append(replace(o, name=track, artist=artist))
        else:
            artist = artist_name.get(o.name, o.name)
            out.append(replace(o, name=artist, artist=artist))
    return out


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("biggest obsession", None, "", "obsessions.0.name"),
    Figure("obsessions", "times", "", "obsessions|len", about=ANY_NAME),
)
