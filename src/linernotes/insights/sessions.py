"""Sessions: runs of plays without a long silence between them.

:func:`session_table` is shared by every insight that reasons about sessions (albums, podcasts, modes...);
the ``sessions`` insight below describes them: how long, how they start, on which devices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import pyarrow as pa

from linernotes.engine.figures import Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.engine.words import is_placeholder, start_words
from linernotes.errors import UsageError
from linernotes.formatting import format_date
from linernotes.units import format_hours

DEFAULT_GAP_MINUTES = 20


def session_table(ctx: Context, gap_minutes: int = DEFAULT_GAP_MINUTES) -> str:
    """Name of a temp view: every play of the selection with its session.

    A new session starts at a play that begins more than ``gap_minutes`` after the latest end of all
    earlier plays (the running maximum, so a long play overlapping shorter ones does not split a session).
    Columns: the selection's, plus ``session_id`` (1, 2, ... in time order), ``pos`` (1-based position in
    the session, by start time) and ``gap_s`` (seconds of silence before the play, negative when it
    overlaps; NULL for the very first play). Scrobbles (no ``ms_played``) last zero seconds.
    """
    found = ctx.cached("sessions", key=(gap_minutes,))
    if found is not None:
        return found
    selection, table = ctx.selection, ctx.plays
    if selection.subquery:
        # A question asked in a new process reads its plays straight from the views: sessions need rows
        # with stable numbers to join their keys back to, so these plays are put in a table first.
        table = ctx.derived("session_rows", f"SELECT * FROM {table}")
        rows = f"(SELECT *, rowid AS _ln_row FROM {table})"
    else:
        rows = selection.numbered("_ln_row")
    cols = ctx.fetchnumpy(
        f"SELECT _ln_row AS r, epoch_ms(ts_start) AS s, epoch_ms(ts_end) AS e FROM {rows} "
        f"ORDER BY ts_start, ts_end, play_id"
    )
    n = len(cols["s"])
    session_id, pos, gap_ms = session_keys(cols["s"], cols["e"], gap_minutes)
    row = np.asarray(cols["r"], dtype=np.int64)
    gap_s = pa.array(gap_ms / 1000.0, pa.float64(), mask=_first_only(n))
    if selection.cut_of is None:
        # A table: the keys are stored in its own row order and joined by position — no hash join and no
        # copy of its columns, which matters for a whole history read by every model.
        order = np.argsort(row, kind="stable")
        keys = pa.table({"session_id": session_id[order], "pos": pos[order], "gap_s": gap_s.take(order)})
        join = f"{table} p POSITIONAL JOIN {{keys}} k"
        columns = "p.*"
    else:
        # A period cut from a history: joined back by the history's row number (a hash join on one
        # integer, a few milliseconds for a year of plays).
        keys = pa.table({"r": row, "session_id": session_id, "pos": pos, "gap_s": gap_s})
        join = f"{rows} p JOIN {{keys}} k ON k.r = p._ln_row"
        columns = "p.* EXCLUDE (_ln_row)"
    ctx.con.register("_ln_session_keys", keys)
    try:
        stored = ctx.derived("session_keys", "SELECT * FROM _ln_session_keys", key=(gap_minutes,))
    finally:
        ctx.con.unregister("_ln_session_keys")
    return ctx.derived(
        "sessions",
        f"SELECT {columns}, k.session_id, k.pos, k.gap_s FROM {join.format(keys=stored)}",
        key=(gap_minutes,),
        view=True,
    )


def session_keys(start_ms: np.ndarray, end_ms: np.ndarray, gap_minutes: int) -> tuple[np.ndarray, ...]:
    """For plays in time order (start, end, ``play_id``): each play's session id (1, 2, ...), its 1-based
    position in its session and the silence before it in ms (see :func:`session_table`).

    >>> ids, pos, gap = session_keys(np.array([0, 60_000, 9_000_000]), np.array([50_000, 90_000, 9_100_000]), 20)
    >>> ids.tolist(), pos.tolist(), gap.tolist()
    ([1, 1, 2], [1, 2, 1], [0, 10000, 8910000])
    """
    # The running maximum is a sequential scan: numpy does it in milliseconds, where a SQL window frame
    # over millions of rows takes seconds.
    start = np.asarray(start_ms, dtype=np.int64)
    end = np.asarray(end_ms, dtype=np.int64)
    n = len(start)
    prev_end = np.empty(n, dtype=np.int64)
    if n:
        prev_end[0] = start[0]
        prev_end[1:] = np.maximum.accumulate(end)[:-1]
    gap_ms = start - prev_end
    is_start = gap_ms > gap_minutes * 60_000
    if n:
        is_start[0] = True
    session_id = np.cumsum(is_start)
    first = np.flatnonzero(is_start)
    pos = np.arange(n) - first[session_id - 1] + 1 if n else np.zeros(0, dtype=np.int64)
    return session_id, pos, gap_ms


def _first_only(n: int) -> np.ndarray | None:
    """The mask that makes the very first play's gap NULL."""
    if not n:
        return None
    mask = np.zeros(n, dtype=bool)
    mask[0] = True
    return mask


# ---- the ``sessions`` insight ---------------------------------------------------------------------------

# Bins of a session's length: minutes of wall-clock duration, and plays (every play, skips included).
DURATION_BINS_MIN = (0, 5, 15, 30, 60, 120, 240)
PLAY_BINS = (1, 2, 4, 6, 11, 21, 51)
TOP_SESSIONS = 10


@dataclass(frozen=True)
class Bin:
    """Sessions whose value lies in ``[low, high)`` (``high`` None: no upper bound)."""

    label: str
    low: int
    high: int | None
    sessions: int
    share: float  # of all sessions
    ms_played: int  # listening time of those sessions


@dataclass(frozen=True)
class SessionRow:
    rank: int
    session_id: int
    start: dt.datetime  # local time of the first play's start
    end: dt.datetime  # local time the last play ended (start + duration)
    duration_s: float  # wall-clock: first start to the latest end
    ms_played: int  # listening time inside the session (of the plays whose export records it)
    played_known: bool  # every play records its listening time (scrobbles do not)
    streams: int  # every play in the session, skips included
    plays: int  # plays counted under the policy
    main_artist: str | None  # the artist (or show, or audiobook) with the most time (then plays) in the session
    device: str | None  # the device with the most time in the session


@dataclass(frozen=True)
class Starter:
    """How sessions began: ``reason_start`` of each session's first play."""

    reason_start: str  # 'unknown' when the export does not say
    sessions: int
    share: float


@dataclass(frozen=True)
class DeviceMix:
    device: str  # 'unknown' when the export does not say
    sessions: int  # sessions whose main device (most time) this is
    session_share: float
    ms_played: int  # time of every play on this device, in any session
    time_share: float


@dataclass
class SessionsResult(Result):
    gap_minutes: int
    count: int
    total_ms: int
    median_duration_s: float | None
    mean_duration_s: float | None
    median_streams: float | None
    mean_streams: float | None
    mean_ms_played: float | None  # listening time per session
    sessions_per_active_day: float
    by_duration: list[Bin]  # bins in minutes
    by_streams: list[Bin]
    longest: list[SessionRow]
    starters: list[Starter]
    devices: list[DeviceMix]

    def summary(self) -> list[str]:
        if not self.count or self.median_duration_s is None:
            return ["No listening sessions in this period."]
        minutes = round(self.median_duration_s / 60)
        lasting = "less than a minute" if minutes < 1 else f"{minutes:,} minute{'s' * (minutes != 1)} or less"
        streams = round(self.median_streams or 0)
        lines = [
            f"{self.count:,} sessions (split by {self.gap_minutes} minutes of silence); half of them last "
            f"{lasting}, and "
            + ("half are a single play." if streams <= 1 else f"half hold {streams:,} plays or fewer.")
        ]
        if self.longest:
            s = self.longest[0]
            # A device that retries one track for hours (an Echo logging ten-second `unexpected-exit` plays
            # every few minutes, in a real export) makes a long session of little listening: say how little.
            playing = ""
            if s.played_known and s.ms_played < s.duration_s * 1000 / 2:
                played = s.ms_played / 60_000
                playing = (f" (only {played:,.0f} minute{'s' * (round(played) != 1)} of it playing)" if played >= 1
                           else " (less than a minute of it playing)")
            lines.append(
                f"The longest ran {format_hours(s.duration_s * 1000, unit=' hours', minutes_under_an_hour=True)} "
                f"from {format_date(s.start)}, "
                f"{s.start:%H:%M}{playing}"
                + (f", mostly {s.main_artist}." if s.main_artist else ".")
            )
        if self.starters:
            known = [s for s in self.starters if not is_placeholder(s.reason_start)]
            known_sessions = sum(s.sessions for s in known)
            if known and known_sessions:
                top = known[0]
                lead = "Most sessions" if known_sessions == self.count else \
                    "Of the sessions whose start the export records, most"
                lines.append(f"{lead} start with {start_words(top.reason_start)} "
                             f"({top.sessions / known_sessions:.0%}).")
        return lines


def _rows(ctx: Context, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql``, typed loosely: DuckDB returns Python values whose type the SQL fixes."""
    return ctx.fetch(sql)


def _bins(values: np.ndarray, ms: np.ndarray, edges: tuple[int, ...], unit: str) -> list[Bin]:
    index = np.searchsorted(np.asarray(edges, dtype=np.float64), values, side="right") - 1
    index = np.clip(index, 0, len(edges) - 1)
    counts = np.bincount(index, minlength=len(edges))
    times = np.bincount(index, weights=ms, minlength=len(edges))
    n = len(values)
    out = []
    for i, low in enumerate(edges):
        high = edges[i + 1] if i + 1 < len(edges) else None
        if high is None:
            label = f"{low}+ {unit}"
        elif high - low == 1:
            label = f"{low} {unit.rstrip('s')}"
        else:
            label = f"{low}–{high - 1} {unit}" if unit == "plays" else f"{low}–{high} {unit}"
        out.append(
            Bin(
                label=label,
                low=low,
                high=high,
                sessions=int(counts[i]),
                share=float(counts[i]) / n if n else 0.0,
                ms_played=round(times[i]),
            )
        )
    return out


@insight("sessions", "Listening sessions: how long, how they start, on which devices")
def sessions(
    ctx: Context,
    *,
    gap_minutes: Annotated[int, "minutes of silence that end a session"] = DEFAULT_GAP_MINUTES,
) -> SessionsResult:
    """Sessions are runs of plays (every play of the selection, any kind, skips included) with no silence
    longer than ``gap_minutes`` between the end of everything played so far and the next play's start
    (:func:`session_table`: a play overlapping or inside a long one does not split it).

    - duration: wall-clock, from the first play's start to the latest end; ``ms_played``: listening time;
      ``streams``: every play in the session, ``plays``: those counted under the policy;
    - ``by_duration``: sessions per bin of minutes [0, 5), [5, 15), [15, 30), [30, 60), [60, 120),
      [120, 240), 240+; ``by_streams``: per bin of plays 1, 2–3, 4–5, 6–10, 11–20, 21–50, 51+;
    - ``longest``: the 10 longest by duration (ties: the earlier), with local start and end, the main
      artist (most time; a show or audiobook name when no music; ties by name) and the main device;
    - ``starters``: ``reason_start`` of each session's first play (``unknown`` when not given), by sessions;
    - ``devices``: sessions per main device (the device with the most time in the session; ties by name),
      and time per device over every play;
    - ``sessions_per_active_day``: sessions over the local days with plays.
    """
    if gap_minutes < 1:
        raise UsageError("--gap-minutes must be at least 1")
    table = session_table(ctx, gap_minutes)
    summary = ctx.derived(
        "sessions_insight_summary",
        f"""
        SELECT session_id,
               max(ts_local) FILTER (WHERE pos = 1) AS start_local,
               epoch_ms(max(coalesce(ts_end, ts_start))) - epoch_ms(min(ts_start)) AS duration_ms,
               coalesce(sum(ms_played), 0)::BIGINT AS ms,
               count(*) AS streams,
               count(ms_played) AS timed,
               count(*) FILTER (WHERE counted) AS plays,
               coalesce(max(reason_start) FILTER (WHERE pos = 1), 'unknown') AS reason_start
        FROM {table} GROUP BY session_id""",
        key=(gap_minutes,),
    )
    cols = ctx.fetchnumpy(f"SELECT duration_ms, ms, streams FROM {summary} ORDER BY session_id")
    duration = np.asarray(cols["duration_ms"], dtype=np.float64) / 1000.0
    ms = np.asarray(cols["ms"], dtype=np.float64)
    streams = np.asarray(cols["streams"], dtype=np.float64)
    count = len(duration)
    days = int(_rows(ctx, f"SELECT count(DISTINCT day) FROM {ctx.plays}")[0][0])

    top = _rows(
        ctx,
        f"""
        SELECT session_id, start_local, duration_ms, ms, streams, plays, timed = streams FROM {summary}
        ORDER BY duration_ms DESC, start_local, session_id LIMIT {TOP_SESSIONS}""",
    )
    mains: dict[int, tuple[str | None, str | None]] = {}
    if top:
        ids = ", ".join(str(int(r[0])) for r in top)
        for sid, artist, device in _rows(
            ctx,
            f"""
            WITH a AS (
                SELECT session_id, coalesce(artist, show_name, audiobook) AS name,
                       coalesce(sum(ms_played), 0) AS ms, count(*) AS n
                FROM {table} WHERE session_id IN ({ids}) GROUP BY ALL),
            d AS (
                SELECT session_id, coalesce(device, 'unknown') AS device, coalesce(sum(ms_played), 0) AS ms
                FROM {table} WHERE session_id IN ({ids}) GROUP BY ALL)
            SELECT session_id, first(name ORDER BY ms DESC, n DESC, name) FILTER (WHERE name IS NOT NULL),
                   (SELECT first(device ORDER BY ms DESC, device) FROM d WHERE d.session_id = a.session_id)
            FROM a GROUP BY session_id""",
        ):
            mains[int(sid)] = (artist, device)
    longest = []
    for i, (sid, start, dur_ms, s_ms, s_streams, s_plays, s_timed) in enumerate(top):
        artist, device = mains.get(int(sid), (None, None))
        longest.append(
            SessionRow(
                rank=i + 1,
                session_id=int(sid),
                start=start,
                end=start + dt.timedelta(milliseconds=int(dur_ms)),
                duration_s=int(dur_ms) / 1000.0,
                ms_played=int(s_ms),
                played_known=bool(s_timed),
                streams=int(s_streams),
                plays=int(s_plays),
                main_artist=artist,
                device=device,
            )
        )

    starters = [
        Starter(str(reason), int(n), int(n) / count if count else 0.0)
        for reason, n in _rows(
            ctx,
            f"""
                    SELECT reason_start, count(*) FROM {summary} GROUP BY 1 ORDER BY 2 DESC, 1""",
        )
    ]
    devices = [
        DeviceMix(
            str(dev),
            int(n),
            int(n) / count if count else 0.0,
            int(t_ms),
            float(share or 0.0),
        )
        for dev, n, t_ms, share in _rows(
            ctx,
            f"""
        WITH per AS (
            SELECT session_id, coalesce(device, 'unknown') AS device, coalesce(sum(ms_played), 0) AS ms
            FROM {table} GROUP BY ALL),
        main AS (SELECT session_id, first(device ORDER BY ms DESC, device) AS device FROM per GROUP BY 1),
        time AS (SELECT device, sum(ms)::BIGINT AS ms FROM per GROUP BY 1)
        SELECT t.device, coalesce(m.n, 0), t.ms, t.ms / nullif(sum(t.ms) OVER (), 0)
        FROM time t LEFT JOIN (SELECT device, count(*) AS n FROM main GROUP BY 1) m USING (device)
        ORDER BY 2 DESC, 3 DESC, 1""",
        )
    ]
    return SessionsResult(
        gap_minutes=gap_minutes,
        count=count,
        total_ms=int(ms.sum()),
        median_duration_s=float(np.median(duration)) if count else None,
        mean_duration_s=float(duration.mean()) if count else None,
        median_streams=float(np.median(streams)) if count else None,
        mean_streams=float(streams.mean()) if count else None,
        mean_ms_played=float(ms.mean()) if count else None,
        sessions_per_active_day=count / days if days else 0.0,
        by_duration=_bins(duration / 60.0, ms, DURATION_BINS_MIN, "min"),
        by_streams=_bins(streams, ms, PLAY_BINS, "plays"),
        longest=longest,
        starters=starters,
        devices=devices,
    )


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("longest session", "minutes", r"\blongest\b|\bbiggest\b|\bmarathon\b", "longest.0.duration_s|smin"),
    Figure("sessions", "sessions", r"\bhow many\b|\bnumber of\b|\bcount\b", "count"),
    Figure("typical session", "minutes", "", "median_duration_s|smin"),
)
