"""The skip model: how well a play's context predicts that you will skip it, and which context matters.

Every music play whose skip status is known (the selection's ``skip`` column) is one example. Its features
are what was known when the play started — never anything measured during or after it (``ms_played`` and
``reason_end`` define the label, so they are left out):

- *time of day* (hour as sine/cosine), *weekday*; the *device* family, *shuffle*, *offline*; *how the track
  started* (``reason_start``: picked by hand, after a finished track, after a skip...);
- *place in the session* (20-minute silences): position, minutes since the session's first music play,
  silence before the play;
- *skips just before*: whether the previous music play of the session was skipped, the share skipped so far
  in the session, and the share of your last 50 plays you skipped;
- *familiarity*: plays of the track and of the artist before this one, days since you first heard the
  artist; *time since you last heard* the track and the artist;
- *past skips*: the track's and the artist's skip rate over earlier plays only, shrunk towards the training
  part's overall rate (5 pseudo-plays) so that one early skip does not read as "always skipped".

Every history feature is a cumulative count over strictly earlier plays (in start order), computed in one
vectorised pass (stable sorts and cumulative sums in numpy): no play sees its own outcome or the future.

Evaluation is a time split: the plays before the time that leaves ``test_share`` of the labelled plays
after it train the model, the later ones test it — never shuffled across time, as in real use (predict
tomorrow from the past). The model is scikit-learn's HistGradientBoostingClassifier with a fixed
``random_state`` (no early stopping, which would shuffle); smaller histories get a shallower, more
regularised model. The training rows are a deterministic subsample when there are more than
:data:`MAX_TRAIN` of them, which keeps a 1,000,000-play library to a few seconds.

The *baseline* is the obvious rule: a play's artist's skip rate over all earlier plays (shrunk the same
way; the training part's rate for an artist never heard before). The model's test ROC-AUC is reported next
to the baseline's, both with Hanley & McNeil's standard error so that a small history shows its doubt.

Which context matters is measured by grouped permutation importance on the test part: the drop in ROC-AUC
when one group of related features (e.g. all of familiarity) is shuffled across test plays. Skip rates by
each factor's levels (over every labelled play) turn that into sentences a person understands.

Pure computation (feature columns in, a fit out): the ``skip-model`` insight
(:mod:`linernotes.insights.skip_model`) reads the plays and caches the fit with
:mod:`linernotes.engine.model_cache` (keyed by the selection's fingerprint and the parameters), so a re-run
on an unchanged library loads the result instead of retraining.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from linernotes.engine.words import is_placeholder
from linernotes.units import MS_PER_HOUR

MODEL_VERSION = "skip-hgb-4"
# Training rows at most (a deterministic subsample beyond). On a 1,000,000-play library 40,000 score within
# 0.005 ROC-AUC of 60,000 and train in two thirds of the time: a dashboard page for a period nobody asked for
# before trains this model while a person waits.
MAX_TRAIN = 40_000
# Permuted test rows per factor group in the permutation importance: a big test part is subsampled to this,
# a small one is permuted several times (at most 5) to reach about as many.
MAX_IMPORTANCE_ROWS = 3_000
# From this many training rows on, few strong trees (40 at 0.3) instead of many small steps (200 at 0.06):
# within 0.002 ROC-AUC, and a 45,000-play year no longer takes three times as long as a 60,000-play one.
BIG_TRAIN = 20_000
MIN_PLAYS = 200  # labelled plays needed to train at all
MIN_CLASS = 20  # skips and non-skips needed in the training part
MIN_TEST_CLASS = 5  # ... and in the test part, for a meaningful AUC
PRIOR_WEIGHT = 5.0  # pseudo-plays of shrinkage for the past skip rates
RECENT_WINDOW = 50  # "your last N plays"
WEEK_MS = 7 * 86_400_000  # "this week": plays of the track / artist in the 7 days before
NOT_ENOUGH = "not enough plays with skip data to train"
MATTERS = 0.002  # a factor "matters" when shuffling it costs the model at least this much test ROC-AUC

# Features, in column order, each with the factor group it belongs to (the unit of importance).
FEATURES: tuple[tuple[str, str], ...] = (
    ("hour_sin", "time"),
    ("hour_cos", "time"),
    ("weekday", "weekday"),
    ("device", "device"),
    ("shuffle", "shuffle"),
    ("reason_start", "start"),
    ("offline", "offline"),
    ("session_pos", "session"),
    ("session_minutes", "session"),
    ("gap_minutes", "session"),
    ("same_album_as_previous", "album"),
    ("same_artist_as_previous", "album"),
    ("prev_skipped", "streak"),
    ("session_skip_rate", "streak"),
    ("recent_skip_rate", "streak"),
    ("track_plays", "familiarity"),
    ("artist_plays", "familiarity"),
    ("artist_age_days", "familiarity"),
    ("track_plays_week", "momentum"),
    ("artist_plays_week", "momentum"),
    ("track_skip_rate", "history"),
    ("artist_skip_rate", "history"),
    ("track_since_hours", "recency"),
    ("artist_since_hours", "recency"),
)
CATEGORICAL = ("device", "reason_start")

# Factor groups: a short name people read, and the question it answers.
GROUPS: dict[str, str] = {
    "time": "time of day",
    "weekday": "weekday or weekend",
    "device": "device",
    "shuffle": "shuffle",
    "start": "how the track started",
    "offline": "offline listening",
    "session": "place in the session",
    "album": "playing an album or artist through",
    "streak": "skips just before",
    "familiarity": "how well you know the track",
    "momentum": "how much you played the artist this week",
    "history": "how often you skipped the track and artist before",
    "recency": "time since you last heard it",
}

# How device families (linernotes.devices.DeviceFamily) read in a sentence.
DEVICE_PHRASES = {
    "phone_android": "on your Android phone",
    "phone_ios": "on your iPhone",
    "tablet": "on a tablet",
    "desktop_windows": "on Windows",
    "desktop_mac": "on the Mac",
    "desktop_linux": "on Linux",
    "web": "in the web player",
    "cast": "when casting",
    "tv": "on the TV",
    "console": "on a game console",
    "speaker": "on a speaker",
    "car": "in the car",
    "watch": "on a watch",
    "other": "on other devices",
}

# How reason_start values read in a sentence ("you skip more ...").
REASON_PHRASES = {
    "clickrow": "when you picked the track yourself",
    "clickside": "when you picked it from the side panel",
    "playbtn": "when you pressed play",
    "trackdone": "when it followed a finished track",
    "fwdbtn": "when it came after a skip forward",
    "backbtn": "when you went back to it",
    "appload": "when the app opened",
    "remote": "when started from another device",
}



@dataclass(frozen=True)
class Level:
    """Skips among the labelled plays of one level of a factor."""

    label: str  # short: "on", "first listen", "6–9 h"
    phrase: str  # for a sentence: "on shuffle", "on a first listen"
    plays: int
    skips: int
    rate: float


@dataclass(frozen=True)
class Factor:
    """One group of context features: how much it matters to the model, and skip rates by its levels."""

    key: str
    name: str
    importance: float  # mean drop of the test ROC-AUC when the group is shuffled (0 when not measured)
    levels: list[Level]
    sentence: str | None  # the contrast in words, when the levels have enough plays to say one


@dataclass(frozen=True)
class Cell:
    """Skips among the labelled plays at one level of each of two factors."""

    labels: list[str]  # the level labels, one per factor
    phrase: str  # "on shuffle on a first listen"
    plays: int
    skips: int
    rate: float


@dataclass(frozen=True)
class Combination:
    """The two most important factors together: the most and the least skipped pair of levels."""

    factors: list[str]  # factor keys
    most: Cell
    least: Cell
    sentence: str


@dataclass
class SkipModelFit:
    """What :func:`skip_model` found (``status`` says why nothing was trained when it is not "ok")."""

    status: str
    plays: int = 0  # labelled music plays used (train + test)
    skips: int = 0
    train_plays: int = 0
    test_plays: int = 0
    trained_on: int = 0  # training rows actually used (a subsample beyond MAX_TRAIN)
    test_skips: int = 0
    split_at: str | None = None  # ISO instant (UTC): plays starting at or after it are the test part
    auc: float | None = None
    auc_se: float | None = None
    baseline_auc: float | None = None
    baseline_se: float | None = None
    model: str = ""
    factors: list[Factor] = field(default_factory=list)  # by importance, most important first
    combination: Combination | None = None  # the two most important factors together
    roc_fpr: list[float] = field(default_factory=list)  # the model's ROC curve on the test part
    roc_tpr: list[float] = field(default_factory=list)
    baseline_tpr: list[float] = field(default_factory=list)  # the baseline's, at the same fpr grid

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# ---- features --------------------------------------------------------------------------------------------


@dataclass
class SkipData:
    t: np.ndarray  # epoch ms of the play's start, time order
    y: np.ndarray  # 1 skipped, 0 not, -1 unknown
    x: np.ndarray  # (n, len(FEATURES)) float64, NaN = missing
    track_n: np.ndarray  # earlier plays of the track (for the rate tables)
    artist_known: np.ndarray  # earlier labelled plays of the artist
    artist_skips: np.ndarray  # ... of which skipped
    track_known: np.ndarray
    track_skips: np.ndarray
    devices: list[str]
    reasons: list[str]
    hod: np.ndarray  # local hour of day with minutes (NaN when unknown), exact for the rate tables
    pos: np.ndarray  # position in the session (1-based)
    artist_week: np.ndarray  # plays of the artist in the week before
    track_since: np.ndarray  # hours since the track's previous play (NaN: never)


def _grouped(key: np.ndarray, t: np.ndarray, known: np.ndarray, skipped: np.ndarray,
             value: np.ndarray) -> dict[str, np.ndarray]:
    """For rows in time order and a group ``key``: per row, the group's earlier rows (strictly before).

    Returns ``n`` (earlier rows), ``known`` / ``skips`` (earlier labelled rows / skipped ones), ``prev_t``
    (the previous row's time, NaN for the first), ``first_t`` (the group's first time), ``prev_value``
    (the previous row's ``value``) and ``week`` (earlier rows less than :data:`WEEK_MS` before). A stable
    sort keeps time order inside each group.
    """
    n = len(key)
    order = np.argsort(key, kind="stable")
    k = key[order]
    new = np.ones(n, dtype=bool)
    if n:
        new[1:] = k[1:] != k[:-1]
    first = np.flatnonzero(new)
    grp = np.cumsum(new) - 1
    start = first[grp]
    out: dict[str, np.ndarray] = {}

    def before(v: np.ndarray) -> np.ndarray:
        c = np.cumsum(v[order]) - v[order]  # exclusive running sum
        return c - c[start]

    rank = np.arange(n) - start
    known_i = known.astype(np.int64)
    skip_i = (skipped & known).astype(np.int64)
    ts = t[order].astype(np.float64)
    prev_t = np.empty(n)
    prev_v = np.empty(n)
    if n:
        prev_t[0] = np.nan
        prev_t[1:] = ts[:-1]
        prev_v[0] = np.nan
        prev_v[1:] = value[order][:-1]
    prev_t[new] = np.nan
    prev_v[new] = np.nan
    # Rows of the same group in the last week: a binary search on (group, time) packed into one integer
    # (the time offset is below the stride, so a search never reaches into the previous group).
    rel = t[order] - (t.min() if n else 0)
    stride = int(rel.max() if n else 0) + WEEK_MS + 1
    packed = grp.astype(np.int64) * stride + rel
    week = np.arange(n) - np.searchsorted(packed, packed - WEEK_MS, side="left")
    for name, arr in (("n", rank.astype(np.float64)), ("week", week.astype(np.float64)),
                      ("known", before(known_i).astype(np.float64)), ("skips", before(skip_i).astype(np.float64)),
                      ("prev_t", prev_t), ("first_t", ts[start]), ("prev_value", prev_v)):
        back = np.empty(n)
        back[order] = arr
        out[name] = back
    return out


def features_of(cols: dict[str, np.ndarray], devices: list[str], reasons: list[str]) -> SkipData | None:
    """Every music play in start order with its context features (labelled or not), from the columns the
    ``skip-model`` insight reads (:func:`linernotes.insights.skip_model.skip_features`): ``t`` (epoch ms),
    ``session_id``, ``pos``, ``gap_s``, ``hod``, ``dow``, ``y`` (1 skipped, 0 not, -1 unknown), ``shuffle``,
    ``offline`` (-1 unknown), ``device`` / ``reason`` (indexes into ``devices`` / ``reasons``) and hashes of
    the ``item``, ``artist`` and ``album``. None when there is no play."""
    t = np.asarray(cols["t"], dtype=np.int64)
    n = len(t)
    if n == 0:
        return None
    y = np.asarray(cols["y"], dtype=np.int64)
    known = y >= 0
    skipped = y == 1
    y_val = np.where(known, y, np.nan).astype(np.float64)
    hours = float(MS_PER_HOUR)

    artist_key = np.asarray(cols["artist"])
    album_key = np.asarray(cols["album"])
    track = _grouped(np.asarray(cols["item"]), t, known, skipped, y_val)
    artist = _grouped(artist_key, t, known, skipped, y_val)
    session_key = np.asarray(cols["session_id"])
    session = _grouped(session_key, t, known, skipped, y_val)
    # The previous music play of the same session: same album / same artist (an album or artist played through).
    same_session = np.zeros(n, dtype=bool)
    same_session[1:] = session_key[1:] == session_key[:-1]
    same_album = np.full(n, np.nan)
    same_artist = np.full(n, np.nan)
    same_album[1:] = album_key[1:] == album_key[:-1]
    same_artist[1:] = artist_key[1:] == artist_key[:-1]
    same_album[~same_session] = np.nan
    same_artist[~same_session] = np.nan

    # The share skipped of your last RECENT_WINDOW labelled plays (any artist), before this one.
    lab_before: np.ndarray = np.cumsum(known) - known
    cum_skips = np.r_[0, np.cumsum(skipped[known])]
    window = np.minimum(lab_before, RECENT_WINDOW)
    recent = np.where(window > 0, (cum_skips[lab_before] - cum_skips[lab_before - window]) / np.maximum(window, 1),
                      np.nan)

    def nan_of(v: np.ndarray) -> np.ndarray:
        return np.where(v < 0, np.nan, v).astype(np.float64)

    hod = np.asarray(cols["hod"], dtype=np.float64)
    dow = np.asarray(cols["dow"], dtype=np.float64)
    pos = np.asarray(cols["pos"], dtype=np.float64)
    angle = 2 * np.pi * hod / 24.0
    with np.errstate(invalid="ignore", divide="ignore"):
        session_rate = np.where(session["known"] > 0, session["skips"] / np.maximum(session["known"], 1), np.nan)
        columns: dict[str, Callable[[], np.ndarray]] = {  # built one at a time: less memory
            "hour_sin": lambda: np.sin(angle),
            "hour_cos": lambda: np.cos(angle),
            "weekday": lambda: np.where(dow > 0, dow, np.nan),
            "device": lambda: np.asarray(cols["device"], dtype=np.float64),
            "shuffle": lambda: nan_of(np.asarray(cols["shuffle"])),
            "reason_start": lambda: np.asarray(cols["reason"], dtype=np.float64),
            "offline": lambda: nan_of(np.asarray(cols["offline"])),
            "session_pos": lambda: np.log1p(pos),
            "session_minutes": lambda: np.log1p(np.maximum(t - session["first_t"], 0) / 60_000.0),
            "gap_minutes": lambda: np.log1p(np.clip(np.asarray(cols["gap_s"], dtype=np.float64), 0, None) / 60.0),
            "same_album_as_previous": lambda: same_album,
            "same_artist_as_previous": lambda: same_artist,
            "prev_skipped": lambda: session["prev_value"],
            "session_skip_rate": lambda: session_rate,
            "recent_skip_rate": lambda: recent,
            "track_plays": lambda: np.log1p(track["n"]),
            "artist_plays": lambda: np.log1p(artist["n"]),
            "artist_age_days": lambda: np.log1p(np.maximum(t - artist["first_t"], 0) / (24 * hours)),
            "track_plays_week": lambda: np.log1p(track["week"]),
            "artist_plays_week": lambda: np.log1p(artist["week"]),
            "track_since_hours": lambda: np.log1p((t - track["prev_t"]) / hours),
            "artist_since_hours": lambda: np.log1p((t - artist["prev_t"]) / hours),
        }
        # float32 halves the largest array (the trees bin every feature into at most 255 values anyway). The
        # past skip rates stay 0 here: fit fills them in once it knows the training part's overall rate.
        x = np.zeros((n, len(FEATURES)), dtype=np.float32)
        for i, (name, _) in enumerate(FEATURES):
            if name in columns:
                x[:, i] = columns[name]()
    return SkipData(t=t, y=y, x=x, track_n=track["n"], artist_known=artist["known"], artist_skips=artist["skips"],
                 track_known=track["known"], track_skips=track["skips"], devices=devices, reasons=reasons,
                 hod=hod, pos=pos, artist_week=artist["week"], track_since=(t - track["prev_t"]) / hours)


def _shrunk(skips: np.ndarray, known: np.ndarray, prior: float) -> np.ndarray:
    return (skips + PRIOR_WEIGHT * prior) / (known + PRIOR_WEIGHT)


def _column(name: str) -> int:
    return [f for f, _ in FEATURES].index(name)


# ---- training and evaluation ---------------------------------------------------------------------------


def _auc_se(auc: float, n_pos: int, n_neg: int) -> float:
    """Hanley & McNeil (1982): the standard error of an ROC-AUC from the class sizes."""
    q1 = auc / (2 - auc)
    q2 = 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc * auc) + (n_neg - 1) * (q2 - auc * auc)) / (n_pos * n_neg)
    return math.sqrt(max(var, 0.0))


def _classifier(n_train: int, n_features: int, categorical: list[bool], seed: int) -> Any:
    """HistGradientBoosting sized to the data: small histories get a shallow, strongly regularised model."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    if n_train < 5_000:
        params: dict[str, Any] = {"max_iter": 150, "learning_rate": 0.04, "max_depth": 3, "max_leaf_nodes": 8,
                                  "min_samples_leaf": max(20, n_train // 40), "l2_regularization": 5.0}
    elif n_train < BIG_TRAIN:
        # 100 steps at 0.12 score as 200 at 0.06 (within 0.002 ROC-AUC on 8,000 to 23,000-play periods) in half
        # the time.
        params = {"max_iter": 100, "learning_rate": 0.12, "max_leaf_nodes": 15, "min_samples_leaf": 50,
                  "l2_regularization": 2.0}
    else:
        # 40 trees at 0.3 score within 0.002 AUC of 100 at 0.15 on a 1,000,000-play library, in well under half
        # the time.
        params = {"max_iter": 40, "learning_rate": 0.3, "max_leaf_nodes": 15, "min_samples_leaf": 200,
                  "l2_regularization": 1.0}
    return HistGradientBoostingClassifier(categorical_features=categorical, early_stopping=False,
                                          random_state=seed, **params)


class _Columns:
    """A classifier over some of the columns. HistGradientBoosting cannot bin a numeric column with fewer
    than two distinct values (a small or very regular history has such columns: it crashed the report), and
    such a column says nothing anyway."""

    def __init__(self, clf: Any, keep: np.ndarray) -> None:
        self.clf, self.keep = clf, keep

    def fit(self, x: np.ndarray, y: np.ndarray) -> _Columns:
        self.clf.fit(x[:, self.keep], y)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.clf.predict_proba(x[:, self.keep])  # type: ignore[no-any-return]


def _varied(x: np.ndarray, categorical: list[bool]) -> np.ndarray:
    """Columns worth a split: categorical ones, and numeric ones with two or more distinct finite values."""
    return np.array([cat or np.unique(col[np.isfinite(col)]).size >= 2
                     for col, cat in zip(x.T, categorical, strict=True)])


def fit(data: SkipData | None, *, test_share: float, seed: int) -> SkipModelFit:
    """Train and evaluate the skip model on the plays of :func:`features_of` (see the module docstring)."""
    from sklearn.metrics import roc_auc_score, roc_curve

    if data is None:
        return SkipModelFit(status=NOT_ENOUGH)
    labelled = data.y >= 0
    n_lab = int(labelled.sum())
    if n_lab < MIN_PLAYS:
        # Too few to train, but the skip rates by factor still describe what there is.
        return SkipModelFit(status=NOT_ENOUGH, plays=n_lab, skips=int((data.y == 1).sum()),
                            factors=_factors(data, labelled, {}) if n_lab else [])
    # The time split: the instant before which (1 - test_share) of the labelled plays start.
    t_lab = data.t[labelled]
    split_t = int(t_lab[min(len(t_lab) - 1, round(len(t_lab) * (1 - test_share)))])
    train = labelled & (data.t < split_t)
    test = labelled & (data.t >= split_t)
    y_train, y_test = data.y[train], data.y[test]
    pos_train, pos_test = int(y_train.sum()), int(y_test.sum())
    skips = int((data.y == 1).sum())
    if (min(pos_train, len(y_train) - pos_train) < MIN_CLASS
            or min(pos_test, len(y_test) - pos_test) < MIN_TEST_CLASS):
        return SkipModelFit(status=NOT_ENOUGH, plays=n_lab, skips=skips, train_plays=len(y_train),
                            test_plays=len(y_test), test_skips=pos_test, factors=_factors(data, labelled, {}))
    prior = pos_train / len(y_train)
    x = data.x
    x[:, _column("track_skip_rate")] = _shrunk(data.track_skips, data.track_known, prior)
    artist_rate = _shrunk(data.artist_skips, data.artist_known, prior)
    x[:, _column("artist_skip_rate")] = artist_rate
    baseline = artist_rate[test]

    train_idx = np.flatnonzero(train)
    if len(train_idx) > MAX_TRAIN:
        rng = np.random.default_rng(seed)
        train_idx = np.sort(rng.choice(train_idx, MAX_TRAIN, replace=False))
    categorical = [f in CATEGORICAL for f, _ in FEATURES]
    varied = _varied(x[train_idx], categorical)
    clf = _Columns(_classifier(len(train_idx), int(varied.sum()), [c for c, v in zip(categorical, varied, strict=True)
                                                                  if v], seed), varied)
    clf.fit(x[train_idx], data.y[train_idx])
    x_test = x[test]
    score = clf.predict_proba(x_test)[:, 1]
    auc = float(roc_auc_score(y_test, score))
    baseline_auc = float(roc_auc_score(y_test, baseline))
    n_neg = len(y_test) - pos_test

    # ROC curves on a fixed false-positive grid (what a chart draws).
    grid = np.linspace(0.0, 1.0, 21)
    fpr, tpr, _ = roc_curve(y_test, score)
    bfpr, btpr, _ = roc_curve(y_test, baseline)

    importance = _importance(clf, x_test, y_test, auc, seed)
    factors = _factors(data, labelled, importance)
    combination = _combination(data, labelled, [f.key for f in factors if f.importance >= MATTERS][:2])
    return SkipModelFit(
        status="ok", plays=n_lab, skips=skips, train_plays=len(y_train), test_plays=len(y_test),
        trained_on=len(train_idx), test_skips=pos_test,
        split_at=np.datetime64(split_t, "ms").astype("datetime64[s]").item().isoformat() + "Z",
        auc=auc, auc_se=_auc_se(auc, pos_test, n_neg), baseline_auc=baseline_auc,
        baseline_se=_auc_se(baseline_auc, pos_test, n_neg), model=MODEL_VERSION, factors=factors,
        combination=combination,
        roc_fpr=grid.tolist(), roc_tpr=np.interp(grid, fpr, tpr).tolist(),
        baseline_tpr=np.interp(grid, bfpr, btpr).tolist(),
    )


def _importance(clf: Any, x_test: np.ndarray, y_test: np.ndarray, auc: float, seed: int) -> dict[str, float]:
    """Grouped permutation importance: mean drop of the ROC-AUC when a group's columns are shuffled together
    (the same permutation for all of them, so features that belong together stay consistent)."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed + 1)
    if len(y_test) > MAX_IMPORTANCE_ROWS:
        keep = np.sort(rng.choice(len(y_test), MAX_IMPORTANCE_ROWS, replace=False))
        x_test, y_test = x_test[keep], y_test[keep]
        auc = float(roc_auc_score(y_test, clf.predict_proba(x_test)[:, 1]))
    repeats = max(1, min(5, MAX_IMPORTANCE_ROWS // len(y_test)))
    out: dict[str, float] = {}
    for group in GROUPS:
        cols = [i for i, (_, g) in enumerate(FEATURES) if g == group]
        drops = []
        for _ in range(repeats):
            shuffled = x_test.copy()
            perm = rng.permutation(len(y_test))
            shuffled[:, cols] = x_test[perm][:, cols]
            drops.append(auc - float(roc_auc_score(y_test, clf.predict_proba(shuffled)[:, 1])))
        out[group] = float(np.mean(drops))
    return out


# ---- skip rates by factor, in words -------------------------------------------------------------------------


def _levels(y: np.ndarray, codes: np.ndarray, labels: list[tuple[str, str]]) -> list[Level]:
    """Skip rates of the labelled plays by ``codes`` (index into ``labels``; -1 = left out)."""
    ok = codes >= 0
    n = np.bincount(codes[ok], minlength=len(labels))
    k = np.bincount(codes[ok], weights=y[ok], minlength=len(labels))
    return [Level(label=lab, phrase=phrase, plays=int(n[i]), skips=int(k[i]), rate=float(k[i] / n[i]))
            for i, (lab, phrase) in enumerate(labels) if n[i]]


def _binned(values: np.ndarray, edges: list[float]) -> np.ndarray:
    """Index of the bin ``[edges[i], edges[i+1])`` of each value; NaN → the last index + 1 (its own level)."""
    idx = np.searchsorted(np.asarray(edges[1:-1], dtype=np.float64), values, side="right")
    return np.where(np.isnan(values), len(edges) - 1, idx).astype(np.int64)


Coded = tuple[np.ndarray, list[tuple[str, str]]]


def recorded(codes: np.ndarray, levels: list[str]) -> np.ndarray:
    """``codes`` (indices into ``levels``) with the levels the export did not record ("unknown" devices or
    start reasons) as -1, so they are left out of the comparisons."""
    unrecorded = [i for i, level in enumerate(levels) if is_placeholder(level)]
    codes = codes.astype(np.int64)
    return np.where(np.isin(codes, unrecorded), -1, codes)


def _factor_codes(data: SkipData, labelled: np.ndarray) -> dict[str, Coded]:
    """Per factor group, each labelled play's level (an index into the level labels; -1 = left out) and the
    levels' (label, phrase)."""
    x = data.x[labelled]

    def coded(codes: np.ndarray, labels: list[tuple[str, str]]) -> Coded:
        return codes.astype(np.int64), labels

    def col(name: str) -> np.ndarray:
        return x[:, _column(name)]

    out: dict[str, Coded] = {}
    hod = data.hod[labelled]
    out["time"] = coded(np.where(np.isnan(hod), -1, _binned(hod, [0, 6, 9, 12, 18, 24])), [
        ("0–6 h", "between midnight and 6 am"), ("6–9 h", "between 6 and 9 am"),
        ("9–12 h", "between 9 am and noon"), ("12–18 h", "between noon and 6 pm"),
        ("18–24 h", "between 6 pm and midnight")])
    dow = col("weekday")
    out["weekday"] = coded(np.where(np.isnan(dow), -1, (dow >= 6).astype(np.int64)),
                             [("weekdays", "on weekdays"), ("weekend", "at the weekend")])
    out["device"] = coded(recorded(col("device"), data.devices),
                          [(d, DEVICE_PHRASES.get(d, f"on {d.replace('_', ' ')}")) for d in data.devices])
    sh = col("shuffle")
    out["shuffle"] = coded(np.where(np.isnan(sh), -1, sh).astype(np.int64),
                             [("off", "with shuffle off"), ("on", "on shuffle")])
    out["start"] = coded(recorded(col("reason_start"), data.reasons),
                           [(r, REASON_PHRASES.get(r, f"when started by '{r}'")) for r in data.reasons])
    off = col("offline")
    out["offline"] = coded(np.where(np.isnan(off), -1, off).astype(np.int64),
                             [("online", "online"), ("offline", "offline")])
    pos = data.pos[labelled]
    out["session"] = coded(_binned(pos, [1, 2, 6, 21, math.inf]), [
        ("1st", "as the first play of a session"), ("2–5", "on plays 2 to 5 of a session"),
        ("6–20", "on plays 6 to 20 of a session"), ("21+", "from the 21st play of a session on")])
    album, artist = col("same_album_as_previous"), col("same_artist_as_previous")
    out["album"] = coded(np.where(np.isnan(album), -1, np.where(album == 1, 0, np.where(artist == 1, 1, 2))),
                           [("same album", "while playing an album through"),
                            ("same artist", "after another track by the same artist"),
                            ("another artist", "after a track by another artist")])
    prev = col("prev_skipped")
    out["streak"] = coded(np.where(np.isnan(prev), 2, prev).astype(np.int64), [
        ("after a finished play", "after a track you let play"), ("after a skip", "right after a skip"),
        ("session start", "at the start of a session")])
    out["familiarity"] = coded(_binned(data.track_n[labelled], [0, 1, 5, 20, math.inf]), [
        ("first listen", "on a first listen"), ("heard 1–4 times", "on tracks heard 1–4 times before"),
        ("heard 5–19 times", "on tracks heard 5–19 times before"),
        ("heard 20+ times", "on tracks heard 20 times or more")])
    week = data.artist_week[labelled]
    out["momentum"] = coded(_binned(week, [0, 1, 10, 50, math.inf]), [
        ("not this week", "for artists you had not played that week"),
        ("1–9 this week", "for artists played 1–9 times that week"),
        ("10–49 this week", "for artists played 10–49 times that week"),
        ("50+ this week", "for artists you played 50 times or more that week")])
    known = data.artist_known[labelled]
    rate = np.where(known >= 3, data.artist_skips[labelled] / np.maximum(known, 1), np.nan)
    out["history"] = coded(_binned(rate, [0, 0.1, 0.3, 0.5, math.inf]), [
        ("artist skipped <10 %", "for artists you rarely skipped before"),
        ("10–30 %", "for artists you skipped 10–30 % of the time before"),
        ("30–50 %", "for artists you skipped 30–50 % of the time before"),
        ("≥50 %", "for artists you mostly skipped before"),
        ("new artist", "for artists with fewer than 3 earlier plays")])
    since = data.track_since[labelled]
    out["recency"] = coded(_binned(since, [0, 1, 24, 24 * 7, 24 * 30, math.inf]), [
        ("within an hour", "on tracks heard within the last hour"),
        ("within a day", "on tracks heard earlier that day"),
        ("within a week", "on tracks heard within the week"),
        ("within a month", "on tracks heard within the month"),
        ("longer ago", "on tracks not heard for over a month"), ("never", "on tracks never heard before")])
    return out


def _sentence(name: str, levels: list[Level], min_plays: int, matters: bool) -> str | None:
    """The contrast between the most and the least skipped level with enough plays, in words.

    A factor can matter to the model while its levels differ little on their own (it acts together with
    others: offline plays skipped more only on some devices); the sentence then says so, rather than
    seeming to contradict the importance.
    """
    solid = [lv for lv in levels if lv.plays >= min_plays]
    if len(solid) < 2:
        return None
    hi = max(solid, key=lambda lv: (lv.rate, lv.plays))
    lo = min(solid, key=lambda lv: (lv.rate, -lv.plays))
    if hi.rate <= 0 or hi is lo:
        return None
    ratio = hi.rate / lo.rate if lo.rate > 0 else math.inf
    if ratio >= 1.5:
        how = "far more"
    elif ratio >= 1.15:
        how = "more"
    else:
        same = f"you skip about as often {hi.phrase} ({hi.rate:.0%}) as {lo.phrase} ({lo.rate:.0%})"
        if matters:
            return f"{name[0].upper()}{name[1:]} matters together with the rest of the context; on its own, {same}."
        return f"{same[0].upper()}{same[1:]}."
    return f"You skip {how} {hi.phrase} ({hi.rate:.0%}) than {lo.phrase} ({lo.rate:.0%})."


def _factors(data: SkipData, labelled: np.ndarray, importance: dict[str, float]) -> list[Factor]:
    y = data.y[labelled].astype(np.float64)
    codes = _factor_codes(data, labelled)
    levels = {g: _levels(y, c, labels) for g, (c, labels) in codes.items()}
    min_plays = max(20, int(labelled.sum()) // 100)
    factors = [Factor(key=g, name=GROUPS[g], importance=importance.get(g, 0.0), levels=levels.get(g, []),
                      sentence=_sentence(GROUPS[g], levels.get(g, []), min_plays, importance.get(g, 0.0) >= MATTERS))
               for g in GROUPS]
    factors.sort(key=lambda f: -f.importance)  # stable: unmeasured factors keep the order of GROUPS
    return factors


def _combination(data: SkipData, labelled: np.ndarray, keys: list[str]) -> Combination | None:
    """Skip rates by pairs of levels of two factors; the extremes with enough plays, in one sentence."""
    if len(keys) < 2:
        return None
    y = data.y[labelled].astype(np.float64)
    codes = _factor_codes(data, labelled)
    (ca, la), (cb, lb) = codes[keys[0]], codes[keys[1]]
    ok = (ca >= 0) & (cb >= 0)
    cell = ca[ok] * len(lb) + cb[ok]
    n = np.bincount(cell, minlength=len(la) * len(lb))
    k = np.bincount(cell, weights=y[ok], minlength=len(la) * len(lb))
    solid = np.flatnonzero(n >= max(20, int(labelled.sum()) // 100))
    if len(solid) < 2:
        return None
    rate = k[solid] / n[solid]
    # most skipped: highest rate (ties: more plays); least skipped: lowest rate (ties: more plays)
    hi = solid[np.lexsort((-n[solid], -rate))[0]]
    lo = solid[np.lexsort((-n[solid], rate))[0]]
    if k[hi] / n[hi] <= k[lo] / n[lo]:
        return None

    def make(i: int) -> Cell:
        a, b = divmod(int(i), len(lb))
        return Cell(labels=[la[a][0], lb[b][0]], phrase=f"{la[a][1]} {lb[b][1]}", plays=int(n[i]), skips=int(k[i]),
                    rate=float(k[i] / n[i]))

    most, least = make(hi), make(lo)
    sentence = (f"Together: you skip most {most.phrase} ({most.rate:.0%}), "
                f"least {least.phrase} ({least.rate:.0%}).")
    return Combination(factors=list(keys), most=most, least=least, sentence=sentence)


# ---- the public entry points -------------------------------------------------------------------------------


def fit_single_threaded(data: SkipData | None, *, test_share: float, seed: int) -> SkipModelFit:
    """:func:`fit` with OpenMP held to one thread, or two when a second core is idle: the boosted trees are
    small, and on a busy machine (other models training, a browser) OpenMP's spinning threads made training ten
    times slower, not faster; on an idle one a second thread takes a quarter off a dashboard page's wait. The
    model is the same either way: scikit-learn builds each feature's histograms in one thread."""
    import sklearn.ensemble  # noqa: F401  (load OpenMP first: threadpoolctl limits only loaded libraries)
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    with threadpool_limits(limits=_idle_threads(), user_api="openmp"):
        return fit(data, test_share=test_share, seed=seed)


def _idle_threads() -> int:
    """1, or 2 when another core is free right now.

    Where the kernel says how many threads are runnable this instant (Linux), that decides: the last minute's
    load average lags, and a dashboard page asked just after other work (a browser drawing the page before)
    trained on one thread beside an idle core. Elsewhere the load average decides."""
    cores = os.cpu_count() or 1
    if cores < 2:
        return 1
    running = _runnable_now()
    if running is not None:
        return 2 if running <= cores - 1 else 1  # this thread is one of them
    try:
        load = os.getloadavg()[0]
    except OSError:  # not every platform reports it
        return 1
    return 2 if load < cores - 1 else 1


def _runnable_now(looks: int = 5, apart_s: float = 0.002) -> int | None:
    """Threads running or ready to run (this one included): the most of a few looks at the fourth field of
    ``/proc/loadavg`` ("2/345"), or None where there is no such file."""
    import time

    most = 0
    try:
        for look in range(looks):
            with open("/proc/loadavg", encoding="ascii") as f:
                most = max(most, int(f.read().split()[3].split("/")[0]))
            if look < looks - 1:
                time.sleep(apart_s)
    except (OSError, ValueError, IndexError):
        return None
    return most


def fit_from_dict(d: dict[str, Any]) -> SkipModelFit:
    """A :class:`SkipModelFit` back from its JSON form (the cache)."""
    factors = [Factor(key=f["key"], name=f["name"], importance=f["importance"],
                      levels=[Level(**lv) for lv in f["levels"]], sentence=f["sentence"]) for f in d.pop("factors")]
    combo = d.pop("combination", None)
    combination = None if combo is None else Combination(
        factors=combo["factors"], most=Cell(**combo["most"]), least=Cell(**combo["least"]), sentence=combo["sentence"])
    return SkipModelFit(factors=factors, combination=combination, **d)
