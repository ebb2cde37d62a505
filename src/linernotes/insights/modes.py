"""``modes``: your recurring ways of listening, found by clustering sessions
(:mod:`linernotes.models.session_clusters`); this module reads the sessions' features and caches the labels."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np

from linernotes.engine.figures import Figure
from linernotes.engine.model_cache import cached_arrays
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.insights.genres import artist_genre_join, leading_genres, play_genre_sql
from linernotes.insights.sessions import session_table
from linernotes.insights.taste import taste_model
from linernotes.models.session_clusters import (
    BLOCK_WEIGHTS,
    DEVICE_WORDS,
    FIT_SAMPLE,
    K_RANGE,
    MIN_MINUTES,
    MIN_STREAMS,
    MODEL_VERSION,
    N_INIT,
    REG_COVAR,
    SEED,
    TASTE_AXES,
    ModesModel,
    SessionFeatures,
    choose_k,
    device_columns,
    feature_matrix,
    session_taste,
)

# Local start-hour bands used in the words, and the part of a mode's sessions a band needs to name the mode.
BANDS = (("early-morning", 5, 8), ("morning", 8, 12), ("afternoon", 12, 17), ("evening", 17, 22),
         ("late-night", 22, 29))
BAND_SHARE = 0.5
DEVICE_SHARE = 0.5

# Fewer sessions than this in the whole history, and the clusters are a handful of sessions each: no finding.
MIN_MODE_SESSIONS = 30


@dataclass(frozen=True)
class Share:
    name: str
    share: float


@dataclass(frozen=True)
class TimeShare:
    """The mode's part of the sessions (and listening time) of one year or month."""

    bucket: str  # "2023" or "2023-04"
    sessions: int
    share: float  # of the bucket's clustered sessions
    time_share: float  # of the bucket's clustered listening time


@dataclass(frozen=True)
class Mode:
    mode: int  # 0 = the mode with most sessions over the whole history
    description: str  # built from the facts below
    sessions: int  # in the period
    session_share: float
    ms_played: int
    time_share: float
    median_minutes: float
    skip_rate: float | None  # mean over its sessions with known skips
    shuffle_share: float  # mean share of plays on shuffle
    weekend_share: float  # sessions starting on Saturday or Sunday
    hours: list[int]  # sessions starting in each local hour 0..23
    devices: list[Share]  # main device of its sessions, top 3
    top_artists: list[str]  # most distinctive of its music (see the definition), top 3
    spoken_share: float  # of its time on podcasts and audiobooks
    over_time: list[TimeShare]


@dataclass
class ModesResult(Result):
    k: int  # modes found (over the whole history)
    sessions: int  # clustered sessions in the period
    unclustered: int  # sessions too short to say anything (fewer than 2 plays and under 5 minutes)
    bic: dict[int, float]  # per k tried: lower is better
    bucket: str  # "year" or "month": the unit of over_time
    modes: list[Mode]

    def summary(self) -> list[str]:
        if not self.modes:
            return [f"Not enough listening sessions to find modes: they need at least {MIN_MODE_SESSIONS} sessions of "
                    f"{MIN_STREAMS} plays or {MIN_MINUTES:.0f} minutes in the whole history."]
        lines = [f"{self.k} listening modes across {self.sessions:,} sessions."]
        for m in self.modes[:4]:
            lines.append(f"{m.session_share:.0%} of sessions: {m.description}.")
        return lines


def _band(hours: np.ndarray) -> str | None:
    h = np.where(hours < 5, hours + 24, hours)
    best = None
    for name, a, b in BANDS:
        share = float(((h >= a) & (h < b)).mean()) if len(h) else 0.0
        if share >= BAND_SHARE and (best is None or share > best[1]):
            best = (name, share)
    return best[0] if best else None


def _describe(hours: np.ndarray, weekend: float, device: Share | None, artists: list[str], spoken: float,
              episode: float, minutes: float, skip: float | None, shuffle: float,
              usual: dict[str, float | None], genres: str | None = None) -> str:
    when = [w for w in (_band(hours),) if w]
    if weekend >= 0.6:
        when.append("weekend")
    elif weekend <= 0.12:
        when.append("weekday")
    if spoken >= 0.5:
        what = "podcasts" if episode >= 0.8 * spoken else ("audiobooks" if episode <= 0.2 * spoken
                                                           else "podcasts and audiobooks")
    elif artists:
        what = " and ".join(artists[:2])
    else:
        what = "music"
    text = " ".join([*when, what])
    if device is not None and device.share >= DEVICE_SHARE and device.name in DEVICE_WORDS:
        text += f" on {DEVICE_WORDS[device.name]}"
    # "mostly Alternative and Pop": only when most of its music has a genre (see genres.leading_genres)
    traits = [genres] if genres and spoken < 0.5 else []
    usual_minutes, usual_skip, usual_shuffle = usual["minutes"] or 0.0, usual["skip"], usual["shuffle"] or 0.0
    if minutes >= 1.5 * usual_minutes:
        traits.append("long sessions")
    elif minutes <= usual_minutes / 1.5:
        traits.append("short sessions")
    if spoken < 0.5 and skip is not None and usual_skip is not None:
        if skip >= 1.5 * usual_skip and skip >= 0.1:
            traits.append("many skips")
        elif skip <= 0.6 * usual_skip:
            traits.append("few skips")
    if spoken < 0.5:
        if shuffle >= 0.7:
            traits.append("on shuffle")
        elif shuffle <= 0.1 and usual_shuffle >= 0.25:
            traits.append("in order")
    return ", ".join([text[0].upper() + text[1:], *traits])


def _top_artists(ctx: Context, model: ModesModel, inside: np.ndarray, k: int) -> dict[int, list[str]]:
    import pyarrow as pa

    whole = ctx.whole_history()
    table = session_table(whole)
    f = model.features
    keys = pa.table({"session_id": pa.array(f.session_id[inside]), "mode": pa.array(model.labels[inside])})
    ctx.con.register("_ln_modes_labels", keys)
    try:
        # Distinctive, not merely popular: each artist's contribution to the KL divergence of the mode's
        # artist mix from the mix of all clustered sessions, p(a|mode)·log(p(a|mode)/p(a)), positive only.
        rows = ctx.fetch(f"""
            WITH a AS (SELECT l.mode, t.artist, sum(t.ms_played)::DOUBLE AS ms
                       FROM {table} t JOIN _ln_modes_labels l USING (session_id)
                       WHERE t.kind = 'track' AND t.artist IS NOT NULL AND t.ms_played > 0 GROUP BY ALL),
            p AS (SELECT mode, artist, ms / sum(ms) OVER (PARTITION BY mode) AS pm,
                         sum(ms) OVER (PARTITION BY artist) / sum(ms) OVER () AS pa FROM a)
            SELECT mode, list(artist ORDER BY pm * ln(pm / pa) DESC, artist)[1:{int(k)}]
            FROM p WHERE pm > pa GROUP BY mode""")
    finally:
        ctx.con.unregister("_ln_modes_labels")
    return {int(m): [str(a) for a in names] for m, names in rows}


def _mode_genres(ctx: Context, model: ModesModel, inside: np.ndarray) -> dict[int, str]:
    """Per mode, its leading genres in words ("mostly Alternative and Pop") when most of its music time has a
    genre; modes without are left out (a library without genres gets an empty dict)."""
    import pyarrow as pa

    table = session_table(ctx.whole_history())
    f = model.features
    keys = pa.table({"session_id": pa.array(f.session_id[inside]), "mode": pa.array(model.labels[inside])})
    ctx.con.register("_ln_modes_genre_labels", keys)
    try:
        rows = ctx.fetch(f"""
            WITH t AS (SELECT l.mode, {play_genre_sql('t')} AS g, t.ms_played
                       FROM {table} t JOIN _ln_modes_genre_labels l USING (session_id)
                       {artist_genre_join('t')}
                       WHERE t.kind = 'track' AND t.ms_played > 0)
            SELECT mode, min(g), sum(ms_played)::BIGINT FROM t GROUP BY mode, lower(g)""")
    finally:
        ctx.con.unregister("_ln_modes_genre_labels")
    music: dict[int, int] = {}
    known: dict[int, list[tuple[str, int]]] = {}
    for mode, genre, ms in rows:
        music[int(mode)] = music.get(int(mode), 0) + int(ms)
        if genre is not None:
            known.setdefault(int(mode), []).append((str(genre), int(ms)))
    out = {m: leading_genres(known[m], music[m]) for m in known}
    return {m: words for m, words in out.items() if words}


@insight("modes", "Listening modes: your recurring ways of listening, found in your sessions", model=True)
def modes(
    ctx: Context,
    *,
    top: Annotated[int, "artists named per mode"] = 3,
) -> ModesResult:
    """Sessions (20-minute silences; those with at least 2 plays or 5 minutes of listening) clustered on what
    was played — the session's taste vector (time-weighted mean of its artists' vectors from the taste model)
    and its share of podcasts and audiobooks — and how: local start hour (on a circle), weekend or not, main
    device family, length (log), shuffle share and skip rate. Features are standardised and weighted by
    block; a Gaussian mixture is fitted for k = 2..8 and the k with the lowest BIC is kept (``bic``), so the
    number of modes comes from the data. Modes are found over the whole history of the scope (the same modes
    for every period) and numbered by size; the figures are over the period's sessions (by local start day).

    Per mode: its sessions and listening time with their shares of the period's clustered sessions, median
    length (minutes), skip rate (mean over sessions with known skips), shuffle share, weekend share, start
    hours (sessions per local hour), main devices (top 3 by sessions; both phone families count as
    "phone"), top artists (the most distinctive: largest p(a|mode)·log(p(a|mode)/p(a)) over music time,
    where p(a) is the artist's part of all clustered sessions' music), share of podcasts and audiobooks,
    and ``over_time``: its share of each year's sessions (each month's when the period spans less than two
    years).

    ``description`` is built from those facts: the start band holding at least half of its sessions
    (early-morning 5–8, morning 8–12, afternoon 12–17, evening 17–22, late-night 22–5), weekend (≥ 60 % of
    sessions) or weekday (≤ 12 %), podcasts/audiobooks when they are half of its time, else its top two
    artists, the main device when it has half of the sessions; then its leading genres ("mostly Alternative
    and Pop", when at least half of its music time has a genre; a second genre when it has a fifth of the time
    with a genre), "long/short sessions" (median length
    ≥ 1.5× / ≤ 1/1.5 of all sessions'), "many/few skips" (≥ 1.5× / ≤ 0.6× the overall rate), "on shuffle"
    (≥ 70 %) or "in order" (≤ 10 % where ≥ 25 % is usual). ``unclustered``: the period's sessions too short
    to cluster (one play under 5 minutes).
    """
    model = modes_model(ctx)
    f = model.features
    n_all = len(f)
    lo = np.datetime64(ctx.start) if ctx.start else None
    hi = np.datetime64(ctx.end) if ctx.end else None
    inside = np.ones(n_all, dtype=bool)
    if lo is not None:
        inside &= f.day >= lo
    if hi is not None:
        inside &= f.day <= hi
    n = int(inside.sum())
    whole_sessions = 0
    if ctx.start and ctx.end:
        whole_sessions = int(ctx.one(f"SELECT count(*) FROM {_sessions(ctx)} WHERE pos = 1 AND day BETWEEN ? AND ?",
                                     [ctx.start, ctx.end])[0])
    bic = dict(model.scores)
    if n == 0 or model.k == 0:
        return ModesResult(k=model.k, sessions=0, unclustered=whole_sessions, bic=bic, bucket="year", modes=[])
    if n_all < MIN_MODE_SESSIONS:  # the sessions are counted; modes from a handful of them would be noise
        return ModesResult(k=model.k, sessions=n, unclustered=max(0, whole_sessions - n), bic=bic, bucket="year",
                           modes=[])
    labels = model.labels[inside]
    ms = f.ms[inside].astype(np.float64)
    hours = f.hour[inside]
    minutes = f.minutes[inside]
    skip = f.skip[inside]
    shuffle = f.shuffle[inside]
    spoken_ms = (f.episode[inside] + f.audiobook[inside]) * ms
    episode_ms = f.episode[inside] * ms
    days = f.day[inside]
    span = (days.max() - days.min()).astype(int)
    bucket = "year" if span >= 730 else "month"
    unit = "Y" if bucket == "year" else "M"
    buckets = days.astype(f"datetime64[{unit}]")
    names, b_idx = np.unique(buckets, return_inverse=True)
    b_sessions = np.bincount(b_idx, minlength=len(names))
    b_ms = np.bincount(b_idx, weights=ms, minlength=len(names))
    known = np.isfinite(skip)
    usual: dict[str, float | None] = {
        "minutes": float(np.median(minutes)),
        "skip": float(skip[known].mean()) if known.any() else None,
        "shuffle": float(shuffle.mean()),
    }
    artists = _top_artists(ctx, model, inside, max(1, top))
    genres = _mode_genres(ctx, model, inside)
    total_ms = float(ms.sum())
    out: list[Mode] = []
    for m in range(model.k):
        sel = labels == m
        count = int(sel.sum())
        if count == 0:
            continue
        dev_names, dev_counts = np.unique(f.device[inside][sel], return_counts=True)
        order = np.lexsort((dev_names, -dev_counts))[:3]
        devices = [Share(str(dev_names[i]), float(dev_counts[i]) / count) for i in order]
        mode_ms = float(ms[sel].sum())
        skip_rate = float(skip[sel & known].mean()) if (sel & known).any() else None
        spoken = float(spoken_ms[sel].sum() / mode_ms) if mode_ms > 0 else 0.0
        episode = float(episode_ms[sel].sum() / mode_ms) if mode_ms > 0 else 0.0
        weekend = float(f.weekend[inside][sel].mean())
        shuffle_share = float(shuffle[sel].mean())
        median_minutes = float(np.median(minutes[sel]))
        mb = np.bincount(b_idx[sel], minlength=len(names))
        mb_ms = np.bincount(b_idx[sel], weights=ms[sel], minlength=len(names))
        over_time = [
            TimeShare(str(names[i]), int(mb[i]), float(mb[i]) / float(b_sessions[i]),
                      float(mb_ms[i] / b_ms[i]) if b_ms[i] > 0 else 0.0)
            for i in range(len(names))
        ]
        top_artists = artists.get(m, [])
        out.append(Mode(
            mode=m,
            description=_describe(hours[sel], weekend, devices[0] if devices else None, top_artists, spoken,
                                  episode, median_minutes, skip_rate, shuffle_share, usual, genres.get(m)),
            sessions=count,
            session_share=count / n,
            ms_played=int(mode_ms),
            time_share=mode_ms / total_ms if total_ms > 0 else 0.0,
            median_minutes=median_minutes,
            skip_rate=skip_rate,
            shuffle_share=shuffle_share,
            weekend_share=weekend,
            hours=np.bincount(np.floor(hours[sel]).astype(np.int64) % 24, minlength=24).tolist(),
            devices=devices,
            top_artists=top_artists,
            spoken_share=spoken,
            over_time=over_time,
        ))
    out.sort(key=lambda m: (-m.sessions, m.mode))
    return ModesResult(k=model.k, sessions=n, unclustered=max(0, whole_sessions - n), bic=bic, bucket=bucket,
                       modes=out)


def _sessions(ctx: Context) -> str:
    return session_table(ctx.whole_history())


def clustered_sessions(ctx: Context) -> str:
    """Name of a temp table: one row per session of ``ctx``'s whole history that is long enough to cluster."""
    whole = ctx.whole_history()
    table = session_table(whole)
    return whole.derived(
        "modes_sessions",
        f"""
        WITH per AS (
            SELECT session_id,
                   min(epoch_ms(ts_start)) AS start_ms,
                   arg_min(ts_local, ts_start) AS start_local,
                   epoch_ms(max(coalesce(ts_end, ts_start))) - epoch_ms(min(ts_start)) AS duration_ms,
                   coalesce(sum(ms_played), 0)::BIGINT AS ms,
                   count(*) AS streams,
                   coalesce(avg(shuffle::INT), 0) AS shuffle,
                   avg(skip::INT) AS skip,
                   coalesce(sum(ms_played) FILTER (WHERE kind = 'episode'), 0) AS ep_ms,
                   coalesce(sum(ms_played) FILTER (WHERE kind = 'audiobook'), 0) AS book_ms,
                   coalesce(sum(ms_played) FILTER (WHERE kind = 'track'), 0) AS music_ms
            FROM {table} GROUP BY session_id),
        dev AS (
            SELECT session_id, coalesce(device, 'unknown') AS device, sum(coalesce(ms_played, 0)) AS ms
            FROM {table} GROUP BY ALL),
        main AS (SELECT session_id, first(device ORDER BY ms DESC, device) AS device FROM dev GROUP BY session_id)
        SELECT per.*, CASE WHEN main.device LIKE 'phone%' THEN 'phone' ELSE main.device END AS device
        FROM per JOIN main USING (session_id)
        WHERE streams >= {MIN_STREAMS} OR ms >= {MIN_MINUTES * 60_000}
        """,
    )


def session_features(ctx: Context) -> SessionFeatures:
    """The features of every clustered session of ``ctx``'s whole history (see
    :mod:`linernotes.models.session_clusters`)."""
    whole = ctx.whole_history()
    sessions = clustered_sessions(ctx)
    cols = whole.fetchnumpy(f"""
        SELECT session_id, start_ms, start_local::DATE AS day,
               hour(start_local) + minute(start_local) / 60.0 AS hour, isodow(start_local) >= 6 AS weekend,
               device, duration_ms / 60000.0 AS minutes, ms, streams, shuffle, skip,
               ep_ms / greatest(ms, 1) AS episode, book_ms / greatest(ms, 1) AS audiobook,
               music_ms / greatest(ms, 1) AS music
        FROM {sessions} ORDER BY session_id""")
    n = len(cols["session_id"])
    skip = cols["skip"]
    skip = np.ma.filled(skip.astype(np.float64), np.nan) if np.ma.isMaskedArray(skip) else skip.astype(np.float64)
    model = taste_model(ctx)
    taste = np.zeros((n, model.dims), dtype=np.float32)
    if n and model.dims:
        taste = _session_taste(whole, sessions, model.artists, model.vectors, np.asarray(cols["session_id"]))
    return SessionFeatures(
        session_id=np.asarray(cols["session_id"], dtype=np.int64),
        start_ms=np.asarray(cols["start_ms"], dtype=np.int64),
        day=np.asarray(cols["day"]).astype("datetime64[D]"),
        hour=np.asarray(cols["hour"], dtype=np.float64),
        weekend=np.asarray(cols["weekend"], dtype=bool),
        device=np.asarray(cols["device"], dtype=str),
        minutes=np.asarray(cols["minutes"], dtype=np.float64),
        ms=np.asarray(cols["ms"], dtype=np.int64),
        streams=np.asarray(cols["streams"], dtype=np.int64),
        shuffle=np.asarray(cols["shuffle"], dtype=np.float64),
        skip=skip,
        episode=np.asarray(cols["episode"], dtype=np.float64),
        audiobook=np.asarray(cols["audiobook"], dtype=np.float64),
        music=np.asarray(cols["music"], dtype=np.float64),
        taste=taste,
    )


def _session_taste(ctx: Context, sessions: str, artists: np.ndarray, vectors: np.ndarray,
                   ids: np.ndarray) -> np.ndarray:
    """Time-weighted mean artist vector of each session (rows in ``ids`` order), unit length."""
    import pyarrow as pa

    table = session_table(ctx)
    vocab = pa.table({"artist": pa.array(artists.tolist(), pa.string()), "id": pa.array(np.arange(len(artists)))})
    ctx.con.register("_ln_modes_vocab", vocab)
    try:
        cols = ctx.fetchnumpy(f"""
            SELECT t.session_id, v.id, sum(greatest(t.ms_played, 1000))::DOUBLE AS w
            FROM {table} t JOIN _ln_modes_vocab v ON v.artist = t.artist
            WHERE t.kind = 'track' AND t.session_id IN (SELECT session_id FROM {sessions})
            GROUP BY ALL""")
    finally:
        ctx.con.unregister("_ln_modes_vocab")
    row = np.searchsorted(ids, np.asarray(cols["session_id"], dtype=np.int64))
    return session_taste(row, cols["id"], cols["w"], len(ids), vectors)


def modes_model(ctx: Context, *, seed: int = SEED) -> ModesModel:
    """Cluster the sessions of ``ctx``'s whole history into modes (labels cached on disk; the model kept in
    memory by the engine, so a new period pays only for its own figures)."""
    whole = ctx.whole_history()
    return whole.engine.memo((whole.scope, "modes-model", seed), lambda: _modes_model(whole, seed), shared=True)


def _modes_model(ctx: Context, seed: int) -> ModesModel:
    whole = ctx.whole_history()
    f = session_features(ctx)
    devices = device_columns(f)

    x = feature_matrix(f, devices)

    def train() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        labels, k, scores = choose_k(x, seed)
        return {"labels": labels.astype(np.int64)}, {"k": k, "scores": {str(a): b for a, b in scores.items()}}

    params = {"model": MODEL_VERSION, "seed": seed, "weights": BLOCK_WEIGHTS, "axes": TASTE_AXES,
              "k": K_RANGE, "min": [MIN_STREAMS, MIN_MINUTES], "fit": [FIT_SAMPLE, N_INIT, REG_COVAR],
              # the features themselves: a retrained taste model (same plays) must not be served stale labels
              "features": hashlib.sha256(np.ascontiguousarray(x.round(5)).tobytes()).hexdigest()[:16]}
    arrays, header = cached_arrays(whole, "modes", params, train)
    labels = arrays["labels"]
    if len(labels) != len(f):  # cannot happen for one fingerprint; never serve a mismatch
        arrays, header = train()
        labels = arrays["labels"]
    scores = {int(a): float(b) for a, b in header.get("scores", {}).items()}
    return ModesModel(features=f, labels=labels, k=int(header.get("k", 0)), scores=scores, devices=devices)


def session_modes(ctx: Context, *, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Per clustered session of the whole history: (UTC start in epoch seconds, mode label).

    For benchmarks comparing found modes with planted session contexts (NMI).
    """
    m = modes_model(ctx, seed=seed)
    return m.features.start_ms // 1000, m.labels
# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (Figure("modes", "modes", "", "k"),)
