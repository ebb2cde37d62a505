"""Insight quality against the synthetic generator's planted ground truth (`make bench`).

For each seed (none of them used by the tests), synthesises a listening history with linernotes.synth,
writes it as a Gen C Extended export, imports it into a temporary library and compares what the insights
find with what was planted:

- session boundary F1: the library's session starts (``session_table`` of the sessions module, default
  20-minute gap, default scope) against ``ground_truth["sessions"]["starts"]``; a boundary matches when the
  two starts are within ``--session-tolerance`` seconds (one-to-one);
- obsession F1: the ``obsessions`` insight over the whole history against ``ground_truth["binges"]``; a
  planted track-on-repeat matches a found ``track`` obsession of the same track and artist, an artist binge
  a found ``artist`` obsession of the same artist, when both the first and the last day are within
  ``--obsession-tolerance`` days (one-to-one);
- discovery dates: the share of artists whose local discovery date (``first_listens`` of the discovery
  module) equals the planted one (the first kept play's UTC instant from ``ground_truth["discovery"]``,
  turned into a local date with the library's own zone rule for that play's country); must be exactly 1;
- forgotten favourites precision@10: the share of the ``rediscover`` insight's first 10 artists that are
  planted forgotten favourites (``ground_truth["forgotten_favourites"]``).

Prints a table per seed, the means, and the targets; exits non-zero when a mean misses its target (or an
insight is missing). Run: ``python benchmarks/insight_quality.py [--seeds 9001,9002] [--plays 200000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from _common import print_seed_line, print_seed_table, synthetic_library, verdict

# isort: split
# (after _common, which puts the repository root on the path for tests.support)
from tests.support.scoring import f1, greedy_matches

TARGETS = {"session_f1": 0.95, "obsession_f1": 0.9, "discovery_exact": 1.0, "forgotten_p10": 0.8}
LABELS = {
    "session_f1": "session boundary F1",
    "obsession_f1": "obsession F1",
    "discovery_exact": "discovery dates exact",
    "forgotten_p10": "forgotten precision@10",
}


@dataclass
class SeedReport:
    seed: int
    figures: dict[str, float | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def match_times(found: np.ndarray, truth: np.ndarray, tolerance: float) -> int:
    """One-to-one matches between two sets of instants, each within ``tolerance`` (greedy by distance)."""
    if not len(found) or not len(truth):
        return 0
    found, truth = np.sort(found), np.sort(truth)
    pos = np.searchsorted(found, truth)
    pairs: list[tuple[float, int, int]] = []
    for cand in (pos - 1, pos):
        ok = (cand >= 0) & (cand < len(found))
        ti = np.flatnonzero(ok)
        d = np.abs(found[cand[ok]] - truth[ok])
        close = d <= tolerance
        pairs.extend(zip(d[close].tolist(), ti[close].tolist(), cand[ok][close].tolist(), strict=True))
    return greedy_matches(pairs)


def session_f1(lib: Any, gt: dict[str, Any], tolerance: float, rep: SeedReport) -> float:
    from linernotes.engine.scope import Scope
    from linernotes.insights.sessions import session_table

    ctx = lib.engine.context(Scope())
    table = session_table(ctx)
    found = np.array(
        [r[0] for r in lib.con.execute(f"SELECT epoch(min(ts_start)) FROM {table} GROUP BY session_id").fetchall()],
        dtype=np.float64,
    )
    truth = np.asarray(gt["sessions"]["starts"], dtype=np.float64)
    tp = match_times(found, truth, tolerance)
    p, r, score = f1(tp, len(found), len(truth))
    rep.notes.append(f"sessions: {len(found):,} found, {len(truth):,} planted, precision {p:.4f}, recall {r:.4f}")
    return score


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value[:10])


def obsession_f1(lib: Any, gt: dict[str, Any], tolerance: int, rep: SeedReport) -> float:
    result = lib.insight("obsessions")
    found = [
        (o.type, o.artist.lower(), (o.name if o.type == "track" else "").lower(), o.start, o.end)
        for o in result.obsessions
    ]
    planted = []
    for b in gt["binges"]:
        typ = "track" if b["type"] == "track_repeat" else "artist"
        planted.append(
            (
                typ,
                b["artist"].lower(),
                b.get("track", "").lower() if typ == "track" else "",
                _day(b["start"]),
                _day(b["end"]),
            )
        )
    used: set[int] = set()
    tp = 0
    missed = []
    for p in planted:
        best = None
        for i, f in enumerate(found):
            if i in used or f[:3] != p[:3]:
                continue
            ds, de = abs((f[3] - p[3]).days), abs((f[4] - p[4]).days)
            if ds <= tolerance and de <= tolerance and (best is None or ds + de < best[0]):
                best = (ds + de, i)
        if best is None:
            missed.append(p)
        else:
            used.add(best[1])
            tp += 1
    prec, rec, score = f1(tp, len(found), len(planted))
    rep.notes.append(
        f"obsessions: {len(found)} found, {len(planted)} planted, {tp} matched (precision {prec:.3f}, recall {rec:.3f})"
    )
    for p in missed:
        near = [f for f in found if f[1] == p[1]]
        rep.notes.append(
            f"  missed {p[0]} {p[1]!r} {p[2]!r} {p[3]}..{p[4]}; found for that artist: "
            + (", ".join(f"{f[0]} {f[3]}..{f[4]}" for f in near) or "nothing")
        )
    for i, f in enumerate(found):
        if i not in used:
            rep.notes.append(f"  extra {f[0]} {f[1]!r} {f[2]!r} {f[3]}..{f[4]}")
    return score


def discovery_exact(lib: Any, gt: dict[str, Any], rep: SeedReport) -> float:
    from linernotes.engine.scope import Scope
    from linernotes.insights.discovery import first_listens

    ctx = lib.engine.context(Scope())
    table = first_listens(ctx)
    artists = gt["discovery"]["artists"]
    names = list(artists)
    instants = [dt.datetime.fromisoformat(v[0].replace("Z", "+00:00")) for v in artists.values()]
    countries = [v[1] for v in artists.values()]
    truth = pa.table(
        {
            "artist": pa.array(names, pa.string()),
            "instant": pa.array(instants, pa.timestamp("us", tz="UTC")),
            "country": pa.array(countries, pa.string()),
        }
    )
    lib.con.register("_bench_truth", truth)
    try:
        # The planted play's local date by the library's own rule (migrations.VIEWS_SQL, all_plays.tz).
        rows = lib.con.execute(f"""
            WITH t AS (
                SELECT t.artist, timezone(CASE WHEN t.country IS NULL OR t.country = h.home_country
                                                    OR cz.zone IS NULL THEN h.home_zone ELSE cz.zone END,
                                          t.instant)::DATE AS day
                FROM _bench_truth t CROSS JOIN home h LEFT JOIN country_zones cz ON cz.country = t.country)
            SELECT count(*) AS n,
                   count(*) FILTER (WHERE f.first_day = t.day) AS exact,
                   count(*) FILTER (WHERE f.first_day IS NULL) AS missing,
                   (SELECT count(*) FROM {table} WHERE artist NOT IN (SELECT artist FROM _bench_truth)) AS extra
            FROM t LEFT JOIN {table} f USING (artist)""").fetchall()[0]
    finally:
        lib.con.unregister("_bench_truth")
    n, exact, missing, extra = (int(x) for x in rows)
    rep.notes.append(f"discovery: {exact:,}/{n:,} artists exact, {missing} missing, {extra} unknown to the truth")
    return exact / n if n and not extra else 0.0


def _rediscover_artists(result: Any) -> list[str]:
    """The artists the rediscover insight lists as forgotten favourites, in its order."""
    if hasattr(result, "favourites"):
        return [str(f.artist) for f in result.favourites]
    for name in getattr(result, "__dataclass_fields__", {}):
        value = getattr(result, name)
        if isinstance(value, list) and value and hasattr(value[0], "artist"):
            return [str(x.artist) for x in value]
    return []


def forgotten_p10(lib: Any, gt: dict[str, Any], rep: SeedReport) -> float:
    planted = {f["artist"].lower() for f in gt["forgotten_favourites"]}
    top = _rediscover_artists(lib.insight("rediscover"))[:10]
    hits = [a for a in top if a.lower() in planted]
    rep.notes.append(
        f"rediscover: {len(hits)}/{len(top)} of the top 10 planted ({len(planted)} planted); "
        f"others: {[a for a in top if a.lower() not in planted]}"
    )
    return len(hits) / 10


def registered() -> set[str]:
    from linernotes.engine import registry

    return {i.name for i in registry.all_insights()}


def run_seed(seed: int, args: argparse.Namespace, tmp: Path) -> SeedReport:
    rep = SeedReport(seed)
    lib, gt, note = synthetic_library(seed, args.plays, args.start, args.end, tmp)
    if gt["lanes"] != 1:
        rep.notes.append(f"warning: {gt['lanes']} parallel lanes (too many plays for the span)")
    try:
        rep.notes.append(note)
        names = registered()
        checks: list[tuple[str, str, Callable[[], float]]] = [
            ("session_f1", "sessions", lambda: session_f1(lib, gt, args.session_tolerance, rep)),
            ("obsession_f1", "obsessions", lambda: obsession_f1(lib, gt, args.obsession_tolerance, rep)),
            ("discovery_exact", "discovery", lambda: discovery_exact(lib, gt, rep)),
            ("forgotten_p10", "rediscover", lambda: forgotten_p10(lib, gt, rep)),
        ]
        for key, needs, fn in checks:
            if needs not in names and needs != "sessions":
                rep.figures[key] = None
                rep.notes.append(f"{LABELS[key]}: insight {needs!r} is not registered")
                continue
            rep.figures[key] = fn()
    finally:
        lib.close()
        for p in tmp.glob(f"*_{seed}*"):
            p.unlink()
    return rep


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="9001,9002,9003,9004,9005", help="comma-separated seeds")
    parser.add_argument("--plays", type=int, default=200_000)
    parser.add_argument("--start", default="2016-01-01")
    parser.add_argument("--end", default="2025-06-30")
    parser.add_argument("--session-tolerance", type=float, default=120.0, help="seconds")
    parser.add_argument("--obsession-tolerance", type=int, default=3, help="days")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the per-seed diagnostics")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]

    reports = []
    with tempfile.TemporaryDirectory(prefix="linernotes-quality-") as tmp:
        for seed in seeds:
            rep = run_seed(seed, args, Path(tmp))
            reports.append(rep)
            print_seed_line(rep, list(TARGETS), LABELS, _fmt, args.verbose)

    print()
    print(f"{args.plays:,} plays per history, {args.start} to {args.end}, seeds {', '.join(map(str, seeds))}")
    tgt = {k: f"≥ {v:.2f}" for k, v in TARGETS.items()}
    means = print_seed_table(reports, list(TARGETS), LABELS, tgt, 24, _fmt)
    failed = []
    for k, target in TARGETS.items():
        value = means[k]
        if value is None:
            failed.append(f"{LABELS[k]}: not measured (insight missing)")
            continue
        # discovery dates must be exact in every history, not on average
        judged = min(r.figures[k] or 0.0 for r in reports) if k == "discovery_exact" else value
        if judged < target:
            failed.append(f"{LABELS[k]}: {judged:.4f} < {target}")
    return verdict(failed, "quality")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


if __name__ == "__main__":
    sys.exit(main())
