"""Command line: ``python -m linernotes.synth --plays N --seed S --out DIR [--formats ...]``."""

from __future__ import annotations

import argparse
import sys
import time

from . import generate, write_all


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m linernotes.synth", description=__doc__)
    ap.add_argument("--plays", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--start", default="2016-01-01")
    ap.add_argument("--end", default="2025-06-30")
    ap.add_argument("--home-country", default="DE")
    ap.add_argument("--formats", default="extended,account,lastfm,listenbrainz")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    h = generate(args.plays, seed=args.seed, start=args.start, end=args.end, home_country=args.home_country)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    gt = write_all(h, args.out, formats)
    written = gt["written"]
    assert isinstance(written, dict)
    for name, manifest in written.items():
        sys.stdout.write(f"{name}: {manifest['rows']} rows -> {args.out}/{manifest['path']}\n")
    sys.stdout.write(f"done in {time.perf_counter() - t:.1f}s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
