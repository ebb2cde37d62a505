"""What the cooperative asks for and why: the purposes a person consents to, one per scope.

Shared by the server (it publishes them and writes them into consent receipts) and the client (it shows
them before asking for consent, and beside every field in ``coop preview``).
"""

from __future__ import annotations

from linernotes.coop import contract

TERMS_VERSION = "2026-11-29"

PURPOSES: dict[str, dict[str, object]] = {
    "benchmarks": {
        "purpose": "Population benchmarks: differentially private distributions of per-person listening "
                   "metrics, so each member can see on their own device where they stand in the crowd.",
        "purposeCategory": ["research", "statistics"],
        "piiCategory": ["per-person listening metrics clipped to published bounds",
                        f"names of the top {contract.TOP_ARTISTS_BENCHMARKS} artists (no counts)"],
        "releases": "only differentially private aggregates",
    },
    "taste": {
        "purpose": "Shared taste model: training a model of which artists go together, from coarse binned "
                   "affinities; only a differentially private model is released.",
        "purposeCategory": ["research", "model training"],
        "piiCategory": [f"names of the top {contract.TOP_ARTISTS_TASTE} artists",
                        f"an affinity bin {contract.AFFINITY_MIN}..{contract.AFFINITY_MAX} per artist"],
        "releases": "only a differentially private model",
    },
}

TERMINATION = ("Withdraw at any time with `linernotes coop withdraw`: the contribution files and every row "
               "about you are deleted at once and you are left out of every later release and model.")

FIELD_PURPOSE: dict[str, str] = {
    **{m.name: f"{m.meaning} ({m.unit}, clipped to {m.lower:g}..{m.upper:g})" for m in contract.METRICS},
    "top_artists": f"your top {contract.TOP_ARTISTS_BENCHMARKS} artists by listening time, most first, no "
                   "counts: how common tastes are in the pool",
    "artists": f"your top {contract.TOP_ARTISTS_TASTE} artists by listening time: what the taste model learns from",
    "affinity": f"one coarse bin per artist ({contract.AFFINITY_MIN} = occasional .. {contract.AFFINITY_MAX} = "
                "favourite), no hours or counts",
}
