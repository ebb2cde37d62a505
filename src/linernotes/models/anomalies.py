"""Moments: days and weeks when listening broke from its own normal — the candidates for "what happened then".

Three kinds of break, each measured against the person's own surroundings in time, never a global norm:

- **volume** (``loud_day``, ``loud_week``, ``quiet_week``): listening time of a local day (or ISO week) as a
  robust z-score against the rolling median and MAD of the days (weeks) around it —
  ``z = (x − median) / scale`` with ``scale = max(1.4826·MAD, VOLUME_FLOOR·median, floor)`` so that a
  history with many silent days does not turn every listening day into an anomaly. A day is judged against
  the days *with listening* around it (at least :data:`MIN_SUPPORT_DAYS` of them, else no claim), so a
  sparse history's ordinary day is not "far above a usual 0 h". Days within a flagged week of the same
  direction are folded into the week.
- **new artist** (``new_artist``): an artist first played (whole history) at most :data:`NEW_WEEKS` weeks
  before a week in which it took at least ``min_share`` of the week's music time (and at least
  :data:`NEW_MIN_MINUTES`); one moment per artist, its strongest week. Artists first played in the
  history's first :data:`NEW_WARMUP_DAYS` days are not new: they were there when the history began.
- **rhythm** (``rhythm``): the week's hour-of-day profile of listening time (each hour smoothed over ±2 hours,
  so that a shift by an hour — summer time — is not a new rhythm) against the usual profile (the
  hour-by-hour median of the normalised profiles of the :data:`RHYTHM_WEEKS` weeks either side, so one odd
  week does not tint its neighbours' normal); distance = total variation
  (0 = same clock, 1 = disjoint hours), itself scored as a robust z against the rolling median/MAD of the
  distances, so a person whose weeks always vary is not flagged every week.

Every moment gets a ``score`` = its magnitude over its kind's threshold (≥ 1), which ranks the kinds on one
scale. Everything is computed over the whole history of the scope (so the surroundings of a period's first
week are known) and reported for the period; numpy over a few thousand days, no loop per play. Pure
computation: the ``moments`` insight (:mod:`linernotes.insights.moments`) reads the per-day totals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from linernotes.units import MS_PER_HOUR, format_hours

DAY_WINDOW = 28  # days either side of a day for its normal
WEEK_WINDOW = 8  # weeks either side of a week for its normal
VOLUME_FLOOR = 0.25  # the scale is at least this part of the median ...
DAY_FLOOR_MS = 15 * 60_000  # ... and at least 15 minutes for a day
MIN_SUPPORT_DAYS = 10  # a day is judged against at least this many days with listening around it
MIN_SUPPORT_WEEKS = 4  # a loud week against at least this many weeks with listening around it
WEEK_FLOOR_MS = 60 * 60_000  # ... and an hour for a week
NEW_WEEKS = 4  # an artist is new in the weeks up to this long after its first play
NEW_MIN_MINUTES = 30.0
NEW_WARMUP_DAYS = 56  # every artist is "new" when a history begins: none counts in its first 8 weeks
RHYTHM_WEEKS = 13  # weeks either side that make the usual hour profile
RHYTHM_MIN_MS = 2 * MS_PER_HOUR  # a week needs this much listening for its profile to mean anything
RHYTHM_MIN_DISTANCE = 0.4  # and at least this distance from its usual profile, besides the z-score
BANDS = (("night", 0, 6), ("morning", 6, 12), ("afternoon", 12, 18), ("evening", 18, 24))


@dataclass(frozen=True)
class Moment:
    kind: str  # loud_day, loud_week, quiet_week, new_artist, rhythm
    start: dt.date  # the day, or the Monday of the week
    end: dt.date  # the same day, or the Sunday
    magnitude: float  # robust z (volume, rhythm) or the artist's share of the week's music (new artist)
    score: float  # magnitude over the kind's threshold: ranks moments of every kind on one scale
    value: float  # hours listened (volume), the artist's hours (new artist), the profile distance (rhythm)
    usual: float  # the usual hours (volume), 0 (new artist), the usual distance (rhythm)
    artist: str | None  # the new artist
    detail: str  # what changed, in words (the sentence's second half)
    sentence: str


def _robust_z(x: np.ndarray, window: int, floor: float, *, active_only: bool = False,
              min_support: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(z, median) of each element against the elements within ``window`` either side (itself excluded).

    With ``active_only`` the normal is made of the neighbours with listening only (a silent day is no
    evidence of how much a day of listening holds: against a median of silent days every day with plays
    would be "far above a usual 0 h"); an element with fewer than ``min_support`` such neighbours gets
    z = 0 — no claim without a normal to compare with."""
    from numpy.lib.stride_tricks import sliding_window_view

    n = len(x)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    padded = np.r_[np.full(window, np.nan), x.astype(np.float64), np.full(window, np.nan)]
    win = sliding_window_view(padded, 2 * window + 1).copy()
    win[:, window] = np.nan  # the element itself is not part of its own normal
    if active_only:
        win[win <= 0] = np.nan
    ok = np.isfinite(win).sum(axis=1) >= min_support
    med = np.zeros(n)
    mad = np.zeros(n)
    if ok.any():
        med[ok] = np.nanmedian(win[ok], axis=1)
        mad[ok] = np.nanmedian(np.abs(win[ok] - med[ok, None]), axis=1)
    scale = np.maximum(np.maximum(1.4826 * mad, VOLUME_FLOOR * med), floor)
    return np.where(ok, (x - med) / scale, 0.0), med


def _fmt_day(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


def week_origin(day: np.ndarray) -> tuple[np.datetime64, np.datetime64]:
    """The first day of a history (``day``: datetime64[D], not empty) and the Monday on or before it, from
    which weeks are numbered."""
    first = day.min()
    monday0 = first - ((first.astype("datetime64[D]").view("int64") - 4) % 7)  # 1970-01-05 was a Monday
    return first, monday0


NewArtistRow = tuple[str, str, int, float, float, dt.date]  # (key, name, week, artist ms, week ms, first day)


def find_moments(day: np.ndarray, hour: np.ndarray, ms: np.ndarray, new_artist_rows: list[NewArtistRow], *,
                 min_z: float = 4.0, min_share: float = 0.25) -> list[Moment]:
    """Every moment of a whole history (see the module docstring), strongest first.

    Input: listening time per (local day, hour) with listening (``day`` datetime64[D], not empty), and the
    weeks in which a new artist took at least ``min_share`` of the music (weeks numbered from
    :func:`week_origin`'s Monday; by artist key, then share descending, then week).
    """
    day = np.asarray(day).astype("datetime64[D]")
    first, monday0 = week_origin(day)
    last = day.max()
    n_days = int((last - first).astype(int)) + 1
    di = (day - first).astype(np.int64)
    hour = np.asarray(hour, dtype=np.int64)
    ms = np.asarray(ms, dtype=np.float64)
    per_day = np.bincount(di, weights=ms, minlength=n_days)
    # ISO weeks: Monday-based, numbered from the Monday on or before the first day.
    wi = ((first - monday0).astype(np.int64) + np.arange(n_days)) // 7
    n_weeks = int(wi[-1]) + 1
    per_week = np.bincount(wi, weights=per_day, minlength=n_weeks)
    profile = np.zeros((n_weeks, 24))
    np.add.at(profile, (wi[di], hour), ms)

    moments: list[Moment] = []
    week_start = [(monday0 + np.timedelta64(7 * w, "D")).astype(dt.date) for w in range(n_weeks)]

    def week_dates(w: int) -> tuple[dt.date, dt.date]:
        s = week_start[w]
        return s, s + dt.timedelta(days=6)

    # ---- volume: weeks, then days not inside a flagged week -----------------------------------------------
    zw, medw = _robust_z(per_week, WEEK_WINDOW, WEEK_FLOOR_MS)
    # A loud week is judged against the weeks with listening around it (silent weeks are no normal).
    zw_up, medw_up = _robust_z(per_week, WEEK_WINDOW, WEEK_FLOOR_MS, active_only=True,
                               min_support=MIN_SUPPORT_WEEKS)
    up = zw > 0
    zw = np.where(up, zw_up, zw)
    medw = np.where(up, medw_up, medw)
    # The first and last weeks are partial: judge them on whole weeks only.
    partial = np.zeros(n_weeks, dtype=bool)
    partial[wi[0]] = (first - monday0).astype(np.int64) != 0
    partial[-1] = (n_days + (first - monday0).astype(np.int64)) % 7 != 0
    loud_weeks: set[int] = set()
    for w in np.flatnonzero((np.abs(zw) >= min_z) & ~partial).tolist():
        s, e = week_dates(w)
        loud = zw[w] > 0
        if loud:
            loud_weeks.add(w)
            inside = np.flatnonzero(wi == w)
            peak = (first + np.timedelta64(int(inside[np.argmax(per_day[inside])]), "D")).astype(dt.date)
            amount, usual = (format_hours(ms, unit=" h", whole_from=10) for ms in (per_week[w], medw[w]))
            detail = (f"{amount} against a usual {usual} in weeks you listened; "
                      f"the busiest day was {peak:%A} {_fmt_day(peak)}")
            sentence = f"The week of {_fmt_day(s)} was far above your normal: {detail}."
        else:
            amount, usual = (format_hours(ms, unit=" h", whole_from=10) for ms in (per_week[w], medw[w]))
            detail = f"{amount} against a usual {usual}"
            sentence = f"The week of {_fmt_day(s)} was unusually quiet: {detail}."
        moments.append(Moment("loud_week" if loud else "quiet_week", s, e, float(zw[w]), abs(float(zw[w])) / min_z,
                              per_week[w] / MS_PER_HOUR, medw[w] / MS_PER_HOUR, None, detail, sentence))
    zd, medd = _robust_z(per_day, DAY_WINDOW, DAY_FLOOR_MS, active_only=True, min_support=MIN_SUPPORT_DAYS)
    for i in np.flatnonzero(zd >= min_z).tolist():
        if int(wi[i]) in loud_weeks:
            continue
        d = (first + np.timedelta64(i, "D")).astype(dt.date)
        amount, usual = (format_hours(ms, unit=" h", whole_from=10) for ms in (per_day[i], medd[i]))
        detail = f"{amount} against a usual {usual} on days you listened"
        moments.append(Moment("loud_day", d, d, float(zd[i]), float(zd[i]) / min_z, per_day[i] / MS_PER_HOUR,
                              medd[i] / MS_PER_HOUR, None, detail,
                              f"{d:%A} {_fmt_day(d)} was a big listening day: {detail}."))

    # ---- rhythm: the week's clock against the usual clock -------------------------------------------------
    moments += _rhythm(profile, per_week, partial, week_dates, min_z)
    # ---- new artists --------------------------------------------------------------------------------------
    moments += _new_artists(new_artist_rows, week_dates, min_share)
    moments.sort(key=lambda m: (-m.score, m.start, m.kind, m.artist or ""))
    return moments


def _rhythm(profile: np.ndarray, per_week: np.ndarray, partial: np.ndarray, week_dates: object,
            min_z: float) -> list[Moment]:
    n_weeks = len(per_week)
    enough = (per_week >= RHYTHM_MIN_MS) & ~partial
    if enough.sum() < 8:
        return []
    # Usual profile: the hour-by-hour median of the weeks around (each week's profile normalised), the week
    # itself left out — a median, so one odd week does not tint its neighbours' normal.
    from numpy.lib.stride_tricks import sliding_window_view

    k = RHYTHM_WEEKS
    # Each hour shares its time with its neighbours (a circular ±2-hour triangle): an hour's shift — a
    # change to summer time, a later bus — is not a new rhythm.
    kernel = np.array([1.0, 2.0, 3.0, 2.0, 1.0]) / 9.0
    smooth = sum(w * np.roll(profile, s, axis=1) for w, s in zip(kernel, range(-2, 3), strict=True))
    own = np.divide(smooth, per_week[:, None], out=np.zeros_like(smooth), where=per_week[:, None] > 0)
    shares = np.where(enough[:, None], own, np.nan)
    padded = np.vstack([np.full((k, 24), np.nan), shares, np.full((k, 24), np.nan)])
    win = sliding_window_view(padded, 2 * k + 1, axis=0).copy()  # (weeks, 24, 2k+1)
    win[:, :, k] = np.nan
    has_usual = np.isfinite(win[:, 0, :]).sum(axis=1) >= 4
    usual = np.zeros((n_weeks, 24))
    usual[has_usual] = np.nanmedian(win[has_usual], axis=2)
    totals = usual.sum(axis=1, keepdims=True)
    usual = np.divide(usual, totals, out=np.zeros_like(usual), where=totals > 0)
    dist = 0.5 * np.abs(own - usual).sum(axis=1)
    dist = np.where(enough & has_usual & (totals[:, 0] > 0), dist, np.nan)
    valid = np.isfinite(dist)
    padded_d = np.r_[np.full(2 * k, np.nan), dist, np.full(2 * k, np.nan)]
    dwin = sliding_window_view(padded_d, 4 * k + 1).copy()
    dwin[:, 2 * k] = np.nan
    has = np.isfinite(dwin).sum(axis=1) >= 8
    med = np.full(n_weeks, np.nan)
    mad = np.full(n_weeks, np.nan)
    med[has] = np.nanmedian(dwin[has], axis=1)
    mad[has] = np.nanmedian(np.abs(dwin[has] - med[has, None]), axis=1)
    scale = np.maximum(1.4826 * np.nan_to_num(mad), 0.05)
    z = np.where(valid & has, (np.nan_to_num(dist) - np.nan_to_num(med)) / scale, 0.0)
    out = []
    for w in np.flatnonzero((z >= min_z) & (np.nan_to_num(dist) >= RHYTHM_MIN_DISTANCE)).tolist():
        s, e = week_dates(w)  # type: ignore[operator]
        bands = [(name, float(own[w, a:b].sum()), float(usual[w, a:b].sum())) for name, a, b in BANDS]
        name, now, before = max(bands, key=lambda t: (t[1] - t[2], t[0]))
        detail = (f"{now:.0%} of its listening in the {name} (usually {before:.0%}); "
                  f"{dist[w]:.0%} of the clock moved")
        out.append(Moment("rhythm", s, e, float(z[w]), float(z[w]) / min_z, float(dist[w]), float(med[w]), None,
                          detail, f"The week of {_fmt_day(s)} ran on a different clock: {detail}."))
    return out


def _new_artists(rows: list[NewArtistRow], week_dates: object, min_share: float) -> list[Moment]:
    out: list[Moment] = []
    seen: set[str] = set()
    for key, name, w, a_ms, t_ms, d0 in rows:
        if key in seen:
            continue
        seen.add(key)
        s, e = week_dates(int(w))  # type: ignore[operator]
        share = a_ms / t_ms
        detail = (f"first played on {_fmt_day(d0)}, it took {share:.0%} of your music that week "
                  f"({format_hours(a_ms, unit=' h', whole_from=10)})")
        out.append(Moment("new_artist", s, e, share, share / min_share, a_ms / MS_PER_HOUR, 0.0, str(name), detail,
                          f"A new artist, {name}: {detail}, the week of {_fmt_day(s)}."))
    return out
