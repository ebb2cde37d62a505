"""The pre-noise aggregates a release is made from, and the SQL both engines run to compute them.

Every engine must produce exactly the same :class:`Aggregates` from the same files (a test checks DuckDB
against Spark). The SQL here is written in the dialect both share, so the bounding — the part the privacy
analysis rests on — is literally the same text in each engine:

- a metric value is clipped to the contract's bounds (NULL counts as the lower bound, NaN as the upper), and
  falls in exactly one of the contract's uniform bins: one contributor adds 1 to one bin per metric;
- a benchmarks contributor's ``top_artists`` is cut to its first 50 entries, names to 200 characters, and
  counted once per distinct name: one contributor adds 1 to at most 50 artists;
- a taste contributor's list is cut to 500 entries, each artist keeps its best affinity, and only the
  ``k`` best artists (affinity, then list order) count and form pairs: one contributor adds 1 to at most
  ``k`` artist counts and to at most ``k (k - 1) / 2`` pair counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from linernotes.coop.contract import (
    AFFINITY_MAX,
    AFFINITY_MIN,
    MAX_NAME_CHARS,
    METRICS,
    TOP_ARTISTS_BENCHMARKS,
    TOP_ARTISTS_TASTE,
    Metric,
)
from linernotes.errors import LinernotesError

TASTE_TOP_K = 12  # artists per taste contributor that count and form pairs: 66 pairs at most


class PoolError(LinernotesError):
    """A pool the engines refuse to aggregate (a file that is not one contribution)."""


@dataclass
class Aggregates:
    """Exact counts over the bounded contributions; nothing here is published before noise is added."""

    benchmarks: int = 0  # contributions read (files)
    taste: int = 0
    histograms: dict[str, np.ndarray] = field(default_factory=dict)  # metric -> int64 count per bin
    artist_counts: dict[str, int] = field(default_factory=dict)  # benchmarks: contributors naming each artist
    taste_counts: dict[str, int] = field(default_factory=dict)  # taste: contributors with the artist in their top k
    pair_counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (a, b), a < b: contributors with both

    def same_as(self, other: Aggregates) -> bool:
        """Equal in every count (what the engine-equivalence test asserts)."""
        return (self.benchmarks == other.benchmarks and self.taste == other.taste
                and self.histograms.keys() == other.histograms.keys()
                and all(np.array_equal(v, other.histograms[k]) for k, v in self.histograms.items())
                and self.artist_counts == other.artist_counts and self.taste_counts == other.taste_counts
                and self.pair_counts == other.pair_counts)


def _double(x: float) -> str:
    # A plain literal like 0.08 is DECIMAL in both DuckDB and Spark SQL; a cast string is the same double in both.
    return f"CAST('{float(x)!r}' AS DOUBLE)"


def bin_sql(m: Metric) -> str:
    """The bin (0 .. bins-1) of metric ``m`` for one contribution, its value clipped to the public bounds."""
    lo, hi = _double(m.lower), _double(m.upper)
    clipped = f"LEAST(GREATEST(COALESCE({m.name}, {lo}), {lo}), {hi})"
    return f"LEAST(CAST(FLOOR(({clipped} - {lo}) * {m.bins} / ({hi} - {lo})) AS BIGINT), {m.bins - 1})"


def histogram_sql(table: str) -> str:
    """One query for every metric's histogram: rows (metric, bin, n)."""
    parts = [f"SELECT '{m.name}' AS metric, {bin_sql(m)} AS bin FROM {table}" for m in METRICS]
    return f"SELECT metric, bin, count(*) AS n FROM ({' UNION ALL '.join(parts)}) h GROUP BY metric, bin"


def artists_sql(exploded: str) -> str:
    """Contributors per artist from ``exploded`` rows (cid, pos 0-based, artist) of benchmarks lists."""
    return f"""
        SELECT artist, count(*) AS n FROM (
            SELECT DISTINCT cid, SUBSTRING(artist, 1, {MAX_NAME_CHARS}) AS artist FROM {exploded}
            WHERE pos < {TOP_ARTISTS_BENCHMARKS} AND artist IS NOT NULL AND artist <> ''
        ) a GROUP BY artist"""


def taste_top_sql(exploded: str, k: int) -> str:
    """Each taste contributor's ``k`` best distinct artists from ``exploded`` rows (cid, pos, artist, affinity)."""
    return f"""
        SELECT cid, artist FROM (
            SELECT cid, artist, ROW_NUMBER() OVER (PARTITION BY cid ORDER BY f DESC, pos ASC) AS r FROM (
                SELECT cid, SUBSTRING(artist, 1, {MAX_NAME_CHARS}) AS artist, min(pos) AS pos,
                       max(LEAST(GREATEST(COALESCE(CAST(affinity AS INT), {AFFINITY_MIN}), {AFFINITY_MIN}),
                                 {AFFINITY_MAX})) AS f
                FROM {exploded}
                WHERE pos < {TOP_ARTISTS_TASTE} AND artist IS NOT NULL AND artist <> ''
                GROUP BY cid, SUBSTRING(artist, 1, {MAX_NAME_CHARS})
            ) d
        ) ranked WHERE r <= {int(k)}"""


def taste_counts_sql(top: str) -> str:
    return f"SELECT artist, count(*) AS n FROM {top} GROUP BY artist"


def pairs_sql(top: str) -> str:
    return f"""SELECT x.artist AS a, y.artist AS b, count(*) AS n FROM {top} x JOIN {top} y
               ON x.cid = y.cid AND x.artist < y.artist GROUP BY x.artist, y.artist"""


def histograms_from_rows(rows: list[tuple[str, int, int]]) -> dict[str, np.ndarray]:
    """Dense count vectors (every bin, zeros included: the set of bins is public) from (metric, bin, n) rows."""
    out = {m.name: np.zeros(m.bins, dtype=np.int64) for m in METRICS}
    for name, b, n in rows:
        out[name][int(b)] = int(n)
    return out
