"""Sessions: runs of plays without a long silence between them.

:func:`session_table` is shared by every insight that reasons about sessions (albums, podcasts, modes...).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from linernotes.insights.scope import Context

DEFAULT_GAP_MINUTES = 20


def session_table(ctx: Context, gap_minutes: int = DEFAULT_GAP_MINUTES) -> str:
    """Name of a temp table: every play of the selection with its session.

    A new session starts at a play that begins more than ``gap_minutes`` after the latest end of all
    earlier plays (the running maximum, so a long play overlapping shorter ones does not split a session).
    Columns: the selection's, plus ``session_id`` (1, 2, ... in time order), ``pos`` (1-based position in
    the session, by start time) and ``gap_s`` (seconds of silence before the play, negative when it
    overlaps; NULL for the very first play). Scrobbles (no ``ms_played``) last zero seconds.
    """
    found = ctx.cached("sessions", key=(gap_minutes,))
    if found is not None:
        return found
    # The running maximum is a sequential scan: numpy does it in milliseconds, where a SQL window frame
    # over millions of rows takes seconds.
    cols = ctx.fetchnumpy(f"SELECT play_id, epoch_ms(ts_start) AS s, epoch_ms(ts_end) AS e FROM {ctx.plays} "
                          f"ORDER BY ts_start, ts_end, play_id")
    start = np.asarray(cols["s"], dtype=np.int64)
    end = np.asarray(cols["e"], dtype=np.int64)
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
    gap_s = pa.array(gap_ms / 1000.0, mask=np.arange(n) == 0) if n else pa.array([], pa.float64())
    keys = pa.table({"play_id": pa.array(np.asarray(cols["play_id"]), pa.uint64()),
                     "session_id": pa.array(session_id, pa.int64()), "pos": pa.array(pos, pa.int64()),
                     "gap_s": gap_s})
    ctx.con.register("_ln_session_keys", keys)
    try:
        return ctx.derived("sessions", f"""
            SELECT p.*, k.session_id, k.pos, k.gap_s
            FROM {ctx.plays} p JOIN _ln_session_keys k USING (play_id)
        """, key=(gap_minutes,))
    finally:
        ctx.con.unregister("_ln_session_keys")
