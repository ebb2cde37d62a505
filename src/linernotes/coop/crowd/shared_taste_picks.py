"""Recommendations on the device from a release's shared taste model: artists close to the centroid of the
person's current chapter, that the person has never played. The vectors are released numbers (trained by
:mod:`linernotes.coop.release.shared_taste` on the server); using them costs no privacy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np


def recommend(vectors: Mapping[str, list[float]], seeds: Iterable[str], known: Iterable[str],
              limit: int = 10) -> list[tuple[str, float]]:
    """Artists nearest (cosine) to the centroid of the ``seeds`` found in the model, leaving out ``known``
    (case-insensitive); [] when no seed is in the model."""
    names = list(vectors)
    if not names:
        return []
    lower = {n.casefold(): i for i, n in enumerate(names)}
    mat = np.asarray([vectors[n] for n in names], dtype=float)
    idx = [lower[s.casefold()] for s in seeds if s.casefold() in lower]
    if not idx or mat.shape[1] == 0:
        return []
    centroid = mat[idx].mean(axis=0)
    norm = np.linalg.norm(centroid)
    if norm == 0:
        return []
    scores = mat @ (centroid / norm)
    skip = {k.casefold() for k in known}
    order = np.argsort(-scores, kind="stable")
    return [(names[i], round(float(scores[i]), 4)) for i in order if names[i].casefold() not in skip][:limit]
