"""Command line: ``python -m linernotes.synth --plays N --seed S --out DIR [--formats ...]``."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

import click

import linernotes

PROG = "python -m linernotes.synth"


@click.command(PROG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(linernotes.__version__, "--version", "-V", prog_name=PROG, message="%(prog)s %(version)s")
@click.option("--plays", type=int, default=10_000, show_default=True, help="Size of the synthetic history.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same history).")
@click.option("--out", required=True, help="Folder the exports are written to.")
@click.option("--start", default="2016-01-01", show_default=True, help="First day of the history.")
@click.option("--end", default="2025-06-30", show_default=True, help="Last day of the history.")
@click.option("--home-country", default="DE", show_default=True, help="Where the listener lives.")
@click.option("--formats", default="extended,account,lastfm,listenbrainz", show_default=True,
              help="Exports to write, comma-separated (also: apple).")
def synth_cmd(plays: int, seed: int, out: str, start: str, end: str, home_country: str, formats: str) -> None:
    """Synthesise a listening history and write it as the exports of several services, with its ground truth."""
    from linernotes.synth import generate, write_all

    t = time.perf_counter()
    h = generate(plays, seed=seed, start=start, end=end, home_country=home_country)
    gt = write_all(h, out, tuple(f.strip() for f in formats.split(",") if f.strip()))
    written = gt["written"]
    assert isinstance(written, dict)
    for name, manifest in written.items():
        sys.stdout.write(f"{name}: {manifest['rows']} rows -> {out}/{manifest['path']}\n")
    sys.stdout.write(f"done in {time.perf_counter() - t:.1f}s\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run with ``argv`` in this process (a bad option raises click's UsageError); 0 when done."""
    synth_cmd.main(args=argv, prog_name=PROG, standalone_mode=False)
    return 0


if __name__ == "__main__":
    synth_cmd.main(prog_name=PROG)
