"""The pool engines: the bounding the privacy analysis assumes, and DuckDB = Spark before noise."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from linernotes.coop.contract import METRICS, TOP_ARTISTS_BENCHMARKS
from linernotes.coop.release import duckdb_engine
from linernotes.coop.release.aggregates import PoolError
from tests.support.release_pool import edge_pool


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], list[Path]]:
    return edge_pool(tmp_path_factory.mktemp("pool"))


def test_duckdb_bounds_each_contributor(pool: tuple[list[Path], list[Path]]) -> None:
    bench, taste = pool
    agg = duckdb_engine.aggregate(bench, taste, taste_k=5)
    assert agg.benchmarks == len(bench) and agg.taste == len(taste)
    for m in METRICS:
        hist = agg.histograms[m.name]
        # every contributor in exactly one bin, out-of-bound values clipped into the first and last bins
        assert hist.shape == (m.bins,) and hist.sum() == len(bench)
        expected = np.zeros(m.bins, dtype=np.int64)
        for f in bench:
            v = min(max(pq.read_table(f).column(m.name)[0].as_py(), m.lower), m.upper)
            expected[min(int(np.floor((v - m.lower) * m.bins / (m.upper - m.lower))), m.bins - 1)] += 1
        assert np.array_equal(hist, expected), m.name
        assert hist[0] >= len(bench) // 5 and hist[-1] >= len(bench) // 5
    # each contributor adds 1 to at most 50 distinct artists; names cut to 200 characters, empty ones dropped
    names = [pq.read_table(f).column("top_artists")[0].as_py()[:TOP_ARTISTS_BENCHMARKS] for f in bench]
    expected_counts: dict[str, int] = {}
    for listed in names:
        for a in {a[:200] for a in listed if a}:
            expected_counts[a] = expected_counts.get(a, 0) + 1
    assert agg.artist_counts == expected_counts
    assert "x" * 200 in agg.artist_counts and "" not in agg.artist_counts
    assert sum(agg.artist_counts.values()) <= TOP_ARTISTS_BENCHMARKS * len(bench)
    # taste: at most k artists and k(k-1)/2 pairs per contributor, pairs ordered
    assert sum(agg.taste_counts.values()) <= 5 * len(taste)
    assert sum(agg.pair_counts.values()) <= 10 * len(taste)
    assert all(a < b for a, b in agg.pair_counts)
    assert max(agg.pair_counts.values()) <= len(taste)


def test_a_file_with_two_rows_is_refused(tmp_path: Path, pool: tuple[list[Path], list[Path]]) -> None:
    import pyarrow as pa

    bench, _ = pool
    table = pq.read_table(bench[10])
    twice = tmp_path / "twice.parquet"
    pq.write_table(pa.concat_tables([table, table]), twice)
    with pytest.raises(PoolError, match="more than one row"):
        duckdb_engine.aggregate([*bench[:5], twice], [])


@pytest.mark.slow
def test_spark_gives_the_same_aggregates(pool: tuple[list[Path], list[Path]], monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    from linernotes.coop.release import spark_engine

    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    bench, taste = pool
    duck = duckdb_engine.aggregate(bench, taste, taste_k=5)
    spark = spark_engine.aggregate(bench, taste, taste_k=5, master="local[2]")
    assert spark.histograms.keys() == duck.histograms.keys()
    for name, hist in duck.histograms.items():
        assert np.array_equal(spark.histograms[name], hist), name
    assert spark.artist_counts == duck.artist_counts
    assert spark.taste_counts == duck.taste_counts
    assert spark.pair_counts == duck.pair_counts
    assert spark.same_as(duck) and len(duck.pair_counts) > 100
