"""The taste model, life chapters, ``similar``, ``taste`` and ``recommend`` against planted truth.

One synthetic history (seed 11, 60 000 plays over 2016-2025) is imported once per module; the generator's
eras are the truth for chapters and its forgotten favourites for recommendations.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from linernotes import synth
from linernotes.engine.scope import Scope
from linernotes.insights import chapters as chapters_insight
from linernotes.insights import taste as taste_insight
from linernotes.insights.taste import taste_model
from linernotes.library import Library, open_library
from linernotes.models import chapter_segmentation as chapters_model

SEED = 11
PLAYS = 60_000


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Library, dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("taste")
    cache = tmp / "cache"
    mp = pytest.MonkeyPatch()
    mp.setenv("LINERNOTES_CACHE", str(cache))
    history = synth.generate(n_plays=PLAYS, seed=SEED)
    truth = history.ground_truth()
    synth.write_extended(history, tmp / "export.zip", generation="C")
    del history
    with open_library(tmp / "lib.duckdb") as lib:
        lib.import_paths([tmp / "export.zip"])
        yield lib, truth
    mp.undo()


def _boundaries(truth: dict[str, Any]) -> list[dt.date]:
    return [dt.date.fromisoformat(e["start"]) for e in truth["eras"][1:]]


def test_chapters_recover_planted_eras(planted: tuple[Library, dict[str, Any]]) -> None:
    lib, truth = planted
    result = lib.insight("chapters")
    found = [c.start for c in result.chapters[1:]]
    expected = _boundaries(truth)
    matched = sum(any(abs((f - t).days) <= 45 for f in found) for t in expected)
    false = sum(not any(abs((f - t).days) <= 45 for t in expected) for f in found)
    assert matched == len(expected), (found, expected)
    assert false == 0, (found, expected)


def test_chapters_tile_the_history_and_are_described(planted: tuple[Library, dict[str, Any]]) -> None:
    lib, _ = planted
    result = lib.insight("chapters")
    chs = result.chapters
    assert result.total == len(chs) >= 2
    assert result.meta is not None
    assert chs[0].start == result.meta.start and chs[-1].end == result.meta.end
    for a, b in itertools.pairwise(chs):
        assert b.start == a.end + dt.timedelta(days=1)
        assert (b.start - a.start).days >= 7 * result.min_weeks
    assert [c.current for c in chs].count(True) == 1 and chs[-1].current
    for c in chs:
        assert c.title and c.paragraph.startswith(f"From {c.start:%B %Y}")
        assert c.distinctive, "each era has artists of its own"
        assert all(d.z > 1.96 and d.ratio > 1 for d in c.distinctive)
        assert abs(sum(d.share for d in c.devices) - 1) < 1e-6 or len(c.devices) == 3
        assert 0 <= c.night_share <= 1 and len(c.peak_hours) == 3
    assert len({c.title for c in chs}) == len(chs)
    # A period shows only the chapters it touches, with their whole-chapter facts.
    inner = chs[1]
    part = lib.insight("chapters", start=inner.start.isoformat(), end=(inner.start + dt.timedelta(days=20)).isoformat())
    assert [c.index for c in part.chapters] == [inner.index]
    assert part.chapters[0].hours == pytest.approx(inner.hours)


def test_segment_is_exact_and_quiet_on_noise() -> None:
    rng = np.random.default_rng(3)
    noise = rng.normal(size=(120, 4))
    assert chapters_model.segment(noise, np.ones(120), 9).tolist() == []
    stepped = noise.copy()
    stepped[70:] += 3.0
    assert chapters_model.segment(stepped, np.ones(120), 9).tolist() == [70]
    # Too short for two chapters: nothing to cut.
    assert chapters_model.segment(stepped[:15], np.ones(15), 9).tolist() == []


def test_crushes_do_not_define_chapters() -> None:
    weeks = np.r_[np.arange(200), np.arange(80, 100)]
    artist = np.r_[np.zeros(200, dtype=np.int64), np.ones(20, dtype=np.int64)]
    plays = np.full(220, 10.0)
    keep = chapters_model.lasting_artists(weeks, artist, plays, 200, 2)
    assert keep.tolist() == [True, False]
    # A short history keeps everyone: everything would look like a crush.
    assert chapters_model.lasting_artists(weeks % 50, artist, plays, 50, 2).tolist() == [True, True]


def test_similar_neighbours_and_fuzzy_names(planted: tuple[Library, dict[str, Any]]) -> None:
    lib, _ = planted
    top = lib.insight("similar")
    assert top.match == "top" and top.artist is not None and top.neighbours
    cos = [n.cosine for n in top.neighbours]
    assert cos == sorted(cos, reverse=True) and all(0 < c <= 1 + 1e-6 for c in cos)
    assert all(n.shared_sessions <= top.sessions for n in top.neighbours)
    assert sum(n.shared_sessions > 0 for n in top.neighbours) >= len(top.neighbours) // 2
    name = top.artist
    typo = name[:-1] if len(name) > 6 else name.upper()
    fuzzy = lib.insight("similar", artist=typo.lower())
    assert fuzzy.artist == name and fuzzy.match in ("fuzzy", "exact")
    assert [n.artist for n in fuzzy.neighbours] == [n.artist for n in top.neighbours]
    none = lib.insight("similar", artist="zzqx wvvy")
    assert none.artist is None and none.neighbours == [] and "No artist" in none.summary()[0]


def test_neighbours_share_taste_groups(planted: tuple[Library, dict[str, Any]]) -> None:
    """Artists the model puts together mostly belong to the same planted taste group."""
    lib, _ = planted
    history = synth.generate(n_plays=PLAYS, seed=SEED)
    group = dict(zip(history.catalogue.artist_name.tolist(), history.catalogue.artist_group.tolist(), strict=True))
    model = taste_model(lib.engine.context(Scope()))
    purity = []
    for a in model.artists[:60]:
        near = model.similar(str(a), 10)
        if near:
            purity.append(np.mean([group.get(n) == group.get(str(a)) for n, _ in near]))
    assert np.mean(purity) > 0.4  # 8 groups: chance is about 0.125


def test_taste_map_months_and_determinism(planted: tuple[Library, dict[str, Any]]) -> None:
    lib, _ = planted
    result = lib.insight("taste", start="2020-01-01", end="2021-12-31", top=30)
    assert 2 <= len(result.points) <= 30
    assert sum(result.explained) <= 1 + 1e-9 and result.explained[0] >= result.explained[1]
    assert {p.cluster for p in result.points} == {g.cluster for g in result.groups}
    assert [m.month for m in result.months] == [f"{y}-{m:02d}" for y in (2020, 2021) for m in range(1, 13)]
    drifts = [m.drift for m in result.months[1:]]
    assert all(d is not None and 0 <= d <= 2 for d in drifts)
    assert result.biggest_shift in {m.month for m in result.months}
    again = lib.insight("taste", start="2020-01-01", end="2021-12-31", top=30)
    assert again.to_dict()["result"] == result.to_dict()["result"]


def test_models_are_cached(planted: tuple[Library, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    lib, _ = planted
    lib.insight("chapters")  # trained (or loaded) once

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("retrained an unchanged library")

    monkeypatch.setattr(taste_insight, "_train", refuse)
    monkeypatch.setattr(chapters_insight, "weekly_taste", refuse)
    with _same(lib) as again:
        assert again.insight("chapters").chapters
        assert again.insight("similar").neighbours


def _same(lib: Library) -> Any:
    """A fresh engine over the same connection: nothing is cached in memory, only on disk."""
    from contextlib import contextmanager

    from linernotes.engine.scope import Engine

    @contextmanager
    def fresh() -> Iterator[Library]:
        saved = lib.engine
        lib._engine = Engine(lib.con)
        try:
            yield lib
        finally:
            lib._engine = saved

    return fresh()


def test_recommend_finds_forgotten_favourites(planted: tuple[Library, dict[str, Any]]) -> None:
    lib, truth = planted
    result = lib.insight("recommend")
    forgotten = {f["artist"] for f in truth["forgotten_favourites"]}
    assert result.artists and result.tracks
    top = [p.name for p in result.artists[:5]]
    assert sum(a in forgotten for a in top) >= 3, (top, forgotten)
    scores = [p.score for p in result.artists]
    assert scores == sorted(scores, reverse=True)
    for p in result.artists:
        assert p.absence_days >= 90 and p.hours >= 1 and 0 < p.fit <= 1 + 1e-6
        shown = f"{p.hours:,.1f}" if p.hours < 10 else f"{p.hours:,.0f}"  # a tenth of an hour below ten
        assert f"{shown} hours" in p.why and str(p.peak_year) in p.why
    for t in result.tracks:
        assert t.plays >= 5 and f"{t.plays} times" in t.why
