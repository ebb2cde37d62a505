"""``skips``: how often you skip, where, when and what — and whether you skip what you chose or the player did."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from linernotes.engine.figures import ALL, ANY_NAME, Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.engine.words import with_skip_artefacts_unknown
from linernotes.errors import UsageError

# reason_start values (docs/formats.md §1.5) that mean the person picked this very track, and those that mean the
# player (queue, autoplay, radio) picked it after the previous one ended or was skipped.
DELIBERATE = ("clickrow", "clickside", "playbtn")
ALGORITHMIC = ("trackdone", "fwdbtn")
# Time-to-skip bins, in seconds: [lo, hi); the last bin is open.
SKIP_BINS_S = (0, 5, 10, 15, 20, 30, 60, 120, 180)
Z95 = 1.959964  # two-sided 95 % normal quantile, for Wilson's interval


@dataclass(frozen=True)
class SkipRate:
    """Skips among the music plays of one group whose skip status is known."""

    name: str
    by: str | None  # the artist, for a track; else None
    plays: int
    skips: int
    rate: float | None  # skips / plays
    low: float | None  # lower end of the 95 % Wilson score interval of the rate


@dataclass(frozen=True)
class SkipBin:
    lo_s: int
    hi_s: int | None  # None: open-ended
    skips: int
    share: float  # of skipped plays with a known length
    cumulative: float  # share of skips that happened before hi_s (the time-to-skip curve)


@dataclass
class SkipsResult(Result):
    plays: int  # music plays whose skip status is known
    skips: int
    rate: float | None
    unknown: int  # music plays with no skip information (scrobbles, rows without reason_end)
    by_intent: list[SkipRate]  # deliberate, algorithmic, other (by reason_start)
    by_reason_start: list[SkipRate]
    by_shuffle: list[SkipRate]  # on, off, unknown
    by_device: list[SkipRate]
    by_hour: list[SkipRate]  # 24 rows, local hour "0".."23"
    by_artist: list[SkipRate]  # most-skipped artists with enough plays, by Wilson lower bound
    by_track: list[SkipRate]  # most-skipped tracks with enough plays, by Wilson lower bound
    always_skipped: list[SkipRate]  # tracks you almost always skip, with enough plays to be sure
    time_to_skip: list[SkipBin]
    median_seconds_to_skip: float | None
    min_plays: int
    sure_rate: float

    def summary(self) -> list[str]:
        if not self.plays:
            return ["No music plays with skip information in this period."]
        lines = [f"You skipped {self.skips:,} of {self.plays:,} music plays ({self.rate or 0:.0%})"
                 + (f", half of them within {self.median_seconds_to_skip:.0f} seconds."
                    if self.median_seconds_to_skip is not None else ".")]
        intent = {r.name: r for r in self.by_intent}
        mine, theirs = intent.get("deliberate"), intent.get("algorithmic")
        if mine and theirs and mine.rate is not None and theirs.rate is not None:
            lines.append(f"You skip {mine.rate:.0%} of the tracks you pick yourself and {theirs.rate:.0%} of those "
                         f"the player picks for you.")
        if self.always_skipped:
            t = self.always_skipped[0]
            lines.append(f"You almost always skip {t.name}" + (f" by {t.by}" if t.by else "")
                         + f" ({t.skips} of {t.plays} plays).")
        return lines


def _wilson(k: str, n: str) -> str:
    """SQL: the lower end of the 95 % Wilson score interval for k successes in n trials."""
    z2 = Z95 * Z95
    p = f"({k} / {n})"
    return f"({p} + {z2 / 2} / {n} - {Z95} * sqrt({p} * (1 - {p}) / {n} + {z2 / 4} / ({n} * {n}))) / (1 + {z2} / {n})"


def _rates(ctx: Context, name: str, *, by: str = "NULL", where: str = "true", having: str = "true",
           order: str = "name", limit: int | None = None, keep: str | None = None) -> list[SkipRate]:
    plays = with_skip_artefacts_unknown(ctx.plays)
    limit_sql = f"LIMIT {int(limit)}" if limit else ""
    keep_sql = f"QUALIFY {keep}" if keep else ""  # keep: a condition with a window function
    rows = ctx.fetch(f"""
        WITH g AS (
            SELECT {name} AS name, {by} AS by_name, count(*)::DOUBLE AS n, count(*) FILTER (WHERE skip)::DOUBLE AS k
            FROM {plays}
            WHERE {ctx.kinds('track')} AND skip IS NOT NULL AND ({where})
            GROUP BY ALL HAVING {having})
        SELECT name, by_name, n, k, k / n AS rate, {_wilson('k', 'n')} AS low
        FROM g {keep_sql} ORDER BY {order} {limit_sql}""")
    return [SkipRate(name=str(name), by=None if by_name is None else str(by_name), plays=int(n), skips=int(k),  # type: ignore[call-overload]
                     rate=float(rate), low=max(float(low), 0.0) + 0.0)  # type: ignore[arg-type]
            for name, by_name, n, k, rate, low in rows]


def _intent_sql() -> str:
    mine = ", ".join(f"'{r}'" for r in DELIBERATE)
    theirs = ", ".join(f"'{r}'" for r in ALGORITHMIC)
    return (f"CASE WHEN reason_start IN ({mine}) THEN 'deliberate' "
            f"WHEN reason_start IN ({theirs}) THEN 'algorithmic' ELSE 'other' END")


def skip_counts(ctx: Context) -> tuple[int, int, int]:
    """Music plays with a known skip status, those skipped, and those of unknown status (see :func:`skips`)."""
    n, k, unknown = ctx.one(
        f"SELECT count(*) FILTER (WHERE skip IS NOT NULL), count(*) FILTER (WHERE skip), "
        f"count(*) FILTER (WHERE skip IS NULL) FROM {with_skip_artefacts_unknown(ctx.plays)} "
        f"WHERE {ctx.kinds('track')}")
    return int(n or 0), int(k or 0), int(unknown or 0)  # type: ignore[call-overload]


@insight("skips", "Skip rates by artist, track, device, shuffle and hour; what you always skip")
def skips(
    ctx: Context,
    *,
    min_plays: Annotated[int, "plays (with known skip status) a track or artist needs to be ranked"] = 5,
    sure_rate: Annotated[float, "lower 95% Wilson bound of the skip rate for 'almost always skipped'"] = 0.6,
    limit: Annotated[int, "how many artists and tracks to list"] = 10,
) -> SkipsResult:
    """Skip rates of music plays (kind ``track``), by local time.

    A play's skip status is the selection's ``skip`` column: Spotify's ``skipped`` flag where the export has
    it, else derived from ``reason_end`` and ``ms_played`` (ended by ``fwdbtn``, ``backbtn`` or ``endplay``
    before 30 s; docs/formats.md §1.4). Plays whose status is unknown (scrobbles, rows without ``reason_end``) are
    left out of every rate and counted in ``unknown``; so are plays with no recorded ``reason_start``, whose
    skip flag is an export artefact (Spotify's Video files mark such rows skipped whatever happened). Rates
    count every music play with a known status,
    whatever the play policy (skips are mostly too short to "count" as plays).

    - ``rate`` = skips / plays; ``low`` = the lower end of its 95 % Wilson score interval.
    - ``by_intent``: ``deliberate`` plays started by ``reason_start`` clickrow, clickside or playbtn (you
      picked the track); ``algorithmic`` ones by trackdone or fwdbtn (the queue, album, playlist or autoplay
      picked what came next); ``other`` for the rest (backbtn, appload, remote, unknown, missing).
      ``by_reason_start`` has every value.
    - ``by_shuffle``: on / off / unknown; ``by_device``: the normalised device; ``by_hour``: the local hour of
      the play's start (all 24, rate None for an hour without plays).
    - ``by_artist`` / ``by_track`` (track = title + artist): those with at least ``min_plays`` known plays,
      most skipped first by ``low`` (then plays, name), ``limit`` of them.
    - ``always_skipped``: tracks with at least ``min_plays`` known plays whose ``low`` is at least
      ``sure_rate`` (0.6: e.g. 6 of 6, 9 of 10 is not enough, 17 of 20 is), in the same order.
    - ``time_to_skip``: skipped plays by ``ms_played`` in bins of 0–5, 5–10, 10–15, 15–20, 20–30, 30–60,
      60–120, 120–180 and 180+ seconds, with each bin's share and the cumulative share (the curve);
      ``median_seconds_to_skip`` is the median ``ms_played`` of skipped plays, in seconds.
    """
    if min_plays < 1:
        raise UsageError("--min-plays must be at least 1")
    if not 0.0 <= sure_rate <= 1.0:
        raise UsageError("--sure-rate must be between 0 and 1")
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    music = ctx.kinds("track")
    plays = with_skip_artefacts_unknown(ctx.plays)
    n, k, unknown = skip_counts(ctx)

    intent = {r.name: r for r in _rates(ctx, _intent_sql())}
    by_intent = [intent[name] for name in ("deliberate", "algorithmic", "other") if name in intent]
    by_reason = _rates(ctx, "coalesce(nullif(reason_start, ''), 'unknown')", order="n DESC, name")
    by_shuffle = _rates(ctx, "CASE WHEN shuffle THEN 'on' WHEN NOT shuffle THEN 'off' ELSE 'unknown' END",
                        order="n DESC, name")
    by_device = _rates(ctx, "coalesce(device, 'unknown')", order="n DESC, name")
    hours = {r.name: r for r in _rates(ctx, "hour::VARCHAR")}
    by_hour = [hours.get(str(h), SkipRate(str(h), None, 0, 0, None, None)) for h in range(24)]
    ranked = "low DESC, n DESC, name, by_name"
    by_artist = _rates(ctx, "artist", where="artist IS NOT NULL", having=f"count(*) >= {int(min_plays)}",
                       order=ranked, limit=limit)
    # only the rows shown: the first ``limit`` and those almost always skipped
    shown = f"row_number() OVER (ORDER BY {ranked}) <= {int(limit)} OR low >= {float(sure_rate)!r} - 1e-12"
    tracks = _rates(ctx, "track", by="artist", where="track IS NOT NULL", having=f"count(*) >= {int(min_plays)}",
                    order=ranked, keep=shown)
    by_track = tracks[:limit]
    always = [r for r in tracks if r.low is not None and r.low >= sure_rate - 1e-12]

    bins = list(zip(SKIP_BINS_S, [*SKIP_BINS_S[1:], None], strict=True))
    counts = ctx.one("SELECT " + ", ".join(
        f"count(*) FILTER (WHERE ms_played >= {lo * 1000}" + (f" AND ms_played < {hi * 1000})" if hi else ")")
        for lo, hi in bins) + f", median(ms_played) FROM {plays} WHERE {music} AND skip AND ms_played IS NOT NULL")
    per_bin = [int(c or 0) for c in counts[:-1]]  # type: ignore[call-overload]
    total = sum(per_bin)
    curve: list[SkipBin] = []
    running = 0
    for (lo, hi), c in zip(bins, per_bin, strict=True):
        running += c
        curve.append(SkipBin(lo_s=lo, hi_s=hi, skips=c, share=c / total if total else 0.0,
                             cumulative=running / total if total else 0.0))
    median = counts[-1]
    return SkipsResult(
        plays=n, skips=k, rate=k / n if n else None, unknown=unknown,
        by_intent=by_intent, by_reason_start=by_reason, by_shuffle=by_shuffle, by_device=by_device, by_hour=by_hour,
        by_artist=by_artist, by_track=by_track, always_skipped=always[:limit], time_to_skip=curve,
        median_seconds_to_skip=float(median) / 1000 if median is not None else None,  # type: ignore[arg-type]
        min_plays=min_plays, sure_rate=sure_rate,
    )


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("skip rate", "%", r"\b(percent|percentage|rate|how often|how much|share|proportion)\b", "rate|pct"),
    Figure("most skipped artist", None, r"\bwhich (artist|band)|\bwhat (artist|band)|\bwho\b|\bartists?\b",
           "by_artist.0.name"),
    Figure("skips", "skips", r"\bhow many\b", "skips"),
    Figure("always skipped track", None, r"\balways\b", "always_skipped.0.name"),
    Figure("most skipped track", None, r"\bwhich (song|track)|\bwhat (song|track)|\bmost skipped\b|\bsongs?\b|"
           r"\btracks?\b|\bwhat do i skip\b|\bwhat did i skip\b", "by_track.0.name"),
    Figure("skip rate, when nothing else is asked", "%", "", "rate|pct", about=(ALL, *ANY_NAME)),
)
