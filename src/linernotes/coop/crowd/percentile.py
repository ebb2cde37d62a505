"""A person's place in the crowd, computed on the device from a release's noisy histogram.

The percentile is the share of contributors whose value is below the person's: the noisy counts of the bins
below, plus the person's bin interpolated linearly, over the noisy total. Raw noisy counts are summed (negative
ones included): the noise is zero-mean, so cumulative sums stay unbiased, where clamping each bin first would add
about scale/2 per empty bin. The interval is conservative: it spans the whole of the person's bin (where in the
bin the others are is unknown) widened by ``z`` standard deviations of the summed noise (variance 2·scale² per
bin for the discrete Laplace), so it covers the truth unless the noise is beyond ``z`` σ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

Z = 3.0  # σ of summed noise the interval allows for (≈ 99.7 % for a near-normal sum of many bins)


@dataclass(frozen=True)
class Placement:
    percentile: float  # 0..100: share of contributors below the value
    low: float
    high: float

    @property
    def uncertainty(self) -> float:
        """Half the interval's width, for "± x points"."""
        return (self.high - self.low) / 2


def place(histogram: dict[str, Any], value: float) -> Placement:
    """Where ``value`` falls in a published metric histogram (``counts``, ``lower``, ``upper``, ``bins``,
    ``scale``)."""
    counts = np.asarray(histogram["counts"], dtype=float)
    lo, hi, bins = float(histogram["lower"]), float(histogram["upper"]), int(histogram["bins"])
    var_bin = 2.0 * float(histogram.get("scale", 0.0)) ** 2
    x = min(max(float(value), lo), hi)
    pos = (x - lo) * bins / (hi - lo)
    b = min(math.floor(pos), bins - 1)
    frac = pos - b
    total = float(counts.sum())
    below = float(counts[:b].sum())
    inside = max(float(counts[b]), 0.0)
    if total <= 0:
        return Placement(50.0, 0.0, 100.0)
    sd_below = math.sqrt(var_bin * b)
    sd_upto = math.sqrt(var_bin * (b + 1))
    sd_total = math.sqrt(var_bin * bins)
    estimate = (below + frac * inside) / total
    # The ratio's worst case within z σ of each sum (numerator and total are correlated; this bounds both).
    low = (below - Z * sd_below) / (total + Z * sd_total)
    high = (below + inside + Z * sd_upto) / max(total - Z * sd_total, 1.0)
    clamp = lambda p: 100.0 * min(max(p, 0.0), 1.0)  # noqa: E731
    return Placement(clamp(estimate), clamp(min(low, estimate)), clamp(max(high, estimate)))
