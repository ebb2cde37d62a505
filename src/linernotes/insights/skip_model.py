"""``skip-model``: what makes you skip — a model of skips from their context, measured on your latest plays."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import numpy as np

from linernotes.engine.figures import Figure
from linernotes.engine.model_cache import cached_arrays
from linernotes.engine.registry import insight
from linernotes.engine.result import Result, jsonable
from linernotes.engine.scope import ITEM_SQL, Context
from linernotes.engine.words import UNRECORDED_START_SQL
from linernotes.errors import UsageError
from linernotes.insights.sessions import session_table
from linernotes.models.skip_predictor import (
    MATTERS,
    MIN_CLASS,
    MIN_PLAYS,
    MODEL_VERSION,
    NOT_ENOUGH,
    Combination,
    Factor,
    SkipData,
    SkipModelFit,
    features_of,
    fit_from_dict,
    fit_single_threaded,
)

SAY_FACTORS = 3  # sentences in the summary

# Export artefacts, not listening: plays whose reason_start the export wrote as 'unknown'. Spotify's Video
# files log music-video and Canvas rows as reason_start "unknown" with skipped: true whatever happened
# (docs/formats.md §1.6 item 5), so their skip flag says nothing about the person. Their skip status is treated
# as unknown: they are neither trained on, tested on nor described.
ARTEFACT_START_SQL = UNRECORDED_START_SQL


@dataclass
class SkipModelResult(Result):
    status: str  # "ok", or why no model was trained ("not enough plays with skip data to train")
    plays: int  # music plays with a known skip status (train + test)
    skips: int
    train_plays: int  # plays before split_at
    trained_on: int  # training rows used (a deterministic subsample of train_plays on big libraries)
    test_plays: int  # plays at or after split_at
    test_skips: int
    split_at: str | None  # UTC instant (ISO) where the test part starts
    auc: float | None  # the model's ROC-AUC on the test part
    auc_se: float | None  # its standard error (Hanley & McNeil)
    baseline_auc: float | None  # ROC-AUC of the artist's skip rate so far, on the same plays
    baseline_se: float | None
    model: str
    factors: list[Factor]  # every factor group, most important first, with skip rates by level
    combination: Combination | None  # the two most important factors together: most and least skipped
    roc_fpr: list[float] = field(default_factory=list)  # ROC curves of the test part, on a fixed grid
    roc_tpr: list[float] = field(default_factory=list)
    baseline_tpr: list[float] = field(default_factory=list)
    artefacts: int = 0  # music plays marked skipped with no recorded start: export artefacts, left out

    @property
    def beats_baseline(self) -> bool:
        return self.auc is not None and self.baseline_auc is not None and self.auc > self.baseline_auc

    def important(self) -> list[Factor]:
        """The factors that matter (importance at least :data:`MATTERS`), most important first."""
        return [f for f in self.factors if f.importance >= MATTERS]

    def artefact_note(self) -> str | None:
        if not self.artefacts:
            return None
        return (f"{self.artefacts:,} music play{'s' if self.artefacts != 1 else ''} marked skipped without a "
                f"recorded start (an export artefact, as in Spotify's Video files) "
                f"{'are' if self.artefacts != 1 else 'is'} left out.")

    def summary(self) -> list[str]:
        note = self.artefact_note()
        if not self.plays:
            # Scrobbles, Deezer, Tidal and Account data record no skips: nothing was too small, there is nothing.
            return ["No music play in this period records whether it was skipped, so there is no skip model."] + (
                [note] if note else [])
        if self.status != "ok" or self.auc is None or self.baseline_auc is None:
            return [f"Skip model: {self.status} ({self.plays:,} music plays with a known skip status, "
                    f"{self.skips:,} of them skipped; it needs at least {MIN_PLAYS}, with {MIN_CLASS} skipped and "
                    f"{MIN_CLASS} not before the last part it is tested on)."] + ([note] if note else [])
        versus = "better than" if self.beats_baseline else "no better than"
        lines = [
            f"From the context of a play alone, the model tells a skip from a keep with ROC-AUC {self.auc:.3f} "
            f"(± {self.auc_se or 0:.3f}) on your latest {self.test_plays:,} plays ({self.test_skips:,} skipped), "
            f"{versus} the artist's own skip rate so far ({self.baseline_auc:.3f}); 0.5 would be guessing."
        ]
        top = self.important()
        if top:
            lines.append("What matters most: " + ", ".join(f.name for f in top[:4]) + ".")
        said = [f.sentence for f in top if f.sentence][:SAY_FACTORS]
        lines.extend(s for s in said if s)
        if self.combination is not None:
            lines.append(self.combination.sentence)
        if note:
            lines.append(note)
        return lines


@insight("skip-model", "What makes you skip: a model of skips from their context, against a baseline", model=True)
def skip_model_insight(
    ctx: Context,
    *,
    test_share: Annotated[float, "share of the labelled plays, the latest ones, kept aside to test on"] = 0.2,
    seed: Annotated[int, "random seed (training subsample, boosting, permutations)"] = 0,
) -> SkipModelResult:
    """A model of which music plays you skip, from what was known when each play started, tested on your
    latest plays (:mod:`linernotes.models.skip_predictor` has the details).

    - Examples: music plays (kind ``track``) whose skip status is known (the ``skip`` column, as in
      ``skips``); plays with an unknown status only count towards familiarity (how often you heard it).
    - Features (all from strictly earlier plays or the play's start): hour (sine/cosine), weekday, device,
      shuffle, offline, ``reason_start``; position in the session, minutes since its start and the silence
      before; same album / same artist as the previous play; the previous play skipped, the session's and
      your last 50 plays' skip share; plays of the track and artist before, days since the artist's first
      play, plays of the track and artist in the last 7 days; the track's and artist's past skip rate (shrunk
      towards the training rate with 5 pseudo-plays); hours since the track's and the artist's last play.
    - Time split: plays starting before ``split_at`` (the instant leaving ``test_share`` of the labelled plays
      after it) train a HistGradientBoostingClassifier (fixed seed; at most 40,000 training rows, a
      deterministic subsample); the later plays test it. ``auc`` is its test ROC-AUC, ``baseline_auc`` that
      of the artist's skip rate over all earlier plays (shrunk the same way), both with a standard error.
    - ``factors``: feature groups by grouped permutation importance (mean drop of test ROC-AUC when the
      group is shuffled across test plays; about 3,000 test plays), each with skip rates by level over
      every labelled play and, when two levels have enough plays (1 % of plays, at least 20), a sentence
      contrasting the most and least skipped level. ``combination``: the two most important factors
      together — the most and the least skipped pair of their levels (pairs with as many plays).
    - With fewer than 200 labelled plays, or fewer than 20 skips or non-skips in the training part (5 in the
      test part), nothing is trained: ``status`` says so and the figures are empty.
    - Export artefacts are not listening: plays with no recorded ``reason_start`` ('unknown', empty) — Spotify's
      Video files log such rows with ``skipped: true`` whatever happened — count as plays of unknown skip
      status; ``artefacts`` counts those marked skipped, and levels the export did not record (an unknown
      device or start) are left out of the sentences.

    Trained once per selection and parameters, then loaded from the model cache.
    """
    if not 0.05 <= test_share <= 0.5:
        raise UsageError("--test-share must be between 0.05 and 0.5")
    fit = skip_model(ctx, test_share=test_share, seed=seed)
    artefacts = ctx.one(f"SELECT count(*) FROM {ctx.plays} WHERE {ctx.kinds('track')} AND coalesce(skip, false) "
                        f"AND {ARTEFACT_START_SQL}")[0]
    return SkipModelResult(
        artefacts=int(artefacts or 0),
        status=fit.status if fit.status == "ok" else NOT_ENOUGH, plays=fit.plays, skips=fit.skips,
        train_plays=fit.train_plays, trained_on=fit.trained_on, test_plays=fit.test_plays, test_skips=fit.test_skips,
        split_at=fit.split_at, auc=fit.auc, auc_se=fit.auc_se, baseline_auc=fit.baseline_auc,
        baseline_se=fit.baseline_se, model=fit.model, factors=fit.factors, combination=fit.combination,
        roc_fpr=fit.roc_fpr, roc_tpr=fit.roc_tpr, baseline_tpr=fit.baseline_tpr,
    )


def skip_features(ctx: Context) -> SkipData | None:
    """Every music play of the selection in start order with its context features (labelled or not; see
    :func:`linernotes.models.skip_predictor.features_of`)."""
    music = ctx.kinds("track")
    vocab = ctx.fetch(f"""
        SELECT 'd', coalesce(device, 'unknown') AS v, count(*) FROM {ctx.plays} WHERE {music} GROUP BY 2
        UNION ALL
        SELECT 'r', coalesce(nullif(reason_start, ''), 'unknown'), count(*) FROM {ctx.plays} WHERE {music}
        GROUP BY 2 ORDER BY 3 DESC, 2""")
    devices = [str(v) for kind, v, _ in vocab if kind == "d"]
    reasons = [str(v) for kind, v, _ in vocab if kind == "r"]
    if not devices:
        return None
    sessions = session_table(ctx)
    cols = ctx.fetchnumpy(
        f"""
        SELECT epoch_ms(ts_start) AS t, session_id, pos, coalesce(gap_s, 0.0) AS gap_s,
               coalesce(hour + minute(ts_local) / 60.0, 'NaN'::DOUBLE) AS hod,
               coalesce(dow, 0) AS dow,
               CASE WHEN {ARTEFACT_START_SQL} THEN -1 ELSE coalesce(skip::INT, -1) END AS y,
               coalesce(shuffle::INT, -1) AS shuffle,
               coalesce(offline::INT, -1) AS offline,
               list_position($1, coalesce(device, 'unknown')) - 1 AS device,
               list_position($2, coalesce(nullif(reason_start, ''), 'unknown')) - 1 AS reason,
               hash({ITEM_SQL}) AS item,
               hash(lower(coalesce(artist, ''))) AS artist,
               hash(lower(coalesce(artist, '')) || chr(31) || lower(coalesce(album, ''))) AS album
        FROM {sessions} WHERE {music}
        ORDER BY ts_start, ts_end, play_id""",
        [devices, reasons],
    )
    return features_of(cols, devices, reasons)


def skip_model(ctx: Context, *, test_share: float = 0.2, seed: int = 0, use_cache: bool = True) -> SkipModelFit:
    """Train and evaluate the skip model on ``ctx``'s selection (from the cache when it saw the same input)."""
    if not use_cache:
        return fit_single_threaded(skip_features(ctx), test_share=test_share, seed=seed)
    params = {"test_share": test_share, "seed": seed, "model": MODEL_VERSION}

    def train() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {}, {"fit": jsonable(fit_single_threaded(skip_features(ctx), test_share=test_share, seed=seed))}

    _, header = cached_arrays(ctx, "skip-model", params, train)
    return fit_from_dict(header["fit"])
# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (Figure("skip model AUC", None, "", "auc|round2"),)
