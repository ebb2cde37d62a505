"""Listening-personality axes: four explainable scores, each a plain formula over the selection.

Every axis is a share between 0 and 1 with a named pole at each end, the formula that produced it, and
the same score over the whole history for comparison. No model, no hidden weights: a person can check
each number with one SQL query.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from linernotes.engine.period import Period
from linernotes.engine.scope import Context
from linernotes.insights.clock import NIGHT, NIGHT_LABEL

# reason_start values a person chose (docs/formats.md §1.5): clicking a row, the play button, going back to it.
DELIBERATE_STARTS = ("clickrow", "playbtn", "backbtn")
# ... and the ones where the app chose: the previous track ended or was skipped, autoplay, app start, remote.
ALGORITHMIC_STARTS = ("trackdone", "fwdbtn", "appload", "remote", "trackerror", "endplay", "autoplay")
NIGHT_HOURS = NIGHT  # 22:00–04:59 local: the clock insight's definition
NIGHT_MIDPOINT = ((NIGHT[1] - NIGHT[0]) % 24) / 24  # 7/24: the night's share of an evenly spread day
NEW_ARTIST_DAYS = 90
TOP_ARTISTS = 10


@dataclass(frozen=True)
class Axis:
    name: str
    low_pole: str
    high_pole: str
    score: float | None  # 0 = entirely the low pole, 1 = entirely the high pole; None when unknown
    lifetime: float | None  # the same formula over the whole history
    formula: str
    # The score at which the axis tips from the low to the high pole: 0.5, except for night, where an even
    # spread over the 24 hours would already put 7/24 of the time in the 7 night hours.
    midpoint: float = 0.5

    @property
    def leaning(self) -> str | None:
        if self.score is None:
            return None
        return self.high_pole if self.score >= self.midpoint else self.low_pole

    @property
    def leaning_text(self) -> str | None:
        """The leaning with its axis when the pole alone would hide the definition: "night (40 % of your
        listening at 22:00–04:59)"."""
        lean = self.leaning
        if lean is None or self.score is None:
            return None
        if self.name == "night":
            return f"{lean} ({self.score:.0%} of your listening at night, {NIGHT_LABEL})"
        return lean


FORMULAS = {
    "exploration": (
        f"share of music time on artists first played less than {NEW_ARTIST_DAYS} days before "
        "the play (first play in the whole history)"
    ),
    "variety": f"1 − share of music time on the period's top {TOP_ARTISTS} artists",
    "deliberate": ("music plays you started yourself (clicking a track, pressing play, going back to it) ÷ music "
                   "plays whose start the export records"),
    "night": (f"share of listening time started between {NIGHT_HOURS[0]}:00 and {NIGHT_HOURS[1] - 1:02d}:59 local "
              f"time (leans to night from {NIGHT_MIDPOINT:.0%}, the night hours' part of the day)"),
}


def _scores(ctx: Context, relation: str, first_seen: str) -> dict[str, float | None]:
    """The four shares over ``relation``, in one scan of it (per-artist sums, then the shares)."""
    deliberate = ", ".join(f"'{r}'" for r in DELIBERATE_STARTS)
    music = f"{ctx.kinds('track').replace('kind IN', 'p.kind IN')} AND p.artist IS NOT NULL"
    row = ctx.one(f"""
        WITH per AS (
            SELECT p.artist,
                   sum(p.ms_played) FILTER (WHERE {music}) AS music_ms,
                   sum(p.ms_played) FILTER (WHERE {music} AND p.ts_start < f.first_ts + INTERVAL {NEW_ARTIST_DAYS} DAY)
                       AS fresh_ms,
                   count(*) FILTER (WHERE {music} AND p.reason_start IN ({deliberate})) AS chosen,
                   count(*) FILTER (WHERE {music} AND p.reason_start IS NOT NULL AND p.reason_start <> '') AS known,
                   sum(p.ms_played) AS all_ms,
                   sum(p.ms_played) FILTER (WHERE p.hour >= {NIGHT_HOURS[0]} OR p.hour < {NIGHT_HOURS[1]}) AS night_ms
            FROM {relation} p LEFT JOIN {first_seen} f ON f.artist = p.artist
            GROUP BY p.artist),
        ranked AS (
            SELECT *, row_number() OVER (ORDER BY music_ms DESC NULLS LAST, artist) AS rank
            FROM per WHERE artist IS NOT NULL AND music_ms IS NOT NULL)
        SELECT
            (SELECT sum(fresh_ms) FROM per) / nullif((SELECT sum(music_ms) FROM per), 0),
            1 - (SELECT sum(music_ms) FROM ranked WHERE rank <= {TOP_ARTISTS})
                / nullif((SELECT sum(music_ms) FROM per), 0),
            (SELECT sum(chosen) FROM per) / nullif((SELECT sum(known) FROM per), 0),
            (SELECT sum(night_ms) FROM per) / nullif((SELECT sum(all_ms) FROM per), 0)
    """)
    names = ("exploration", "variety", "deliberate", "night")
    return {n: (None if v is None else float(v)) for n, v in zip(names, row, strict=True)}


def axes(ctx: Context) -> list[Axis]:
    """The four axes for ``ctx``'s period, with the lifetime value beside each."""
    from linernotes.insights.discovery import first_listens

    first = first_listens(ctx)  # artist, first_ts: each artist's first play in the whole history
    now = _scores(ctx, ctx.plays, first)
    # The lifetime side is the same for every period: computed once per library state (a third of a second on a
    # big library, which every new period's story and wrapped would otherwise pay again).
    whole = replace(ctx.scope, period=Period())
    ever = ctx.engine.memo((whole, "personality-lifetime"), lambda: _scores(ctx, ctx.history(), first), shared=True)
    poles = {
        "exploration": ("familiarity", "exploration"),
        "variety": ("loyalty", "variety"),
        "deliberate": ("algorithmic", "deliberate"),
        "night": ("day", "night"),
    }
    return [Axis(name, low, high, now[name], ever[name], FORMULAS[name],
                 NIGHT_MIDPOINT if name == "night" else 0.5) for name, (low, high) in poles.items()]
