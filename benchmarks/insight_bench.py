"""Insight speed on a big library against the issue's targets (`make bench`).

Synthesises an Extended streaming history export (default 1,000,000 plays, Gen C) and imports it with the
real CLI into a new library — or reuses ``--db`` when that file exists (a missing ``--db`` is built there and
kept). Then, each in a fresh Python process opening the library read-only (so the figures include the
selection's cost and the peak RSS is that of the insights alone):

  (a) every registered insight over the whole history, one after the other on one engine (shared
      selection): the selection's materialisation, each insight's own time, the total (target <= 10 s) and
      the process's peak RSS (target <= 2 GiB);
  (b) every insight for one year (``--year``, default 2023), each alone in its own process: selection +
      insight (target <= 1 s each).

Machines are noisy: the ratios matter more than the seconds. Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import library_arguments, verdict

TARGET_ALL_S = 10.0
TARGET_ONE_YEAR_S = 1.0
TARGET_RSS_MIB = 2048.0

# Runs in a fresh interpreter: argv[1] is a JSON object {db, names, start, end}. Prints one JSON line.
CHILD = r"""
import json, resource, sys, time
t_proc = time.perf_counter()
args = json.loads(sys.argv[1])
from linernotes.engine import registry
from linernotes.engine.scope import Scope
from linernotes.library import open_library
names = args["names"] or [i.name for i in registry.all_insights()]
for name in names:
    registry.get(name)  # import the modules first: module import is start-up, not insight time
t_imported = time.perf_counter()
lib = open_library(args["db"], read_only=True)
t0 = time.perf_counter()
lib.engine.selection(Scope.make(start=args["start"], end=args["end"]))
t_sel = time.perf_counter() - t0
times = {}
for name in names:
    t = time.perf_counter()
    lib.insight(name, start=args["start"], end=args["end"])
    times[name] = time.perf_counter() - t
total = time.perf_counter() - t0
lib.close()
print(json.dumps({"selection": t_sel, "times": times, "total": total, "startup": t_imported - t_proc,
                  "open": t0 - t_imported, "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def child(db: Path, names: list[str], start: str | None, end: str | None) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps({"db": str(db), "names": names, "start": start, "end": end})],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"insight run failed ({', '.join(names) or 'all'}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def library_for(args: argparse.Namespace, tmp: Path) -> Path:
    """The library of ``--db`` (reused when it exists, else built there) or a new one in ``tmp``."""
    db: Path = args.db or tmp / "library.duckdb"
    if db.exists():
        print(f"reusing {db}", flush=True)
    else:
        build_library(db, args.plays, args.seed, tmp)
    return db


def build_library(db: Path, plays: int, seed: int, tmpdir: Path) -> None:
    from linernotes import synth

    zip_path = tmpdir / "my_spotify_data.zip"
    t0 = time.perf_counter()
    history = synth.generate(n_plays=plays, seed=seed)
    synth.write_extended(history, zip_path, generation="C")
    expected = history.ground_truth()["extended"]["expected_stored_rows"]
    del history
    print(
        f"synthesised {plays:,} plays: {zip_path.stat().st_size / 1e6:.1f} MB zip in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "linernotes", "import", str(zip_path), "--db", str(db), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"import failed:\n{done.stderr}")
    stored = json.loads(done.stdout)["plays_after"]
    print(f"imported {stored:,} plays (ground truth {expected:,}) in {time.perf_counter() - t0:.1f} s", flush=True)
    zip_path.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    library_arguments(parser)
    parser.add_argument("--year", type=int, default=2023, help="the year of the one-year runs")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (median)")
    parser.add_argument("--only", help="comma-separated insight names (default: every insight of the engine; "
                        "the AI layer's models are timed by ai_quality.py --speed)")
    args = parser.parse_args()

    from linernotes.engine import registry

    names = ([s.strip() for s in args.only.split(",")] if args.only
             else [i.name for i in registry.all_insights() if not i.model])
    start, end = f"{args.year}-01-01", f"{args.year}-12-31"

    with tempfile.TemporaryDirectory(prefix="linernotes-insight-bench-") as tmp:
        db = library_for(args, Path(tmp))

        whole = [child(db, names, None, None) for _ in range(args.repeat)]
        years: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
        for _ in range(args.repeat):
            for name in names:
                years[name].append(child(db, [name], start, end))

    def med(values: list[float]) -> float:
        return statistics.median(values)

    rss_whole = max(r["rss_kib"] for r in whole) / 1024
    rss_year = max(r["rss_kib"] for runs in years.values() for r in runs) / 1024
    total = med([r["total"] for r in whole])
    sel = med([r["selection"] for r in whole])
    print()
    print(
        f"{'insight':<14} {'whole history':>14} {f'{args.year} alone':>12} {'= selection':>12} {'+ insight':>10}"
        f" {'vs 1 s':>7}"
    )
    print(f"{'(selection)':<14} {sel:>13.3f}s")
    misses = []
    one_year: dict[str, float] = {}
    for name in names:
        w = med([r["times"][name] for r in whole])
        y_sel = med([r["selection"] for r in years[name]])
        y_ins = med([r["times"][name] for r in years[name]])
        y = med([r["total"] for r in years[name]])
        one_year[name] = y
        flag = "" if y <= TARGET_ONE_YEAR_S else "  MISSED"
        if flag:
            misses.append(f"{name} for {args.year}: {y:.2f} s > {TARGET_ONE_YEAR_S} s")
        print(f"{name:<14} {w:>13.3f}s {y:>11.3f}s {y_sel:>11.3f}s {y_ins:>9.3f}s {y / TARGET_ONE_YEAR_S:>7.2f}{flag}")
    print()
    startup = med([r["startup"] + r["open"] for r in whole])
    print(
        f"all {len(names)} insights, whole history, one process: {total:6.2f} s  (target <= {TARGET_ALL_S:.0f} s, "
        f"ratio {total / TARGET_ALL_S:.2f}; interpreter start-up + open not included: {startup:.2f} s)"
    )
    print(
        f"slowest insight for {args.year} alone:            {max(one_year.values()):6.2f} s  (target <= "
        f"{TARGET_ONE_YEAR_S:.0f} s, ratio {max(one_year.values()) / TARGET_ONE_YEAR_S:.2f}: "
        f"{max(one_year, key=one_year.__getitem__)})"
    )
    print(f"sum of the one-year runs:                     {sum(one_year.values()):6.2f} s")
    print(
        f"peak RSS, all insights over the whole history: {rss_whole:5.0f} MiB  (target <= {TARGET_RSS_MIB:.0f} MiB, "
        f"ratio {rss_whole / TARGET_RSS_MIB:.2f}); largest one-year process {rss_year:.0f} MiB"
    )
    print(f"cpus                                          = {os.cpu_count()}")
    if total > TARGET_ALL_S:
        misses.append(f"all insights over the whole history: {total:.2f} s > {TARGET_ALL_S} s")
    if rss_whole > TARGET_RSS_MIB:
        misses.append(f"peak RSS {rss_whole:.0f} MiB > {TARGET_RSS_MIB:.0f} MiB")
    return verdict(misses, "speed")


if __name__ == "__main__":
    sys.exit(main())
