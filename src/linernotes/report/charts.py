"""Vega-Lite specs (built with altair) for the report's charts, each with the sentence that says what it shows.

A builder takes one insight result and returns a :class:`Chart`, or None when the result has nothing to
draw (the section then says so in words). Data is always inlined in the spec: the page must never fetch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import altair as alt

from linernotes.engine.words import kind_words
from linernotes.insights.audiobooks import AudiobooksResult
from linernotes.insights.calendar import CalendarResult
from linernotes.insights.chapters import ChaptersResult
from linernotes.insights.clock import ClockResult
from linernotes.insights.discovery import DiscoveryResult
from linernotes.insights.modes import ModesResult
from linernotes.insights.overview import OverviewResult
from linernotes.insights.personality import Axis
from linernotes.insights.podcasts import PodcastsResult
from linernotes.insights.skip_model import SkipModelResult
from linernotes.insights.skips import SkipsResult
from linernotes.insights.top import TopResult
from linernotes.units import MS_PER_HOUR, format_hours

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK = "#1a1a2e"  # text: 15:1 on white
ACCENT = "#1f5fa8"  # bars: 6:1 on white, so thin marks stay visible for low-vision readers
MUTED = "#5c5c70"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CALENDAR_MAX_DAYS = 400  # above this a day-by-day grid gets too wide to read: months instead

CONFIG: dict[str, Any] = {
    "font": FONT,
    "axis": {"labelColor": INK, "titleColor": INK, "labelFontSize": 12, "titleFontSize": 12, "gridColor": "#e4e4ea"},
    "legend": {"labelColor": INK, "titleColor": INK},
    "view": {"stroke": None},
    "bar": {"color": ACCENT},
    "rect": {"color": ACCENT},
}


@dataclass(frozen=True)
class Chart:
    """One chart: a DOM id, the Vega-Lite spec, and the sentence (also its text alternative)."""

    id: str
    spec: dict[str, Any]
    sentence: str


def _finish(chart_id: str, chart: alt.TopLevelMixin, sentence: str) -> Chart:
    # Validation is skipped here for speed (a 3,000-row calendar takes most of a second); the tests
    # validate every spec against the Vega-Lite schema instead.
    spec = chart.to_dict(validate=False)
    spec["config"] = CONFIG
    spec["description"] = sentence  # Vega puts it on the SVG as its aria-label
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return Chart(chart_id, spec, sentence)


def _data(rows: list[dict[str, Any]]) -> alt.Data:
    return alt.Data(values=rows)


def by_kind(r: OverviewResult) -> Chart | None:
    rows = [{"kind": kind_words(k.kind), "hours": round(k.ms_played / MS_PER_HOUR, 2)}
            for k in r.totals.by_kind if k.ms_played]
    if not rows:
        return None
    top = max(r.totals.by_kind, key=lambda k: k.ms_played)
    share = top.ms_played / r.totals.ms_played if r.totals.ms_played else 0
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        y=alt.Y("kind:N", sort="-x", title=None),
        x=alt.X("hours:Q", title="hours"),
        tooltip=["kind:N", alt.Tooltip("hours:Q", format=",.1f")],
    ).properties(width="container", height=28 * len(rows))
    sentence = (f"Listening time by kind of audio: {kind_words(top.kind)} leads with "
                f"{format_hours(top.ms_played)} hours ({share:.0%} of {format_hours(r.totals.ms_played)}).")
    return _finish("chart-kinds", chart, sentence)


def chapters_timeline(r: ChaptersResult) -> Chart | None:
    if not r.chapters:
        return None
    rows = [{"chapter": f"{c.index}. {c.title}", "start": c.start.isoformat(),
             "end": (c.end + dt.timedelta(days=1)).isoformat(), "hours_per_week": round(c.hours_per_week, 1)}
            for c in r.chapters]
    chart = alt.Chart(_data(rows)).mark_bar(cornerRadius=3).encode(
        x=alt.X("start:T", title=None),
        x2="end:T",
        y=alt.Y("chapter:N", sort=None, title=None, axis=alt.Axis(labelLimit=260)),
        tooltip=["chapter:N", "start:T", "end:T", alt.Tooltip("hours_per_week:Q", title="hours a week")],
    ).properties(width="container", height=34 * len(rows))
    longest = max(r.chapters, key=lambda c: c.days)
    sentence = (f"The {len(r.chapters)} chapter{'s' if len(r.chapters) != 1 else ''} of this period on a "
                f"timeline; the longest, “{longest.title}”, ran {longest.days:,} days "
                f"({longest.start:%b %Y}–{longest.end:%b %Y}).")
    return _finish("chart-chapters", chart, sentence)


def modes_share(r: ModesResult) -> Chart | None:
    modes = [m for m in r.modes if m.sessions]
    if not modes:
        return None
    rows = [{"mode": m.description, "share": round(m.session_share, 4), "sessions": m.sessions} for m in modes]
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        y=alt.Y("mode:N", sort="-x", title=None, axis=alt.Axis(labelLimit=280)),
        x=alt.X("share:Q", title="share of sessions", axis=alt.Axis(format="%")),
        tooltip=["mode:N", "sessions:Q", alt.Tooltip("share:Q", format=".0%")],
    ).properties(width="container", height=28 * len(rows))
    first = max(modes, key=lambda m: m.session_share)
    sentence = (f"Share of your {r.sessions:,} sessions in each of {len(modes)} listening modes; the most common, "
                f"“{first.description}”, covers {first.session_share:.0%}.")
    return _finish("chart-modes", chart, sentence)


def top_bars(r: TopResult, chart_id: str) -> Chart | None:
    if not r.rows:
        return None
    rows = [{"name": row.name + (f" — {row.by}" if row.by else ""), "hours": round(row.ms_played / MS_PER_HOUR, 2),
             "rank": row.rank} for row in r.rows]
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        y=alt.Y("name:N", sort=alt.EncodingSortField("rank"), title=None, axis=alt.Axis(labelLimit=280)),
        x=alt.X("hours:Q", title="hours"),
        tooltip=["rank:Q", "name:N", alt.Tooltip("hours:Q", format=",.1f")],
    ).properties(width="container", height=24 * len(rows))
    first = r.rows[0]
    sentence = (f"Hours with each of your top {len(r.rows)} {r.entity}; number one, {first.name}, "
                f"got {format_hours(first.ms_played)} hours ({first.share:.0%} of the time on {r.entity}).")
    return _finish(chart_id, chart, sentence)


def clock_heatmap(r: ClockResult) -> Chart | None:
    if not r.total_ms or r.peak_cell is None:
        return None
    # 168 cells: a vectorised comprehension over the grid, not over plays.
    rows = [{"weekday": WEEKDAYS[d], "hour": h, "minutes": round(v, 1)}
            for d, day in enumerate(r.heatmap) for h, v in enumerate(day)]
    chart = alt.Chart(_data(rows)).mark_rect().encode(
        x=alt.X("hour:O", title="hour of the day (local time)"),
        y=alt.Y("weekday:N", sort=list(WEEKDAYS), title=None),
        color=alt.Color("minutes:Q", scale=alt.Scale(scheme="blues"), title="minutes"),
        tooltip=["weekday:N", "hour:O", alt.Tooltip("minutes:Q", format=",.0f")],
    ).properties(width="container", height=220)
    dow, hour = r.peak_cell
    peak = r.heatmap[dow - 1][hour]
    sentence = (f"Minutes listened in each hour of each weekday; the busiest slot is {WEEKDAYS[dow - 1]} "
                f"{hour:02d}:00 with {peak:,.0f} minutes, and {r.night_share:.0%} of your listening is at night.")
    return _finish("chart-clock", chart, sentence)


def calendar_chart(r: CalendarResult) -> Chart | None:
    start = r.daily.start
    if start is None or not r.days_listened:
        return None
    days = [start + dt.timedelta(days=i) for i in range(len(r.daily.minutes))]
    busiest = r.busiest_day
    tail = (f"; the busiest day was {busiest.first_day:%-d %b %Y} with {busiest.ms_played / 60_000:,.0f} minutes"
            if busiest else "")
    if len(days) <= CALENDAR_MAX_DAYS:
        rows = [{"date": d.isoformat(), "minutes": round(m, 1)} for d, m in zip(days, r.daily.minutes, strict=True)]
        chart = alt.Chart(_data(rows)).mark_rect().encode(
            x=alt.X("yearweek(date):O", title=None, axis=alt.Axis(labels=False, ticks=False)),
            y=alt.Y("day(date):O", title=None),
            color=alt.Color("minutes:Q", scale=alt.Scale(scheme="blues"), title="minutes"),
            tooltip=[alt.Tooltip("date:T", format="%a %-d %b %Y"), alt.Tooltip("minutes:Q", format=",.0f")],
        ).properties(width="container", height=170)
        sentence = (f"Minutes listened on each of the {len(days):,} days, one square a day; you listened on "
                    f"{r.days_listened:,} of them{tail}.")
    else:
        months: dict[str, float] = {}
        for d, m in zip(days, r.daily.minutes, strict=True):  # one value per day: thousands, not plays
            key = f"{d:%Y-%m}-01"
            months[key] = months.get(key, 0.0) + m
        rows = [{"month": k, "hours": round(v / 60, 1)} for k, v in months.items()]
        chart = alt.Chart(_data(rows)).mark_bar().encode(
            x=alt.X("yearmonth(month):T", title=None),
            y=alt.Y("hours:Q", title="hours"),
            tooltip=[alt.Tooltip("month:T", format="%b %Y"), alt.Tooltip("hours:Q", format=",.1f")],
        ).properties(width="container", height=200)
        sentence = (f"Hours listened in each of the {len(rows):,} months; you listened on "
                    f"{r.days_listened:,} of {r.days_in_period:,} days{tail}.")
    return _finish("chart-calendar", chart, sentence)


def discovery_months(r: DiscoveryResult) -> Chart | None:
    if not r.months or not r.new_artists:
        return None
    rows = [{"month": f"{m.month}-01", "new_artists": m.new_artists} for m in r.months]
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        x=alt.X("yearmonth(month):T", title=None),
        y=alt.Y("new_artists:Q", title="new artists"),
        tooltip=[alt.Tooltip("month:T", format="%b %Y"), "new_artists:Q"],
    ).properties(width="container", height=180)
    best = max(r.months, key=lambda m: m.new_artists)
    sentence = (f"Artists heard for the first time ever, month by month: {r.new_artists:,} in all, "
                f"most in {dt.date.fromisoformat(best.month + '-01'):%B %Y} ({best.new_artists:,}).")
    return _finish("chart-discovery", chart, sentence)


def skip_hours(r: SkipsResult) -> Chart | None:
    rows = [{"hour": int(h.name), "rate": round(h.rate, 4), "plays": h.plays} for h in r.by_hour
            if h.rate is not None and h.plays]
    if not rows or r.rate is None:
        return None
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        x=alt.X("hour:O", title="hour of the day (local time)"),
        y=alt.Y("rate:Q", title="skip rate", axis=alt.Axis(format="%")),
        tooltip=["hour:O", "plays:Q", alt.Tooltip("rate:Q", format=".0%")],
    ).properties(width="container", height=180)
    worst = max(rows, key=lambda x: x["rate"])
    sentence = (f"Share of music plays skipped, by hour of the day: {r.rate:.0%} overall, "
                f"highest at {worst['hour']:02d}:00 ({worst['rate']:.0%} of {worst['plays']:,} plays).")
    return _finish("chart-skips", chart, sentence)


def skip_factors(r: SkipModelResult) -> Chart | None:
    if r.status != "ok" or not r.factors:
        return None
    factors = r.factors[:8]
    rows = [{"factor": f.name, "importance": round(f.importance, 4)} for f in factors]
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        y=alt.Y("factor:N", sort="-x", title=None, axis=alt.Axis(labelLimit=280)),
        x=alt.X("importance:Q", title="importance (drop in ROC-AUC without it)"),
        tooltip=["factor:N", alt.Tooltip("importance:Q", format=".3f")],
    ).properties(width="container", height=26 * len(rows))
    sentence = (f"What drives your skips, by how much the skip model (ROC-AUC {r.auc:.2f} against "
                f"{r.baseline_auc:.2f} for the artist's own skip rate) loses without each factor; "
                f"the strongest is {factors[0].name}.")
    return _finish("chart-skip-model", chart, sentence)


def podcast_shows(r: PodcastsResult) -> Chart | None:
    shows = [s for s in r.by_show if s.ms_played][:10]
    if not shows:
        return None
    rows = [{"show": s.show, "hours": round(s.ms_played / MS_PER_HOUR, 2), "episodes": s.episodes} for s in shows]
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        y=alt.Y("show:N", sort="-x", title=None, axis=alt.Axis(labelLimit=280)),
        x=alt.X("hours:Q", title="hours"),
        tooltip=["show:N", "episodes:Q", alt.Tooltip("hours:Q", format=",.1f")],
    ).properties(width="container", height=26 * len(rows))
    sentence = (f"Hours with your top {len(shows)} podcast shows; {shows[0].show} leads with "
                f"{format_hours(shows[0].ms_played)} hours over {shows[0].episodes:,} episodes.")
    return _finish("chart-podcasts", chart, sentence)


def audiobook_progress(r: AudiobooksResult) -> Chart | None:
    books = r.by_book[:10]
    if not books:
        return None
    rows = [{"book": b.book, "progress": round(b.progress, 4), "hours": round(b.ms_played / MS_PER_HOUR, 2)}
            for b in books]
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        y=alt.Y("book:N", sort="-x", title=None, axis=alt.Axis(labelLimit=280)),
        x=alt.X("progress:Q", title="chapters heard", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        tooltip=["book:N", alt.Tooltip("progress:Q", format=".0%"), alt.Tooltip("hours:Q", format=",.1f")],
    ).properties(width="container", height=30 * len(rows))
    sentence = (f"How far through each of your {len(books)} audiobook{'s' if len(books) != 1 else ''} you are "
                f"(chapters heard of those known); {r.finished_books} finished.")
    return _finish("chart-audiobooks", chart, sentence)


def personality_axes(axes: list[Axis]) -> Chart | None:
    known = [a for a in axes if a.score is not None]
    if not known:
        return None
    rows = [{"axis": f"{a.low_pole} ↔ {a.high_pole}", "score": round(a.score or 0, 4),
             "lifetime": None if a.lifetime is None else round(a.lifetime, 4)} for a in known]
    base = alt.Chart(_data(rows)).encode(y=alt.Y("axis:N", sort=None, title=None, axis=alt.Axis(labelLimit=260)))
    track = base.mark_rule(color="#c9c9d4", strokeWidth=6).encode(x=alt.datum(0), x2=alt.datum(1))
    life = base.mark_tick(color=MUTED, thickness=3, size=22).encode(x="lifetime:Q")
    dot = base.mark_point(filled=True, size=220, color=ACCENT, opacity=1).encode(
        x=alt.X("score:Q", scale=alt.Scale(domain=[0, 1]), title="0 = left pole, 100% = right pole",
                axis=alt.Axis(format="%")),
        tooltip=["axis:N", alt.Tooltip("score:Q", format=".0%"), alt.Tooltip("lifetime:Q", format=".0%")],
    )
    chart = alt.layer(track, life, dot).properties(width="container", height=44 * len(rows))
    parts = ", ".join(f"{a.name} {a.score:.0%}" for a in known)
    sentence = (f"Where this period sits between each pair of poles (dot) against your whole history (grey tick): "
                f"{parts}.")
    return _finish("chart-personality", chart, sentence)
