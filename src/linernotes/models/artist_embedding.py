"""The taste model: artist embeddings learned from the person's own co-listening.

Two artists are close when the person plays them near each other — within a few plays in the same
session — more often than their popularity alone explains. Concretely (Levy & Goldberg's recipe for word
vectors, applied to listening sessions):

1. sessions (20-minute silences; the ``taste`` insight reads them and passes the pairs in);
2. co-occurrence counts of artist pairs at most ``window`` plays apart in a session (a play with itself
   and a pair of the same artist do not count), weighted 1/distance;
3. positive pointwise mutual information, with context-distribution smoothing (α = 0.75);
4. a truncated SVD of the PPMI matrix (randomized, fixed seed → deterministic); vectors are
   ``U·√Σ``, L2-normalised so that cosine similarity is a dot product. An artist whose PPMI row the kept
   dimensions do not capture at all (under 0.1 % of its energy) gets a zero vector: unknown, not random.

Only artists with at least ``min_plays`` counted music plays enter the vocabulary. The model is trained on
the whole history of the scope (taste geometry does not depend on the period asked about); the ``taste``
insight (:func:`linernotes.insights.taste.taste_model`) reads its input and caches it with
:mod:`linernotes.engine.model_cache`, so a re-run on an unchanged library loads it in milliseconds.

Pure computation: arrays in, arrays and dataclasses out; no SQL, scope or cache here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

SMOOTHING = 0.75
MIN_CAPTURED = 1e-3  # share of an artist's PPMI row energy its vector must keep to count as known


@dataclass
class TasteModel:
    artists: np.ndarray  # (n,) artist names
    vectors: np.ndarray  # (n, dims) float32, unit length (zero rows for artists without co-listening)
    ms_played: np.ndarray  # (n,) listening time per artist, the whole history
    plays: np.ndarray  # (n,) counted plays per artist
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = {str(a).casefold(): i for i, a in enumerate(self.artists)}

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0

    def index_of(self, artist: str) -> int | None:
        return self._index.get(artist.casefold())

    def vector(self, artist: str) -> np.ndarray | None:
        i = self.index_of(artist)
        return None if i is None else self.vectors[i]

    def similar(self, artist: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` artists whose vectors are closest (cosine) to ``artist``'s, best first."""
        i = self.index_of(artist)
        if i is None or not self.vectors[i].any():
            return []
        sims = self.vectors @ self.vectors[i]
        sims[i] = -np.inf
        order = np.argsort(-sims, kind="stable")[:k]
        return [(str(self.artists[j]), float(sims[j])) for j in order if np.isfinite(sims[j])]

    def vocab_table(self) -> Any:
        """An Arrow table (``artist``, ``id``) of the vocabulary, to join plays to rows of ``vectors`` in SQL."""
        return vocab_table(self.artists)

    def mean_vector(self, weights: dict[str, float]) -> np.ndarray:
        """Weighted mean of artist vectors (e.g. by listening time), unit length; zeros when none known."""
        acc = np.zeros(self.dims, dtype=np.float64)
        for name, w in weights.items():
            v = self.vector(name)
            if v is not None:
                acc += w * v
        norm = np.linalg.norm(acc)
        return (acc / norm).astype(np.float32) if norm > 0 else acc.astype(np.float32)


Arrays = dict[str, np.ndarray]


def train(artists: np.ndarray, ms: np.ndarray, plays: np.ndarray, pair_i: np.ndarray, pair_j: np.ndarray,
          pair_w: np.ndarray, *, dims: int, seed: int) -> tuple[Arrays, dict[str, Any]]:
    """The embedding's arrays (``artists``, ``vectors``, ``ms_played``, ``plays``) and a header of facts, from
    the vocabulary (artist names, listening time and counted plays, one entry each) and its co-occurrence
    pairs (vocabulary indexes ``pair_i``/``pair_j`` with weight ``pair_w``; each unordered pair may repeat)."""
    from scipy import sparse
    from sklearn.utils.extmath import randomized_svd

    n = len(artists)
    if n < 2:
        return {"artists": artists, "vectors": np.zeros((n, 0), np.float32), "ms_played": ms, "plays": plays}, {}
    i, j, w = pair_i, pair_j, pair_w
    counts = sparse.coo_matrix((np.r_[w, w], (np.r_[i, j], np.r_[j, i])), shape=(n, n)).tocsr()
    counts.sum_duplicates()
    ppmi = _ppmi(counts)
    k = max(1, min(dims, n - 1))
    u, s, _ = randomized_svd(ppmi, n_components=k, random_state=seed, n_iter=5)
    vectors = (u * np.sqrt(s)).astype(np.float32)
    # An artist whose co-listening lies outside the kept dimensions (e.g. sleep sounds that only ever
    # meet each other) has a vector of rounding noise: normalised, it would look like a confident random
    # direction. Such artists get a zero vector ("no taste information") instead.
    energy = np.asarray(ppmi.multiply(ppmi).sum(axis=1)).ravel()
    captured = ((u * s) ** 2).sum(axis=1) / np.maximum(energy, 1e-12)
    vectors[captured < MIN_CAPTURED] = 0.0
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    header = {"artists": n, "pairs": len(w), "singular_values": s[:5].round(4).tolist()}
    return {"artists": artists, "vectors": vectors, "ms_played": ms, "plays": plays}, header


def vocab_table(artists: np.ndarray) -> Any:
    import pyarrow as pa

    return pa.table({"artist": pa.array(artists.tolist(), pa.string()), "id": pa.array(np.arange(len(artists)))})


def _ppmi(counts: Any) -> Any:
    """Positive PMI of a symmetric sparse count matrix, with smoothed context probabilities."""
    from scipy import sparse

    total = counts.sum()
    if total == 0:
        return counts
    row = np.asarray(counts.sum(axis=1)).ravel()
    ctx_w = row**SMOOTHING
    p_ctx = ctx_w / ctx_w.sum()
    p_row = row / total
    coo = counts.tocoo()
    pmi = np.log((coo.data / total) / (p_row[coo.row] * p_ctx[coo.col]))
    keep = pmi > 0
    return sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=counts.shape)


@dataclass(frozen=True)
class MonthTaste:
    """The taste vector of one calendar month (unit length; zeros when no known artist was played)."""

    month: str  # YYYY-MM
    ms_played: int  # music listening time that month, known artists or not
    vector: np.ndarray


def month_tastes(month: np.ndarray, artist_id: np.ndarray, ms: np.ndarray, model: TasteModel) -> list[MonthTaste]:
    """Every month with music: Σ ms·v over the model's artists, normalised. Input: one row per (month
    ``YYYY-MM``, vocabulary index or -1 for an artist outside it) with its listening time.

    Listening time weights the mean, so a month is described by what filled it, not by what was sampled.
    """
    from scipy import sparse

    labels = np.asarray(month, dtype=str)
    if not len(labels):
        return []
    months, m_idx = np.unique(labels, return_inverse=True)
    ids = np.asarray(artist_id, dtype=np.int64)
    ms = np.asarray(ms, dtype=np.float64)
    total = np.bincount(m_idx, weights=ms, minlength=len(months))
    known = ids >= 0
    if model.dims:
        mat = sparse.csr_matrix((ms[known], (m_idx[known], ids[known])), shape=(len(months), len(model.artists)))
        vecs = np.asarray(mat @ model.vectors.astype(np.float64))
    else:
        vecs = np.zeros((len(months), 0))
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    vecs = np.divide(vecs, norms, out=np.zeros_like(vecs), where=norms > 0).astype(np.float32)
    return [MonthTaste(month=str(m), ms_played=round(total[i]), vector=vecs[i]) for i, m in enumerate(months)]


def project_2d(vectors: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PCA of ``vectors`` to two dimensions: (coordinates (n, 2), the mean, the two axes (2, d)) and the share
    of variance each axis explains is left to the caller. Axis signs are fixed (largest loading positive) so
    the same library always draws the same map."""
    n, d = vectors.shape
    axes = np.zeros((2, d))
    if n == 0 or d == 0:
        return np.zeros((n, 2)), np.zeros(d), axes
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    mean = np.average(vectors, axis=0, weights=w) if w.sum() > 0 else vectors.mean(axis=0)
    centred = vectors - mean
    if n >= 2:
        _, _, vt = np.linalg.svd(centred * np.sqrt(w / max(w.sum(), 1e-12))[:, None], full_matrices=False)
        k = min(2, vt.shape[0])
        axes[:k] = vt[:k]
        for i in range(k):
            j = int(np.argmax(np.abs(axes[i])))
            if axes[i, j] < 0:
                axes[i] = -axes[i]
    return centred @ axes.T, mean, axes


def clusters(vectors: np.ndarray, seed: int = 0, max_k: int = 8) -> np.ndarray:
    """Cluster labels for unit vectors: k-means with k (2..max_k) chosen by the best silhouette (cosine).

    Fewer than four points, or no k with a positive silhouette, gives one cluster (all zeros). Labels are
    renumbered by cluster size (0 = largest) so they are stable across runs.
    """
    n = len(vectors)
    if n < 4 or not vectors.any():
        return np.zeros(n, dtype=np.int64)
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    best_labels, best_score = np.zeros(n, dtype=np.int64), 0.0
    for k in range(2, min(max_k, n - 1) + 1):
        labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(vectors)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(vectors, labels, metric="cosine"))
        if score > best_score + 1e-9:
            best_labels, best_score = labels, score
    sizes = np.bincount(best_labels)
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return np.asarray(rank[best_labels], dtype=np.int64)
