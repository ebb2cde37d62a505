"""``diversity``: how spread out your listening is over artists — per month, in total, and where it is heading."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from linernotes.engine.figures import Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.engine.words import nothing_timed

TOP_K = 10
MIN_TREND_MONTHS = 12  # months with music a trend needs
# A trend moving by less than this share of the metric's mean per year is "steady".
STEADY_PER_YEAR = 0.05
METRICS = ("entropy", "effective_artists", "gini", "top10_share")


def month_range(start: dt.date | None, end: dt.date | None) -> list[dt.date]:
    """The first days of every calendar month from ``start``'s to ``end``'s (empty when either is None).

    >>> [m.isoformat() for m in month_range(dt.date(2023, 11, 5), dt.date(2024, 1, 2))]
    ['2023-11-01', '2023-12-01', '2024-01-01']
    """
    if start is None or end is None or start > end:
        return []
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@dataclass(frozen=True)
class Spread:
    """How listening time spreads over artists in one month (or the whole period)."""

    month: str | None  # "YYYY-MM"; None for the period's totals
    artists: int  # artists with listening time
    ms_played: int
    entropy: float | None  # Shannon entropy of artist time shares, in nats
    effective_artists: float | None  # exp(entropy)
    gini: float | None  # 0 = every artist equal, → 1 = one artist has everything
    top10_share: float | None  # share of the time on the 10 most-played artists


@dataclass(frozen=True)
class Trend:
    """Least-squares line through the monthly values of one metric (months with music only)."""

    metric: str
    months: int  # points the line was fitted to
    slope_per_year: float
    relative_per_year: float | None  # slope / mean of the metric
    direction: str  # "rising", "falling" or "steady"


@dataclass
class DiversityResult(Result):
    total: Spread
    months: list[Spread]
    trends: list[Trend]  # one per metric, when at least MIN_TREND_MONTHS months have music
    withheld: list[str] = field(default_factory=list)  # claims left out for too little data, and why
    music_plays: int = 0  # music plays in the period, with listening time or not (scrobbles have none)

    def summary(self) -> list[str]:
        t = self.total
        if not t.artists or t.effective_artists is None:
            # Music without listening time (scrobbles) is said as such, not as no music.
            return [nothing_timed(self.music_plays, "variety") if self.music_plays else "No music in this period."]
        lines = [f"Your listening was spread like {t.effective_artists:,.1f} equally played artists "
                 f"(of {t.artists:,} you played); the top 10 had {t.top10_share or 0:.0%} of the time."]
        trend = next((x for x in self.trends if x.metric == "effective_artists"), None)
        if trend is not None:
            if trend.direction == "steady":
                lines.append(f"Month by month, your variety held steady over {trend.months} months.")
            else:
                word = "widened" if trend.direction == "rising" else "narrowed"
                lines.append(f"Month by month, your variety {word}: {trend.slope_per_year:+.1f} effective artists "
                             f"a year over {trend.months} months.")
        return lines


def _spread_sql(ctx: Context, group: str) -> str:
    """Per ``group`` (a SQL expression or a constant): the spread of listening time over artists."""
    return f"""
        WITH a AS (
            SELECT {group} AS g, artist, sum(ms_played)::DOUBLE AS ms
            FROM {ctx.plays}
            WHERE {ctx.kinds('track')} AND artist IS NOT NULL AND ms_played > 0
            GROUP BY ALL),
        r AS (
            SELECT g, ms, ms / sum(ms) OVER w AS p,
                   row_number() OVER (PARTITION BY g ORDER BY ms, artist) AS up,
                   row_number() OVER (PARTITION BY g ORDER BY ms DESC, artist) AS down
            FROM a WINDOW w AS (PARTITION BY g))
        SELECT g, count(*) AS n, sum(ms) AS total, -sum(p * ln(p)) AS entropy,
               2 * sum(up * ms) / (count(*) * sum(ms)) - (count(*) + 1) / count(*) AS gini,
               sum(p) FILTER (WHERE down <= {TOP_K}) AS top
        FROM r GROUP BY g ORDER BY g"""


def _spread(month: str | None, row: tuple[object, ...] | None) -> Spread:
    if row is None:
        return Spread(month, 0, 0, None, None, None, None)
    _, n, total, entropy, gini, top = row
    h = max(float(entropy), 0.0)  # type: ignore[arg-type]
    return Spread(month=month, artists=int(n), ms_played=int(total),  # type: ignore[call-overload]
                  entropy=h, effective_artists=float(np.exp(h)), gini=max(float(gini), 0.0),  # type: ignore[arg-type]
                  top10_share=float(top))  # type: ignore[arg-type]


def trend(metric: str, months: list[dt.date], values: list[float]) -> Trend | None:
    """The least-squares slope of ``values`` (one per month) per year, or None with fewer than
    MIN_TREND_MONTHS points (a slope "per year" from a few months is an extrapolation, not a finding)."""
    if len(values) < MIN_TREND_MONTHS:
        return None
    x = np.array([(m.year - months[0].year) + (m.month - months[0].month) / 12 for m in months], dtype=float)
    y = np.array(values, dtype=float)
    slope = float(np.polyfit(x, y, 1)[0])
    mean = float(y.mean())
    relative = slope / abs(mean) if mean else None
    if abs(slope) < 1e-12 or (relative is not None and abs(relative) < STEADY_PER_YEAR):
        direction = "steady"
    else:
        direction = "rising" if slope > 0 else "falling"
    return Trend(metric=metric, months=len(values), slope_per_year=slope, relative_per_year=relative,
                 direction=direction)


@insight("diversity", "Variety: entropy, effective number of artists, Gini and top-10 share, per month")
def diversity(ctx: Context) -> DiversityResult:
    """How evenly music listening time (sum of ``ms_played``, kind ``track``, plays with a known artist and
    time) spreads over artists, for the whole period and per local calendar month (every month of the
    period, empty ones with zeros and None):

    - ``entropy`` H = −Σ pᵢ ln pᵢ over artists, pᵢ = the artist's share of the time (nats);
    - ``effective_artists`` = exp(H): the number of equally played artists with the same entropy;
    - ``gini``: the Gini coefficient of the time per artist over the artists played (0 = all equal);
    - ``top10_share``: the share of the time on the 10 artists with the most time.

    ``trends``: for each metric, the least-squares line through the monthly values (months with music
    only, x in years), when there are at least ``MIN_TREND_MONTHS`` (12) such months (else ``withheld``
    says why): the slope per year, the slope relative to the
    metric's mean, and its direction — ``steady`` when it moves by less than 5 % of the mean a year, else
    ``rising`` or ``falling``. Scrobbles (no ``ms_played``) carry no time and are left out.
    """
    total_rows = ctx.fetch(_spread_sql(ctx, "0"))
    total = _spread(None, total_rows[0] if total_rows else None)
    by_month = {row[0]: row for row in ctx.fetch(_spread_sql(ctx, "date_trunc('month', day)::DATE"))}
    months = [_spread(m.strftime("%Y-%m"), by_month.get(m)) for m in month_range(ctx.start, ctx.end)]
    trends: list[Trend] = []
    with_music = [(m, s) for m, s in zip(month_range(ctx.start, ctx.end), months, strict=True) if s.artists]
    for metric in METRICS:
        found = trend(metric, [m for m, _ in with_music], [float(getattr(s, metric)) for _, s in with_music])
        if found is not None:
            trends.append(found)
    withheld = [] if trends or not with_music else [
        f"trend: {len(with_music)} months with music; a trend per year needs at least {MIN_TREND_MONTHS}"]
    music_plays = ctx.fetch(f"SELECT count(*) FROM {ctx.plays} WHERE {ctx.kinds('track')}")[0][0]
    return DiversityResult(total=total, months=months, trends=trends, withheld=withheld, music_plays=int(music_plays))


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("effective number of artists", "artists", "", "total.effective_artists|round1"),
)
