"""The shared taste model, trained on the server: artist embeddings from noisy co-occurrence counts.

:func:`train`: the vocabulary is the artists that passed DP thresholding (public once released);
the pair counts among them get discrete Laplace noise with L1 sensitivity k(k-1)/2 (one contributor's top-k list
forms at most that many pairs); the rest — PPMI and a truncated SVD — is post-processing of released numbers,
so it costs no privacy. The device recommends from the released vectors
(:mod:`linernotes.coop.crowd.shared_taste_picks`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from linernotes.coop.release.mechanisms import Spend, noisy_counts

DIMENSIONS = 16


def pair_vector(vocab: list[str], pairs: Mapping[tuple[str, str], int]) -> np.ndarray:
    """The exact pair counts over the upper triangle of ``vocab`` × ``vocab`` (row-major, i < j)."""
    index = {a: i for i, a in enumerate(vocab)}
    n = len(vocab)
    out = np.zeros(n * (n - 1) // 2, dtype=np.int64)
    if not pairs or n < 2:
        return out
    items = [(index.get(a, -1), index.get(b, -1), c) for (a, b), c in pairs.items()]
    arr = np.array(items, dtype=np.int64)
    arr = arr[(arr[:, 0] >= 0) & (arr[:, 1] >= 0)]
    i, j = np.minimum(arr[:, 0], arr[:, 1]), np.maximum(arr[:, 0], arr[:, 1])
    out[_triangle_index(i, j, n)] = arr[:, 2]
    return out


def _triangle_index(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    return i * n - i * (i + 1) // 2 + (j - i - 1)


def embed(vocab: list[str], upper: np.ndarray, dimensions: int = DIMENSIONS) -> np.ndarray:
    """Unit-length artist vectors from (noisy) upper-triangle pair counts: PPMI, then truncated SVD."""
    n = len(vocab)
    if n < 2:
        return np.zeros((n, 0))
    m = np.zeros((n, n))
    rows, cols = np.triu_indices(n, 1)
    m[rows, cols] = np.maximum(upper, 0)
    m += m.T
    total = m.sum()
    if total <= 0:
        return np.zeros((n, 0))
    marg = m.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(m * total / np.outer(marg, marg))
    ppmi = np.where(np.isfinite(pmi) & (pmi > 0), pmi, 0.0)
    d = max(1, min(dimensions, n - 1))
    u, s, _ = np.linalg.svd(ppmi, hermitian=True)
    vecs = u[:, :d] * np.sqrt(s[:d])
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return np.divide(vecs, norms, out=np.zeros_like(vecs), where=norms > 0)


def train(vocab: list[str], pairs: Mapping[tuple[str, str], int], epsilon: float, k: int,
          dimensions: int = DIMENSIONS) -> tuple[np.ndarray, Spend]:
    """Noisy co-occurrence among ``vocab`` (ε, sensitivity k(k-1)/2), embedded; returns vectors and the spend."""
    sensitivity = max(1, k * (k - 1) // 2)
    noisy, spend = noisy_counts(pair_vector(vocab, pairs), epsilon, sensitivity, part="taste_pairs")
    return embed(vocab, noisy, dimensions), spend
