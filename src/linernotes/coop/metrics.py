"""The person's own values of the cooperative's published metrics, computed on the device.

ONE definition, used both for what a contribution carries (the contribution client must call
:func:`person_metrics`) and for placing the person in a release ("you vs. the crowd"): a value compared with
the crowd must be computed exactly as the crowd's were. Each follows the ``meaning`` in
:data:`linernotes.coop.contract.METRICS`, is computed in DuckDB over the library's whole history with incognito
plays left out (whatever the library's setting: nothing from an incognito play is ever shared) and the person's
exclusion rules applied, and is clipped to the metric's public bounds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linernotes.coop.contract import METRIC_NAMES, METRICS
from linernotes.engine.scope import ITEM_SQL, Scope

if TYPE_CHECKING:
    from linernotes.library import Library

SESSION_GAP_MINUTES = 20  # the sessions insight's default: a new session after 20 minutes of silence
DISCOVERY_DAYS = 30
NIGHT_END_HOUR = 5


def shared_plays(lib: Library) -> str:
    """SQL for the plays anything shared or compared is drawn from: never an incognito play (whatever the
    library's setting), the person's exclusion rules applied (listening marked as not theirs), some time
    played."""
    plays = lib.engine.context(Scope(include_incognito=False)).relation()
    return f"(SELECT * FROM {plays} WHERE coalesce(ms_played, 0) > 0)"


def person_metrics(lib: Library) -> dict[str, float]:
    """Every published metric for this library's person, clipped to its bounds (0 where nothing was played).

    >>> person_metrics(lib)["skip_rate"]  # doctest: +SKIP
    0.21
    """
    row = lib.con.execute(f"""
        WITH p AS {shared_plays(lib)},
        music AS (SELECT *, min(ts_start) OVER (PARTITION BY {ITEM_SQL}) AS first_start
                  FROM p WHERE kind = 'track'),
        artists AS (SELECT artist, sum(ms_played)::DOUBLE AS ms FROM p
                    WHERE kind = 'track' AND artist IS NOT NULL GROUP BY artist),
        shares AS (SELECT ms / sum(ms) OVER () AS s, row_number() OVER (ORDER BY ms DESC, artist) AS r,
                          count(*) OVER () AS n FROM artists),
        gaps AS (SELECT ts_start, coalesce(ts_end, ts_start + to_milliseconds(ms_played)) AS ts_stop,
                        max(coalesce(ts_end, ts_start + to_milliseconds(ms_played))) OVER (
                            ORDER BY ts_start, ts_stop ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
                 FROM p),
        marked AS (SELECT *, sum(CASE WHEN prev_end IS NULL
                                        OR ts_start > prev_end + INTERVAL {SESSION_GAP_MINUTES} MINUTE
                                      THEN 1 ELSE 0 END) OVER (ORDER BY ts_start, ts_stop) AS session FROM gaps),
        sessions AS (SELECT epoch(max(ts_stop) - min(ts_start)) / 60.0 AS minutes FROM marked GROUP BY session)
        SELECT
          (SELECT sum(ms_played) FILTER (WHERE kind IN ('track', 'episode')) / 3.6e6
                  / nullif(count(DISTINCT date_trunc('week', day)), 0) FROM p),
          (SELECT sum(ms_played) FILTER (WHERE ts_start < first_start + INTERVAL {DISCOVERY_DAYS} DAY)::DOUBLE
                  / nullif(sum(ms_played), 0) FROM music),
          (SELECT CASE WHEN max(n) > 1 THEN -sum(s * ln(s)) / ln(max(n)) ELSE 0 END FROM shares WHERE s > 0),
          (SELECT avg(CASE WHEN skip THEN 1.0 ELSE 0.0 END) FROM p WHERE skip IS NOT NULL),
          (SELECT sum(ms_played) FILTER (WHERE hour < {NIGHT_END_HOUR})::DOUBLE / nullif(sum(ms_played), 0) FROM p),
          (SELECT median(minutes) FROM sessions),
          (SELECT sum(s) FILTER (WHERE r <= 10) FROM shares),
          (SELECT sum(ms_played) FILTER (WHERE kind = 'episode')::DOUBLE / nullif(sum(ms_played), 0) FROM p)
    """).fetchone()  # the columns in the contract's order
    raw = dict(zip(METRIC_NAMES, row or (None,) * len(METRIC_NAMES), strict=True))
    return {m.name: m.clip(float(raw[m.name] or 0.0)) for m in METRICS}
