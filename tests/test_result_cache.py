"""Model insights are served from the cache on an unchanged library, and recomputed when anything they
depend on changes (plays, rules, settings)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from linernotes.engine import registry
from linernotes.library import Library, open_library
from tests.support import insight_fixture


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    monkeypatch.setenv("LINERNOTES_CACHE", str(tmp_path / "cache"))
    with open_library(tmp_path / "library.duckdb") as lib:
        lib.import_paths([insight_fixture.write(tmp_path / "export")])
        yield lib


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    spec = registry.get(name)
    calls: list[int] = []

    def compute(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return spec.compute(*args, **kwargs)

    monkeypatch.setitem(registry._REGISTRY, name, dataclasses.replace(spec, compute=compute))
    return calls


@pytest.mark.parametrize("name", ["chapters", "skip-model", "modes"])
def test_a_model_insight_is_computed_once_then_served_from_the_cache(
    history: Library, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    calls = _counting(monkeypatch, name)
    first = history.insight(name, start="2024-01-01", end="2024-03-31")
    history.engine.invalidate()  # a new process would start with no selections
    again = history.insight(name, start="2024-01-01", end="2024-03-31")
    assert len(calls) == 1
    assert type(again) is type(first) and again.to_dict() == first.to_dict()
    history.insight(name, start="2024-02-01", end="2024-03-31")  # another question: computed
    assert len(calls) == 2


def test_a_changed_library_is_never_answered_from_the_cache(history: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch, "chapters")
    before = history.insight("chapters")
    history.exclude(artist="Aurora Lane")
    after = history.insight("chapters")
    assert len(calls) == 2 and after.to_dict() != before.to_dict()
    history.set_setting("home_zone", "Asia/Tokyo")
    history.insight("chapters")
    assert len(calls) == 3


def test_forget_removes_everything_cached_from_the_plays(history: Library, tmp_path: Path) -> None:
    """Trained models, model results and ask's name index are derived from plays: forget deletes them too."""
    from linernotes.ask import ask

    history.insight("chapters")
    ask(history, "top artist in 2024")
    cache = tmp_path / "cache"
    assert any(cache.rglob("*.json")) and any(cache.rglob("*.npz"))
    history.forget(everything=True)
    assert [p for p in cache.rglob("*") if p.is_file()] == []
