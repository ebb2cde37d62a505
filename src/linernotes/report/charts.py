"""Vega-Lite specs (built with altair) for the report's charts, each with the sentence that says what it shows.

A builder takes one insight result and returns a :class:`Chart`, or None when the result has nothing to
draw (the section then says so in words). Data is always inlined in the spec: the page must never fetch.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import altair as alt

from linernotes.engine.words import KIND_WORDS, kind_words
from linernotes.formatting import format_count, format_date, format_percent
from linernotes.identity import LIGHT, THEMES, Theme, vega_config
from linernotes.insights.audiobooks import AudiobooksResult
from linernotes.insights.calendar import CalendarResult
from linernotes.insights.chapters import Chapter, ChaptersResult
from linernotes.insights.clock import ClockResult
from linernotes.insights.discovery import DiscoveryResult
from linernotes.insights.eras import ErasResult
from linernotes.insights.genres import GenresResult
from linernotes.insights.modes import ModesResult
from linernotes.insights.overview import OverviewResult
from linernotes.insights.personality import Axis
from linernotes.insights.podcasts import PodcastsResult
from linernotes.insights.skip_model import SkipModelResult
from linernotes.insights.skips import SkipsResult
from linernotes.insights.top import TopResult
from linernotes.units import MS_PER_HOUR, format_hours

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CALENDAR_MAX_DAYS = 400  # above this a day-by-day grid gets too wide to read: months instead
# The identity's series slots as a nominal domain: a category coloured "slot i" takes series colour i in
# whichever theme's config the page renders with, so chapter 3 keeps its colour in light and dark.
SLOTS = [str(i) for i in range(len(LIGHT.series))]
KIND_ORDER = tuple(KIND_WORDS)  # music, podcasts, audiobooks, ...: a kind's colour never depends on the period


def chart_config(theme: Theme = LIGHT) -> dict[str, Any]:
    """The identity's Vega-Lite config plus what the report's own marks need: sequential ramps (heatmaps)
    running from the theme's rule colour to its accent, and the personality chart's track and tick."""
    config = vega_config(theme)
    # The page's background shows through; the schema has no null background (and VL's default is white).
    config["background"] = "transparent"
    ramp = [theme.line, theme.accent]
    config["range"] = {**config["range"], "heatmap": ramp, "ramp": ramp}
    config["rule"] = {"color": theme.line}
    config["tick"] = {"color": theme.muted}
    config["axis"] = {**config["axis"], "labelLimit": 240}
    config["axisQuantitative"] = {"tickCount": 6}  # a few round values read faster than a rule every 10
    return config


CONFIGS: dict[str, dict[str, Any]] = {theme.name: chart_config(theme) for theme in THEMES}


def chapter_slot(index: int) -> int:
    """The series slot of the chapter with 1-based ``index``: chapter 1 takes the first series colour."""
    return (index - 1) % len(LIGHT.series)


def chapter_pace(chapter: Chapter) -> str:
    """How much a chapter was listened: hours a week, or its plays when the export recorded no durations
    (scrobbles), rather than a misleading "0.0 hours a week"."""
    if chapter.hours_per_week >= 0.05:
        return format_hours(chapter.hours_per_week * MS_PER_HOUR, unit=" hours a week")
    return f"{format_count(chapter.plays)} plays"


def _slot_color(field: str) -> alt.Color:
    return alt.Color(f"{field}:N", scale=alt.Scale(domain=SLOTS), legend=None)


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
    spec["config"] = CONFIGS["light"]  # the page swaps in CONFIGS["dark"] when the system asks for it
    spec["description"] = sentence  # Vega puts it on the SVG as its aria-label
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return Chart(chart_id, spec, sentence)


def _data(rows: list[dict[str, Any]]) -> alt.Data:
    return alt.Data(values=rows)


def _hours(ms: float) -> str:
    return format_hours(ms, unit=" hours")


def by_kind(r: OverviewResult) -> Chart | None:
    rows = [{"kind": kind_words(k.kind), "hours": round(k.ms_played / MS_PER_HOUR, 2),
             "slot": str(KIND_ORDER.index(k.kind) if k.kind in KIND_ORDER else len(KIND_ORDER))}
            for k in r.totals.by_kind if k.ms_played]
    if not rows:
        return None
    top = max(r.totals.by_kind, key=lambda k: k.ms_played)
    share = top.ms_played / r.totals.ms_played if r.totals.ms_played else 0
    chart = alt.Chart(_data(rows)).mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y("kind:N", sort="-x", title=None),
        x=alt.X("hours:Q", title="hours"),
        color=_slot_color("slot"),
        tooltip=[alt.Tooltip("kind:N", title="kind"), alt.Tooltip("hours:Q", title="hours", format=",.1f")],
    ).properties(width="container", height=30 * len(rows))
    sentence = (f"Listening time by kind of audio: {kind_words(top.kind)} leads with "
                f"{_hours(top.ms_played)} ({format_percent(share)} of {_hours(r.totals.ms_played)}).")
    return _finish("chart-kinds", chart, sentence)


def chapters_timeline(r: ChaptersResult) -> Chart | None:
    if not r.chapters:
        return None
    rows = [{"chapter": f"{c.index}. {c.title}", "start": c.start.isoformat(),
             "end": (c.end + dt.timedelta(days=1)).isoformat(), "slot": str(chapter_slot(c.index)),
             "dates": f"{format_date(c.start)} – {format_date(c.end)}",
             "pace": chapter_pace(c)}
            for c in r.chapters]
    chart = alt.Chart(_data(rows)).mark_bar(cornerRadius=4).encode(
        x=alt.X("start:T", title=None,
                axis=alt.Axis(format="%Y", tickCount="year", labelOverlap=True, labelSeparation=6)),
        x2="end:T",
        y=alt.Y("chapter:N", sort=None, title=None),
        color=_slot_color("slot"),
        tooltip=[alt.Tooltip("chapter:N", title="chapter"), alt.Tooltip("dates:N", title="dates"),
                 alt.Tooltip("pace:N", title="listening")],
    ).properties(width="container", height=36 * len(rows))
    longest = max(r.chapters, key=lambda c: c.days)
    sentence = (f"The {format_count(len(r.chapters))} chapter{'s' if len(r.chapters) != 1 else ''} of this period "
                f"on a timeline; the longest, “{longest.title}”, ran {format_count(longest.days)} days "
                f"({longest.start:%b %Y}–{longest.end:%b %Y}).")
    return _finish("chart-chapters", chart, sentence)


def modes_share(r: ModesResult) -> Chart | None:
    modes = [m for m in r.modes if m.sessions]
    if not modes:
        return None
    rows = [{"mode": m.description, "share": round(m.session_share, 4), "sessions": m.sessions,
             "slot": str(m.mode % len(SLOTS))} for m in modes]
    chart = alt.Chart(_data(rows)).mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y("mode:N", sort="-x", title=None),
        x=alt.X("share:Q", title="share of sessions", axis=alt.Axis(format="%")),
        color=_slot_color("slot"),
        tooltip=[alt.Tooltip("mode:N", title="mode"), alt.Tooltip("sessions:Q", title="sessions", format=","),
                 alt.Tooltip("share:Q", title="share of sessions", format=".0%")],
    ).properties(width="container", height=30 * len(rows))
    first = max(modes, key=lambda m: m.session_share)
    sentence = (f"Share of your {format_count(r.sessions)} sessions in each of {len(modes)} listening modes; "
                f"the most common, “{first.description}”, covers {format_percent(first.session_share)}.")
    return _finish("chart-modes", chart, sentence)


def top_bars(r: TopResult, chart_id: str) -> Chart | None:
    if not r.rows:
        return None
    rows = [{"name": row.name + (f" — {row.by}" if row.by else ""), "hours": round(row.ms_played / MS_PER_HOUR, 2),
             "rank": row.rank} for row in r.rows]
    chart = alt.Chart(_data(rows)).mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y("name:N", sort=alt.EncodingSortField("rank"), title=None),
        x=alt.X("hours:Q", title="hours"),
        tooltip=[alt.Tooltip("rank:Q", title="rank"), alt.Tooltip("name:N", title=r.entity.rstrip("s")),
                 alt.Tooltip("hours:Q", title="hours", format=",.1f")],
    ).properties(width="container", height=26 * len(rows))
    first = r.rows[0]
    sentence = (f"Hours with each of your top {len(r.rows)} {r.entity}; number one, {first.name}, "
                f"got {_hours(first.ms_played)} ({format_percent(first.share)} of the time on {r.entity}).")
    return _finish(chart_id, chart, sentence)


def genre_bars(r: GenresResult) -> Chart | None:
    """Hours per top genre; None without enough plays with a genre (the section then says so)."""
    if not r.top:
        return None
    rows = [{"genre": g.name, "hours": round(g.ms_played / MS_PER_HOUR, 2), "rank": g.rank,
             "share": round(g.share, 4), "slot": str((g.rank - 1) % len(SLOTS))} for g in r.top]
    chart = alt.Chart(_data(rows)).mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y("genre:N", sort=alt.EncodingSortField("rank"), title=None),
        x=alt.X("hours:Q", title="hours"),
        color=_slot_color("slot"),
        tooltip=[alt.Tooltip("genre:N", title="genre"), alt.Tooltip("hours:Q", title="hours", format=",.1f"),
                 alt.Tooltip("share:Q", title="of the music with a genre", format=".0%")],
    ).properties(width="container", height=26 * len(rows))
    first = r.top[0]
    sentence = (f"Hours with each of your top {len(r.top)} genres, over the {format_percent(r.genre_time_share)} "
                f"of your music time that has a genre; {first.name} leads with {_hours(first.ms_played)} "
                f"({format_percent(first.share)} of it).")
    return _finish("chart-genres", chart, sentence)


def genres_over_time(r: GenresResult) -> Chart | None:
    """Hours of music with a genre per month (or year), stacked by the top genres; None with fewer than two
    periods with genres."""
    shown = [b for b in r.over_time if b.genre_ms]
    if not r.series or len(shown) < 2:
        return None
    names = [*r.series, *(["other genres"] if any(b.other_ms for b in r.over_time) else [])]
    rows = [{"when": b.bucket + ("-01" if r.bucket == "month" else "-01-01"), "genre": name, "order": i,
             "hours": round(ms / MS_PER_HOUR, 2), "slot": str(i % len(SLOTS))}
            for b in r.over_time
            for i, (name, ms) in enumerate(zip(names, [*b.values, b.other_ms][: len(names)], strict=True))
            if ms]
    unit = "yearmonth" if r.bucket == "month" else "year"
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        x=alt.X(f"{unit}(when):T", title=None, axis=alt.Axis(labelOverlap=True)),
        y=alt.Y("sum(hours):Q", title="hours with a genre"),
        # only the slots drawn, so the legend lists no empty swatch (slot i keeps series colour i)
        color=alt.Color("slot:N", scale=alt.Scale(domain=SLOTS[: len(names)]),
                        legend=alt.Legend(title=None, orient="bottom", labelExpr=_labels(names))),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip(f"{unit}(when):T", title=r.bucket, format="%b %Y" if r.bucket == "month" else "%Y"),
                 alt.Tooltip("genre:N", title="genre"), alt.Tooltip("hours:Q", title="hours", format=",.1f")],
    ).properties(width="container", height=200)
    led = [b.leading for b in r.over_time if b.leading]
    lead = max(set(led), key=lambda g: (led.count(g), g)) if led else None
    parts = f"the top {len(r.series)} and the rest" if len(names) > len(r.series) else "each genre"
    sentence = (f"Hours of music with a genre each {r.bucket}, by genre ({parts})"
                + (f"; {lead} led {format_count(led.count(lead))} of {format_count(len(led))} {r.bucket}s"
                   if lead else "")
                + f". Genres are known for {format_percent(r.genre_time_share)} of your music time.")
    return _finish("chart-genres-time", chart, sentence)


def _amount(r: ErasResult, ms: int, plays: int) -> float:
    """A bar's length: hours, or plays when the period's music has no listening time (scrobbles)."""
    return round(ms / MS_PER_HOUR, 2) if r.measure == "time" else plays


def _measure_title(r: ErasResult) -> str:
    return "hours" if r.measure == "time" else "plays"


def decade_bars(r: ErasResult) -> Chart | None:
    """Hours (or plays) per decade of release, oldest first; None without enough plays with a year."""
    if not r.enough:
        return None
    unit = _measure_title(r)
    rows = [{"decade": d.label, "amount": _amount(r, d.ms_played, d.plays), "order": i, "share": round(d.share, 4)}
            for i, d in enumerate(r.decades)]
    chart = alt.Chart(_data(rows)).mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y("decade:N", sort=alt.EncodingSortField("order"), title=None),
        x=alt.X("amount:Q", title=unit),
        tooltip=[alt.Tooltip("decade:N", title="released in the"),
                 alt.Tooltip("amount:Q", title=unit, format=",.1f" if unit == "hours" else ","),
                 alt.Tooltip("share:Q", title="of the music with a release year", format=".0%")],
    ).properties(width="container", height=26 * len(rows))
    top = max(r.decades, key=lambda d: (d.share, -d.decade))
    sentence = (f"{unit.capitalize()} of music from each decade of release, over the {r.coverage_words()} that has "
                f"a release year; the {top.label} lead with {format_percent(top.share)}.")
    return _finish("chart-decades", chart, sentence)


def decades_over_time(r: ErasResult) -> Chart | None:
    """Each month's (or year's) music with a release year, stacked by decade of release; None with fewer than
    two periods with years."""
    shown = [b for b in r.over_time if sum(b.values) + b.other]
    if not r.series or len(shown) < 2:
        return None
    names = [*r.series, *(["other decades"] if any(b.other for b in r.over_time) else [])]
    unit = _measure_title(r)
    rows = [{"when": b.bucket + ("-01" if r.bucket == "month" else "-01-01"), "decade": name, "order": i,
             "amount": round(v / MS_PER_HOUR, 2) if r.measure == "time" else v, "slot": str(i % len(SLOTS))}
            for b in r.over_time
            for i, (name, v) in enumerate(zip(names, [*b.values, b.other][: len(names)], strict=True)) if v]
    time_unit = "yearmonth" if r.bucket == "month" else "year"
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        x=alt.X(f"{time_unit}(when):T", title=None, axis=alt.Axis(labelOverlap=True)),
        y=alt.Y("sum(amount):Q", title=f"{unit} with a release year"),
        color=alt.Color("slot:N", scale=alt.Scale(domain=SLOTS[: len(names)]),
                        legend=alt.Legend(title=None, orient="bottom", labelExpr=_labels(names))),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip(f"{time_unit}(when):T", title=r.bucket, format="%b %Y" if r.bucket == "month" else "%Y"),
                 alt.Tooltip("decade:N", title="released in the"),
                 alt.Tooltip("amount:Q", title=unit, format=",.1f" if unit == "hours" else ",")],
    ).properties(width="container", height=200)
    sentence = (f"{unit.capitalize()} of music with a release year each {r.bucket}, by decade of release. Release "
                f"years are known for {r.coverage_words()}.")
    return _finish("chart-decades-time", chart, sentence)


def country_bars(r: ErasResult) -> Chart | None:
    """Hours (or plays) by the artist's country, top ones; None under the insight's minimum."""
    if not r.countries:
        return None
    unit = _measure_title(r)
    rows = [{"country": c.name, "amount": _amount(r, c.ms_played, c.plays), "rank": i,
             "share": round(c.share, 4)} for i, c in enumerate(r.countries)]
    chart = alt.Chart(_data(rows)).mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y("country:N", sort=alt.EncodingSortField("rank"), title=None),
        x=alt.X("amount:Q", title=unit),
        tooltip=[alt.Tooltip("country:N", title="artists from"),
                 alt.Tooltip("amount:Q", title=unit, format=",.1f" if unit == "hours" else ","),
                 alt.Tooltip("share:Q", title="of the music whose artist's country is known", format=".0%")],
    ).properties(width="container", height=26 * len(rows))
    first = r.countries[0]
    of_music = "of your music time" if r.measure == "time" else "of your music plays"
    sentence = (f"{unit.capitalize()} by the artist's country, over the {format_percent(r.country_share)} "
                f"{of_music} whose artist's country is known; {first.name} leads with {format_percent(first.share)}.")
    return _finish("chart-countries", chart, sentence)


def _labels(names: list[str]) -> str:
    """A Vega expression naming each series slot of a legend ("0" → the first genre)."""
    cases = " : ".join(f"datum.label == '{i}' ? {_js_string(n)}" for i, n in enumerate(names))
    return f"{cases} : ''"


def _js_string(text: str) -> str:
    return json.dumps(text)


def clock_heatmap(r: ClockResult) -> Chart | None:
    if not r.total_ms or r.peak_cell is None:
        return None
    # 168 cells: a vectorised comprehension over the grid, not over plays.
    rows = [{"weekday": WEEKDAYS[d], "hour": h, "minutes": round(v, 1)}
            for d, day in enumerate(r.heatmap) for h, v in enumerate(day)]
    chart = alt.Chart(_data(rows)).mark_rect(cornerRadius=2).encode(
        x=alt.X("hour:O", title="hour of the day (local time)", axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("weekday:N", sort=list(WEEKDAYS), title=None, axis=alt.Axis(labelExpr="slice(datum.label, 0, 3)")),
        color=alt.Color("minutes:Q", title="minutes", scale=alt.Scale(zero=True),
                        legend=alt.Legend(orient="bottom", gradientLength=160)),
        tooltip=[alt.Tooltip("weekday:N", title="day"), alt.Tooltip("hour:O", title="hour"),
                 alt.Tooltip("minutes:Q", title="minutes", format=",.0f")],
    ).properties(width="container", height=220)
    dow, hour = r.peak_cell
    peak = r.heatmap[dow - 1][hour]
    sentence = (f"Minutes listened in each hour of each weekday; the busiest slot is {WEEKDAYS[dow - 1]} "
                f"{hour:02d}:00 with {format_count(peak)} minutes, and {format_percent(r.night_share)} of your "
                f"listening is at night.")
    return _finish("chart-clock", chart, sentence)


def calendar_chart(r: CalendarResult) -> Chart | None:
    start = r.daily.start
    if start is None or not r.days_listened:
        return None
    days = [start + dt.timedelta(days=i) for i in range(len(r.daily.minutes))]
    busiest = r.busiest_day
    tail = (f"; the busiest day was {format_date(busiest.first_day)} with "
            f"{format_count(busiest.ms_played / 60_000)} minutes" if busiest else "")
    if len(days) <= CALENDAR_MAX_DAYS:
        rows = [{"date": d.isoformat(), "minutes": round(m, 1)} for d, m in zip(days, r.daily.minutes, strict=True)]
        chart = alt.Chart(_data(rows)).mark_rect(cornerRadius=1).encode(
            x=alt.X("yearweek(date):O", title=None, axis=alt.Axis(labels=False, ticks=False)),
            y=alt.Y("day(date):O", title=None),
            color=alt.Color("minutes:Q", title="minutes", scale=alt.Scale(zero=True),
                        legend=alt.Legend(orient="bottom", gradientLength=160)),
            tooltip=[alt.Tooltip("date:T", title="day", format="%a %-d %b %Y"),
                     alt.Tooltip("minutes:Q", title="minutes", format=",.0f")],
        ).properties(width="container", height=170)
        sentence = (f"Minutes listened on each of the {format_count(len(days))} days, one square a day; you "
                    f"listened on {format_count(r.days_listened)} of them{tail}.")
    else:
        months: dict[str, float] = {}
        for d, m in zip(days, r.daily.minutes, strict=True):  # one value per day: thousands, not plays
            key = f"{d:%Y-%m}-01"
            months[key] = months.get(key, 0.0) + m
        rows = [{"month": k, "hours": round(v / 60, 1)} for k, v in months.items()]
        chart = alt.Chart(_data(rows)).mark_bar().encode(
            x=alt.X("yearmonth(month):T", title=None, axis=alt.Axis(labelOverlap=True)),
            y=alt.Y("hours:Q", title="hours"),
            tooltip=[alt.Tooltip("month:T", title="month", format="%b %Y"),
                     alt.Tooltip("hours:Q", title="hours", format=",.1f")],
        ).properties(width="container", height=200)
        sentence = (f"Hours listened in each of the {format_count(len(rows))} months; you listened on "
                    f"{format_count(r.days_listened)} of {format_count(r.days_in_period)} days{tail}.")
    return _finish("chart-calendar", chart, sentence)


def discovery_months(r: DiscoveryResult) -> Chart | None:
    if not r.months or not r.new_artists:
        return None
    rows = [{"month": f"{m.month}-01", "artists": m.new_artists} for m in r.months]
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        x=alt.X("yearmonth(month):T", title=None, axis=alt.Axis(labelOverlap=True)),
        y=alt.Y("artists:Q", title="new artists"),
        tooltip=[alt.Tooltip("month:T", title="month", format="%b %Y"),
                 alt.Tooltip("artists:Q", title="new artists", format=",")],
    ).properties(width="container", height=180)
    best = max(r.months, key=lambda m: m.new_artists)
    sentence = (f"Artists heard for the first time ever, month by month: {format_count(r.new_artists)} in all, "
                f"most in {dt.date.fromisoformat(best.month + '-01'):%B %Y} ({format_count(best.new_artists)}).")
    return _finish("chart-discovery", chart, sentence)


def skip_hours(r: SkipsResult) -> Chart | None:
    rows = [{"hour": int(h.name), "rate": round(h.rate, 4), "plays": h.plays} for h in r.by_hour
            if h.rate is not None and h.plays]
    if not rows or r.rate is None:
        return None
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        x=alt.X("hour:O", title="hour of the day (local time)", axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("rate:Q", title="skip rate", axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("hour:O", title="hour"), alt.Tooltip("plays:Q", title="plays", format=","),
                 alt.Tooltip("rate:Q", title="skipped", format=".0%")],
    ).properties(width="container", height=180)
    worst = max(rows, key=lambda x: x["rate"])
    sentence = (f"Share of music plays skipped, by hour of the day: {format_percent(r.rate)} overall, "
                f"highest at {worst['hour']:02d}:00 ({format_percent(worst['rate'])} of "
                f"{format_count(worst['plays'])} plays).")
    return _finish("chart-skips", chart, sentence)


def skip_factors(r: SkipModelResult) -> Chart | None:
    if r.status != "ok" or not r.factors:
        return None
    factors = r.factors[:8]
    rows = [{"factor": f.name, "importance": round(f.importance, 4), "points": f"{f.importance * 100:.1f} points"}
            for f in factors]
    chart = alt.Chart(_data(rows)).mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y("factor:N", sort="-x", title=None),
        # ROC-AUC lost, in points (hundredths): "3.5 pts" rather than a bare 0.035.
        x=alt.X("importance:Q", title="ROC-AUC lost without it",
                axis=alt.Axis(labelExpr="format(datum.value * 100, '.1~f') + ' pts'")),
        tooltip=[alt.Tooltip("factor:N", title="factor"), alt.Tooltip("points:N", title="ROC-AUC lost without it")],
    ).properties(width="container", height=28 * len(rows))
    sentence = (f"What drives your skips, by how much the skip model (ROC-AUC {r.auc:.2f} against "
                f"{r.baseline_auc:.2f} for the artist's own skip rate) loses without each factor; "
                f"the strongest is {factors[0].name}.")
    return _finish("chart-skip-model", chart, sentence)


def podcast_shows(r: PodcastsResult) -> Chart | None:
    shows = [s for s in r.by_show if s.ms_played][:10]
    if not shows:
        return None
    slot = str(KIND_ORDER.index("episode"))  # podcasts keep their kind's colour
    rows = [{"show": s.show, "hours": round(s.ms_played / MS_PER_HOUR, 2), "episodes": s.episodes, "slot": slot}
            for s in shows]
    chart = alt.Chart(_data(rows)).mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y("show:N", sort="-x", title=None),
        x=alt.X("hours:Q", title="hours"),
        color=_slot_color("slot"),
        tooltip=[alt.Tooltip("show:N", title="show"), alt.Tooltip("episodes:Q", title="episodes", format=","),
                 alt.Tooltip("hours:Q", title="hours", format=",.1f")],
    ).properties(width="container", height=28 * len(rows))
    sentence = (f"Hours with your top {len(shows)} podcast shows; {shows[0].show} leads with "
                f"{_hours(shows[0].ms_played)} over {format_count(shows[0].episodes)} episodes.")
    return _finish("chart-podcasts", chart, sentence)


def audiobook_progress(r: AudiobooksResult) -> Chart | None:
    books = r.by_book[:10]
    if not books:
        return None
    slot = str(KIND_ORDER.index("audiobook"))  # audiobooks keep their kind's colour
    rows = [{"book": b.book, "progress": round(b.progress, 4), "hours": round(b.ms_played / MS_PER_HOUR, 2),
             "slot": slot} for b in books]
    chart = alt.Chart(_data(rows)).mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y("book:N", sort="-x", title=None),
        x=alt.X("progress:Q", title="chapters heard", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=_slot_color("slot"),
        tooltip=[alt.Tooltip("book:N", title="book"), alt.Tooltip("progress:Q", title="heard", format=".0%"),
                 alt.Tooltip("hours:Q", title="hours", format=",.1f")],
    ).properties(width="container", height=32 * len(rows))
    sentence = (f"How far through each of your {len(books)} audiobook{'s' if len(books) != 1 else ''} you are "
                f"(chapters heard of those known); {format_count(r.finished_books)} finished.")
    return _finish("chart-audiobooks", chart, sentence)


def personality_axes(axes: list[Axis]) -> Chart | None:
    known = [a for a in axes if a.score is not None]
    if not known:
        return None
    rows = [{"axis": f"{a.low_pole} ↔ {a.high_pole}", "score": round(a.score or 0, 4),
             "lifetime": None if a.lifetime is None else round(a.lifetime, 4)} for a in known]
    base = alt.Chart(_data(rows)).encode(y=alt.Y("axis:N", sort=None, title=None))
    # Colours come from the theme's config (rule: the track, tick: the lifetime mark, point: the accent).
    track = base.mark_rule(strokeWidth=6, strokeCap="round").encode(x=alt.datum(0), x2=alt.datum(1))
    life = base.mark_tick(thickness=3, size=22).encode(x="lifetime:Q")
    dot = base.mark_point(filled=True, size=220, opacity=1).encode(
        x=alt.X("score:Q", scale=alt.Scale(domain=[0, 1]), title="0 = left pole, 100% = right pole",
                axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("axis:N", title="axis"), alt.Tooltip("score:Q", title="this period", format=".0%"),
                 alt.Tooltip("lifetime:Q", title="whole history", format=".0%")],
    )
    chart = alt.layer(track, life, dot).properties(width="container", height=44 * len(rows))
    parts = ", ".join(f"{a.name} {format_percent(a.score)}" for a in known)
    sentence = (f"Where this period sits between each pair of poles (dot) against your whole history (grey tick): "
                f"{parts}.")
    return _finish("chart-personality", chart, sentence)
