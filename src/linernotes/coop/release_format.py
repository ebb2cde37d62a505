"""What a release is, for the server that builds and signs it and the device that verifies and reads it.

A release file is a signed document (:mod:`linernotes.coop.signing`): ``{"payload", "key_id", "signature"}``, the
signature over the canonical bytes of the payload (sorted keys, no whitespace, UTF-8). The payload:

- ``format``: :data:`FORMAT`; ``release_id``; ``published`` (ISO 8601, UTC); ``engine`` (``duckdb`` or ``spark``);
- ``metrics``: for each metric of :data:`linernotes.coop.contract.METRICS` in the release, its noisy histogram
  (:func:`metric_histogram`): the contract's ``lower``, ``upper`` and ``bins``, one integer count per bin, the
  ``epsilon``, noise ``scale`` and ``mechanism`` that made them, and the ``unit``;
- ``top_artists``: ``{"artists": [[name, noisy count], ...], "epsilon", "delta", "scale", "threshold",
  "per_contributor"}``, or null when the release has no benchmarks contributions;
- ``taste``: ``{"contributors", "k", "artists": [name, ...], "vectors": [[float, ...], ...] (one per artist),
  "dimensions", "epsilon", "delta", "threshold", "pair_scale"}``, or null when there are no taste contributions;
- ``contributors``: ``{"benchmarks": n, "taste": n}`` (noisy);
- ``privacy``: ``{"unit": "contributor", "composition": "basic", "epsilon", "delta", "per_contributor",
  "parts": [...]}``.

Change it only on purpose, with a new :data:`FORMAT`: devices refuse a release of any other format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from linernotes.coop.contract import Metric

FORMAT = "linernotes-crowd-release/1"


def metric_histogram(m: Metric, counts: list[int], *, epsilon: float, scale: float, mechanism: str) -> dict[str, Any]:
    """A metric's part of ``metrics``: its noisy counts over the contract's bins."""
    return {"unit": m.unit, "lower": m.lower, "upper": m.upper, "bins": m.bins, "counts": counts,
            "epsilon": epsilon, "scale": scale, "mechanism": mechanism}


def histogram_matches(m: Metric, part: Any) -> bool:
    """Whether ``part`` is metric ``m``'s histogram over the contract's bins: its bounds and bin count, and one
    integer count per bin."""
    counts = part.get("counts") if isinstance(part, dict) else None
    return (isinstance(part, dict)
            and (part.get("lower"), part.get("upper"), part.get("bins")) == (m.lower, m.upper, m.bins)
            and isinstance(counts, list) and len(counts) == m.bins and all(type(c) is int for c in counts))


def write_release(path: Path, document: dict[str, Any]) -> Path:
    """Write a signed release document as a release file."""
    path.write_bytes(orjson.dumps(document))
    return path
