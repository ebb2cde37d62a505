"""The default pool engine: DuckDB over the Parquet files of one machine.

The files are read once into temp tables (all threads; a list of paths, not a glob, so the caller decides which
contributions a release includes), then every aggregate is one query of :mod:`.aggregates` over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from linernotes.coop.contract import METRIC_NAMES
from linernotes.coop.release import aggregates as q
from linernotes.coop.release.aggregates import Aggregates, PoolError


def aggregate(benchmark_files: Sequence[Path], taste_files: Sequence[Path], *,
              taste_k: int = q.TASTE_TOP_K, threads: int | None = None) -> Aggregates:
    """Exact aggregates of the given contributions (see :mod:`.aggregates` for the bounding)."""
    con = duckdb.connect()
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.execute("SET preserve_insertion_order = false")
        out = Aggregates()
        if benchmark_files:
            cols = ", ".join(f"CAST({n} AS DOUBLE) AS {n}" for n in METRIC_NAMES)
            con.execute(f"""CREATE TEMP TABLE b AS SELECT row_number() OVER () AS cid, filename, {cols}, top_artists
                            FROM read_parquet(?, filename = true, union_by_name = false)""",
                        [[str(p) for p in benchmark_files]])
            out.benchmarks = _one_row_per_file(con, "b", len(benchmark_files))
            out.histograms = q.histograms_from_rows(con.execute(q.histogram_sql("b")).fetchall())
            con.execute("""CREATE TEMP VIEW b_exploded AS
                           SELECT cid, generate_subscripts(top_artists, 1) - 1 AS pos, unnest(top_artists) AS artist
                           FROM b""")
            out.artist_counts = dict(con.execute(q.artists_sql("b_exploded")).fetchall())
        if taste_files:
            con.execute("""CREATE TEMP TABLE t AS SELECT row_number() OVER () AS cid, filename, artists, affinity
                           FROM read_parquet(?, filename = true)""", [[str(p) for p in taste_files]])
            out.taste = _one_row_per_file(con, "t", len(taste_files))
            # Zipped unnest: an affinity list shorter than the artists list pads with NULL (= the lowest bin).
            con.execute("""CREATE TEMP VIEW t_exploded AS
                           SELECT cid, generate_subscripts(artists, 1) - 1 AS pos, unnest(artists) AS artist,
                                  unnest(affinity[1:len(artists)]) AS affinity FROM t""")
            con.execute(f"CREATE TEMP TABLE t_top AS {q.taste_top_sql('t_exploded', taste_k)}")
            out.taste_counts = dict(con.execute(q.taste_counts_sql("t_top")).fetchall())
            out.pair_counts = {(a, b): n for a, b, n in con.execute(q.pairs_sql("t_top")).fetchall()}
        return out
    finally:
        con.close()


def _one_row_per_file(con: duckdb.DuckDBPyConnection, table: str, expected_files: int) -> int:
    rows, files = con.execute(f"SELECT count(*), count(DISTINCT filename) FROM {table}").fetchall()[0]
    if rows != files:
        raise PoolError(f"{rows - files} contribution file(s) hold more than one row: a contribution is one row")
    return int(rows)
