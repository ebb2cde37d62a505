"""The taste model: artist embeddings learned from the person's own co-listening.

Two artists are close when the person plays them near each other — within a few plays in the same
session — more often than their popularity alone explains. Concretely (Levy & Goldberg's recipe for word
vectors, applied to listening sessions):

1. sessions from :func:`linernotes.insights.sessions.session_table` (20-minute silences);
2. co-occurrence counts of artist pairs at most ``window`` plays apart in a session (a play with itself
   and a pair of the same artist do not count), weighted 1/distance;
3. positive pointwise mutual information, with context-distribution smoothing (α = 0.75);
4. a truncated SVD of the PPMI matrix (randomized, fixed seed → deterministic); vectors are
   ``U·√Σ``, L2-normalised so that cosine similarity is a dot product. An artist whose PPMI row the kept
   dimensions do not capture at all (under 0.1 % of its energy) gets a zero vector: unknown, not random.

Only artists with at least ``min_plays`` counted music plays enter the vocabulary. The model is trained on
the whole history of the scope (taste geometry does not depend on the period asked about) and cached by
:mod:`linernotes.engine.model_cache`: a re-run on an unchanged library loads it in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from linernotes.engine.model_cache import cached_arrays
from linernotes.engine.scope import Context
from linernotes.insights.sessions import session_table

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
        return _vocab_table(self.artists)

    def mean_vector(self, weights: dict[str, float]) -> np.ndarray:
        """Weighted mean of artist vectors (e.g. by listening time), unit length; zeros when none known."""
        acc = np.zeros(self.dims, dtype=np.float64)
        for name, w in weights.items():
            v = self.vector(name)
            if v is not None:
                acc += w * v
        norm = np.linalg.norm(acc)
        return (acc / norm).astype(np.float32) if norm > 0 else acc.astype(np.float32)


def taste_model(ctx: Context, *, dims: int = 32, window: int = 5, min_plays: int = 3, seed: int = 0) -> TasteModel:
    """Train (or load from the cache) the artist embedding of ``ctx``'s scope over its whole history."""
    whole = ctx.whole_history()
    params = {"dims": dims, "window": window, "min_plays": min_plays, "seed": seed, "model": "taste-ppmi-svd-2"}
    arrays, _ = cached_arrays(whole, "taste", params, lambda: _train(whole, dims, window, min_plays, seed))
    return TasteModel(artists=arrays["artists"], vectors=arrays["vectors"], ms_played=arrays["ms_played"],
                      plays=arrays["plays"])


def _train(ctx: Context, dims: int, window: int, min_plays: int,
           seed: int) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    from scipy import sparse
    from sklearn.utils.extmath import randomized_svd

    vocab = ctx.fetchnumpy(f"""
        SELECT artist, sum(ms_played)::BIGINT AS ms, count(*) FILTER (WHERE counted) AS plays
        FROM {ctx.plays} WHERE kind = 'track' AND artist IS NOT NULL
        GROUP BY artist HAVING count(*) FILTER (WHERE counted) >= {int(min_plays)}
        ORDER BY ms DESC, artist""")
    artists = np.asarray(vocab["artist"], dtype=str)
    n = len(artists)
    ms = np.asarray(vocab["ms"], dtype=np.int64)
    plays = np.asarray(vocab["plays"], dtype=np.int64)
    if n < 2:
        return {"artists": artists, "vectors": np.zeros((n, 0), np.float32), "ms_played": ms, "plays": plays}, {}
    sessions = session_table(ctx)
    ctx.con.register("_ln_vocab", _vocab_table(artists))
    try:
        # Music plays in session order, numbered within their session; pairs at most `window` apart.
        pairs = ctx.fetchnumpy(f"""
            WITH m AS (
                SELECT s.session_id, v.id,
                       row_number() OVER (PARTITION BY s.session_id ORDER BY s.pos) AS k
                FROM {sessions} s JOIN _ln_vocab v ON v.artist = s.artist
                WHERE s.kind = 'track' AND s.counted),
            d AS (SELECT unnest(range(1, {int(window) + 1})) AS dist)
            SELECT a.id AS i, b.id AS j, sum(1.0 / d.dist) AS w
            FROM m a CROSS JOIN d JOIN m b ON b.session_id = a.session_id AND b.k = a.k + d.dist
            WHERE a.id <> b.id
            GROUP BY ALL""")
    finally:
        ctx.con.unregister("_ln_vocab")
    i = np.asarray(pairs["i"], dtype=np.int64)
    j = np.asarray(pairs["j"], dtype=np.int64)
    w = np.asarray(pairs["w"], dtype=np.float64)
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


def _vocab_table(artists: np.ndarray) -> Any:
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


def month_vectors(ctx: Context, model: TasteModel) -> list[MonthTaste]:
    """Every month of ``ctx``'s selection with music: Σ ms·v over the model's artists, normalised.

    Listening time weights the mean, so a month is described by what filled it, not by what was sampled.
    """
    from scipy import sparse

    ctx.con.register("_ln_month_vocab", model.vocab_table())
    try:
        cols = ctx.fetchnumpy(f"""
            SELECT strftime(day, '%Y-%m') AS month, coalesce(v.id, -1) AS id, sum(ms_played)::DOUBLE AS ms
            FROM {ctx.plays} p LEFT JOIN _ln_month_vocab v ON v.artist = p.artist
            WHERE {ctx.kinds('track')} AND ms_played > 0 GROUP BY ALL""")
    finally:
        ctx.con.unregister("_ln_month_vocab")
    labels = np.asarray(cols["month"], dtype=str)
    if not len(labels):
        return []
    months, m_idx = np.unique(labels, return_inverse=True)
    ids = np.asarray(cols["id"], dtype=np.int64)
    ms = np.asarray(cols["ms"], dtype=np.float64)
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
