"""``taste``: a 2-D map of your top artists from your own co-listening, and how your taste moved month by month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

import numpy as np

from linernotes.engine.figures import Figure
from linernotes.engine.model_cache import cached_arrays
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.errors import UsageError
from linernotes.insights.sessions import session_table
from linernotes.models.artist_embedding import (
    MonthTaste,
    TasteModel,
    clusters,
    month_tastes,
    project_2d,
    train,
    vocab_table,
)
from linernotes.units import MS_PER_HOUR

# The biggest shift of taste is named only against at least this many month-to-month changes: in a few
# months of data every month is an outlier of a typical month made of three.
MIN_DRIFT_MONTHS = 12


def taste_model(ctx: Context, *, dims: int = 32, window: int = 5, min_plays: int = 3, seed: int = 0) -> TasteModel:
    """Train (or load from the cache) the artist embedding (:mod:`linernotes.models.artist_embedding`) of
    ``ctx``'s scope over its whole history. Every insight built on taste vectors loads it here; the engine
    keeps it, so the insights of a new period do not read it from disk again."""
    whole = ctx.whole_history()
    return whole.engine.memo((whole.scope, "taste-model", dims, window, min_plays, seed),
                             lambda: _load(whole, dims, window, min_plays, seed), shared=True)


def _load(whole: Context, dims: int, window: int, min_plays: int, seed: int) -> TasteModel:
    params = {"dims": dims, "window": window, "min_plays": min_plays, "seed": seed, "model": "taste-ppmi-svd-2"}
    arrays, _ = cached_arrays(whole, "taste", params, lambda: _train(whole, dims, window, min_plays, seed))
    return TasteModel(artists=arrays["artists"], vectors=arrays["vectors"], ms_played=arrays["ms_played"],
                      plays=arrays["plays"])


def _train(ctx: Context, dims: int, window: int, min_plays: int,
           seed: int) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The embedding's input from ``ctx``: the vocabulary, then co-listened pairs within ``window`` plays."""
    vocab = ctx.fetchnumpy(f"""
        SELECT artist, sum(ms_played)::BIGINT AS ms, count(*) FILTER (WHERE counted) AS plays
        FROM {ctx.plays} WHERE kind = 'track' AND artist IS NOT NULL
        GROUP BY artist HAVING count(*) FILTER (WHERE counted) >= {int(min_plays)}
        ORDER BY ms DESC, artist""")
    artists = np.asarray(vocab["artist"], dtype=str)
    ms = np.asarray(vocab["ms"], dtype=np.int64)
    plays = np.asarray(vocab["plays"], dtype=np.int64)
    none = np.zeros(0, dtype=np.int64)
    if len(artists) < 2:
        return train(artists, ms, plays, none, none, none.astype(np.float64), dims=dims, seed=seed)
    sessions = session_table(ctx)
    ctx.con.register("_ln_vocab", vocab_table(artists))
    try:
        # Music plays in session order, numbered within their session; pairs at most `window` apart.
        pairs = ctx.fetchnumpy(f"""
            WITH m AS (
                SELECT s.session_id, v.id,
                       row_number() OVER (PARTITION BY s.session_id ORDER BY s.pos) AS k
                FROM {sessions} s JOIN _ln_vocab v ON v.artist = s.artist
                WHERE s.kind = 'track' AND s.counted),
            d AS (SELECT unnest(range(1, {int(window) + 1})) AS dist)
            SELECT a.id AS i, b.id AS j, sum(1.0 / d.dist) AS w
            FROM m a CROSS JOIN d JOIN m b ON b.session_id = a.session_id AND b.k = a.k + d.dist
            WHERE a.id <> b.id
            GROUP BY ALL""")
    finally:
        ctx.con.unregister("_ln_vocab")
    return train(artists, ms, plays, np.asarray(pairs["i"], dtype=np.int64), np.asarray(pairs["j"], dtype=np.int64),
                 np.asarray(pairs["w"], dtype=np.float64), dims=dims, seed=seed)


def month_vectors(ctx: Context, model: TasteModel) -> list[MonthTaste]:
    """The taste vector of every month of ``ctx``'s selection with music (:func:`month_tastes`)."""
    ctx.con.register("_ln_month_vocab", model.vocab_table())
    try:
        cols = ctx.fetchnumpy(f"""
            SELECT strftime(day, '%Y-%m') AS month, coalesce(v.id, -1) AS id, sum(ms_played)::DOUBLE AS ms
            FROM {ctx.plays} p LEFT JOIN _ln_month_vocab v ON v.artist = p.artist
            WHERE {ctx.kinds('track')} AND ms_played > 0 GROUP BY ALL""")
    finally:
        ctx.con.unregister("_ln_month_vocab")
    return month_tastes(cols["month"], cols["id"], cols["ms"], model)

@dataclass(frozen=True)
class MapPoint:
    artist: str
    x: float
    y: float
    cluster: int  # 0 = the largest group of artists you play alike
    hours: float  # listening time in the period
    plays: int  # counted plays in the period
    centre_day: dt.date  # the listening-time-weighted mean date of the artist's plays in the period


@dataclass(frozen=True)
class Group:
    cluster: int
    artists: list[str]  # its artists on the map, most listened first
    hours: float  # their listening time in the period
    share: float  # of the mapped artists' time


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM
    hours: float  # music listening time
    x: float | None  # the month's taste vector on the map (None: no artist of the model played)
    y: float | None
    drift: float | None  # 1 - cosine to the previous month with a taste vector (0: same taste; None: first)
    top_artist: str | None


@dataclass
class TasteResult(Result):
    dims: int
    vocabulary: int
    explained: list[float]  # share of the mapped artists' variance on each axis
    points: list[MapPoint]
    groups: list[Group]
    months: list[Month]
    mean_drift: float | None
    biggest_shift: str | None  # the month whose taste moved most from the month before
    withheld: list[str] = field(default_factory=list)  # claims left out for too little data, and why

    def summary(self) -> list[str]:
        if not self.points:
            return ["Not enough co-listening in this period to draw a taste map."]
        lines = [f"Your {len(self.points)} top artists fall into {len(self.groups)} "
                 f"group{'s' if len(self.groups) != 1 else ''} you play alike"
                 + (f"; the biggest: {', '.join(self.groups[0].artists[:3])}." if self.groups else ".")]
        if self.biggest_shift is not None and self.mean_drift is not None:
            m = next(m for m in self.months if m.month == self.biggest_shift)
            # Drift (1 - cosine) is no unit a person knows; against a typical month's it is a plain "times".
            ratio = (m.drift or 0.0) / self.mean_drift if self.mean_drift > 0 else None
            against = (f" ({ratio:.1f} times as far as in a typical month)" if ratio is not None and ratio >= 1.05
                       else "")
            lines.append(f"Your taste moved most in {_month_name(m.month)}{against}"
                         + (f", towards {m.top_artist}." if m.top_artist else "."))
        return lines


def _month_name(month: str) -> str:
    return dt.date.fromisoformat(month + "-01").strftime("%B %Y")


@insight("taste", "Your taste map (artists you play alike) and your taste month by month", model=True)
def taste(
    ctx: Context,
    *,
    top: Annotated[int, "how many of the period's top artists to put on the map"] = 40,
    seed: Annotated[int, "random seed of the model and the grouping (same seed, same map)"] = 0,
) -> TasteResult:
    """A map of the period's ``top`` artists (by music listening time) that have a taste vector, and a taste
    vector per month.

    Taste vectors come from the taste model (:mod:`linernotes.models.artist_embedding`: PPMI + truncated SVD of
    within-session co-listening over the whole history; unit length). The map is the PCA of the mapped
    artists' vectors (weighted by their listening time in the period) onto two axes; ``explained`` is the
    share of their variance on each. ``cluster`` groups the mapped artists by k-means on the vectors, k from
    2 to 8 chosen by the best cosine silhouette (one group when no k separates them); groups are numbered by
    size. ``centre_day`` is the time-weighted mean date of the artist's plays in the period.

    A month's taste vector is the listening-time-weighted mean of the vectors of the artists played that
    month, normalised; ``x``/``y`` place it on the same map, and ``drift`` is 1 - cosine to the previous
    month with a vector (0: the same taste; 1: unrelated). ``biggest_shift`` is the month of highest drift.
    """
    if top < 2:
        raise UsageError("--top must be at least 2")
    model = taste_model(ctx, seed=seed)
    rows = ctx.fetch(f"""
        SELECT artist, count(*) FILTER (WHERE counted), sum(ms_played)::BIGINT,
               to_timestamp(sum(epoch(day) * ms_played) / nullif(sum(ms_played), 0))::DATE
        FROM {ctx.plays} WHERE {ctx.kinds('track')} AND artist IS NOT NULL AND ms_played > 0
        GROUP BY artist ORDER BY 3 DESC, artist LIMIT {int(top) * 3 + 50}""")
    picked: list[tuple[int, str, int, int, dt.date]] = []
    for name, plays, ms, centre in rows:
        i = model.index_of(str(name))
        if i is not None and model.dims and np.any(model.vectors[i]):
            picked.append((i, str(name), int(plays), int(ms), centre))
        if len(picked) == top:
            break
    points: list[MapPoint] = []
    groups: list[Group] = []
    explained: list[float] = []
    mean = np.zeros(model.dims)
    axes = np.zeros((2, model.dims))
    if len(picked) >= 2:
        vecs = model.vectors[[p[0] for p in picked]].astype(np.float64)
        weights = np.array([p[3] for p in picked], dtype=np.float64)
        coords, mean, axes = project_2d(vecs, weights)
        centred = vecs - mean
        total_var = float(np.average((centred**2).sum(axis=1), weights=weights))
        explained = [float(np.average(coords[:, k] ** 2, weights=weights)) / total_var if total_var > 0 else 0.0
                     for k in range(2)]
        labels = clusters(vecs, seed=seed)
        for (_, name, plays, ms, centre), (x, y), c in zip(picked, coords, labels, strict=True):
            points.append(MapPoint(artist=name, x=float(x), y=float(y), cluster=int(c), hours=ms / MS_PER_HOUR,
                                   plays=plays, centre_day=centre))
        mapped_ms = float(weights.sum())
        for c in sorted(set(labels.tolist())):
            members = [p for p in points if p.cluster == c]
            hours = sum(p.hours for p in members)
            groups.append(Group(cluster=c, artists=[p.artist for p in members], hours=hours,
                                share=hours * MS_PER_HOUR / mapped_ms if mapped_ms else 0.0))
    top_by_month = {str(m): str(a) for m, a in ctx.fetch(f"""
        SELECT month, arg_max(artist, ms) FROM (
            SELECT strftime(day, '%Y-%m') AS month, artist, sum(ms_played) AS ms FROM {ctx.plays}
            WHERE {ctx.kinds('track')} AND artist IS NOT NULL GROUP BY ALL) GROUP BY month""")}
    months: list[Month] = []
    prev: np.ndarray | None = None
    for m in month_vectors(ctx, model):
        has = bool(m.vector.any())
        x = y = drift = None
        if has:
            if len(picked) >= 2:
                x, y = (float(v) for v in (m.vector - mean) @ axes.T)
            if prev is not None:
                drift = float(1.0 - np.clip(float(m.vector @ prev), -1.0, 1.0))
            prev = m.vector
        months.append(Month(month=m.month, hours=m.ms_played / MS_PER_HOUR, x=x, y=y, drift=drift,
                            top_artist=top_by_month.get(m.month)))
    drifts = [m.drift for m in months if m.drift is not None]
    shift = max((m for m in months if m.drift is not None), key=lambda m: m.drift or 0.0, default=None)
    withheld: list[str] = []
    if shift is not None and len(drifts) < MIN_DRIFT_MONTHS:
        withheld.append(f"taste drift: {len(drifts)} month-to-month changes; a typical month and the biggest "
                        f"shift need at least {MIN_DRIFT_MONTHS}")
        shift = None
    return TasteResult(dims=model.dims, vocabulary=len(model.artists), explained=explained, points=points,
                       groups=groups, months=months, mean_drift=float(np.mean(drifts)) if drifts else None,
                       biggest_shift=shift.month if shift is not None else None,
                       withheld=withheld)


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("biggest shift", None, r"\bchang|\bshift|\bmoved|\bevolv|\bdrift", "biggest_shift"),
    Figure("taste groups", "groups", "", "groups|len"),
)
