"""Life chapters: the whole listening history cut into eras where taste stayed put.

Each week of the history (ISO weeks, local dates; weeks without music are left out) becomes one point:
its *taste vector*, the listening-time-weighted mean of the artist vectors of :mod:`linernotes.models.artist_embedding`.
A chapter is a run of weeks whose taste vectors scatter around one mean; a new chapter starts where that
mean jumps. Finding the jumps is a penalised least-squares change-point problem, solved exactly:

1. **Noise level from the data.** Consecutive weeks inside a chapter differ only by noise, so the
   median absolute difference of consecutive weeks (scaled as a normal MAD, and for each week's volume)
   estimates the per-dimension noise without being moved by the few real jumps. Every dimension is divided
   by its noise, so the cost below is a Gaussian log-likelihood with unit variance.
2. **Weights.** A week with more plays is a more precise measurement: its weight is its plays over the
   median week's (capped at 3, so one binge week cannot dominate); a weighted mean per segment.
3. **Optimal partitioning** (Jackson et al. 2005; PELT finds the same optimum) of the weighted squared
   error plus a penalty per chapter, with chapters of at least ``min_weeks`` weeks. The penalty is the
   BIC's: ``(d + 1) · ln(n)`` for a new d-dimensional mean and its location, times ``penalty_scale``.
   Before that, each dimension is smoothed by a running median over SMOOTH_WEEKS weeks: a binge week, a
   fortnight of holiday music or a short crush moves a median hardly at all, while a change of taste that
   lasts (even one that fades in over two months) keeps its level, so the cut lands where the crossing is.
4. **Enough history.** Chapters are found in the *active* stretches of the history only: a gap of more than
   GAP_WEEKS weeks without music ends a stretch (and a chapter), and a stretch of fewer than ``min_weeks``
   weeks with music (a few stray rows months or years from the rest) belongs to no chapter. With fewer than
   MIN_HISTORY_WEEKS weeks with music in the stretches left, no chapter is claimed at all, and
   :attr:`ChapterModel.reason` says why.
5. A chapter starts on the Monday of its first week (the first of a stretch on its first day with music); it
   ends the day before the next one starts, or on the last day with music of its stretch.

The segmentation is of the whole history of the scope (periods only choose which chapters are shown). This
module is pure computation (weekly arrays in, chapters out); the ``chapters`` insight
(:mod:`linernotes.insights.chapters`) reads the weeks and caches the cut with
:mod:`linernotes.engine.model_cache`: an unchanged library costs one cache lookup.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from linernotes.models.artist_embedding import TasteModel
from linernotes.units import MS_PER_HOUR

MIN_WEEKS = 9  # about two months: shorter stretches are moods, not chapters
MIN_HISTORY_WEEKS = 52  # a year of weeks with music before any chapter (or a change between chapters) is claimed
GAP_WEEKS = 8  # more than two months without music ends a stretch of listening, and the chapter in it
SCROBBLE_MS = 210_000  # weight of a scrobble without a length (Last.fm, ListenBrainz): a typical track
SMOOTH_WEEKS = 9  # running median of the weekly taste vectors: binges and seasonal spikes are shorter
WEIGHT_CAP = 3.0
PENALTY_SCALE = 1.0
NOISE_BLOCK_WEEKS = 26  # the long-run noise is measured between half-years
CRUSH_WEEKS = 39  # an artist with most of its plays inside nine months is a crush, not a lasting taste
CRUSH_SHARE = 0.8


@dataclass(frozen=True)
class Span:
    """One chapter's dates (local, inclusive) and how many weeks with music it holds (its active weeks)."""

    start: dt.date
    end: dt.date
    weeks: int


@dataclass
class ChapterModel:
    spans: list[Span]
    weeks: np.ndarray  # (n,) datetime64[D]: Monday of each week with music
    vectors: np.ndarray  # (n, d) weekly taste vectors (not whitened)
    week_ms: np.ndarray  # (n,) music listening time per week
    breaks: np.ndarray  # indices into ``weeks`` where chapters 2.. start
    active_weeks: int = 0  # weeks with music in the stretches chapters are found in
    left_out_weeks: int = 0  # weeks with music in stretches too short to be a chapter (stray rows)
    reason: str | None = None  # why there is no chapter, when there is none

    def index_at(self, day: dt.date) -> int | None:
        """The chapter holding ``day``: None before the first chapter, in a gap between stretches, or more
        than GAP_WEEKS weeks after the last chapter (it is over); the last one for days just after it."""
        if not self.spans or day < self.spans[0].start:
            return None
        for i, s in enumerate(self.spans):
            if s.start <= day <= s.end:
                return i
            if day < s.start:
                return None
        last = self.spans[-1]
        return len(self.spans) - 1 if (day - last.end).days <= 7 * GAP_WEEKS else None


def active_stretches(weeks: np.ndarray, gap_weeks: int = GAP_WEEKS) -> list[tuple[int, int]]:
    """Index ranges [a, b) of ``weeks`` (sorted Mondays) with no gap of more than ``gap_weeks`` weeks inside.

    >>> w = np.array(["2020-01-06", "2020-01-13", "2020-06-01"], dtype="datetime64[D]")
    >>> active_stretches(w)
    [(0, 2), (2, 3)]
    """
    if not len(weeks):
        return []
    step = np.diff(weeks.astype("datetime64[D]").astype(np.int64))
    cuts = (np.flatnonzero(step > 7 * gap_weeks) + 1).tolist()
    return list(zip([0, *cuts], [*cuts, len(weeks)], strict=True))


def smooth(x: np.ndarray, size: int = SMOOTH_WEEKS) -> np.ndarray:
    """Running median of each column over ``size`` rows (edges repeat the first/last row)."""
    if size <= 1 or len(x) < 3:
        return x
    from scipy.ndimage import median_filter

    return np.asarray(median_filter(x, size=(min(size, len(x)), 1), mode="nearest"))


Weekly = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
Arrays = dict[str, np.ndarray]


def weekly_vectors(week: np.ndarray, artist_id: np.ndarray, ms: np.ndarray, plays: np.ndarray, model: TasteModel,
                   *, exclude_crushes: bool = False) -> Weekly:
    """Weeks with music: (Mondays, taste vectors, listening time, counted plays), from one row per (Monday,
    vocabulary index or -1 for an artist outside the model) with its listening time and counted plays.

    The taste vector of a week is Σ ms·v / Σ ms over the artists of the model played that week (music
    only; a scrobble without a listening time weighs its track's length, else SCROBBLE_MS); weeks whose
    artists are all outside the model get a zero vector. With ``exclude_crushes``, artists
    that are not :func:`lasting_artists` do not count.
    """
    from scipy import sparse

    cols = {"week": week, "id": artist_id, "ms": ms, "plays": plays}
    week_col = np.asarray(cols["week"]).astype("datetime64[D]")
    if not len(week_col):
        d = model.dims
        return np.zeros(0, "datetime64[D]"), np.zeros((0, d), np.float64), np.zeros(0), np.zeros(0)
    weeks, w_idx = np.unique(week_col, return_inverse=True)
    ids = np.asarray(cols["id"], dtype=np.int64)
    ms = np.asarray(cols["ms"], dtype=np.float64)
    plays = np.asarray(cols["plays"], dtype=np.float64)
    week_ms = np.bincount(w_idx, weights=ms, minlength=len(weeks))
    week_plays = np.bincount(w_idx, weights=plays, minlength=len(weeks))
    known = ids >= 0
    if exclude_crushes and len(model.artists):
        known &= lasting_artists(w_idx, ids, plays, len(weeks), len(model.artists))[np.where(known, ids, 0)]
    mat = sparse.csr_matrix((ms[known], (w_idx[known], ids[known])), shape=(len(weeks), len(model.artists)))
    known_ms = np.asarray(mat.sum(axis=1)).ravel()
    vectors = np.asarray(mat @ model.vectors.astype(np.float64)) if model.dims else np.zeros((len(weeks), 0))
    vectors = np.divide(vectors, known_ms[:, None], out=np.zeros_like(vectors), where=known_ms[:, None] > 0)
    return weeks, vectors, week_ms, week_plays


def lasting_artists(week: np.ndarray, artist: np.ndarray, plays: np.ndarray, n_weeks: int,
                    n_artists: int) -> np.ndarray:
    """Mask of artists (by id) whose counted plays are *not* concentrated in one stretch of CRUSH_WEEKS weeks.

    A crush (months of one artist, then little or nothing) is a moment inside a chapter, not a chapter: a
    few overlapping crushes would otherwise look like a change of taste. An artist is a crush when more
    than CRUSH_SHARE of its plays fall within some CRUSH_WEEKS consecutive weeks. Histories shorter than
    three such stretches keep every artist (everything would look concentrated). ``week``/``artist``/
    ``plays`` are aligned rows (artist id -1: unknown, ignored).
    """
    keep = np.ones(n_artists, dtype=bool)
    if n_weeks < 3 * CRUSH_WEEKS or not n_artists:
        return keep
    from scipy import sparse

    ok = artist >= 0
    per_week = sparse.csc_matrix((plays[ok], (week[ok], artist[ok])), shape=(n_weeks, n_artists))
    total = np.asarray(per_week.sum(axis=0)).ravel()
    best = np.zeros(n_artists)
    # Column blocks keep the dense cumulative sums small (weeks x 2048 floats at a time).
    for lo in range(0, n_artists, 2048):
        block = per_week[:, lo : lo + 2048].toarray()
        cum = np.vstack([np.zeros(block.shape[1]), np.cumsum(block, axis=0)])
        best[lo : lo + 2048] = (cum[CRUSH_WEEKS:] - cum[:-CRUSH_WEEKS]).max(axis=0)
    keep = best <= CRUSH_SHARE * np.maximum(total, 1.0)
    # A library made of crushes only (or nearly) has no lasting taste to segment by: keep everyone.
    if plays[ok][keep[artist[ok]]].sum() < 0.3 * plays[ok].sum():
        keep[:] = True
    return np.asarray(keep)


def segment(x: np.ndarray, weights: np.ndarray, min_size: int, penalty_scale: float = PENALTY_SCALE) -> np.ndarray:
    """Indices where segments 2.. start: the exact minimiser of weighted squared error + a BIC penalty.

    ``x`` is (n, d), already scaled so that the noise has unit variance per dimension; ``weights`` (n,)
    are inverse noise variances relative to that. Segments have at least ``min_size`` points.

    >>> x = np.r_[np.zeros(20), np.full(20, 5.0)][:, None] + np.tile([0.1, -0.1], 20)[:, None]
    >>> segment(x, np.ones(40), 5).tolist()
    [20]
    """
    n, d = x.shape
    if n < 2 * min_size or d == 0:
        return np.zeros(0, dtype=np.int64)
    pen = penalty_scale * (d + 1) * np.log(n)
    w = weights.astype(np.float64)
    s0 = np.r_[0.0, np.cumsum(w)]
    s1 = np.vstack([np.zeros(d), np.cumsum(w[:, None] * x, axis=0)])
    s2 = np.r_[0.0, np.cumsum(w * (x * x).sum(axis=1))]
    best = np.full(n + 1, np.inf)
    best[0] = -pen
    last = np.zeros(n + 1, dtype=np.int64)
    for t in range(min_size, n + 1):
        s = np.arange(0, t - min_size + 1)
        s = s[np.isfinite(best[s])]
        if not len(s):
            continue
        sum1 = s1[t] - s1[s]
        cost = (s2[t] - s2[s]) - (sum1 * sum1).sum(axis=1) / np.maximum(s0[t] - s0[s], 1e-12)
        total = best[s] + cost + pen
        k = int(np.argmin(total))
        best[t] = total[k]
        last[t] = s[k]
    cuts = []
    t = n
    while t > 0:
        t = int(last[t])
        if t > 0:
            cuts.append(t)
    return np.asarray(sorted(cuts), dtype=np.int64)


def noise_scale(x: np.ndarray, weights: np.ndarray, block: int) -> np.ndarray:
    """Per-dimension noise (standard deviation at weight 1) at the time scale of ``block`` points, robustly.

    Differences of the weighted means of adjacent blocks are noise except where a block pair straddles a
    change, so their median absolute deviation (scaled as for a normal) is a robust estimate. Using blocks
    rather than single weeks measures the *long-run* noise: slow wandering (a month-long crush on one
    artist, a binge) inflates it as it should, since such wandering is not a new chapter. The estimate is
    averaged over every block offset for stability.
    """
    n, d = x.shape
    block = max(1, min(block, n // 4))
    if n < 3:
        return np.ones(d)
    estimates = []
    for offset in range(block):
        m = (n - offset) // block
        if m < 3:
            continue
        idx = offset + np.arange(m * block)
        w = weights[idx].reshape(m, block)
        xs = (x[idx] * weights[idx, None]).reshape(m, block, d).sum(axis=1)
        wsum = w.sum(axis=1)
        means = xs / wsum[:, None]
        diff = np.diff(means, axis=0) / np.sqrt(1.0 / wsum[1:] + 1.0 / wsum[:-1])[:, None]
        estimates.append(1.4826 * np.median(np.abs(diff - np.median(diff, axis=0)), axis=0))
    if not estimates:
        return np.ones(d)
    mad = np.mean(estimates, axis=0)
    floor = max(float(np.median(mad)) * 0.1, 1e-9)
    return np.asarray(np.maximum(mad, floor))


def cut_chapters(weeks: np.ndarray, vectors: np.ndarray, week_ms: np.ndarray, plays: np.ndarray, dims: int, *,
                 min_weeks: int = MIN_WEEKS, penalty_scale: float = PENALTY_SCALE) -> tuple[Arrays, dict[str, Any]]:
    """The chapters of a history's weeks (:func:`weekly_vectors`, crushes left out), as the arrays the model
    cache keeps: ``weeks`` (days since 1970), ``vectors``, ``week_ms``, ``bounds`` ([a, b) week ranges) and
    ``active`` (weeks with music in and outside the stretches chapters are found in)."""
    stretches = [(a, b) for a, b in active_stretches(weeks) if b - a >= min_weeks]
    active = sum(b - a for a, b in stretches)
    bounds: list[tuple[int, int]] = []
    if active >= MIN_HISTORY_WEEKS and dims:
        keep = np.concatenate([np.arange(a, b) for a, b in stretches])
        med = float(np.median(plays[plays > 0])) if (plays > 0).any() else 1.0
        weights = np.clip(plays / max(med, 1.0), 0.05, WEIGHT_CAP)
        smoothed = np.zeros_like(vectors)
        for a, b in stretches:
            smoothed[a:b] = smooth(vectors[a:b])
        scale = noise_scale(smoothed[keep], weights[keep], NOISE_BLOCK_WEEKS)
        for a, b in stretches:
            cuts = (a + segment(smoothed[a:b] / scale, weights[a:b], min_weeks, penalty_scale)).tolist()
            bounds += list(zip([a, *cuts], [*cuts, b], strict=True))
    elif active >= MIN_HISTORY_WEEKS:
        bounds = stretches
    return ({"weeks": weeks.astype("datetime64[D]").astype(np.int64), "vectors": vectors.astype(np.float32),
             "week_ms": week_ms, "bounds": np.asarray(bounds, dtype=np.int64).reshape(-1, 2),
             "active": np.asarray([active, len(weeks) - active], dtype=np.int64)},
            {"weeks": len(weeks), "chapters": len(bounds)})


def no_chapter_reason(weeks: int, active: int, left_out: int, min_weeks: int) -> str:
    """Why a history of ``weeks`` weeks with music (``active`` of them in long enough stretches) has no chapter."""
    if not weeks:
        return "There is no music in this history to find chapters in."
    return (f"Chapters need at least {MIN_HISTORY_WEEKS} weeks with music (about a year) in stretches without "
            f"gaps of more than {GAP_WEEKS} weeks; this history has {active + left_out}"
            + (f", {left_out} of them in stretches of fewer than {min_weeks} weeks apart from the rest"
               if left_out else "") + ".")


def week_date(value: np.datetime64) -> dt.date:
    """A numpy day as a date."""
    return dt.date.fromisoformat(str(value.astype("datetime64[D]")))


# ---- what each chapter was like --------------------------------------------------------------------------

NIGHT_HOURS = (23, 0, 1, 2, 3, 4)  # local start hour of a "night" play
PRIOR_STRENGTH = 500.0  # pseudo-plays of the informative prior in the log-odds ratio


@dataclass(frozen=True)
class Distinctive:
    artist: str
    plays: int  # counted plays in the chapter
    hours: float
    z: float  # log-odds ratio z-score against the rest of the history (informative Dirichlet prior)
    ratio: float  # the artist's share of plays in the chapter over its share in the rest of the history


@dataclass(frozen=True)
class ChapterFacts:
    span: Span
    ms_played: int  # every kind
    music_ms: int
    plays: int  # counted, every kind
    top_artists: list[tuple[str, float]]  # (artist, hours), most listened first
    distinctive: list[Distinctive]
    hour_ms: np.ndarray  # (24,) listening time by local start hour
    night_share: float
    weekend_share: float
    devices: list[tuple[str, float]]  # (device, share of the time on a known device), largest first
    new_artists: int  # artists first heard in the chapter


FactRows = list[tuple[Any, ...]]


def chapter_facts_of(spans: list[Span], totals: dict[int, tuple[int, int, int]], art: dict[str, Any],
                     hours: FactRows, devices: FactRows, first: FactRows, n_distinctive: int = 5) -> list[ChapterFacts]:
    """Facts for each span from its aggregates (span index first in every row): listening totals (time, music
    time, counted plays), per-artist counted plays and time (``art``: numpy columns ``idx``, ``artist``,
    ``n``, ``ms``), time per local start hour (and its weekend part), time per device (largest first) and
    artists first heard in it.

    Distinctive artists: the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn
    2008) of counted music plays in the chapter against the rest of the history; the prior is the whole
    history's artist distribution scaled to PRIOR_STRENGTH plays, which shrinks rarely played artists
    toward "not distinctive". Artists with z > 1.96 and at least 3 plays in the chapter, highest z first.
    """
    k = len(spans)
    hour_ms = np.zeros((k, 24))
    weekend = np.zeros(k)
    for i, h, we, ms in hours:
        hour_ms[int(i), int(h)] += float(ms or 0)
        weekend[int(i)] += float(we or 0)
    dev: dict[int, list[tuple[str, float]]] = {}
    for i, d, ms in devices:
        dev.setdefault(int(i), []).append((str(d), float(ms or 0)))
    new = {int(i): int(n) for i, n in first}
    distinct = _distinctive(art, k, n_distinctive)
    idx = np.asarray(art["idx"], dtype=np.int64)
    names = np.asarray(art["artist"], dtype=object)
    a_ms = np.asarray(art["ms"], dtype=np.float64)
    out = []
    for i, span in enumerate(spans):
        ms_all, music_ms, plays = totals.get(i, (0, 0, 0))
        sel = np.flatnonzero(idx == i)
        order = sel[np.lexsort((names[sel].astype(str), -a_ms[sel]))][:5]
        tot_h = hour_ms[i].sum()
        d_list = dev.get(i, [])
        d_tot = sum(ms for _, ms in d_list)
        out.append(ChapterFacts(
            span=span, ms_played=ms_all, music_ms=music_ms, plays=plays,
            top_artists=[(str(names[j]), a_ms[j] / MS_PER_HOUR) for j in order],
            distinctive=distinct[i],
            hour_ms=hour_ms[i],
            night_share=float(hour_ms[i][list(NIGHT_HOURS)].sum() / tot_h) if tot_h else 0.0,
            weekend_share=float(weekend[i] / tot_h) if tot_h else 0.0,
            devices=[(d, ms / d_tot) for d, ms in d_list[:3]] if d_tot else [],
            new_artists=new.get(i, 0)))
    return out


def _distinctive(art: dict[str, Any], k: int, limit: int) -> list[list[Distinctive]]:
    idx = np.asarray(art["idx"], dtype=np.int64)
    names = np.asarray(art["artist"], dtype=object).astype(str)
    n = np.asarray(art["n"], dtype=np.float64)
    ms = np.asarray(art["ms"], dtype=np.float64)
    out: list[list[Distinctive]] = [[] for _ in range(k)]
    if k < 2 or not len(n):
        return out
    uniq, a_idx = np.unique(names, return_inverse=True)
    total_a = np.bincount(a_idx, weights=n, minlength=len(uniq))
    grand = total_a.sum()
    if grand <= 0:
        return out
    alpha = PRIOR_STRENGTH * total_a / grand
    for i in range(k):
        m = idx == i
        y_i = np.bincount(a_idx[m], weights=n[m], minlength=len(uniq))
        t_i = np.bincount(a_idx[m], weights=ms[m], minlength=len(uniq))
        y_j = total_a - y_i
        n_i, n_j = y_i.sum(), y_j.sum()
        if n_i <= 0 or n_j <= 0:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = (np.log((y_i + alpha) / (n_i + PRIOR_STRENGTH - y_i - alpha))
                     - np.log((y_j + alpha) / (n_j + PRIOR_STRENGTH - y_j - alpha)))
            z = delta / np.sqrt(1.0 / (y_i + alpha) + 1.0 / (y_j + alpha))
            ratio = (y_i / n_i) / np.maximum(y_j / n_j, 0.5 / n_j)
        ok = np.flatnonzero((y_i >= 3) & (z > 1.96) & np.isfinite(z))
        ok = ok[np.lexsort((uniq[ok], -z[ok]))][:limit]
        out[i] = [Distinctive(artist=str(uniq[j]), plays=int(y_i[j]), hours=float(t_i[j]) / MS_PER_HOUR,
                              z=float(z[j]), ratio=float(ratio[j])) for j in ok]
    return out
