"""The noise: OpenDP's vetted measurements, each built for the sensitivity the bounding guarantees.

Privacy unit: one contributor (add/remove neighbouring pools; :mod:`.aggregates` bounds what one contributor can
change). Every function here constructs an OpenDP measurement, checks that its privacy map at that
sensitivity is within the ε (and δ) asked for, and applies it. Nothing in the release adds noise any other way.

OpenDP marks these constructors "contrib" (implemented and proven by the OpenDP team, not yet externally
vetted); enabling the feature is their documented way to use them. The measurements we use — the discrete
Laplace (geometric) mechanism on integer counts and Laplace thresholding on a map of counts — are the library's
core ones with published proofs, which is why docs/architecture.md chose OpenDP over hand-written noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import opendp.prelude as dp

dp.enable_features("contrib")


@dataclass(frozen=True)
class Spend:
    """What one measured part of a release cost (basic composition adds these up)."""

    part: str
    epsilon: float
    delta: float = 0.0
    mechanism: str = "discrete_laplace"
    scale: float = 0.0
    sensitivity: float = 1.0
    threshold: int | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"part": self.part, "epsilon": self.epsilon, "delta": self.delta,
                                  "mechanism": self.mechanism, "scale": self.scale, "sensitivity": self.sensitivity}
        if self.threshold is not None:
            out["threshold"] = self.threshold
        return out


def noisy_counts(counts: np.ndarray, epsilon: float, sensitivity: int = 1, *, part: str = "counts"
                 ) -> tuple[np.ndarray, Spend]:
    """Integer counts over a public set of cells with discrete Laplace noise of scale ``sensitivity / ε``.

    ``sensitivity`` is the L1 distance one contributor can move the whole vector (1 for a histogram where a
    contributor lands in one bin; k(k-1)/2 for the pair counts of a top-k list).
    """
    if not epsilon > 0:
        raise ValueError("ε must be positive")
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    scale = sensitivity / epsilon
    meas = space >> dp.m.then_laplace(scale=scale)
    spent = float(meas.map(int(sensitivity)))
    if spent > epsilon * (1 + 1e-9):
        raise AssertionError(f"{part}: OpenDP's map gives ε={spent}, more than the {epsilon} asked for")
    released = np.asarray(meas([int(c) for c in np.asarray(counts, dtype=np.int64).tolist()]), dtype=np.int64)
    return released, Spend(part, epsilon, 0.0, "discrete_laplace", scale, float(sensitivity))


def noisy_count(count: int, epsilon: float, *, part: str = "count") -> tuple[int, Spend]:
    """One count (a number of contributors) with discrete Laplace noise of scale 1/ε."""
    released, spend = noisy_counts(np.array([count]), epsilon, 1, part=part)
    return int(released[0]), spend


def threshold_scale(epsilon: float, per_contributor: int) -> float:
    """Noise scale for a map of counts where one contributor adds 1 to at most ``per_contributor`` keys."""
    return per_contributor / epsilon


def noisy_keys(counts: dict[str, int], epsilon: float, delta: float, per_contributor: int, *, part: str
               ) -> tuple[dict[str, int], Spend]:
    """DP key selection: noisy counts of the keys whose noisy count passes a threshold set for ``δ``.

    The set of keys (artist names) is not public, so a key held by only a few contributors must not appear by
    its mere presence; Laplace thresholding (propose-test-release) releases a key only when its noisy count is
    at least the threshold, and δ bounds the chance that a key one contributor alone added gets through.
    One contributor adds 1 to at most ``per_contributor`` distinct keys: (l0, l1, l∞) = (k, k, 1).
    """
    if not (epsilon > 0 and 0 < delta < 1):
        raise ValueError("ε must be positive and δ in (0, 1)")
    domain = dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T=int))
    metric = dp.l01inf_distance(dp.absolute_distance(T=int))
    d_in = (int(per_contributor), int(per_contributor), 1)
    scale = threshold_scale(epsilon, per_contributor)

    def make(threshold: int) -> dp.Measurement:
        return dp.m.make_laplace_threshold(domain, metric, scale=scale, threshold=int(threshold))

    # The smallest threshold whose δ is within budget (a larger one only hides more keys).
    low, high = 1, max(2, math.ceil(scale * 10 + per_contributor))
    while make(high).map(d_in)[1] > delta:
        high *= 2
    while low < high:
        mid = (low + high) // 2
        if make(mid).map(d_in)[1] <= delta:
            high = mid
        else:
            low = mid + 1
    meas = make(high)
    eps_used, delta_used = meas.map(d_in)
    if eps_used > epsilon * (1 + 1e-9) or delta_used > delta:
        raise AssertionError(f"{part}: OpenDP's map gives ({eps_used}, {delta_used}), over ({epsilon}, {delta})")
    released = meas({str(k): int(v) for k, v in counts.items()})
    return ({str(k): int(v) for k, v in released.items()},
            Spend(part, float(epsilon), float(delta), "laplace_threshold", scale, float(per_contributor), high))
