"""What a contribution is, for the device that builds it, the server that checks it and the engines that pool it.

A contribution is one Parquet file with exactly one row, stored at ``<storage>/<scope>/<package_id>.parquet``
(``package_id`` random, made by the server). One file per contribution makes erasure the deletion of a file.

- scope ``benchmarks``: one float64 column per metric in :data:`METRICS`, each clipped on the device to its
  published bounds (and checked again by the server), and ``top_artists``: up to 50 artist names, most listened
  first, no counts.
- scope ``taste``: ``artists`` (up to 500 names) and ``affinity`` (int8, one per artist, a coarse bin in
  ``AFFINITY_MIN..AFFINITY_MAX``; 5 = the person's favourites).

No column ever holds a timestamp, an event, a device, a country, a username, an IP address or anything from an
incognito play. The contributor's id is never in the file: the server's database links a package to its
contributor, and withdrawal deletes both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SCOPES = ("benchmarks", "taste")
TOP_ARTISTS_BENCHMARKS = 50
TOP_ARTISTS_TASTE = 500
AFFINITY_MIN, AFFINITY_MAX = 1, 5
MAX_NAME_CHARS = 200  # an artist name longer than this is cut on the device and refused by the server


@dataclass(frozen=True)
class Metric:
    """One published per-person metric: its bounds are public, and every value is clipped to them before it
    leaves the device, so one contributor's influence on a release is exactly what the DP analysis assumes."""

    name: str
    unit: str
    lower: float
    upper: float
    bins: int
    meaning: str

    def edges(self) -> np.ndarray:
        """The public histogram bin edges (``bins + 1`` of them) a release counts contributors in."""
        return np.linspace(self.lower, self.upper, self.bins + 1)

    def clip(self, value: float) -> float:
        return float(min(max(value, self.lower), self.upper))


# Fine uniform bins: with 100,000 contributors and ε = 1 the noise per bin is ~1 contributor, so the bin width
# (not the noise) bounds a percentile's error; 1,000 bins keep a crowded bin well under 1 % of the pool.
BINS = 1000


def _share(name: str, meaning: str) -> Metric:
    """A share of the person's listening, 0 to 1."""
    return Metric(name, "share", 0.0, 1.0, BINS, meaning)


METRICS: tuple[Metric, ...] = (
    Metric("weekly_hours", "hours", 0.0, 80.0, BINS,
           "average hours of music and podcasts per week, over the weeks with any listening"),
    _share("discovery_rate", "share of listening time on tracks heard for the first time in the preceding 30 days"),
    _share("diversity", "normalised entropy of listening time across artists (0 = one artist, 1 = evenly spread)"),
    _share("skip_rate", "share of track plays skipped (ended early by the listener)"),
    _share("night_share", "share of listening time between midnight and 5 a.m. local time"),
    Metric("session_minutes", "minutes", 0.0, 600.0, BINS, "median listening session length"),
    _share("loyalty", "share of listening time on the person's top 10 artists"),
    _share("podcast_share", "share of listening time on podcast episodes"),
)
METRIC_NAMES = tuple(m.name for m in METRICS)


def metric(name: str) -> Metric:
    for m in METRICS:
        if m.name == name:
            return m
    raise KeyError(name)


def benchmarks_schema():  # -> pyarrow.Schema (pyarrow loads lazily: the CLI must start fast)
    import pyarrow as pa

    return pa.schema([*(pa.field(n, pa.float64(), nullable=False) for n in METRIC_NAMES),
                      pa.field("top_artists", pa.list_(pa.string()), nullable=False)])


def taste_schema():
    import pyarrow as pa

    return pa.schema([pa.field("artists", pa.list_(pa.string()), nullable=False),
                      pa.field("affinity", pa.list_(pa.int8()), nullable=False)])


def scope_dir(storage: Path, scope: str) -> Path:
    """Where the pool keeps one scope's packages: engines read ``scope_dir(...)/*.parquet``."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    return storage / scope
