"""Synthetic contribution pools with planted truth, for the release tests and the scale benchmark.

A pool written here has exactly the layout and schema of the real one (:mod:`linernotes.coop.contract`): one
Parquet file per contribution under ``<storage>/<scope>/<package_id>.parquet``. The values are drawn with
numpy in one go; only the writing is per file (the pool *is* one file per contributor). ``taste`` contributors
belong to planted clusters, each with its own artists, so a test can check that recommendations stay inside
the person's cluster.

    >>> pool = synth_pool(Path("/tmp/pool"), 1000, seed=1)   # doctest: +SKIP
    >>> pool.values["weekly_hours"].shape
    (1000,)
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from linernotes.coop.contract import METRICS, TOP_ARTISTS_BENCHMARKS, scope_dir

CLUSTER_ARTISTS = 60  # artists that belong to each planted taste cluster
POPULAR_ARTISTS = 5_000  # the benchmarks scope's artist vocabulary (Zipf-distributed popularity)


@dataclass(frozen=True)
class SynthPool:
    """What was written: the true (clipped) metric values in file order, and each taste file's cluster."""

    storage: Path
    benchmark_files: list[Path]
    taste_files: list[Path]
    values: dict[str, np.ndarray]
    clusters: np.ndarray

    @staticmethod
    def cluster_artist(cluster: int, i: int) -> str:
        return f"cluster{cluster:02d}-artist{i:03d}"


def draw_metrics(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Plausible, continuous per-person metric values (clipped to the contract's bounds, as a device does)."""
    raw = {
        "weekly_hours": rng.lognormal(np.log(9.0), 0.8, n),
        "discovery_rate": rng.beta(2.0, 8.0, n),
        "diversity": rng.beta(6.0, 3.0, n),
        "skip_rate": rng.beta(2.0, 5.0, n),
        "night_share": rng.beta(1.2, 12.0, n),
        "session_minutes": rng.lognormal(np.log(40.0), 0.7, n),
        "loyalty": rng.beta(4.0, 4.0, n),
        "podcast_share": rng.beta(1.1, 6.0, n),
    }
    return {m.name: np.clip(raw[m.name], m.lower, m.upper) for m in METRICS}


def _write_benchmarks(args: tuple[list[str], dict[str, np.ndarray], list[list[str]]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from linernotes.coop.contract import benchmarks_schema

    paths, values, artists = args
    schema = benchmarks_schema()
    for i, path in enumerate(paths):
        cols = {name: pa.array([float(v[i])], pa.float64()) for name, v in values.items()}
        cols["top_artists"] = pa.array([artists[i]], pa.list_(pa.string()))
        pq.write_table(pa.table(cols, schema=schema), path, compression="none")


def _write_taste(args: tuple[list[str], list[list[str]], list[list[int]]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from linernotes.coop.contract import taste_schema

    paths, artists, affinity = args
    schema = taste_schema()
    for i, path in enumerate(paths):
        table = pa.table({"artists": pa.array([artists[i]], pa.list_(pa.string())),
                          "affinity": pa.array([affinity[i]], pa.list_(pa.int8()))}, schema=schema)
        pq.write_table(table, path, compression="none")


def _chunks(n: int, parts: int) -> list[slice]:
    bounds = np.linspace(0, n, parts + 1).astype(int)
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a]


def synth_pool(storage: Path, n_benchmarks: int, n_taste: int | None = None, *, seed: int = 0,
               clusters: int = 8, workers: int | None = None) -> SynthPool:
    """Write ``n_benchmarks`` benchmarks contributions and ``n_taste`` (default a tenth) taste contributions."""
    rng = np.random.default_rng(seed)
    n_taste = n_benchmarks // 10 if n_taste is None else n_taste
    values = draw_metrics(n_benchmarks, rng)
    # Top artists: Zipf popularity over a public-looking vocabulary; 10–50 distinct names, most listened first.
    ranks = np.minimum(rng.zipf(1.3, (n_benchmarks, TOP_ARTISTS_BENCHMARKS)), POPULAR_ARTISTS) - 1
    lengths = rng.integers(10, TOP_ARTISTS_BENCHMARKS + 1, n_benchmarks)
    top = [list(dict.fromkeys(f"artist{r:05d}" for r in row[:k])) for row, k in zip(ranks, lengths, strict=True)]
    # Taste: each contributor draws mostly from the artists of one planted cluster.
    member = rng.integers(0, clusters, n_taste)
    taste_artists, taste_affinity = [], []
    for c in member:
        own = rng.permutation(CLUSTER_ARTISTS)[:30]
        other = rng.integers(0, clusters * CLUSTER_ARTISTS, 10)
        names = [SynthPool.cluster_artist(int(c), int(i)) for i in own]
        names += [SynthPool.cluster_artist(int(o // CLUSTER_ARTISTS), int(o % CLUSTER_ARTISTS)) for o in other]
        names = list(dict.fromkeys(names))
        taste_artists.append(names)
        taste_affinity.append([int(a) for a in np.clip(5 - np.arange(len(names)) // 10, 1, 5)])
    b_dir, t_dir = scope_dir(storage, "benchmarks"), scope_dir(storage, "taste")
    b_dir.mkdir(parents=True, exist_ok=True)
    t_dir.mkdir(parents=True, exist_ok=True)
    b_files = [b_dir / f"b{seed:03d}-{i:07d}.parquet" for i in range(n_benchmarks)]
    t_files = [t_dir / f"t{seed:03d}-{i:07d}.parquet" for i in range(n_taste)]
    workers = workers or min(4, os.cpu_count() or 1)
    b_jobs = [([str(p) for p in b_files[s]], {k: v[s] for k, v in values.items()}, top[s])
              for s in _chunks(n_benchmarks, workers * 4)]
    t_jobs = [([str(p) for p in t_files[s]], taste_artists[s], taste_affinity[s]) for s in _chunks(n_taste, workers)]
    if workers > 1 and n_benchmarks + n_taste > 2_000:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_write_benchmarks, b_jobs))
            list(pool.map(_write_taste, t_jobs))
    else:
        for job in b_jobs:
            _write_benchmarks(job)
        for tjob in t_jobs:
            _write_taste(tjob)
    return SynthPool(storage, b_files, t_files, values, member)
