"""Scoring found events against planted truth: one-to-one matching within a tolerance, and F1 — the same
arithmetic for the tests and the quality benchmarks."""

from __future__ import annotations

from collections.abc import Iterable


def f1(tp: int, n_found: int, n_truth: int) -> tuple[float, float, float]:
    """(precision, recall, F1) of ``tp`` matches among ``n_found`` found and ``n_truth`` planted events; finding
    nothing when nothing was planted is perfect."""
    precision = tp / n_found if n_found else (1.0 if n_truth == 0 else 0.0)
    recall = tp / n_truth if n_truth else 1.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def match_one_to_one(found: list[float], truth: list[float], tolerance: float) -> int:
    """One-to-one matches between two sets of numbers within ``tolerance`` (greedy by distance)."""
    return greedy_matches(
        (abs(f - t), i, j) for i, t in enumerate(truth) for j, f in enumerate(found) if abs(f - t) <= tolerance
    )


def greedy_matches(pairs: Iterable[tuple[float, int, int]]) -> int:
    """How many one-to-one matches the candidate ``(distance, truth index, found index)`` pairs give, taking the
    closest first."""
    used_t: set[int] = set()
    used_f: set[int] = set()
    for _, i, j in sorted(pairs):
        if i not in used_t and j not in used_f:
            used_t.add(i)
            used_f.add(j)
    return len(used_t)
