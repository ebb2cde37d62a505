"""Differential privacy checks in the spirit of the DP libraries' own tests, on the noise the release code
actually produces: its distribution at the configured scale, the privacy loss between neighbouring pools, and
the lifetime budget."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from linernotes.coop.release.budget import Budget, BudgetExceeded, JsonLedger
from linernotes.coop.release.build import ReleaseConfig, build_release, eligible_packages
from linernotes.coop.release.mechanisms import noisy_counts, noisy_keys
from linernotes.coop.signing import generate_key
from tests.support.release_pool import edge_pool


def discrete_laplace_cdf(k: np.ndarray, scale: float) -> np.ndarray:
    """P(X ≤ k) for the discrete Laplace with P(x) ∝ exp(-|x| / scale)."""
    a = math.exp(-1.0 / scale)
    k = np.asarray(k, dtype=float)
    return np.where(k < 0, a ** np.abs(k) / (1 + a), 1 - a ** (k + 1) / (1 + a))


def ks_distance(samples: np.ndarray, scale: float) -> float:
    values, counts = np.unique(samples, return_counts=True)
    empirical = np.cumsum(counts) / len(samples)
    below = np.concatenate([[0.0], empirical[:-1]])
    cdf, cdf_below = discrete_laplace_cdf(values, scale), discrete_laplace_cdf(values - 1, scale)
    return float(max(np.abs(empirical - cdf).max(), np.abs(below - cdf_below).max()))


@pytest.mark.parametrize("epsilon", [0.1, 0.5])
def test_histogram_noise_is_discrete_laplace_at_the_configured_scale(epsilon: float) -> None:
    n = 40_000
    released, spend = noisy_counts(np.zeros(n, dtype=np.int64), epsilon, part="ks")
    assert spend.scale == pytest.approx(1 / epsilon) and released.dtype == np.int64
    critical = 1.63 / math.sqrt(n)  # Kolmogorov–Smirnov at α = 0.01
    assert ks_distance(released, spend.scale) < critical
    # a scale 30 % off either way is detected
    assert ks_distance(released, spend.scale * 1.3) > 2 * critical
    assert ks_distance(released, spend.scale / 1.3) > 2 * critical


def test_pair_noise_scales_with_the_pair_bound() -> None:
    released, spend = noisy_counts(np.full(20_000, 7), 2.0, sensitivity=66, part="pairs")
    assert spend.scale == pytest.approx(33.0)
    assert ks_distance(released - 7, 33.0) < 1.63 / math.sqrt(20_000)


def test_removing_one_contributor_changes_a_bin_only_within_epsilon() -> None:
    """Neighbouring pools: a bin holds 40 contributors in D and 39 in D minus one. For every output event
    {count ≥ t}, P_D / P_D' must stay within e^ε (with sampling slack) — and the test can fail: with ε = 1 the
    ratio for small t is close to e^ε, well above what a scale 30 % too small would allow."""
    epsilon, runs = 1.0, 200_000
    d, d_minus = (noisy_counts(np.full(runs, c), epsilon, part="neighbours")[0] for c in (40, 39))
    worst = 0.0
    for t in range(30, 52):
        p, q = (d >= t).mean(), (d_minus >= t).mean()
        for a, b in ((p, q), (1 - p, 1 - q)):
            if min(a, b) * runs >= 2_000:  # only events with enough samples for a tight ratio
                worst = max(worst, abs(math.log(a / b)))
    assert worst <= epsilon + 0.08
    assert worst >= epsilon * 0.8  # the mechanism is not over-noised either: the bound is nearly reached


def test_key_selection_hides_a_key_only_one_contributor_holds() -> None:
    counts = {"popular": 5_000, "rare": 1}
    seen = [noisy_keys(counts, 1.0, 1e-6, 50, part="top")[0] for _ in range(200)]
    assert all("rare" not in s for s in seen) and all("popular" in s for s in seen)
    _, spend = noisy_keys(counts, 1.0, 1e-6, 50, part="top")
    assert spend.threshold is not None and spend.threshold > 50 and spend.delta == 1e-6


def test_a_release_over_the_lifetime_budget_is_refused_and_says_why(tmp_path: Path) -> None:
    bench, taste = edge_pool(tmp_path / "pool", n=30)
    ledger = JsonLedger(tmp_path / "ledger.json")
    config = ReleaseConfig.uniform(1.0)
    cost = config.benchmarks_cost() + config.taste_cost()
    lifetime = Budget(2 * cost.epsilon + config.benchmarks_cost().epsilon, 1e-4)  # 33.2
    key = generate_key()
    owners = {p.stem: f"c{i}" for i, p in enumerate(bench)} | {p.stem: f"c{i}" for i, p in enumerate(taste)}
    for _ in range(2):
        build_release(benchmark_files=bench, taste_files=taste, owners=owners, key=key, config=config,
                      ledger=ledger, lifetime=lifetime)
    assert ledger.spent(["c0"])["c0"].epsilon == pytest.approx(2 * cost.epsilon)
    assert ledger.spent(["c20"])["c20"].epsilon == pytest.approx(2 * config.benchmarks_cost().epsilon)
    before = (tmp_path / "ledger.json").read_bytes()
    refusal = r"release refused: 10 contributor\(s\) would exceed the lifetime budget ε=33.2.*c0 has spent ε=24.2"
    with pytest.raises(BudgetExceeded, match=refusal):
        build_release(benchmark_files=bench, taste_files=taste, owners=owners, key=key, config=config,
                      ledger=ledger, lifetime=lifetime)
    assert (tmp_path / "ledger.json").read_bytes() == before  # nothing charged for a refused release
    # the server's ways out: leave out those who cannot afford the full release (the 10 in both scopes)...
    kept_bench, kept_taste, left_out = eligible_packages(bench, taste, owners=owners, spent=ledger,
                                                         lifetime=lifetime, config=config)
    assert left_out == sorted(f"c{i}" for i in range(10)) and kept_bench == bench[10:] and kept_taste == []
    # ...or, as here, release fewer parts: benchmarks only, which everyone can still afford
    doc = build_release(benchmark_files=bench, taste_files=kept_taste, owners=owners, key=key, config=config,
                        ledger=ledger, lifetime=lifetime)
    assert doc["payload"]["taste"] is None and ledger.spent(["c0"])["c0"].epsilon == pytest.approx(
        2 * cost.epsilon + config.benchmarks_cost().epsilon)
    assert len(ledger.releases()) == 3
