"""AI-layer quality against the synthetic generator's planted truth, plus model training speed (`make bench`).

For each seed (none used by the tests), synthesises a history with linernotes.synth, writes it as a Gen C
Extended export, imports it into a temporary library (fresh model cache) and compares what the models find
with what was planted (``History.ground_truth()``):

- chapter-boundary F1: the starts of chapters 2.. of the ``chapters`` insight against ``truth["chapters"]``
  (era boundaries); a found boundary matches a planted one within ``--chapter-tolerance`` days (one-to-one);
- chapter F1 on cross-faded eras: the same on a second history per seed drawn with
  :data:`CROSSFADE` (eras that fade into each other over 60 days, the old era's main taste lingering in the
  next, and every December a listening spike of seasonal artists), beside the generator's binges; target
  0.9 on the mean (``--no-crossfade`` leaves it out);
- mode NMI: sklearn ``normalized_mutual_info_score`` between the ``modes`` model's label per session
  (``linernotes.insights.modes.session_modes``) and the planted context of that session
  (``truth["contexts"]``), over the sessions found in both (matched by start second);
- skip AUC: the ``skip-model`` insight's test ROC-AUC and the artist-skip-rate baseline's; the target is
  AUC >= 0.8 and above the baseline;
- noise precision/recall on plays: the plays the ``noise`` insight flags (its proposed rules applied to
  the library) against every play of the planted noise artists (``truth["noise"]``);
- ask accuracy: the share of ``tests/ask_cases.yaml`` answered fully correctly (``linernotes.ask``) on the
  ask module's case library (seed-independent, measured once); and on real phrasing, the shares of
  ``tests/ask_real_cases.yaml`` (real exports of ``../shared``, answers by SQL) on its dev and test halves.

Also prints, for every real sample in ``../shared/samples`` that has skip data, the skip model's AUC against
the baseline. A model that is not there yet is reported as "n/a" (and counts as a miss).

``--speed --db LIB`` instead trains every model from scratch on an existing library (opened read-only, with
an empty LINERNOTES_CACHE) and prints the time per model, the total (target <= 90 s) and the peak RSS
(target <= 4 GiB).

Exit status is non-zero when a mean misses its target. Run:
``python benchmarks/ai_quality.py [--seeds 9101,9102] [--plays 200000] [-v]`` or
``python benchmarks/ai_quality.py --speed --db /tmp/ql/lib1m_new.duckdb``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import importlib
import os
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from _common import print_seed_line, print_seed_table, synthetic_library, verdict

# isort: split
# (after _common, which puts the repository root on the path for tests.support)
from tests.support.scoring import f1, match_one_to_one

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"
ASK_CASES = ROOT / "tests" / "ask_cases.yaml"
ASK_REAL = ROOT / "tests" / "ask_real_cases.yaml"
SHARED = ROOT.parent / "shared"
ASK_REAL_TARGET = 0.9  # fully correct on the held-out test half of the real-phrasing set

TARGETS: dict[str, float] = {
    "chapter_f1": 0.9,
    "mode_nmi": 0.6,
    "skip_auc": 0.8,
    "noise_precision": 0.9,
    "noise_recall": 0.8,
}
LABELS = {
    "chapter_f1": "chapter F1",
    "mode_nmi": "mode NMI",
    "skip_auc": "skip AUC",
    "skip_baseline": "skip baseline",
    "noise_precision": "noise prec.",
    "noise_recall": "noise recall",
}
# The harder chapter truth: gradual, overlapping eras beside binges and seasonal spikes (synth options).
CROSSFADE: dict[str, float] = {"era_crossfade_days": 60.0, "era_overlap": 0.15, "seasonal_spike": 0.5}
CROSSFADE_TARGET = 0.9
COLUMNS = ["chapter_f1", "mode_nmi", "skip_auc", "skip_baseline", "noise_precision", "noise_recall"]
ASK_TARGET = 0.9
SPEED_TARGET_S = 90.0
RSS_TARGET_GIB = 4.0
# Every model-backed insight, trained in this order by --speed (names not registered are skipped).
MODEL_INSIGHTS = ["similar", "taste", "chapters", "modes", "skip-model", "moments", "noise", "recommend"]
# While an insight is not registered yet, --speed trains its model function directly (module, function).
MODEL_FALLBACKS = {
    "chapters": ("linernotes.insights.chapters", "chapter_model"),
    "modes": ("linernotes.insights.modes", "modes_model"),
    "skip-model": ("linernotes.insights.skip_model", "skip_model"),
    "moments": ("linernotes.insights.moments", "find_moments"),
    "noise": ("linernotes.insights.noise", "noise_model"),
    "recommend": ("linernotes.insights.recommend", "recommend_model"),
}


@dataclass
class SeedReport:
    seed: int
    figures: dict[str, float | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class NotAvailable(Exception):
    """A model or insight this figure needs is not there (yet)."""


def registered() -> set[str]:
    from linernotes.engine import registry

    return {i.name for i in registry.all_insights()}


def optional_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise NotAvailable(f"{name} not importable ({exc})") from exc


def need_insight(name: str) -> None:
    if name not in registered():
        raise NotAvailable(f"insight {name!r} is not registered")


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _field(obj: Any, *names: str) -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return None


# ---- the figures ---------------------------------------------------------------------------------------------


def chapter_boundaries(lib: Any, rep: SeedReport) -> list[dt.date]:
    """Start dates of chapters 2.. from the ``chapters`` insight (its list of chapters, each with a start);
    from ``linernotes.insights.chapters.chapter_model`` while the insight is not registered."""
    from linernotes.engine.scope import Scope

    if "chapters" in registered():
        chapters = _field(lib.insight("chapters"), "chapters", "spans", "eras")
        if chapters is None:
            raise NotAvailable("the chapters result has no list of chapters")
    else:
        model = optional_module("linernotes.insights.chapters")
        chapters = model.chapter_model(lib.engine.context(Scope())).spans
        rep.notes.append("chapters: insight not registered, measured on linernotes.insights.chapters")
    starts = sorted(_as_date(_field(c, "start", "first_day", "start_date")) for c in chapters)
    return starts[1:]


def chapter_f1(lib: Any, gt: dict[str, Any], tolerance: int, rep: SeedReport) -> float:
    found = chapter_boundaries(lib, rep)
    truth = [_as_date(b) for b in gt["chapters"]]
    tp = match_one_to_one([d.toordinal() for d in found], [d.toordinal() for d in truth], tolerance)
    p, r, score = f1(tp, len(found), len(truth))
    rep.notes.append(
        f"chapters: {len(found)} boundaries found {[d.isoformat() for d in found]}, planted "
        f"{[d.isoformat() for d in truth]}; precision {p:.2f}, recall {r:.2f}"
    )
    return score


def mode_nmi(lib: Any, gt: dict[str, Any], rep: SeedReport) -> float:
    from sklearn.metrics import normalized_mutual_info_score

    from linernotes.engine.scope import Scope

    modes = optional_module("linernotes.insights.modes")
    if not hasattr(modes, "session_modes"):
        raise NotAvailable("linernotes.insights.modes.session_modes is missing")
    starts, labels = modes.session_modes(lib.engine.context(Scope()))
    planted = dict(zip(gt["contexts"]["session_starts"], gt["contexts"]["session_context"], strict=True))
    pairs = [
        (planted[int(s)], int(lab))
        for s, lab in zip(np.asarray(starts), np.asarray(labels), strict=True)
        if int(s) in planted
    ]
    if not pairs:
        raise NotAvailable("no session of the modes model matches a planted session")
    truth, found = (np.array(x) for x in zip(*pairs, strict=True))
    score = float(normalized_mutual_info_score(truth, found))
    names = gt["contexts"]["labels"]
    personal = np.isin(truth, gt["contexts"]["personal"])
    nmi_personal = float(normalized_mutual_info_score(truth[personal], found[personal])) if personal.any() else 0.0
    rep.notes.append(
        f"modes: {len(set(found.tolist()))} modes found for {len(planted)} planted sessions in "
        f"{len(names)} contexts; {len(pairs):,} of {len(starts):,} clustered sessions matched; "
        f"NMI on the person's own music only {nmi_personal:.3f}"
    )
    return score


def skip_figures(lib: Any, rep: SeedReport) -> tuple[float, float]:
    from linernotes.engine.scope import Scope

    if "skip-model" in registered():
        result = lib.insight("skip-model")
    else:
        model = optional_module("linernotes.insights.skip_model")
        result = model.skip_model(lib.engine.context(Scope()))
        rep.notes.append("skip model: insight not registered, measured on linernotes.insights.skip_model")
    auc, base = _field(result, "auc", "roc_auc"), _field(result, "baseline_auc", "baseline")
    if auc is None or base is None:
        raise NotAvailable(f"skip-model gave no AUC ({_field(result, 'status')})")
    rep.notes.append(f"skip model: AUC {auc:.3f} vs artist-rate baseline {base:.3f}")
    return float(auc), float(base)


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def noise_figures(lib: Any, gt: dict[str, Any], rep: SeedReport) -> tuple[float, float]:
    """Precision and recall, on plays of the default selection, of the ``noise`` insight's proposed exclusion
    rules (every rule of every proposal, applied as the exclusion would be) against the planted noise (every
    play of ``truth["noise"]["artists"]``)."""
    from linernotes.engine.scope import Scope

    need_insight("noise")
    result = lib.insight("noise")
    proposals = _field(result, "proposals")
    if proposals is None:
        raise NotAvailable("the noise result has no proposals")
    predicates = [r.rule.predicate() for p in proposals for r in p.rules]
    plays = lib.engine.context(Scope()).plays
    flagged: set[int] = set()
    if predicates:
        where = " OR ".join(predicates)
        flagged = {int(r[0]) for r in lib.con.execute(f"SELECT play_id FROM {plays} WHERE {where}").fetchall()}
    names = list(gt["noise"]["artists"])
    truth = {
        int(r[0])
        for r in lib.con.execute(f"SELECT play_id FROM {plays} WHERE artist IN ({_sql_list(names)})").fetchall()
    }
    tp = len(flagged & truth)
    precision = tp / len(flagged) if flagged else (1.0 if not truth else 0.0)
    recall = tp / len(truth) if truth else 1.0
    kinds = ", ".join(f"{k} {v['plays']:,}" for k, v in gt["noise"]["kinds"].items())
    found = "; ".join(f"{_field(p, 'label')}: {', '.join(_field(p, 'artists') or [])}" for p in proposals)
    rep.notes.append(
        f"noise: {len(flagged):,} plays flagged ({tp:,} planted), {len(truth):,} planted "
        f"({gt['noise']['share_of_plays']:.1%} of plays; {kinds}); proposals: {found or 'none'}"
    )
    return precision, recall


def ask_accuracy(verbose: bool) -> tuple[float | None, str]:
    """Share of tests/ask_cases.yaml answered fully correctly on the ask module's case library."""
    if not ASK_CASES.exists():
        return None, f"{ASK_CASES.relative_to(ROOT)} does not exist yet"
    try:
        cases = importlib.import_module("tests.support.ask_cases")
        from linernotes.library import open_library
    except ImportError as exc:
        return None, f"linernotes.ask not importable ({exc})"
    with tempfile.TemporaryDirectory(prefix="linernotes-ask-") as tmp:
        path = cases.build_case_library(Path(tmp) / "cases.duckdb")
        lib = open_library(path, read_only=True)
        try:
            today = getattr(cases, "CASES_TODAY", None)
            correct, total, failures = cases.evaluate(ASK_CASES, lib, today)
        finally:
            lib.close()
    if verbose:
        for f in failures[:40]:
            print(f"    ask miss: {f}")
    return (correct / total if total else None), f"{correct}/{total} fully correct"


def ask_real_accuracy(verbose: bool) -> tuple[dict[str, float], str]:
    """Fully correct shares of tests/ask_real_cases.yaml (real exports, answers by SQL), dev and test halves."""
    if not ASK_REAL.exists() or not (SHARED / "corpus").is_dir():
        return {}, "the real-phrasing set or ../shared/corpus is absent"
    cases = importlib.import_module("tests.support.ask_cases")
    out: dict[str, float] = {}
    notes = []
    with tempfile.TemporaryDirectory(prefix="linernotes-ask-real-") as tmp:
        dbs = cases.build_real_libraries(ASK_REAL, SHARED, Path(tmp))
        for split in ("dev", "test"):
            correct, total, failures = cases.evaluate_real(ASK_REAL, dbs, split)
            out[split] = correct / total if total else 0.0
            notes.append(f"{split} {correct}/{total}")
            if verbose:
                for f in failures:
                    print(f"    ask ({split}) miss: [{f['lib']}] {f['q']!r}: want {f['want']!r}, got {f['got']!r}")
    return out, ", ".join(notes)


def sample_skip_aucs() -> list[tuple[str, float | None, float | None, int]]:
    """(file, model AUC, baseline AUC, labelled plays) per real sample with skip data."""
    try:
        skip_model = importlib.import_module("tests.support.skip_samples")
    except ImportError:
        return []
    evaluate = getattr(skip_model, "evaluate_sample", None)
    if evaluate is None or not SAMPLES.exists():
        return []
    out = []
    for path in sorted(SAMPLES.iterdir()):
        if "extended" not in path.name:  # only Extended exports record skips (account data and scrobbles do not)
            continue
        try:
            auc, base, n = evaluate(path)
        except Exception as exc:
            print(f"    {path.name}: failed ({exc})")
            continue
        out.append((path.name, auc, base, n))
    return out


# ---- one seed ------------------------------------------------------------------------------------------------


def run_seed(seed: int, args: argparse.Namespace, tmp: Path) -> SeedReport:
    rep = SeedReport(seed)
    lib, gt, note = synthetic_library(seed, args.plays, args.start, args.end, tmp)
    if gt["lanes"] != 1:
        rep.notes.append(f"warning: {gt['lanes']} parallel lanes (too many plays for the span)")
    try:
        rep.notes.append(note)

        def chapters() -> None:
            rep.figures["chapter_f1"] = chapter_f1(lib, gt, args.chapter_tolerance, rep)

        def modes() -> None:
            rep.figures["mode_nmi"] = mode_nmi(lib, gt, rep)

        def skips() -> None:
            rep.figures["skip_auc"], rep.figures["skip_baseline"] = skip_figures(lib, rep)

        def noise() -> None:
            rep.figures["noise_precision"], rep.figures["noise_recall"] = noise_figures(lib, gt, rep)

        checks: list[tuple[str, Callable[[], None]]] = [
            ("chapters", chapters),
            ("modes", modes),
            ("skip model", skips),
            ("noise", noise),
        ]
        for name, fn in checks:
            t = time.perf_counter()
            try:
                fn()
                rep.notes.append(f"{name}: {time.perf_counter() - t:.1f} s")
            except NotAvailable as exc:
                rep.notes.append(f"{name}: not available ({exc})")
            except Exception as exc:
                rep.notes.append(f"{name}: FAILED {type(exc).__name__}: {exc}")
                if args.verbose:
                    traceback.print_exc()
    finally:
        lib.close()
        for p in tmp.glob(f"*_{seed}*"):
            p.unlink()
    return rep


def crossfade_seed(seed: int, args: argparse.Namespace, tmp: Path) -> tuple[float | None, str]:
    """Chapter F1 on a history of ``seed`` drawn with :data:`CROSSFADE` (and its note)."""
    lib, gt, _ = synthetic_library(seed, args.plays, args.start, args.end, tmp, **CROSSFADE)
    rep = SeedReport(seed)
    try:
        value: float | None = chapter_f1(lib, gt, args.chapter_tolerance, rep)
    except NotAvailable as exc:
        value = None
        rep.notes.append(f"not available ({exc})")
    finally:
        lib.close()
        for p in tmp.glob(f"*_{seed}*"):
            p.unlink()
    return value, "; ".join(rep.notes)


# ---- speed ----------------------------------------------------------------------------------------------------


def _try_import(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024)  # ru_maxrss is KiB on Linux


def speed(db: str) -> int:
    """Train every model-backed insight from scratch on ``db`` (read-only, empty cache); time and peak RSS."""
    cache = tempfile.mkdtemp(prefix="linernotes-speed-cache-")
    os.environ["LINERNOTES_CACHE"] = cache
    from linernotes.engine.scope import Scope
    from linernotes.library import open_library

    lib = open_library(db, read_only=True)
    timings: list[tuple[str, float, str]] = []
    try:
        n = lib.con.execute("SELECT count(*) FROM plays").fetchone()[0]  # type: ignore[index]
        print(f"library {db}: {n:,} plays; cache {cache} (empty)")
        names = registered()
        total0 = time.perf_counter()
        t = time.perf_counter()
        try:
            from linernotes.insights.taste import taste_model

            taste_model(lib.engine.context(Scope()))
            timings.append(("taste model", time.perf_counter() - t, "ok"))
        except Exception as exc:
            timings.append(("taste model", time.perf_counter() - t, f"FAILED {exc}"))
        for name in MODEL_INSIGHTS:
            run: Callable[[], Any] | None = None
            how = "insight"
            if name in names:
                run = functools.partial(lib.insight, name)
            elif name in MODEL_FALLBACKS:
                module, fn_name = MODEL_FALLBACKS[name]
                fn = getattr(_try_import(module), fn_name, None)
                if fn is not None:
                    run = functools.partial(fn, lib.engine.context(Scope()))
                    how = f"{module}.{fn_name} (insight not registered)"
            if run is None:
                if name in MODEL_FALLBACKS or name in ("similar", "taste"):
                    timings.append((name, 0.0, "not available"))
                continue
            t = time.perf_counter()
            try:
                run()
                status = "ok" if how == "insight" else f"ok via {how}"
            except Exception as exc:
                status = f"FAILED {type(exc).__name__}: {exc}"
            timings.append((name, time.perf_counter() - t, status))
        t = time.perf_counter()
        try:  # ask's index of the library's names is part of what "trained" means for ask
            from linernotes.ask.entities import name_index

            name_index(lib.con, Path(db))
            timings.append(("ask names", time.perf_counter() - t, "ok"))
        except Exception as exc:
            timings.append(("ask names", time.perf_counter() - t, f"FAILED {exc}"))
        total = time.perf_counter() - total0
        rerun: dict[str, float] = {}
        for name in MODEL_INSIGHTS:
            if name in names:
                t = time.perf_counter()
                with contextlib.suppress(Exception):  # failures were reported above
                    lib.insight(name)
                rerun[name] = time.perf_counter() - t
        cached = sum(rerun.values())
    finally:
        lib.close()
    rss = peak_rss_gib()
    print(f"  {'model':<14} {'trained':>9}  {'re-run':>8}")
    for name, secs, status in timings:
        again = f"{rerun[name]:6.2f} s" if name in rerun else " " * 8
        print(f"  {name:<14} {secs:7.1f} s  {again}  {status}")
    print(f"  {'total':<14} {total:7.1f} s  (target ≤ {SPEED_TARGET_S:.0f} s)")
    print(f"  {'re-run':<14} {cached:7.1f} s  (every insight again on the unchanged library: models from the cache)")
    print(f"  peak RSS {rss:.2f} GiB (target ≤ {RSS_TARGET_GIB:.0f} GiB)")
    slowest = ask_latency(db)
    missing = [name for name, _, status in timings if not status.startswith("ok")]
    failed = total > SPEED_TARGET_S or rss > RSS_TARGET_GIB or any("FAILED" in s for _, _, s in timings)
    failed = failed or slowest > ASK_LATENCY_TARGET_S
    if missing:
        print(f"  not timed: {', '.join(missing)}")
    print("MISSED speed/size target" if failed else "speed and size targets met")
    return 1 if failed else 0


# Questions of every kind `ask` answers: a period, an artist, a filter, the whole history, each model.
LATENCY_QUESTIONS = [
    "who did I listen to most last summer?",
    "top 5 songs in 2023",
    "how many hours did I listen in 2022",
    "what do I play at night on weekends",
    "how many hours did I listen in total",
    "what are the chapters of my life",
    "what are my listening modes",
    "what makes me skip",
    "what should I listen to again",
]
ASK_LATENCY_TARGET_S = 1.0


def ask_latency(db: str) -> float:
    """Wall time of `linernotes ask` (a new process, start-up included) for each question, once the models
    are trained (the cache of the training run above); returns the slowest. "Today" is the day after the
    library's last play, so relative periods ("last summer") hold plays."""
    import duckdb

    with duckdb.connect(db, read_only=True) as con:
        last = con.execute("SELECT max(ts_end)::DATE + 1 FROM play_rows").fetchall()[0][0]
    print("\n  `linernotes ask` on this library, models trained (wall time, process start included):")
    slowest = 0.0
    for question in LATENCY_QUESTIONS:
        t = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "linernotes", "ask", question, "--db", db, "--no-llm", "--today", str(last)],
            capture_output=True, text=True, check=False)
        secs = time.perf_counter() - t
        slowest = max(slowest, secs)
        status = "" if done.returncode == 0 else f"  FAILED: {done.stderr.strip()[:80]}"
        print(f"  {secs:6.2f} s  {question}{status}")
    print(f"  slowest {slowest:.2f} s (target ≤ {ASK_LATENCY_TARGET_S:.0f} s)")
    return slowest


# ---- main ---------------------------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="9101,9102,9103,9104,9105", help="comma-separated seeds (>= 9000)")
    parser.add_argument("--plays", type=int, default=200_000)
    parser.add_argument("--start", default="2016-01-01")
    parser.add_argument("--end", default="2025-06-30")
    parser.add_argument("--chapter-tolerance", type=int, default=45, help="days")
    parser.add_argument("--no-samples", action="store_true", help="skip the real samples' skip AUCs")
    parser.add_argument("--no-ask", action="store_true", help="skip the ask question set")
    parser.add_argument("--no-crossfade", action="store_true", help="skip chapter F1 on cross-faded eras")
    parser.add_argument("--speed", action="store_true", help="time training of all models on --db instead")
    parser.add_argument("--db", help="library for --speed (opened read-only)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the per-seed diagnostics")
    args = parser.parse_args()
    if args.speed:
        if not args.db:
            parser.error("--speed needs --db")
        return speed(args.db)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]

    reports = []
    with tempfile.TemporaryDirectory(prefix="linernotes-ai-quality-") as tmp:
        os.environ["LINERNOTES_CACHE"] = str(Path(tmp) / "cache")
        for seed in seeds:
            rep = run_seed(seed, args, Path(tmp))
            reports.append(rep)
            print_seed_line(rep, COLUMNS, LABELS, _fmt, args.verbose, always=("not available", "FAILED"))

        crossfade: list[float | None] = []
        if not args.no_crossfade:
            for seed in seeds:
                value, note = crossfade_seed(seed, args, Path(tmp))
                crossfade.append(value)
                print(f"seed {seed} cross-faded eras: chapter F1 {_fmt(value)}" + (f"  {note}" if args.verbose else ""))
        ask_value, ask_note = (None, "skipped") if args.no_ask else ask_accuracy(args.verbose)
        real, real_note = ({}, "skipped") if args.no_ask else ask_real_accuracy(args.verbose)
        samples = [] if args.no_samples else sample_skip_aucs()

    print()
    print(f"{args.plays:,} plays per history, {args.start} to {args.end}, seeds {', '.join(map(str, seeds))}")
    tgt = {**{k: f"≥ {v:.2f}" for k, v in TARGETS.items()}, "skip_baseline": "< skip AUC"}
    means = print_seed_table(reports, list(COLUMNS), LABELS, tgt, 14, _fmt)
    if not args.no_crossfade:
        known = [v for v in crossfade if v is not None]
        cf_mean = float(np.mean(known)) if len(known) == len(crossfade) and known else None
        print(f"\nchapter F1 on cross-faded eras ({', '.join(f'{k}={v:g}' for k, v in CROSSFADE.items())}): "
              f"{_fmt(cf_mean)} (per seed {', '.join(_fmt(v) for v in crossfade)}), target ≥ {CROSSFADE_TARGET:.2f}")
        if cf_mean is None:
            failed_cf = ["chapter F1 on cross-faded eras: not available"]
        elif cf_mean < CROSSFADE_TARGET:
            failed_cf = [f"chapter F1 on cross-faded eras: {cf_mean:.3f} < {CROSSFADE_TARGET}"]
        else:
            failed_cf = []
    else:
        failed_cf = []
    print(f"\nask: {_fmt(ask_value)} ({ask_note}), target ≥ {ASK_TARGET:.2f}")
    print(f"ask on real phrasing: dev {_fmt(real.get('dev'))}, test {_fmt(real.get('test'))} ({real_note}), "
          f"target on test ≥ {ASK_REAL_TARGET:.2f}")

    failed: list[str] = list(failed_cf)
    if samples:
        print("\nreal samples with skip data (skip model AUC vs artist-rate baseline, time split):")
        for name, auc, base, n in samples:
            outcome = "n/a (not enough skip data)"
            if auc is not None and base is not None:
                outcome = "beats the baseline" if auc > base else "DOES NOT beat the baseline"
                if auc <= base:
                    failed.append(f"sample {name}: skip AUC {auc:.3f} <= baseline {base:.3f}")
            print(f"  {name:<58} {n:>7,} labelled plays  AUC {_fmt(auc)}  baseline {_fmt(base)}  {outcome}")
    elif not args.no_samples:
        print("\nreal samples: skip model not available (tests.support.skip_samples.evaluate_sample)")
        failed.append("real samples: skip model not available")

    for k, target in TARGETS.items():
        value = means[k]
        if value is None:
            failed.append(f"{LABELS[k]}: not available")
        elif value < target:
            failed.append(f"{LABELS[k]}: {value:.3f} < {target}")
    auc_mean, base_mean = means["skip_auc"], means["skip_baseline"]
    if auc_mean is not None and base_mean is not None and auc_mean <= base_mean:
        failed.append("skip AUC does not beat the baseline")
    if not args.no_ask:
        if ask_value is None:
            failed.append(f"ask: not available ({ask_note})")
        elif ask_value < ASK_TARGET:
            failed.append(f"ask: {ask_value:.3f} < {ASK_TARGET}")
        if "test" in real and real["test"] < ASK_REAL_TARGET:
            failed.append(f"ask on real phrasing (test half): {real['test']:.3f} < {ASK_REAL_TARGET}")
    return verdict(failed, "AI quality")


if __name__ == "__main__":
    sys.exit(main())
