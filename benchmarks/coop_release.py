"""The cooperative's release at scale (`make bench`): time, memory and percentile accuracy.

Synthesises a pool of N ``benchmarks`` contributions (default 100,000) and N/10 ``taste`` contributions, one
Parquet file each as the server stores them (not timed as part of the release), then, each in a fresh process
(``python -m linernotes.coop.release``) whose process tree's peak RSS is sampled:

  (a) a full release on DuckDB: read every file, aggregate, noise, sign (targets: ≤ 60 s, peak RSS ≤ 4 GiB);
  (b) the same on Spark ``local[*]`` (timed and reported, no target; ``--skip-spark`` leaves it out,
      ``--spark-contributors`` runs it on the first M files of each scope only).

Then, at ε = 1 per metric, each metric's percentile computed as a device would (from the DuckDB release)
against the true percentile (share of contributors below) for 1,000 random contributors' own values plus the
extremes: the largest error (target ≤ 1 point) and how often the shown uncertainty covers the truth (target:
always). Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson
import psutil

from _common import verdict
from linernotes.coop.contract import METRICS
from linernotes.coop.crowd.percentile import place
from linernotes.coop.crowd.shared_taste_picks import recommend

# isort: split
# (after _common, which puts the repository root on the path for tests.support)
from tests.support.synthetic_pool import SynthPool, synth_pool

GIB = 1024**3


def run_release(storage: Path, out: Path, key: Path, engine: str) -> tuple[float, int, str]:
    """Wall time, peak RSS of the whole process tree (the JVM included for Spark), and the command's line."""
    cmd = [sys.executable, "-m", "linernotes.coop.release", str(storage), "-o", str(out), "--key", str(key),
           "--engine", engine, "--lifetime-epsilon", "1000"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"release on {engine} failed:\n{stderr[-3000:]}")
    return elapsed, peak, stdout.strip()


def link_subset(storage: Path, target: Path, benchmarks: int, taste: int) -> Path:
    """A pool of the first files of each scope (hard links: no copying)."""
    for scope, n in (("benchmarks", benchmarks), ("taste", taste)):
        (target / scope).mkdir(parents=True)
        for f in sorted((storage / scope).glob("*.parquet"))[:n]:
            (target / scope / f.name).hardlink_to(f)
    return target


def accuracy(payload: dict, values: dict[str, np.ndarray], persons: int, seed: int) -> dict[str, tuple[float, float]]:
    """Per metric: the largest |local − true| percentile error and the share of intervals covering the truth."""
    rng = np.random.default_rng(seed)
    out = {}
    for m in METRICS:
        sorted_values = np.sort(values[m.name])
        sample = np.concatenate([rng.choice(values[m.name], persons, replace=False),
                                 [sorted_values[0], sorted_values[-1], m.lower, m.upper]])
        truth = 100.0 * np.searchsorted(sorted_values, sample, side="left") / len(sorted_values)
        errors, covered = [], 0
        for v, t in zip(sample, truth, strict=True):
            p = place(payload["metrics"][m.name], float(v))
            errors.append(abs(p.percentile - t))
            covered += p.low <= t <= p.high
        out[m.name] = (max(errors), covered / len(sample))
    return out


def taste_report(payload: dict, clusters: int) -> str:
    """How many released artists, and the share of top-10 recommendations from 5 artists of a planted cluster
    that come from the same cluster (reported, no target: the taste noise is set for privacy first)."""
    model = payload.get("taste") or {}
    vectors = dict(zip(model.get("artists", []), model.get("vectors", []), strict=True))
    if not vectors:
        return "no artist passed the threshold"
    hits = total = 0
    for c in range(int(clusters)):
        seeds = [SynthPool.cluster_artist(c, i) for i in range(5)]
        picks = recommend(vectors, seeds, seeds, 10)
        hits += sum(name.startswith(f"cluster{c:02d}-") for name, _ in picks)
        total += len(picks)
    return (f"{len(vectors):,} artists released (threshold {model.get('threshold')}), recommendations in the "
            f"seeds' planted cluster: {hits / max(total, 1):.0%} of {total}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contributors", type=int, default=100_000, help="benchmarks contributors (taste: a tenth)")
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--spark-contributors", type=int, help="run Spark on this many benchmarks files only")
    parser.add_argument("--persons", type=int, default=1000, help="contributors whose percentile is checked")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="write the pool here and keep it (default: a temp folder)")
    args = parser.parse_args()
    if args.contributors < 100:
        raise SystemExit("error: --contributors must be at least 100")

    tmp = Path(tempfile.mkdtemp(prefix="coop-bench-"))
    storage = args.keep or tmp / "storage"
    try:
        n = args.contributors
        t0 = time.perf_counter()
        pool = synth_pool(storage, n, seed=args.seed)
        print(f"pool: {n:,} benchmarks + {n // 10:,} taste files synthesised in {time.perf_counter() - t0:.1f} s "
              "(not part of the release)", flush=True)
        key = tmp / "server.key"
        misses: list[str] = []

        secs, rss, line = run_release(storage, tmp / "duckdb.json", key, "duckdb")
        print(f"DuckDB release: {secs:.1f} s (target ≤ 60), peak RSS {rss / GIB:.2f} GiB (target ≤ 4)\n  {line}",
              flush=True)
        if secs > 60:
            misses.append(f"DuckDB release {secs:.1f} s > 60 s")
        if rss > 4 * GIB:
            misses.append(f"DuckDB peak RSS {rss / GIB:.2f} GiB > 4 GiB")

        if not args.skip_spark:
            m = min(args.spark_contributors or n, n)
            spark_pool = storage if m == n else link_subset(storage, tmp / "spark-pool", m, m // 10)
            secs, rss, line = run_release(spark_pool, tmp / "spark.json", key, "spark")
            print(f"Spark local[*] release over {m:,} + {m // 10:,} files: {secs:.1f} s (no target), "
                  f"peak RSS {rss / GIB:.2f} GiB (driver + JVM)\n  {line}", flush=True)

        payload = orjson.loads((tmp / "duckdb.json").read_bytes())["payload"]
        print(f"\npercentiles at ε = 1 per metric, {args.persons:,} contributors' own values + extremes:")
        print(f"{'metric':>16}  {'max error':>10}  {'coverage':>9}")
        for name, (err, cover) in accuracy(payload, pool.values, args.persons, args.seed).items():
            print(f"{name:>16}  {err:>10.3f}  {cover:>9.2%}")
            if err > 1.0:
                misses.append(f"{name}: percentile error {err:.2f} points > 1")
            if cover < 1.0:
                misses.append(f"{name}: the interval missed the truth in {1 - cover:.2%} of cases")
        print(f"{'target':>16}  {'≤ 1.000':>10}  {'100.00%':>9}")
        print(f"\ntaste model: {taste_report(payload, pool.clusters.max() + 1)}")
        return verdict(misses, "coop release")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
