"""A small pool with every edge the engines must bound: values at and beyond the bounds, NaN/NULL-free extremes,
lists longer than the contract allows, duplicate artists, over-long names, mismatched affinity lists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from linernotes.coop.contract import METRICS, benchmarks_schema, scope_dir, taste_schema


def write_benchmarks(path: Path, values: dict[str, float], artists: list[str]) -> Path:
    cols: dict[str, pa.Array] = {m.name: pa.array([float(values[m.name])], pa.float64()) for m in METRICS}
    cols["top_artists"] = pa.array([artists], pa.list_(pa.string()))
    pq.write_table(pa.table(cols, schema=benchmarks_schema()), path)
    return path


def write_taste(path: Path, artists: list[str], affinity: list[int]) -> Path:
    pq.write_table(pa.table({"artists": pa.array([artists], pa.list_(pa.string())),
                             "affinity": pa.array([affinity], pa.list_(pa.int8()))}, schema=taste_schema()), path)
    return path


def edge_pool(storage: Path, n: int = 300, seed: int = 5) -> tuple[list[Path], list[Path]]:
    """``n`` benchmarks and ``n // 3`` taste contributions, a tenth of them at or beyond every edge."""
    rng = np.random.default_rng(seed)
    b_dir, t_dir = scope_dir(storage, "benchmarks"), scope_dir(storage, "taste")
    b_dir.mkdir(parents=True)
    t_dir.mkdir(parents=True)
    bench, taste = [], []
    for i in range(n):
        values = {m.name: float(rng.uniform(m.lower, m.upper)) for m in METRICS}
        kind = i % 10
        if kind == 0:
            values = {m.name: m.lower for m in METRICS}
        elif kind == 1:
            values = {m.name: m.upper for m in METRICS}
        elif kind == 2:
            values = {m.name: m.upper * 3 + 1 for m in METRICS}
        elif kind == 3:
            values = {m.name: m.lower - 5 for m in METRICS}
        elif kind == 4:  # exactly on an inner bin edge
            values = {m.name: float(m.edges()[rng.integers(1, m.bins)]) for m in METRICS}
        count = 80 if kind == 5 else int(rng.integers(0, 30))
        artists = [f"artist{int(a)}" for a in rng.zipf(1.5, count) % 200]
        if kind == 6:
            artists += ["x" * 250, "x" * 260, "", "artist1", "artist1"]
        bench.append(write_benchmarks(b_dir / f"b{i:04d}.parquet", values, artists))
    for i in range(n // 3):
        count = 600 if i % 7 == 0 else int(rng.integers(1, 40))
        artists = [f"artist{int(a)}" for a in rng.zipf(1.4, count) % 150]
        affinity = [int(a) for a in rng.integers(1, 6, len(artists))]
        if i % 5 == 1:
            affinity = affinity[: len(affinity) // 2]  # shorter than the artists: the rest count as the lowest
        if i % 5 == 2:
            affinity = [9 if a > 3 else -2 for a in affinity]  # out of 1..5: clipped
        taste.append(write_taste(t_dir / f"t{i:04d}.parquet", artists, affinity))
    return bench, taste
