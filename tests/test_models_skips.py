"""The skip model (``skip-model``): past-only features, a time split, no leakage, a cache, and real samples.

Hand-built histories are at home in Germany (as in the other insight tests); synthetic ones come from
:mod:`linernotes.synth`, whose planted skip model (SKIP_MODEL) the model should recover.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from linernotes import synth
from linernotes.engine.result import jsonable
from linernotes.engine.scope import Context, Scope
from linernotes.engine.words import UNRECORDED_START_SQL
from linernotes.insights.skip_model import SkipModelResult, skip_features, skip_model
from linernotes.library import Library, open_library
from linernotes.models import skip_predictor as sm
from tests.support.exports import play, write_extended
from tests.support.samples import SAMPLES, requires_samples
from tests.support.skip_samples import evaluate_sample


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets an empty model cache of its own."""
    monkeypatch.setenv("LINERNOTES_CACHE", str(tmp_path / "cache"))


def at(start_utc: dt.datetime, artist: str, track: str, seconds: int, **extra: Any) -> dict[str, Any]:
    """A play that starts at ``start_utc`` and lasts ``seconds`` (the export's ``ts`` is its end)."""
    end = start_utc + dt.timedelta(seconds=seconds)
    return play(end.strftime("%Y-%m-%dT%H:%M:%SZ"), track=track, artist=artist, ms=seconds * 1000, **extra)


def load(lib: Library, tmp_path: Path, records: list[dict[str, Any]]) -> Library:
    lib.import_paths([write_extended(tmp_path / "Streaming_History_Audio_2020-2024.json", records)])
    return lib


def ctx_of(lib: Library) -> Context:
    return Context(lib.engine, Scope())


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    """A synthetic history of 20,000 plays (about 18,000 music plays with a skip status)."""
    folder = tmp_path_factory.mktemp("synth")
    history = synth.generate(n_plays=20_000, seed=7)
    synth.write_extended(history, folder / "export.zip", generation="C")
    library = open_library(folder / "library.duckdb")
    library.import_paths([folder / "export.zip"])
    yield library
    library.close()


# ---- features: strictly from the past ---------------------------------------------------------------------


def test_history_features_count_only_earlier_plays(lib: Library, tmp_path: Path) -> None:
    t = dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC)
    records = [
        # one session: A/x skipped, A/x kept, B/y skipped, A/x kept (2 s gaps)
        at(t, "A", "x", 5, reason_end="fwdbtn", skipped=True),
        at(t + dt.timedelta(seconds=7), "A", "x", 200, reason_start="fwdbtn"),
        at(t + dt.timedelta(seconds=209), "B", "y", 4, reason_end="fwdbtn", skipped=True),
        at(t + dt.timedelta(seconds=215), "A", "x", 200, reason_start="fwdbtn"),
        # two days later, a new session: A/x again
        at(t + dt.timedelta(days=2), "A", "x", 200, reason_start="clickrow"),
    ]
    data = skip_features(ctx_of(load(lib, tmp_path, records)))
    assert data is not None
    x = data.x

    def col(name: str) -> list[float]:
        return [round(float(v), 6) if not np.isnan(v) else float("nan") for v in x[:, sm._column(name)]]

    assert data.y.tolist() == [1, 0, 1, 0, 0]
    assert data.track_n.tolist() == [0, 1, 0, 2, 3]  # plays of the track before
    assert np.expm1(x[:, sm._column("artist_plays")]).round().tolist() == [0, 1, 0, 2, 3]
    assert data.artist_known.tolist() == [0, 1, 0, 2, 3]
    assert data.artist_skips.tolist() == [0, 1, 0, 1, 1]  # the play's own skip never counts
    assert data.track_skips.tolist() == [0, 1, 0, 1, 1]
    prev = col("prev_skipped")
    assert np.isnan(prev[0]) and prev[1:4] == [1.0, 0.0, 1.0] and np.isnan(prev[4])  # per session
    assert np.expm1(x[:, sm._column("session_pos")]).round().tolist() == [1, 2, 3, 4, 1]
    assert col("same_artist_as_previous")[1:4] == [1.0, 0.0, 0.0]
    # hours since the track's last play: none, then 7 s, then (215 - 7) s, then two days minus 215 s
    since = np.expm1(x[:, sm._column("track_since_hours")]) * 3600
    assert np.isnan(since[0]) and since[1] == pytest.approx(7, abs=0.1) and np.isnan(since[2])
    assert since[3] == pytest.approx(208, abs=0.1) and since[4] == pytest.approx(2 * 86400 - 215, abs=1)
    assert np.expm1(x[:, sm._column("artist_plays_week")]).round().tolist() == [0, 1, 0, 2, 3]
    assert col("recent_skip_rate")[1:] == [1.0, 0.5, pytest.approx(2 / 3), 0.5]


def test_labels_that_nothing_predicts_give_chance_auc(lib: Library, tmp_path: Path) -> None:
    """Random skips, with the short ms_played a skip has: nothing before the play tells them apart, so a
    model that leaks the play's own length (or anything after its start) would score well above 0.5."""
    rng = np.random.default_rng(3)
    t = dt.datetime(2023, 1, 2, 8, 0, tzinfo=dt.UTC)
    records = []
    for i in range(1200):
        if i % 12 == 0:
            t += dt.timedelta(hours=5)  # a new session every 12 plays
        skipped = bool(rng.random() < 0.3)
        seconds = int(rng.integers(2, 25)) if skipped else int(rng.integers(150, 300))
        artist = f"Artist {rng.integers(0, 40)}"
        records.append(at(t, artist, f"{artist} song {rng.integers(0, 8)}", seconds, skipped=skipped,
                          reason_end="fwdbtn" if skipped else "trackdone", reason_start="clickrow"))
        t += dt.timedelta(seconds=seconds + 2)
    fit = skip_model(ctx_of(load(lib, tmp_path, records)), use_cache=False)
    assert fit.ok and fit.auc is not None
    assert abs(fit.auc - 0.5) < 3 * (fit.auc_se or 0) + 0.03


# ---- the model on a synthetic history ---------------------------------------------------------------------


def test_recovers_the_planted_skip_model_better_than_the_baseline(synthetic: Library) -> None:
    result = synthetic.insight("skip-model")
    assert isinstance(result, SkipModelResult)
    assert result.status == "ok"
    assert result.auc is not None and result.baseline_auc is not None
    assert result.auc >= 0.8
    assert result.auc > result.baseline_auc + 3 * (result.auc_se or 0)
    assert result.plays == result.train_plays + result.test_plays
    assert result.test_plays == pytest.approx(0.2 * result.plays, rel=0.02)
    factors = {f.key: f for f in result.factors}
    assert len(factors) == len(sm.GROUPS)
    # what the generator planted shows in the skip rates and the sentences
    shuffle = {lv.label: lv.rate for lv in factors["shuffle"].levels}
    assert shuffle["on"] > 1.5 * shuffle["off"]
    assert "far more on shuffle" in (factors["shuffle"].sentence or "")
    fam = {lv.label: lv.rate for lv in factors["familiarity"].levels}
    assert fam["first listen"] > fam["heard 20+ times"]
    # the planted terms matter to the model; the weekday (not planted) does not matter more than them
    important = [f.key for f in result.important()]
    assert {"shuffle", "familiarity"} & set(important[:5]) and "weekday" not in important[:3]
    assert result.summary()[0].startswith("From the context of a play alone")
    assert any("shuffle" in line for line in result.summary()[1:])
    assert len(result.roc_tpr) == len(result.roc_fpr) == len(result.baseline_tpr) == 21
    # the two most important factors together: their most and least skipped pair of levels
    combo = result.combination
    assert combo is not None and combo.factors == important[:2]
    overall = result.skips / result.plays
    assert combo.most.rate > 1.5 * overall and combo.least.rate < overall / 1.5
    assert combo.sentence in result.summary()


def test_time_split_puts_every_test_play_after_every_training_play(synthetic: Library) -> None:
    ctx = ctx_of(synthetic)
    fit = skip_model(ctx, test_share=0.3, use_cache=False)
    assert fit.split_at is not None
    split = dt.datetime.fromisoformat(fit.split_at.replace("Z", "+00:00"))
    before, after = ctx.one(f"""
        SELECT count(*) FILTER (WHERE ts_start < ?), count(*) FILTER (WHERE ts_start >= ?)
        FROM {ctx.plays} WHERE kind = 'track' AND skip IS NOT NULL
             AND NOT ({UNRECORDED_START_SQL})""", [split, split])  # export artefacts are not labels
    assert (before, after) == (fit.train_plays, fit.test_plays)
    assert fit.test_plays == pytest.approx(0.3 * fit.plays, rel=0.02)


def test_deterministic_and_cached(synthetic: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = ctx_of(synthetic)
    first = skip_model(ctx)
    assert first.ok
    # same seed, same model, same figures (the cache keeps them as JSON: compare in that form)
    assert jsonable(skip_model(ctx, use_cache=False)) == jsonable(first)

    def no_training(*args: Any, **kwargs: Any) -> sm.SkipModelFit:
        raise AssertionError("retrained although the library did not change")

    monkeypatch.setattr(sm, "fit", no_training)
    assert skip_model(ctx) == first
    with pytest.raises(AssertionError, match="retrained"):
        skip_model(ctx, seed=1)  # other parameters: a new model


def test_subsamples_training_rows_deterministically(synthetic: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sm, "MAX_TRAIN", 3000)
    a = skip_model(ctx_of(synthetic), use_cache=False)
    b = skip_model(ctx_of(synthetic), use_cache=False)
    assert a.trained_on == 3000 < a.train_plays
    assert a.auc == b.auc and a.auc is not None and a.auc > 0.75


# ---- too little data ----------------------------------------------------------------------------------------


def test_too_few_plays_report_instead_of_crashing(lib: Library, tmp_path: Path) -> None:
    t = dt.datetime(2024, 3, 1, 18, 0, tzinfo=dt.UTC)
    records = [at(t + dt.timedelta(minutes=4 * i), "A", f"t{i % 5}", 200, shuffle=i % 2 == 0,
                  skipped=i % 3 == 0, reason_end="fwdbtn" if i % 3 == 0 else "trackdone") for i in range(60)]
    result = load(lib, tmp_path, records).insight("skip-model")
    assert isinstance(result, SkipModelResult)
    assert result.status == sm.NOT_ENOUGH and result.auc is None and result.baseline_auc is None
    assert (result.plays, result.skips) == (60, 20)
    assert "not enough plays with skip data to train" in result.summary()[0]
    shuffle = {lv.label: (lv.plays, lv.skips) for lv in next(f for f in result.factors if f.key == "shuffle").levels}
    assert shuffle == {"on": (30, 10), "off": (30, 10)}
    assert result.to_dict()["result"]["auc"] is None


def test_no_music_with_skip_status(lib: Library, tmp_path: Path) -> None:
    t = dt.datetime(2024, 3, 1, 18, 0, tzinfo=dt.UTC)
    records = [at(t + dt.timedelta(minutes=4 * i), "A", "t", 200, skipped=None, reason_end=None) for i in range(30)]
    result = load(lib, tmp_path, records).insight("skip-model")
    assert isinstance(result, SkipModelResult)
    assert result.status == sm.NOT_ENOUGH and result.plays == 0 and result.factors == []
    empty = lib.insight("skip-model", kinds="episode")
    assert isinstance(empty, SkipModelResult) and empty.status == sm.NOT_ENOUGH and empty.plays == 0


def test_one_class_only_in_the_test_part(lib: Library, tmp_path: Path) -> None:
    """Skips only early in the history: the test part has no skips, so there is no AUC to report."""
    t = dt.datetime(2023, 6, 1, 18, 0, tzinfo=dt.UTC)
    records = [at(t + dt.timedelta(hours=i), "A", f"t{i % 7}", 200, skipped=i < 150 and i % 2 == 0,
                  reason_end="fwdbtn" if i < 150 and i % 2 == 0 else "trackdone") for i in range(300)]
    fit = skip_model(ctx_of(load(lib, tmp_path, records)), use_cache=False)
    assert fit.status == sm.NOT_ENOUGH and fit.test_skips == 0 and fit.auc is None


def test_test_share_is_validated(lib: Library) -> None:
    from linernotes.errors import UsageError

    with pytest.raises(UsageError, match="test-share"):
        lib.insight("skip-model", test_share=0.9)


# ---- real samples -------------------------------------------------------------------------------------------


@requires_samples()
def test_beats_the_baseline_on_real_samples_with_skip_data() -> None:
    evaluated = {}
    for path in sorted(SAMPLES.iterdir()):
        auc, baseline, n = evaluate_sample(path)
        if auc is not None and baseline is not None:
            evaluated[path.name] = (auc, baseline, n)
    # the Extended-history samples (gen A endsong, gen C Streaming_History) carry reason_end / skipped
    assert len(evaluated) >= 2, f"samples with enough skip data: {sorted(evaluated)}"
    for name, (auc, baseline, n) in evaluated.items():
        assert n >= sm.MIN_PLAYS
        assert auc > baseline, f"{name}: model {auc:.3f} <= baseline {baseline:.3f} ({n} plays)"


def test_a_very_regular_history_trains_without_its_constant_columns(lib: Library, tmp_path: Path) -> None:
    """Every play at the same hours, one device, no shuffle: numeric features with a single value, which
    HistGradientBoosting cannot bin (this crashed the report); the model trains on the others."""
    records = [at(dt.datetime(2023, m, d, h, 0, tzinfo=dt.UTC), f"A{(m + d + h) % 6}", f"Song {d}",
                  20 if (d // 2) % 4 == 0 else 200, skipped=(d // 2) % 4 == 0,
                  reason_end="fwdbtn" if (d // 2) % 4 == 0 else "trackdone")
               for m in range(1, 13) for d in range(1, 28, 2) for h in (2, 8, 20)]
    fit = skip_model(ctx_of(load(lib, tmp_path, records)), use_cache=False)
    assert fit.status != sm.NOT_ENOUGH and fit.auc is not None and 0.0 <= fit.auc <= 1.0
