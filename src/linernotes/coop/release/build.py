"""Building a release: bound, aggregate (DuckDB or Spark), check budgets, add noise, sign.

    from linernotes.coop.signing import load_or_create_key
    doc = build_release(Path("storage"), key=load_or_create_key(Path("release.key")),
                        ledger=JsonLedger(Path("ledger.json")))

Privacy accounting (user-level: one contributor is the unit; basic composition, so the total is the sum):

- each metric's histogram: one discrete Laplace measurement, L1 sensitivity 1 (a contributor is in one bin),
  at ``metric_epsilon`` (ε = 1 each by default: 8 metrics, ε = 8);
- the crowd's top artists: Laplace thresholding, a contributor adds 1 to ≤ 50 distinct artists,
  (ε, δ) = (1, 1e-6);
- taste: the number of taste contributors (ε = 0.1), the vocabulary by thresholding over each contributor's top
  ``k`` artists ((ε, δ) = (1, 1e-6)), the pair counts among that public vocabulary with sensitivity k(k-1)/2
  (ε = 2). The benchmarks contributor count is the sum of a noisy histogram: post-processing, free.

A contributor is charged for the parts that read their scope; the release is refused before any noise is drawn
when anyone would go past the lifetime budget (:mod:`.budget`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from linernotes.coop.contract import METRICS, TOP_ARTISTS_BENCHMARKS, scope_dir
from linernotes.coop.release import shared_taste
from linernotes.coop.release.aggregates import TASTE_TOP_K, Aggregates
from linernotes.coop.release.budget import (
    DEFAULT_LIFETIME_DELTA,
    DEFAULT_LIFETIME_EPSILON,
    Budget,
    BudgetLedger,
    SpentSource,
    check,
    spent_of,
)
from linernotes.coop.release.mechanisms import Spend, noisy_count, noisy_counts, noisy_keys
from linernotes.coop.release_format import FORMAT, metric_histogram
from linernotes.coop.signing import sign

ENGINES = ("duckdb", "spark")
LIFETIME = Budget(DEFAULT_LIFETIME_EPSILON, DEFAULT_LIFETIME_DELTA)  # per contributor, over all releases


@dataclass(frozen=True)
class ReleaseConfig:
    """The privacy parameters of one release (see the module docstring for what each part protects)."""

    metric_epsilon: Mapping[str, float] = field(default_factory=lambda: {m.name: 1.0 for m in METRICS})
    top_artists_epsilon: float = 1.0
    top_artists_delta: float = 1e-6
    top_artists_published: int = 200  # the most-named artists that passed the threshold (post-processing)
    taste_count_epsilon: float = 0.1
    taste_select_epsilon: float = 1.0
    taste_select_delta: float = 1e-6
    taste_pairs_epsilon: float = 2.0
    taste_k: int = TASTE_TOP_K
    taste_vocabulary: int = 1000  # cells of noise grow with its square; OpenDP draws ~150k a second
    taste_dimensions: int = shared_taste.DIMENSIONS

    def benchmarks_cost(self) -> Budget:
        eps = sum(self.metric_epsilon[m.name] for m in METRICS) + self.top_artists_epsilon
        return Budget(eps, self.top_artists_delta)

    def taste_cost(self) -> Budget:
        return Budget(self.taste_count_epsilon + self.taste_select_epsilon + self.taste_pairs_epsilon,
                      self.taste_select_delta)

    @classmethod
    def uniform(cls, epsilon: float = 1.0, **others: Any) -> ReleaseConfig:
        """The same ε for every metric histogram."""
        return cls(metric_epsilon={m.name: float(epsilon) for m in METRICS}, **others)


def package_files(storage: Path, scope: str) -> list[Path]:
    """Every stored contribution of ``scope``, in name order (the default input of a release)."""
    folder = scope_dir(storage, scope)
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def charges(benchmark_files: Sequence[Path], taste_files: Sequence[Path], owners: Mapping[str, str] | None,
            config: ReleaseConfig) -> dict[str, Budget]:
    """What the release costs each contributor. ``owners`` maps a package id (file stem) to its contributor;
    without it each package is its own contributor (a pool with no accounts, e.g. the benchmark)."""
    out: dict[str, Budget] = {}
    for files, cost in ((benchmark_files, config.benchmarks_cost()), (taste_files, config.taste_cost())):
        seen = set()
        for f in files:
            cid = owners.get(Path(f).stem, Path(f).stem) if owners else Path(f).stem
            if cid in seen:
                raise ValueError(f"contributor {cid} has two packages in one scope: a release takes one each")
            seen.add(cid)
            out[cid] = out.get(cid, Budget(0.0)) + cost
    return out


def eligible_packages(benchmark_files: Sequence[Path], taste_files: Sequence[Path], *,
                      owners: Mapping[str, str] | None, spent: SpentSource | None, lifetime: Budget = LIFETIME,
                      config: ReleaseConfig | None = None) -> tuple[list[Path], list[Path], list[str]]:
    """The packages whose contributors can afford this release, and the contributors left out for budget.

    The server calls this before :func:`build_release`, so a release goes ahead without those who have spent
    their lifetime budget (build_release itself refuses rather than drop anyone silently).
    """
    config = config or ReleaseConfig()
    charged = charges(benchmark_files, taste_files, owners, config)
    before = spent_of(spent, list(charged))
    out = set()
    for cid, charge in charged.items():
        total = before.get(cid, Budget(0.0)) + charge
        if total.epsilon > lifetime.epsilon + 1e-9 or total.delta > lifetime.delta * (1 + 1e-9):
            out.add(cid)

    def keep(files: Sequence[Path]) -> list[Path]:
        return [f for f in files if (owners.get(Path(f).stem, Path(f).stem) if owners else Path(f).stem) not in out]

    return keep(benchmark_files), keep(taste_files), sorted(out)


def aggregate(benchmark_files: Sequence[Path], taste_files: Sequence[Path], *, engine: str = "duckdb",
              spark_master: str = "local[*]", taste_k: int = TASTE_TOP_K) -> Aggregates:
    """The pre-noise aggregates from the chosen engine."""
    if engine == "duckdb":
        from linernotes.coop.release import duckdb_engine

        return duckdb_engine.aggregate(benchmark_files, taste_files, taste_k=taste_k)
    if engine == "spark":
        from linernotes.coop.release import spark_engine

        return spark_engine.aggregate(benchmark_files, taste_files, taste_k=taste_k, master=spark_master)
    raise ValueError(f"unknown engine {engine!r} (choose from: {', '.join(ENGINES)})")


def build_release(
    storage: Path | None = None,
    *,
    key: Ed25519PrivateKey,
    benchmark_files: Sequence[Path] | None = None,
    taste_files: Sequence[Path] | None = None,
    owners: Mapping[str, str] | None = None,
    engine: str = "duckdb",
    spark_master: str = "local[*]",
    config: ReleaseConfig | None = None,
    spent: SpentSource | None = None,
    lifetime: Budget = LIFETIME,
    ledger: BudgetLedger | None = None,
    release_id: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """A signed release (``{"payload", "key_id", "signature"}``) of the given packages (default: all in
    ``storage``). ``spent`` (a ledger, mapping or function; default ``ledger``) gives each contributor's spend
    so far: the release is refused (:class:`~.budget.BudgetExceeded`) if it would exceed ``lifetime`` for
    anyone. With ``ledger``, the charges are recorded once the release is signed."""
    config = config or ReleaseConfig()
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (choose from: {', '.join(ENGINES)})")
    if benchmark_files is None:
        benchmark_files = package_files(storage, "benchmarks") if storage else []
    if taste_files is None:
        taste_files = package_files(storage, "taste") if storage else []
    if not benchmark_files and not taste_files:
        raise ValueError("no contributions to release")
    charged = charges(benchmark_files, taste_files, owners, config)
    check(charged, spent_of(spent if spent is not None else ledger, list(charged)), lifetime)

    agg = aggregate(benchmark_files, taste_files, engine=engine, spark_master=spark_master, taste_k=config.taste_k)
    spends: list[Spend] = []
    payload: dict[str, Any] = {
        "format": FORMAT,
        "release_id": release_id or f"r-{(now or dt.datetime.now(dt.UTC)):%Y%m%d}-{secrets.token_hex(4)}",
        "published": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "engine": engine,
    }
    payload["metrics"], payload["top_artists"] = _benchmarks(agg, config, spends) if agg.benchmarks else ({}, None)
    payload["taste"] = _taste(agg, config, spends) if agg.taste else None
    first = next(iter(payload["metrics"].values()), None)
    payload["contributors"] = {
        "benchmarks": max(0, int(sum(first["counts"]))) if first else 0,
        "taste": payload["taste"]["contributors"] if payload["taste"] else 0,
    }
    payload["privacy"] = {
        "unit": "contributor",
        "composition": "basic",
        "epsilon": round(sum(s.epsilon for s in spends), 12),
        "delta": sum(s.delta for s in spends),
        "per_contributor": {"benchmarks": vars(config.benchmarks_cost()), "taste": vars(config.taste_cost())},
        "parts": [s.as_dict() for s in spends],
    }
    document = sign(payload, key)
    if ledger is not None:
        ledger.record(payload["release_id"], charged)
    return document


def _benchmarks(agg: Aggregates, config: ReleaseConfig, spends: list[Spend]
                ) -> tuple[dict[str, Any], dict[str, Any]]:
    metrics: dict[str, Any] = {}
    for m in METRICS:
        eps = float(config.metric_epsilon[m.name])
        counts, spend = noisy_counts(agg.histograms[m.name], eps, 1, part=f"metric:{m.name}")
        spends.append(spend)
        metrics[m.name] = metric_histogram(m, counts.tolist(), epsilon=eps, scale=spend.scale,
                                           mechanism=spend.mechanism)
    kept, spend = noisy_keys(agg.artist_counts, config.top_artists_epsilon, config.top_artists_delta,
                             TOP_ARTISTS_BENCHMARKS, part="top_artists")
    spends.append(spend)
    ranked = sorted(kept.items(), key=lambda kv: (-kv[1], kv[0]))[: config.top_artists_published]
    top = {"artists": [[a, n] for a, n in ranked], "epsilon": spend.epsilon, "delta": spend.delta,
           "scale": spend.scale, "threshold": spend.threshold, "per_contributor": TOP_ARTISTS_BENCHMARKS}
    return metrics, top


def _taste(agg: Aggregates, config: ReleaseConfig, spends: list[Spend]) -> dict[str, Any]:
    contributors, spend = noisy_count(agg.taste, config.taste_count_epsilon, part="taste_contributors")
    spends.append(spend)
    kept, select = noisy_keys(agg.taste_counts, config.taste_select_epsilon, config.taste_select_delta,
                              config.taste_k, part="taste_vocabulary")
    spends.append(select)
    vocab = [a for a, _ in sorted(kept.items(), key=lambda kv: (-kv[1], kv[0]))[: config.taste_vocabulary]]
    vectors, pairs = shared_taste.train(vocab, agg.pair_counts, config.taste_pairs_epsilon, config.taste_k,
                                 config.taste_dimensions)
    spends.append(pairs)
    return {"contributors": max(0, contributors), "k": config.taste_k, "artists": vocab,
            "vectors": np.round(vectors, 4).tolist(), "dimensions": int(vectors.shape[1]) if vocab else 0,
            "epsilon": select.epsilon + pairs.epsilon + spend.epsilon, "delta": select.delta,
            "threshold": select.threshold, "pair_scale": pairs.scale}
