"""Listening modes: sessions clustered on what was played and how.

A *mode* is a recurring way of listening — "late-night Night Tram on the laptop, long sessions, few skips",
"podcasts on the phone in the morning". It is found, not declared:

1. sessions from :func:`linernotes.insights.sessions.session_table` (20-minute silences) over the whole
   history of the scope; those with at least :data:`MIN_STREAMS` plays or :data:`MIN_MINUTES` of listening
   are clustered (a lone two-second skip says nothing about a way of listening);
2. each session becomes a feature vector (:func:`session_features`): *what* — its taste vector, the
   time-weighted mean of the artist vectors of :mod:`linernotes.models.artist_embedding`, and its share of podcasts and
   audiobooks — and *how* — start hour as a point on a circle (sin, cos), weekend or not, the main device
   family (one-hot; Android and iOS phones are one "phone": a new phone is not a new way of listening), log
   of its length, shuffle share and skip rate;
3. features are standardised; the taste vector is reduced to its main axes (PCA) and each block is
   weighted (:data:`BLOCK_WEIGHTS`) so that neither the 32 taste dimensions nor the many device columns
   drown the rest;
4. a Gaussian mixture (diagonal covariances, fixed seed) for every k in 2..8, fitted on a fixed sample of
   sessions; the k with the lowest BIC wins, so the number of modes comes from the data (a small or uniform
   history gets few modes), and every session is assigned its most likely mode.

Labels are cached by :mod:`linernotes.engine.model_cache` keyed by the selection's fingerprint; describing the
modes (:mod:`linernotes.insights.modes`) is a few vectorised aggregations over the labelled sessions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from linernotes.engine.model_cache import cached_arrays
from linernotes.engine.scope import Context
from linernotes.insights.sessions import session_table
from linernotes.models.artist_embedding import taste_model

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


def clustered_sessions(ctx: Context) -> str:
    """Name of a temp table: one row per session of ``ctx``'s whole history that is long enough to cluster."""
    whole = ctx.whole_history()
    table = session_table(whole)
    return whole.derived(
        "modes_sessions",
        f"""
        WITH per AS (
            SELECT session_id,
                   min(epoch_ms(ts_start)) AS start_ms,
                   arg_min(ts_local, ts_start) AS start_local,
                   epoch_ms(max(coalesce(ts_end, ts_start))) - epoch_ms(min(ts_start)) AS duration_ms,
                   coalesce(sum(ms_played), 0)::BIGINT AS ms,
                   count(*) AS streams,
                   coalesce(avg(shuffle::INT), 0) AS shuffle,
                   avg(skip::INT) AS skip,
                   coalesce(sum(ms_played) FILTER (WHERE kind = 'episode'), 0) AS ep_ms,
                   coalesce(sum(ms_played) FILTER (WHERE kind = 'audiobook'), 0) AS book_ms,
                   coalesce(sum(ms_played) FILTER (WHERE kind = 'track'), 0) AS music_ms
            FROM {table} GROUP BY session_id),
        dev AS (
            SELECT session_id, coalesce(device, 'unknown') AS device, sum(coalesce(ms_played, 0)) AS ms
            FROM {table} GROUP BY ALL),
        main AS (SELECT session_id, first(device ORDER BY ms DESC, device) AS device FROM dev GROUP BY session_id)
        SELECT per.*, CASE WHEN main.device LIKE 'phone%' THEN 'phone' ELSE main.device END AS device
        FROM per JOIN main USING (session_id)
        WHERE streams >= {MIN_STREAMS} OR ms >= {MIN_MINUTES * 60_000}
        """,
    )


def session_features(ctx: Context) -> SessionFeatures:
    """The features of every clustered session of ``ctx``'s whole history (see the module docstring)."""
    whole = ctx.whole_history()
    sessions = clustered_sessions(ctx)
    cols = whole.fetchnumpy(f"""
        SELECT session_id, start_ms, start_local::DATE AS day,
               hour(start_local) + minute(start_local) / 60.0 AS hour, isodow(start_local) >= 6 AS weekend,
               device, duration_ms / 60000.0 AS minutes, ms, streams, shuffle, skip,
               ep_ms / greatest(ms, 1) AS episode, book_ms / greatest(ms, 1) AS audiobook,
               music_ms / greatest(ms, 1) AS music
        FROM {sessions} ORDER BY session_id""")
    n = len(cols["session_id"])
    skip = cols["skip"]
    skip = np.ma.filled(skip.astype(np.float64), np.nan) if np.ma.isMaskedArray(skip) else skip.astype(np.float64)
    model = taste_model(ctx)
    taste = np.zeros((n, model.dims), dtype=np.float32)
    if n and model.dims:
        taste = _session_taste(whole, sessions, model.artists, model.vectors, np.asarray(cols["session_id"]))
    return SessionFeatures(
        session_id=np.asarray(cols["session_id"], dtype=np.int64),
        start_ms=np.asarray(cols["start_ms"], dtype=np.int64),
        day=np.asarray(cols["day"]).astype("datetime64[D]"),
        hour=np.asarray(cols["hour"], dtype=np.float64),
        weekend=np.asarray(cols["weekend"], dtype=bool),
        device=np.asarray(cols["device"], dtype=str),
        minutes=np.asarray(cols["minutes"], dtype=np.float64),
        ms=np.asarray(cols["ms"], dtype=np.int64),
        streams=np.asarray(cols["streams"], dtype=np.int64),
        shuffle=np.asarray(cols["shuffle"], dtype=np.float64),
        skip=skip,
        episode=np.asarray(cols["episode"], dtype=np.float64),
        audiobook=np.asarray(cols["audiobook"], dtype=np.float64),
        music=np.asarray(cols["music"], dtype=np.float64),
        taste=taste,
    )


def _session_taste(ctx: Context, sessions: str, artists: np.ndarray, vectors: np.ndarray,
                   ids: np.ndarray) -> np.ndarray:
    """Time-weighted mean artist vector of each session (rows in ``ids`` order), unit length."""
    import pyarrow as pa
    from scipy import sparse

    table = session_table(ctx)
    vocab = pa.table({"artist": pa.array(artists.tolist(), pa.string()), "id": pa.array(np.arange(len(artists)))})
    ctx.con.register("_ln_modes_vocab", vocab)
    try:
        cols = ctx.fetchnumpy(f"""
            SELECT t.session_id, v.id, sum(greatest(t.ms_played, 1000))::DOUBLE AS w
            FROM {table} t JOIN _ln_modes_vocab v ON v.artist = t.artist
            WHERE t.kind = 'track' AND t.session_id IN (SELECT session_id FROM {sessions})
            GROUP BY ALL""")
    finally:
        ctx.con.unregister("_ln_modes_vocab")
    row = np.searchsorted(ids, np.asarray(cols["session_id"], dtype=np.int64))
    weights = sparse.csr_matrix(
        (np.asarray(cols["w"], dtype=np.float64), (row, np.asarray(cols["id"], dtype=np.int64))),
        shape=(len(ids), len(artists)),
    )
    out = np.asarray(weights @ vectors.astype(np.float64))
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


def modes_model(ctx: Context, *, seed: int = SEED) -> ModesModel:
    """Cluster the sessions of ``ctx``'s whole history into modes (labels cached on disk)."""
    whole = ctx.whole_history()
    f = session_features(ctx)
    devices = device_columns(f)

    x = feature_matrix(f, devices)

    def train() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        labels, k, scores = choose_k(x, seed)
        return {"labels": labels.astype(np.int64)}, {"k": k, "scores": {str(a): b for a, b in scores.items()}}

    params = {"model": MODEL_VERSION, "seed": seed, "weights": BLOCK_WEIGHTS, "axes": TASTE_AXES,
              "k": K_RANGE, "min": [MIN_STREAMS, MIN_MINUTES], "fit": [FIT_SAMPLE, N_INIT, REG_COVAR],
              # the features themselves: a retrained taste model (same plays) must not be served stale labels
              "features": hashlib.sha256(np.ascontiguousarray(x.round(5)).tobytes()).hexdigest()[:16]}
    arrays, header = cached_arrays(whole, "modes", params, train)
    labels = arrays["labels"]
    if len(labels) != len(f):  # cannot happen for one fingerprint; never serve a mismatch
        arrays, header = train()
        labels = arrays["labels"]
    scores = {int(a): float(b) for a, b in header.get("scores", {}).items()}
    return ModesModel(features=f, labels=labels, k=int(header.get("k", 0)), scores=scores, devices=devices)


def session_modes(ctx: Context, *, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Per clustered session of the whole history: (UTC start in epoch seconds, mode label).

    For benchmarks comparing found modes with planted session contexts (NMI).
    """
    m = modes_model(ctx, seed=seed)
    return m.features.start_ms // 1000, m.labels
