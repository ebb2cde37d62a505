"""Listening modes: sessions clustered on what was played and how.

A *mode* is a recurring way of listening — "late-night Night Tram on the laptop, long sessions, few skips",
"podcasts on the phone in the morning". It is found, not declared:

1. sessions (20-minute silences) over the whole history of the scope; those with at least
   :data:`MIN_STREAMS` plays or :data:`MIN_MINUTES` of listening are clustered (a lone two-second skip says
   nothing about a way of listening);
2. each session becomes a feature vector (:class:`SessionFeatures`, read by the ``modes`` insight): *what*
   — its taste vector, the time-weighted mean of the artist vectors of
   :mod:`linernotes.models.artist_embedding`, and its share of podcasts and audiobooks — and *how* — start
   hour as a point on a circle (sin, cos), weekend or not, the main device family (one-hot; Android and
   iOS phones are one "phone": a new phone is not a new way of listening), log of its length, shuffle
   share and skip rate;
3. features are standardised; the taste vector is reduced to its main axes (PCA) and each block is
   weighted (:data:`BLOCK_WEIGHTS`) so that neither the 32 taste dimensions nor the many device columns
   drown the rest;
4. a Gaussian mixture (diagonal covariances, fixed seed) for every k in 2..8, fitted on a fixed sample of
   sessions; the k with the lowest BIC wins, so the number of modes comes from the data (a small or uniform
   history gets few modes), and every session is assigned its most likely mode.

Pure computation (feature arrays in, labels out): the ``modes`` insight (:mod:`linernotes.insights.modes`)
reads the sessions, caches the labels with :mod:`linernotes.engine.model_cache` keyed by the selection's
fingerprint, and describes the modes with a few vectorised aggregations over the labelled sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MIN_STREAMS = 2  # a session is clustered when it has at least this many plays ...
MIN_MINUTES = 5.0  # ... or at least this much listening time
K_RANGE = (2, 8)
SEED = 0
FIT_SAMPLE = 6000  # sessions the mixture is fitted on (all of them when fewer): seconds on any library
N_INIT = 2
REG_COVAR = 1e-3  # variance floor: one-hot device columns are constant inside a mode
# How much each block of features weighs in the distance (in standard deviations, spread over its columns).
BLOCK_WEIGHTS = {"taste": 2.0, "kind": 1.0, "hour": 1.5, "weekend": 0.7, "device": 1.5, "length": 1.0,
                 "shuffle": 1.0, "skip": 0.7}
TASTE_AXES = 6  # principal axes of the taste vectors kept for clustering
MODEL_VERSION = "modes-gmm-2"
# Device families in words ("on the phone"); phones are one family here.
DEVICE_WORDS = {
    "phone": "the phone", "phone_android": "the phone", "phone_ios": "the phone", "tablet": "the tablet",
    "desktop_windows": "the PC", "desktop_mac": "the Mac", "desktop_linux": "the Linux PC",
    "web": "the web player", "cast": "the Chromecast", "tv": "the TV", "console": "the console",
    "speaker": "the speaker", "car": "the car", "watch": "the watch",
}


@dataclass
class SessionFeatures:
    """One row per clustered session (numpy columns, in session order)."""

    session_id: np.ndarray  # int64, ids of session_table
    start_ms: np.ndarray  # int64, UTC epoch ms of the first play's start
    day: np.ndarray  # datetime64[D], local date of the start
    hour: np.ndarray  # float, local hour of the start (14.5 = 14:30)
    weekend: np.ndarray  # bool, Saturday or Sunday (local)
    device: np.ndarray  # str, the device family with the most time ('unknown' if none; both phone families: 'phone')
    minutes: np.ndarray  # float, wall-clock length
    ms: np.ndarray  # int64, listening time
    streams: np.ndarray  # int64, every play
    shuffle: np.ndarray  # float, share of plays with shuffle on (0 when unknown)
    skip: np.ndarray  # float, share of music plays skipped; NaN when nothing is known
    episode: np.ndarray  # float, share of time on podcast episodes
    audiobook: np.ndarray  # float, share of time on audiobooks
    music: np.ndarray  # float, share of time on music tracks
    taste: np.ndarray  # (n, dims) float32, unit length or zeros (no known artist)

    def __len__(self) -> int:
        return len(self.session_id)


def session_taste(rows: np.ndarray, artist_ids: np.ndarray, weights: np.ndarray, n_sessions: int,
                  vectors: np.ndarray) -> np.ndarray:
    """Time-weighted mean artist vector of each session, unit length: one row per (session row index,
    vocabulary index, listening-time weight) in, an ``(n_sessions, dims)`` matrix out."""
    from scipy import sparse

    matrix = sparse.csr_matrix(
        (np.asarray(weights, dtype=np.float64), (np.asarray(rows), np.asarray(artist_ids, dtype=np.int64))),
        shape=(n_sessions, len(vectors)),
    )
    out = np.asarray(matrix @ vectors.astype(np.float64))
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0).astype(np.float32)


def feature_matrix(f: SessionFeatures, devices: list[str], weights: dict[str, float] | None = None) -> np.ndarray:
    """The weighted, standardised matrix the clustering sees (rows = sessions)."""
    w = dict(BLOCK_WEIGHTS, **(weights or {}))
    n = len(f)
    blocks: list[np.ndarray] = []

    def add(name: str, cols: np.ndarray) -> None:
        cols = np.asarray(cols, dtype=np.float64)
        if not n:  # no sessions at all (an empty library): an empty block, of its width
            blocks.append(cols.reshape(0, cols.shape[1] if cols.ndim == 2 else 1))
            return
        cols = cols.reshape(n, -1)
        sd = cols.std(axis=0)
        z = np.divide(cols - cols.mean(axis=0), sd, out=np.zeros_like(cols), where=sd > 1e-9)
        # Spread the block's weight over its columns, so a block of many columns does not count more.
        blocks.append(z * (w[name] / np.sqrt(max(1, cols.shape[1]))))

    if f.taste.shape[1]:
        add("taste", _principal_axes(f.taste, TASTE_AXES))
    add("kind", np.c_[f.episode, f.audiobook])
    angle = 2 * np.pi * f.hour / 24.0
    add("hour", np.c_[np.sin(angle), np.cos(angle)])
    add("weekend", f.weekend.astype(np.float64))
    add("device", (f.device[:, None] == np.asarray(devices)[None, :]).astype(np.float64))
    add("length", np.log1p(f.minutes))
    add("shuffle", f.shuffle)
    skip = np.where(np.isnan(f.skip), np.nanmean(f.skip) if np.isfinite(f.skip).any() else 0.0, f.skip)
    add("skip", skip)
    return np.hstack(blocks) if blocks else np.zeros((n, 0))


def _principal_axes(x: np.ndarray, k: int) -> np.ndarray:
    """Projection of ``x`` on its first ``k`` principal axes (deterministic SVD)."""
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=0)
    k = max(1, min(k, min(centred.shape)))
    _, _, vt = np.linalg.svd(centred[:: max(1, len(centred) // 20000)], full_matrices=False)
    return np.asarray(centred @ vt[:k].T)


def device_columns(f: SessionFeatures) -> list[str]:
    """Device families that are the main device of at least 1 % of sessions (the one-hot columns)."""
    names, counts = np.unique(f.device, return_counts=True)
    keep = [str(d) for d, c in zip(names, counts, strict=True) if c >= 0.01 * len(f)]
    return sorted(keep)


def choose_k(x: np.ndarray, seed: int = SEED) -> tuple[np.ndarray, int, dict[int, float]]:
    """Labels of the Gaussian mixture (diagonal covariances) whose k in :data:`K_RANGE` has the lowest BIC.

    Fitted on a fixed random sample of :data:`FIT_SAMPLE` sessions (BIC on the same sample), then every
    session is assigned its most likely component. Returns (labels, k, BIC per k tried).
    """
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_limits

    n = len(x)
    if n < 2 * K_RANGE[0] or not x.shape[1]:
        return np.zeros(n, dtype=np.int64), 1 if n else 0, {}
    rng = np.random.default_rng(seed)
    fit = x[np.sort(rng.choice(n, size=min(n, FIT_SAMPLE), replace=False))]
    distinct = len(np.unique(fit.round(6), axis=0))
    scores: dict[int, float] = {}
    best: tuple[float, int, Any] | None = None
    # One thread: BLAS threads fighting over a few cores make these small fits many times slower.
    with threadpool_limits(1):
        for k in range(K_RANGE[0], min(K_RANGE[1], distinct - 1, len(fit) // 5) + 1):
            gm = GaussianMixture(k, covariance_type="diag", reg_covar=REG_COVAR, n_init=N_INIT, random_state=seed)
            gm.fit(fit)
            bic = float(gm.bic(fit))
            scores[k] = round(bic, 3)
            if best is None or bic < best[0]:
                best = (bic, k, gm)
        if best is None:
            return np.zeros(n, dtype=np.int64), 1, scores
        labels = best[2].predict(x)
    return _relabel(labels), len(np.unique(labels)), scores


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Number clusters by size (0 = most sessions; ties by first appearance): stable, readable ids."""
    ids, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))
    mapping = np.empty(ids.max() + 1, dtype=np.int64)
    mapping[ids[order]] = np.arange(len(ids))
    return mapping[labels]


@dataclass
class ModesModel:
    features: SessionFeatures
    labels: np.ndarray  # (n,) mode of each clustered session, 0 = the most common
    k: int
    scores: dict[int, float]  # BIC per k tried (lower is better)
    devices: list[str]
