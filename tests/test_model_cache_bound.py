"""The model cache is bounded: least recently used entries go once the cache holds more than its budget."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from linernotes.engine import model_cache

ENTRY_FLOATS = 25_000  # 200 kB of float64 per trained entry


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(model_cache.ENV_CACHE, str(tmp_path))
    # One library for every entry: the key differs by the model's parameters only.
    monkeypatch.setattr(model_cache, "fingerprint", lambda ctx: "one-library")
    return tmp_path


def train_calls() -> tuple[list[int], Any]:
    calls: list[int] = []

    def train_for(i: int) -> Any:
        def train() -> model_cache.Trained:
            calls.append(i)
            return {"w": np.full(ENTRY_FLOATS, float(i))}, {"i": i}

        return train

    return calls, train_for


def entry_bytes(root: Path) -> int:
    return sum(f.stat().st_size for f in (root / "models").glob("*.npz"))


def test_the_cache_never_holds_more_than_its_budget(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls, train_for = train_calls()
    model_cache.cached_arrays(None, "m", {"i": 0}, train_for(0))  # type: ignore[arg-type]
    one = entry_bytes(cache)
    monkeypatch.setattr(model_cache, "MAX_BYTES", 3 * one + one // 2)  # room for three entries
    for i in range(1, 8):
        model_cache.cached_arrays(None, "m", {"i": i}, train_for(i))  # type: ignore[arg-type]
        assert entry_bytes(cache) <= model_cache.MAX_BYTES
    assert len(list((cache / "models").glob("*.npz"))) == 3
    # The three most recent are served from the cache; the oldest was evicted and trains again.
    for i in (5, 6, 7):
        arrays, header = model_cache.cached_arrays(None, "m", {"i": i}, train_for(i))  # type: ignore[arg-type]
        assert header == {"i": i} and arrays["w"][0] == i
    assert calls == list(range(8))
    model_cache.cached_arrays(None, "m", {"i": 0}, train_for(0))  # type: ignore[arg-type]
    assert calls == [*range(8), 0]


def test_eviction_is_by_last_use_not_by_age(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls, train_for = train_calls()
    model_cache.cached_arrays(None, "m", {"i": 0}, train_for(0))  # type: ignore[arg-type]
    monkeypatch.setattr(model_cache, "MAX_BYTES", 2 * entry_bytes(cache) + 1)  # room for two
    model_cache.cached_arrays(None, "m", {"i": 1}, train_for(1))  # type: ignore[arg-type]
    # Entry 0 is the oldest written; using it again makes entry 1 the least recently used.
    for path, when in zip(sorted((cache / "models").glob("*.npz"), key=lambda p: p.stat().st_mtime_ns),
                          (1_000_000_000, 2_000_000_000), strict=True):
        os.utime(path, ns=(when, when))
    model_cache.cached_arrays(None, "m", {"i": 0}, train_for(0))  # type: ignore[arg-type]  # a hit
    model_cache.cached_arrays(None, "m", {"i": 2}, train_for(2))  # type: ignore[arg-type]
    assert calls == [0, 1, 2]
    model_cache.cached_arrays(None, "m", {"i": 0}, train_for(0))  # type: ignore[arg-type]
    assert calls == [0, 1, 2], "the entry just used was evicted instead of the least recently used one"
    model_cache.cached_arrays(None, "m", {"i": 1}, train_for(1))  # type: ignore[arg-type]
    assert calls == [0, 1, 2, 1]


def test_an_entry_bigger_than_the_budget_is_kept_while_in_use(cache: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_cache, "MAX_BYTES", 1)
    calls, train_for = train_calls()
    model_cache.cached_arrays(None, "m", {"i": 0}, train_for(0))  # type: ignore[arg-type]
    assert len(list((cache / "models").glob("*.npz"))) == 1
    model_cache.cached_arrays(None, "m", {"i": 1}, train_for(1))  # type: ignore[arg-type]
    assert [p.name.startswith("m-") for p in (cache / "models").glob("*.npz")] == [True]
    assert calls == [0, 1]
