"""What the benchmark scripts share: a synthetic history imported into a library, and the verdict line.

The scripts run as ``python benchmarks/NAME.py``, so this module is found beside them; importing it puts the
repository root on the path, so the scripts share the tests' harnesses (``tests.support``) as pytest does.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from linernotes.library import Library

REPOSITORY = Path(__file__).resolve().parents[1]
if str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))


def synthetic_library(seed: int, plays: int, start: str, end: str, tmp: Path,
                      **options: float) -> tuple[Library, dict[str, Any], str]:
    """Generate a history, write it as a Gen C Extended export, import it into a new library in ``tmp``.

    ``options`` go to :func:`linernotes.synth.generate` (e.g. ``era_crossfade_days=60``).

    Returns the open library (the caller closes it), the ground truth and a note on how long it took.
    """
    from linernotes import synth
    from linernotes.library import open_library

    t0 = time.perf_counter()
    history = synth.generate(n_plays=plays, seed=seed, start=start, end=end, **options)
    zip_path = tmp / f"export_{seed}.zip"
    synth.write_extended(history, zip_path, generation="C")
    truth = history.ground_truth()
    del history
    lib = open_library(tmp / f"lib_{seed}.duckdb")
    lib.import_paths([zip_path])
    return lib, truth, f"synthesised and imported in {time.perf_counter() - t0:.1f} s"


def library_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the scripts that measure a big library: its size, seed, and a file to reuse."""
    parser.add_argument("--plays", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--db", type=Path, help="library to use (reused when it exists, else built and kept)")


def verdict(misses: list[str], what: str) -> int:
    """Print the misses (or that every target was met) and return the exit status."""
    if misses:
        print("\nMISSED: " + "; ".join(misses))
        return 1
    print(f"\nall {what} targets met")
    return 0


def print_seed_line(rep: Any, keys: list[str], labels: dict[str, str], fmt: Any, verbose: bool,
                    always: tuple[str, ...] = ()) -> None:
    """One seed's figures on a line, then its notes: all with ``verbose``, else those containing ``always``."""
    shown = "  ".join(f"{labels[k]} {fmt(rep.figures.get(k))}" for k in keys)
    print(f"seed {rep.seed}: {shown}", flush=True)
    for note in rep.notes:
        if verbose or any(word in note for word in always):
            print(f"    {note}")


def print_seed_table(
    reports: list[Any], keys: list[str], labels: dict[str, str], targets: dict[str, str], width: int, fmt: Any
) -> dict[str, float | None]:
    """Print one row per seed (``reports`` have ``seed`` and ``figures``), the means and the targets; returns
    the means (None for a figure some seed lacks)."""
    print(f"{'seed':>6}  " + "  ".join(f"{labels[k]:>{width}}" for k in keys))
    for rep in reports:
        print(f"{rep.seed:>6}  " + "  ".join(f"{fmt(rep.figures.get(k)):>{width}}" for k in keys))
    means: dict[str, float | None] = {}
    for k in keys:
        vals = [r.figures.get(k) for r in reports]
        means[k] = None if any(v is None for v in vals) else statistics.fmean(v for v in vals if v is not None)
    print(f"{'mean':>6}  " + "  ".join(f"{fmt(means[k]):>{width}}" for k in keys))
    print(f"{'target':>6}  " + "  ".join(f"{targets[k]:>{width}}" for k in keys))
    return means
