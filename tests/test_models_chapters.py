"""Life chapters on hard planted truth (cross-faded, overlapping eras beside binges and seasonal spikes) and on
too little or too sparse history (no chapter claimed, stray rows in no chapter, gaps end a chapter)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from linernotes import synth
from linernotes.engine.scope import Scope
from linernotes.insights.chapters import chapter_model
from linernotes.library import Library, open_library
from linernotes.models import chapter_segmentation as chapters_model
from tests.support.exports import play, write_extended
from tests.support.scoring import f1, match_one_to_one

# The harder planted truth of benchmarks/ai_quality.py's cross-faded line, on a smaller history.
CROSSFADE: dict[str, float] = {"era_crossfade_days": 60.0, "era_overlap": 0.15, "seasonal_spike": 0.5}


def _import(tmp: Path, history: Any, extra: list[dict[str, Any]] | None = None) -> Library:
    synth.write_extended(history, tmp / "export.zip", generation="C")
    lib = open_library(tmp / "lib.duckdb")
    paths = [tmp / "export.zip"]
    if extra:
        paths.append(write_extended(tmp / "Streaming_History_Audio_2026.json", extra))
    lib.import_paths(paths)
    return lib


@pytest.mark.parametrize("seed", [4, 8])
def test_crossfaded_overlapping_eras_are_found(tmp_path: Path, seed: int) -> None:
    """Eras that fade into each other over two months, the old main taste lingering on, a December spike of
    seasonal artists every year and the usual binges: every boundary is found within 45 days, none invented.
    (30 000 plays over 2016-2025, about 60 a week: the model before smoothing found half of them.)"""
    history = synth.generate(n_plays=30_000, seed=seed, **CROSSFADE)
    truth = history.ground_truth()
    assert truth["era_transition_days"] == 30  # ± 30 days around each boundary
    with _import(tmp_path, history) as lib:
        model = chapter_model(lib.engine.context(Scope()))
    found = [s.start for s in model.spans[1:]]
    planted = [dt.date.fromisoformat(b) for b in truth["chapters"]]
    tp = match_one_to_one([d.toordinal() for d in found], [d.toordinal() for d in planted], tolerance=45)
    assert f1(tp, len(found), len(planted))[2] == 1.0, (found, planted)


def test_smoothing_keeps_a_step_and_drops_a_spike() -> None:
    x = np.r_[np.zeros(30), np.ones(30)][:, None].copy()
    x[10:13] = 5.0  # a three-week binge
    out = chapters_model.smooth(x)
    assert np.all(out[:30] == 0) and np.all(out[30:] == 1)


def test_active_stretches_split_at_long_gaps() -> None:
    mondays = np.array(["2020-01-06", "2020-01-13", "2020-03-09", "2020-06-01", "2020-06-08"], dtype="datetime64[D]")
    # 8 weeks (56 days) between Jan 13 and Mar 9 is no gap; 12 weeks between Mar 9 and Jun 1 is.
    assert chapters_model.active_stretches(mondays) == [(0, 3), (3, 5)]
    assert chapters_model.active_stretches(mondays[:0]) == []


def test_four_months_claim_no_chapter_and_say_why(tmp_path: Path) -> None:
    history = synth.generate(n_plays=6_000, seed=3, start="2024-01-01", end="2024-04-30")
    with _import(tmp_path, history) as lib:
        result = lib.insight("chapters")
    assert result.chapters == [] and result.total == 0
    assert result.reason is not None and "52 weeks with music" in result.reason
    assert result.summary() == [result.reason]
    assert "18" in result.reason  # the weeks with music it has (2024-01-01 to 2024-04-30: 18 ISO weeks)


def test_stray_rows_years_later_stretch_no_chapter(tmp_path: Path) -> None:
    """Two years of listening, then three plays in May 2026: the chapters end with the two years, the stray
    week is in none, no chapter is "current" in 2026, and hours a week are over weeks with music."""
    history = synth.generate(n_plays=20_000, seed=8, start="2020-01-01", end="2021-12-31")
    stray = [play(f"2026-05-{d:02d}T12:00:00Z", track=f"Stray {d}", artist="Stray Band") for d in (11, 12, 13)]
    with _import(tmp_path, history, stray) as lib:
        result = lib.insight("chapters")
        assert result.chapters, result.reason
        assert result.chapters[0].start == dt.date(2020, 1, 1)
        assert result.chapters[-1].end <= dt.date(2021, 12, 31)
        assert result.left_out_weeks == 1
        assert not any(c.current for c in result.chapters)
        for c in result.chapters:
            assert c.weeks > 0 and c.hours_per_week == pytest.approx(c.hours / c.weeks)
            assert "a week with music" in c.paragraph
        assert result.active_weeks == sum(c.weeks for c in result.chapters)
