"""Run a :class:`~linernotes.ask.intents.Plan` through the insight registry and word the answer.

Numbers come from ``registry.run`` — the same code the CLI and ``lib.insight`` use — so an answer over a
plain period equals ``linernotes insights NAME --from … --to …``. A question that narrows the plays (one
artist, weekends, at night, on the phone) runs the same insight with that condition as its scope's
``where``: every selection the insight reads (the period's, the previous period's, the whole history's)
keeps only the matching plays, so comparisons inside the insight stay like with like.
"""

from __future__ import annotations

import calendar
import datetime as dt
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from linernotes.ask.intents import AI_INSIGHTS, DEVICES, Plan
from linernotes.countries import country_words
from linernotes.engine import registry
from linernotes.engine.period import Period
from linernotes.engine.result import Result, jsonable
from linernotes.engine.scope import Engine, Scope
from linernotes.errors import UsageError
from linernotes.formatting import count_of, format_percent
from linernotes.insights.clock import NIGHT_LABEL
from linernotes.store.db import sql_literal
from linernotes.units import MS_PER_HOUR, format_hours

FILTER_COLUMNS = {"artist": "artist", "track": "track", "album": "album", "show": "show_name",
                  "audiobook": "audiobook"}


def filter_sql(filters: dict[str, Any]) -> str | None:
    """SQL over the columns of ``plays`` for the plan's filters, or None when there are none."""
    parts = []
    for key, column in FILTER_COLUMNS.items():
        if filters.get(key) is not None:
            parts.append(f"lower(trim({column})) = {sql_literal(str(filters[key]).strip().lower())}")
    if filters.get("dows"):
        parts.append("isodow(ts_local) IN (" + ", ".join(str(int(d)) for d in filters["dows"]) + ")")
    if filters.get("hours"):
        a, b = (int(h) for h in filters["hours"])
        hour = "hour(ts_local)"
        parts.append(f"({hour} >= {a} AND {hour} < {b})" if a < b else f"({hour} >= {a} OR {hour} < {b})")
    if filters.get("device"):
        parts.append(next(sql for name, _, sql in DEVICES if name == filters["device"]))
    return " AND ".join(parts) if parts else None


@dataclass
class Answer:
    """The answer to one question: the figure, a sentence, and exactly what was run to get it."""

    question: str
    understood: bool
    sentence: str
    insight: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    start: dt.date | None = None
    end: dt.date | None = None
    period: str = "all time"
    filters: dict[str, Any] = field(default_factory=dict)
    entity: dict[str, Any] | None = None
    figure: str | None = None  # the path of the figure in the insight's result
    value: Any = None  # the figure itself
    unit: str | None = None
    summary: list[str] = field(default_factory=list)
    command: str | None = None  # the equivalent CLI command, when there is one
    explain: list[str] = field(default_factory=list)
    result: dict[str, Any] | None = None
    phrased_by: str = "template"
    can_answer: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = jsonable({k: v for k, v in self.__dict__.items() if k != "result"})
        out["result"] = self.result
        return out


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# Every transform of a figure's path (``totals.ms_played|hours``), with the unit of what it gives.
UNITS = {"hours": "hours", "minutes": "minutes", "smin": "minutes", "pct": "%", "len": None, "round1": None,
         "round2": None, "weekday": None}


def extract(result: dict[str, Any], path: str) -> Any:
    """The figure at ``path`` (``a.0.b|transform``) of an insight's JSON result, or None when absent.

    Transforms: ``hours``/``minutes`` (from milliseconds), ``smin`` (seconds to minutes), ``pct`` (a share
    as a percentage), ``round1``, ``len``, ``weekday`` (ISO number to name); all rounded to 1 decimal.
    """
    if path.startswith("@"):
        return _special(result, path)
    keys, _, transform = path.partition("|")
    value: Any = result
    for key in keys.split("."):
        if isinstance(value, list):
            if not key.isdigit() or int(key) >= len(value):
                return None
            value = value[int(key)]
        elif isinstance(value, dict):
            value = value.get(key)
        else:
            return None
        if value is None:
            return None
    if transform == "hours":
        return round(float(value) / MS_PER_HOUR, 1)
    if transform == "minutes":
        return round(float(value) / 60_000, 1)
    if transform == "smin":
        return round(float(value) / 60, 1)
    if transform == "pct":
        return round(float(value) * 100, 1)
    if transform == "round1":
        return round(float(value), 1)
    if transform == "round2":
        return round(float(value), 2)
    if transform == "len":
        return len(value)
    if transform == "weekday":
        return WEEKDAYS[int(value) - 1]
    return value


_NAME_KEYS = ("title", "name", "artist", "track", "album", "show", "book", "label", "description", "rule")


def _daily(result: dict[str, Any]) -> tuple[list[dt.date], list[float], list[int]] | None:
    """The calendar's day-by-day series: days, minutes, counted plays."""
    daily = result.get("daily") or {}
    if not daily.get("start") or not daily.get("minutes"):
        return None
    first = dt.date.fromisoformat(str(daily["start"]))
    minutes = [float(v) for v in daily["minutes"]]
    plays = [int(v) for v in daily.get("plays") or [0] * len(minutes)]
    return [first + dt.timedelta(days=i) for i in range(len(minutes))], minutes, plays


def _biggest(result: dict[str, Any], unit: str) -> str | None:
    """The day (YYYY-MM-DD) or month (YYYY-MM) with the most listening time, then the most plays (a
    scrobbled history has no time: its plays decide); ties: the earliest."""
    series = _daily(result)
    if series is None:
        return None
    sums: dict[str, list[float]] = {}
    for day, minutes, plays in zip(*series, strict=True):
        key = day.isoformat() if unit == "day" else day.strftime("%Y-%m")
        acc = sums.setdefault(key, [0.0, 0])
        acc[0] += minutes
        acc[1] += plays
    if not sums or not any(m or n for m, n in sums.values()):
        return None
    return min(sums, key=lambda k: (-round(sums[k][0], 6), -sums[k][1], k))


def _week_split(result: dict[str, Any]) -> str | None:
    """"weekends" or "weekdays": which listens more per day (time, or plays when there is no time)."""
    series = _daily(result)
    if series is None:
        return None
    days, minutes, plays = series
    values = minutes if sum(minutes) > 0 else [float(n) for n in plays]
    ends = [v for d, v in zip(days, values, strict=True) if d.isoweekday() >= 6]
    weeks = [v for d, v in zip(days, values, strict=True) if d.isoweekday() < 6]
    if not ends or not weeks or not (sum(ends) or sum(weeks)):
        return None
    return "weekends" if sum(ends) / len(ends) > sum(weeks) / len(weeks) else "weekdays"


def _days_without(result: dict[str, Any]) -> int | None:
    """Days of the period without a play (the overview's days in the period less its days listened)."""
    totals = result.get("totals") or {}
    if totals.get("days_in_period") is None:
        return None
    return int(totals["days_in_period"]) - int(totals.get("days_listened") or 0)


def _peak_season(result: dict[str, Any]) -> str | None:
    """The clock's season with the most listening per day."""
    seasons = result.get("seasons") or []
    best = max(seasons, key=lambda s: s.get("minutes_per_day") or 0, default=None)
    return best["name"] if best and best.get("minutes_per_day") else None


# The figures (``@name``) an insight's FIGURES may declare that are computed from its result, not read from it.
COMPUTED: dict[str, Callable[[dict[str, Any]], Any]] = {
    "@biggest_day": lambda result: _biggest(result, "day"),
    "@biggest_month": lambda result: _biggest(result, "month"),
    "@week_split": _week_split,
    "@days_without": _days_without,
    "@peak_season": _peak_season,
}


def _special(result: dict[str, Any], path: str) -> Any:
    if path in COMPUTED:
        return COMPUTED[path](result)
    if path.startswith("@share_"):
        kinds = ("episode", "video") if path == "@share_episode" else (path.removeprefix("@share_"),)
        totals = result.get("totals") or {}
        total = totals.get("ms_played") or 0
        part = sum(k.get("ms_played") or 0 for k in totals.get("by_kind") or [] if k.get("kind") in kinds)
        return round(100 * part / total, 1) if total else None
    if path == "@similar":
        for value in result.values():
            if isinstance(value, list) and value:
                first = value[0]
                if isinstance(first, dict):
                    return next((first[k] for k in _NAME_KEYS if isinstance(first.get(k), str)), None)
                if isinstance(first, list | tuple) and first:
                    return first[0]
                return first
        return None
    # @auto: the first named item of the first non-empty list, else the first number
    for value in result.values():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            name = next((value[0][k] for k in _NAME_KEYS if isinstance(value[0].get(k), str)), None)
            if name is not None:
                return name
            return len(value)
    for value in result.values():
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    return None


def _similar_param(spec: registry.Insight) -> str | None:
    for p in spec.params:
        if p.name in ("artist", "name", "seed", "of", "like"):
            return p.name
    return next((p.name for p in spec.params if p.type is str), None)


def available(name: str) -> registry.Insight | None:
    try:
        return registry.get(name)
    except UsageError:  # not an insight of this version
        return None


def run_plan(plan: Plan, con: duckdb.DuckDBPyConnection, base_engine: Engine) -> tuple[Result | None, str | None]:
    """Run the plan's insight; returns the result (None when the insight is missing) and a note."""
    assert plan.insight is not None
    spec = available(plan.insight)
    params = dict(plan.params)
    if plan.insight == "similar" and "artist" not in params:
        return None, "to find similar artists, name an artist of your library (e.g. \"artists like <name>\")"
    if plan.insight == "similar" and spec is not None:
        key = _similar_param(spec)
        if key is None:
            return None, "the similar insight takes no artist"
        params = {key: params.pop("artist"), **params}
    if spec is None:
        if plan.insight == "similar":
            return None, None  # answered by the taste model directly (see _similar_fallback)
        return None, f"the {plan.insight!r} insight is not available in this version of linernotes"
    condition = filter_sql(plan.filters)
    kinds = (str(plan.filters["kind"]),) if plan.filters.get("kind") else None
    scope = Scope(period=Period(plan.start, plan.end), where=condition, kinds=kinds)
    if condition is None:
        return registry.run(base_engine, plan.insight, scope, **params), None
    engine = Engine(con)  # this question's filtered selections are dropped with it
    try:
        return registry.run(engine, plan.insight, scope, **params), None
    finally:
        engine.invalidate()


EDGE_PLAYS = ("@first_play", "@first_song", "@last_play")


def edge_play(plan: Plan, con: duckdb.DuckDBPyConnection, base_engine: Engine) -> Any:
    """The first or last play of the plan's selection: its local date, or the title of the first song."""
    condition = filter_sql(plan.filters)
    song = plan.figure == "@first_song"
    kinds = ("track",) if song else ((str(plan.filters["kind"]),) if plan.filters.get("kind") else None)
    scope = Scope(period=Period(plan.start, plan.end), where=condition, kinds=kinds)
    engine = base_engine if condition is None else Engine(con)
    try:
        ctx = engine.context(scope)
        order = "DESC" if plan.figure == "@last_play" else ""
        what = "track" if song else "ts_local::DATE"
        rows = ctx.fetch(f"SELECT {what} FROM {ctx.plays} WHERE {'track IS NOT NULL' if song else 'true'} "
                         f"ORDER BY ts_local {order}, {what} LIMIT 1")
    finally:
        if engine is not base_engine:
            engine.invalidate()
    if not rows:
        return None
    value = rows[0][0]
    return value.isoformat() if isinstance(value, dt.date) else value


def similar_fallback(plan: Plan, engine: Engine) -> list[tuple[str, float]]:
    """Artists like the plan's artist, from the taste model, when no ``similar`` insight is registered."""
    from linernotes.insights.taste import taste_model

    ctx = engine.context(Scope())
    return taste_model(ctx).similar(str(plan.params.get("artist")), k=5)


def command_for(plan: Plan) -> str | None:
    """The `linernotes insights` command that gives the same numbers (None when a filter has no option)."""
    if plan.insight is None or set(plan.filters) - {"kind"} or plan.figure in EDGE_PLAYS:
        return None
    parts = ["linernotes", "insights", plan.insight]
    if plan.filters.get("kind"):
        parts += ["--kinds", str(plan.filters["kind"])]
    if plan.start:
        parts += ["--from", plan.start.isoformat()]
    if plan.end:
        parts += ["--to", plan.end.isoformat()]
    for key, value in plan.params.items():
        parts += ["--" + key.replace("_", "-"), str(value)]
    return " ".join(shlex.quote(p) for p in parts)


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _when(plan: Plan) -> str:
    label = plan.period_label
    if plan.start is None and plan.end is None:
        when = "over your whole history"
    elif " to " in label and not label.startswith(("the", "last", "since")):
        when = f"from {label}"
    elif label[:1].isdigit() or label.split(" ")[0].capitalize() in calendar.month_name or \
            label.startswith(("summer", "winter", "spring", "autumn", "fall")):
        when = f"in {label}"
    elif label.startswith(("since", "yesterday", "today", "the last", "last", "this", "the week", "the weekend",
                           "on ")):
        when = label
    else:
        when = f"in {label}"
    if plan.filter_label:
        when += f" ({plan.filter_label})"
    return when


def _subject(plan: Plan) -> str:
    f = plan.filters
    for key in ("track", "album", "show", "audiobook", "artist"):
        if f.get(key):
            by = f" by {f['artist']}" if key in ("track", "album") and f.get("artist") else ""
            return f"{f[key]}{by}"
    return ""


def _genre_sentence(plan: Plan, value: Any, result: dict[str, Any], when: str) -> str:
    """An answer about genres, with the part of the music it is about: genres are known only where an export
    names them (Apple Music), so a partial coverage is said beside every figure."""
    share = result.get("genre_time_share")
    caveat = (f" Genres are known for {format_percent(share)} of your music time {when}."
              if share is not None and share < 0.9995 else "")
    focus = result.get("focus") or {}
    named = " and ".join(focus.get("matched") or []) or str(plan.params.get("genre", ""))
    v = _num(value)
    fig = plan.figure
    if fig == "top.0.name":
        first = (result.get("top") or [{}])[0]
        return (f"Your top genre {when} is {v} ({format_hours(first.get('ms_played') or 0)} hours, "
                f"{format_percent(first.get('share'))} of the music time with a genre).{caveat}")
    if fig == "focus.peak_month":
        year, month = str(value).split("-")
        return (f"Your month with the most {named} {when} was {calendar.month_name[int(month)]} {year} "
                f"({format_hours(focus.get('peak_month_ms') or 0)} hours).{caveat}")
    texts = {
        "focus.ms_played|hours": f"You listened to {v} hours of {named} {when} "
                                 f"({format_percent(focus.get('share'))} of the music time with a genre).",
        "focus.plays": f"You played {named} {v} times {when}.",
        "focus.share|pct": f"{named} is {v}% of your music time with a genre {when}.",
        "genres": f"You listened to {v} different genres {when}.",
        "effective_genres|round1": f"Your music {when} was as varied as {v} equally played genres.",
    }
    if fig == "genre_time_share|pct":
        carriers = [s["name"] for s in result.get("sources") or [] if s.get("genre_plays")]
        return (f"Genres are known for {v}% of your music time {when}"
                + (f", from {' and '.join(carriers)}." if carriers else "."))
    return texts.get(fig or "", f"genres {when}: {v}.") + caveat


def _era_sentence(plan: Plan, value: Any, result: dict[str, Any], when: str) -> str:
    """An answer about the decades or age of the music or its artists' countries, with the part of the music it
    is about: release years and countries are known only for what `linernotes enrich` found."""
    of = "of your music time" if result.get("measure") == "time" else "of your music plays"
    fig = plan.figure or ""
    about_countries = fig.startswith(("countries", "country_count", "home_share"))
    share = result.get("country_share" if about_countries else "year_share")
    known = "artists' countries" if about_countries else "release years"
    caveat = (f" {known.capitalize()} are known for {format_percent(share)} {of} {when}."
              if share is not None and share < 0.9995 else "")
    focus = result.get("focus") or {}
    label = focus.get("label") or ""
    v = _num(value)
    if fig == "focus.peak_month":
        year, month = str(value).split("-")
        return f"You played the most music from the {label} in {calendar.month_name[int(month)]} {year}.{caveat}"
    if fig == "top_decade":
        first: dict[str, Any] = next((d for d in result.get("decades") or [] if d.get("label") == value), {})
        return (f"Most of your music {when} is from the {v} ({format_percent(first.get('share'))} of the music "
                f"with a release year).{caveat}")
    if fig == "countries.0.name":
        first = (result.get("countries") or [{}])[0]
        return (f"Most of your music {when} is by artists from {country_words(str(first.get('code') or ''))} "
                f"({format_percent(first.get('share'))} of the music whose artist's country is known).{caveat}")
    if fig == "oldest.0.track":
        first = (result.get("oldest") or [{}])[0]
        return (f"The oldest music you play a lot {when} is “{v}” by {first.get('artist')} ({first.get('year')}, "
                f"played {first.get('plays')} times).{caveat}")
    if fig == "year_share|pct":
        return f"Release years are known for {v}% {of} {when}."
    texts = {
        "focus.share|pct": f"Music from the {label} is {v}% of your music with a release year {when}.",
        "focus.ms_played|hours": f"You listened to {v} hours of music from the {label} {when}.",
        "focus.plays": f"You played music from the {label} {v} times {when}.",
        "median_age": f"When you played it {when}, your music was a median {count_of(int(value), 'year')} old."
                      if int(value) > 0 else f"Half of your music {when} was released in the year you played it.",
        "median_year": f"The median release year of your music {when} is {value}.",
        "new_share|pct": f"{v}% of your music {when} was released in the year you played it or the year before.",
        "decade_count": f"Your music {when} spans {count_of(int(value), 'decade')}.",
        "country_count": f"Your artists {when} come from {int(value):,} "
                         f"{'country' if int(value) == 1 else 'countries'}.",
        "home_share|pct": f"{v}% of the music whose artist's country is known {when} is by artists from your "
                          f"home country.",
    }
    return texts.get(fig, f"The music {when}: {v}.") + caveat


def sentence(plan: Plan, value: Any, result: dict[str, Any]) -> str:
    """A short sentence around the figure."""
    when = _when(plan)
    if plan.insight == "genres" and value is not None:
        return _genre_sentence(plan, value, result, when)
    if plan.insight == "eras" and value is not None:
        return _era_sentence(plan, value, result, when)
    who = _subject(plan)
    fig = plan.figure
    if fig in EDGE_PLAYS and plan.start is None and plan.end is None and not plan.filter_label:
        when = "ever"
    if value is None:
        if who:
            return f"No listening to {who} {when}."
        return f"Nothing to report {when}: no plays matched."
    v = _num(value)
    if fig == "rows.0.name":
        rows = result.get("rows") or []
        entity = result.get("entity", "artists")
        by = result.get("by", "time")
        limit = int(plan.params.get("limit", 10))
        first = rows[0]
        amount = f"{first['plays']:,} plays" if by == "plays" else f"{format_hours(first['ms_played'])} hours"
        of = f" by {first['by']}" if first.get("by") and not (who and entity == "tracks") else ""
        scope = f" of {who}" if who else ""
        text = f"Your top {entity[:-1]}{scope} {when} is {first['name']}{of} ({amount})."
        if limit > 1 and len(rows) > 1:
            shown = rows[: min(limit, 10)]
            text += " Top " + str(len(shown)) + ": " + "; ".join(
                f"{r['rank']}. {r['name']}" + (f" ({r['by']})" if r.get("by") and entity != "artists" and not who
                                                else "") for r in shown) + "."
        return text
    templates = {
        "totals.ms_played|hours": "You listened{to} for {v} hours {when}.",
        "totals.ms_played|minutes": "You listened{to} for {v} minutes {when}.",
        "totals.plays": "You played{obj} {v} times {when}." ,
        "totals.days_listened": "You listened{to} on {v} days {when}.",
        "@share_episode": "Podcasts are {v}% of your listening time {when}.",
        "@share_audiobook": "Audiobooks are {v}% of your listening time {when}.",
        "@days_without": "There were {v} days without listening{to} {when}.",
        "totals.artists": "You listened to {v} different artists {when}.",
        "totals.tracks": "You listened to {v} different tracks{of} {when}.",
        "totals.albums": "You listened to {v} different albums {when}.",
        "change.ms_played|pct": "Your listening time{to} changed by {v}% {when} against the period before.",
        "peak_hour": "You listen{to} most around {v}:00 {when}.",
        "peak_weekday|weekday": "Your biggest listening day of the week{to} is {v} ({when}).",
        "night_share|pct": "{v}% of your listening{to} happens at night (" + NIGHT_LABEL + ") {when}.",
        "week_split.weekend_share|pct": "{v}% of your listening{to} happens on weekends {when}.",
        "@peak_season": "You listen{to} most per day in {v} ({when}).",
        "longest_streak.days": "Your longest listening streak{to} {when} was {v} days in a row.",
        "longest_gap.days": "Your longest break{from_} {when} was {v} days.",
        "busiest_day.label": "Your busiest day{to} {when} was {v}.",
        "busiest_week.label": "Your busiest week{to} {when} was {v}.",
        "busiest_month.label": "Your busiest month{to} {when} was {v}.",
        "@biggest_day": "Your biggest day of listening{to} {when} was {v}.",
        "@biggest_month": "Your biggest month of listening{to} {when} was {v}.",
        "@week_split": "Per day, you listen{to} more on {v} ({when}).",
        "@first_play": "Your earliest play{to} {when} was on {v}.",
        "@first_song": "The first song you played {when} was {v}.",
        "@last_play": "Your last play{to} {when} was on {v}.",
        "days_listened": "You listened{to} on {v} days {when}.",
        "minutes_per_day|round1": "You listened{to} {v} minutes a day on average {when}.",
        "longest.0.duration_s|smin": "Your longest session {when} lasted {v} minutes.",
        "count": "You had {v} listening sessions {when}.",
        "median_duration_s|smin": "Your typical (median) session {when} lasts {v} minutes.",
        "rate|pct": "You skipped{obj} {v}% of the time {when}.",
        "skips": "You skipped {v} tracks {when}.",
        "by_artist.0.name": "The artist you skip most {when} is {v}.",
        "always_skipped.0.name": "The track you almost always skip {when} is {v}.",
        "by_track.0.name": "The track you skip most {when} is {v}.",
        "new_artists": "You discovered {v} new artists {when}.",
        "new_tracks": "You discovered {v} new tracks {when}.",
        "became_favourites": "{v} of the artists you discovered {when} became favourites.",
        "discoveries.0.artist": "Your biggest discovery {when} was {v}.",
        "discoveries.0.first_day": "You first listened to {who} on {v}.",
        "lifecycles.0.last_day": "You last listened to {who} on {v}.",
        "total.effective_artists|round1": "Your listening {when} was as varied as {v} equally played artists.",
        "one_week_wonder_count": "You had {v} one-week wonders {when}.",
        "in_rotation_count": "{v} long-known artists are still in your rotation {when}.",
        "longest_loved.0.artist": "The artist you have loved longest is {v} ({when}).",
        "obsessions.0.name": "Your biggest obsession {when} was {v}.",
        "obsessions|len": "{who} was an obsession {v} time(s) {when}.",
        "favourites.0.artist": "A forgotten favourite: {v}.",
        "on_this_day.0.plays": "On this day in earlier years you played {v} tracks.",
        "completion_rate|pct": "You finished {v}% of the albums you started {when}.",
        "albums.0.album": "The album you listened through most {when} is {v}.",
        "listen_throughs": "You listened to {v} albums all the way through {when}.",
        "episodes": "You played {v} podcast episodes{of} {when}.",
        "finish_rate|pct": "You finished {v}% of the podcast episodes you started {when}.",
        "shows": "You listened to {v} podcast shows {when}.",
        "new_shows|len": "You started {v} new podcast shows {when}.",
        "ms_played|hours": "You listened to {v} hours of {what} {when}.",
        "ms_played|minutes": "You listened to {v} minutes of {what} {when}.",
        "finished_books": "You finished {v} audiobooks {when}.",
        "chapters_played": "You played {v} audiobook chapters {when}.",
        "books": "You listened to {v} audiobooks {when}.",
        "by_book.0.book": "Your top audiobook {when} is {v}.",
        "by_book.0.progress|pct": "You are {v}% through {who}.",
        "countries|len": "You listened in {v} countries {when}.",
        "countries.0.country": "You listen most in {v} ({when}).",
        "abroad_share|pct": "{v}% of your listening {when} happened abroad.",
        "trips|len": "You made {v} trips abroad {when}.",
        "offline.time_share|pct": "{v}% of your listening {when} was offline.",
        "shuffle.time_share|pct": "{v}% of your listening {when} was on shuffle.",
        "incognito.time_share|pct": "{v}% of your listening {when} was in private sessions.",
        "devices.0.device": "Your main device {when} is {v}.",
        "top_artists.0.name": "Your Wrapped {when}: top artist {v}.",
        "@similar": "Artists you treat like {who}: {v}.",
    }
    template = templates.get(fig or "")
    if template is None:
        return f"{plan.insight} {when}: {v}."
    what = {"podcasts": "podcasts", "audiobooks": "audiobooks"}.get(plan.insight or "", "music")
    return template.format(v=v, when=when, who=who or "it", to=f" to {who}" if who else "",
                           obj=f" {who}" if who else "", of=f" by {who}" if who else "", what=what,
                           from_=f" from {who}" if who else "").replace("  ", " ")


EXAMPLES = [
    "who did I listen to most last summer?", "top 5 songs in 2023", "how many hours did I listen this year?",
    "how much did I listen to <artist> in 2020?", "when did I discover <artist>?", "artists like <artist>",
    "what time of day do I listen most?", "what's my longest streak?", "how long are my sessions?",
    "what do I skip most?", "how many new artists did I find last year?", "how diverse is my listening?",
    "which artists am I still loyal to?", "what was I obsessed with in 2022?", "what have I forgotten?",
    "how many albums did I listen to all the way through?", "how many hours of podcasts this year?",
    "which audiobooks did I finish?", "which device do I use most?", "my wrapped for 2023",
    "what are the chapters of my life?", "what are my listening modes?", "why do I skip songs?",
    "what unusual moments are in my history?", "is some of this listening not mine?",
    "what should I listen to again?", "how has my taste changed?", "what genre do I listen to most?",
    "what decade is my music from?",
]


def can_answer() -> list[str]:
    """What ``ask`` understands: one example per intent (AI ones only when their insight is installed)."""
    names = {s.name for s in registry.all_insights()}
    out = []
    for example in EXAMPLES:
        intent = {"chapters": "chapters", "modes": "modes", "why do I skip": "skip-model", "moments": "moments",
                  "not mine": "noise", "listen to again": "recommend", "taste": "taste", "genre": "genres",
                  "decade": "eras"}
        needed = next((v for k, v in intent.items() if k in example), None)
        if needed is None or needed in names or (needed in AI_INSIGHTS and needed in names):
            out.append(example)
    return out


def closest_questions(question: str) -> list[str]:
    """What ``ask`` understands, the questions nearest to ``question`` first (word overlap, then spelling)."""
    from rapidfuzz import fuzz

    from linernotes.ask.entities import fold

    words = set(fold(question).split()) - {"i", "my", "me", "a", "the", "to", "of", "is", "what", "do", "did"}

    def closeness(example: str) -> tuple[int, float]:
        shared = len(words & set(fold(example).split()))
        return shared, fuzz.token_set_ratio(fold(question), fold(example))

    return sorted(can_answer(), key=closeness, reverse=True)


def not_understood(question: str, plan: Plan | None, note: str | None = None) -> Answer:
    lines = note or "I am not sure what you are asking, so I give no figure rather than a wrong one."
    closest = closest_questions(question)
    answer = Answer(question=question, understood=False,
                    sentence=f"{lines} The closest questions I can answer: " + "; ".join(closest[:5]) + ".",
                    explain=list(plan.why) if plan else [], can_answer=closest)
    if plan is not None:  # what was understood, so that a missing insight still shows how it was read
        answer.insight, answer.params, answer.filters = plan.insight, dict(plan.params), dict(plan.filters)
        answer.start, answer.end, answer.period, answer.entity = plan.start, plan.end, plan.period_label, plan.entity
    return answer


def answer_plan(plan: Plan, con: duckdb.DuckDBPyConnection, engine: Engine) -> Answer:
    """Run ``plan`` and build the :class:`Answer` (template wording)."""
    t0 = time.perf_counter()
    if not plan.understood:
        return not_understood(plan.question, plan)
    result, note = run_plan(plan, con, engine)
    base: dict[str, Any] = dict(question=plan.question, understood=True, insight=plan.insight, params=dict(plan.params),
                start=plan.start, end=plan.end, period=plan.period_label, filters=dict(plan.filters),
                entity=plan.entity, figure=plan.figure, explain=list(plan.why))
    if result is None and plan.insight == "similar" and note is None:
        pairs = similar_fallback(plan, engine)
        names = [a for a, _ in pairs]
        answer = Answer(**base, value=names[0] if names else None, sentence=(
            f"Artists you treat like {plan.params.get('artist')}: {', '.join(names)}." if names else
            f"Not enough co-listening with {plan.params.get('artist')} to find similar artists."),
            result={"similar": [{"artist": a, "similarity": round(s, 4)} for a, s in pairs]})
        answer.explain.append("taste model (no `similar` insight registered)")
        answer.elapsed_ms = (time.perf_counter() - t0) * 1000
        return answer
    if result is None:
        return not_understood(plan.question, plan, (note or "Not available.").capitalize() + ".")
    data = result.to_dict()
    body = data["result"]
    value = extract(body, plan.figure) if plan.figure not in EDGE_PLAYS else edge_play(plan, con, engine)
    unit = UNITS.get(plan.figure.partition("|")[2]) if "|" in plan.figure else None
    if plan.figure.startswith("@share_"):
        unit = "%"
    if plan.insight == "genres" and (not body.get("genre_plays") or (
            plan.params.get("genre") and not (body.get("focus") or {}).get("matched"))):
        # no play has a genre, or none the genre asked for: no figure (not "0 genres", not "0 hours of metal");
        # the insight's first sentence says why
        value = None
    if plan.insight == "eras" and not (body.get("country_plays") if plan.figure.startswith(
            ("countries", "country_count", "home_share")) else body.get("year_plays")):
        value = None  # nothing enriched for that: the insight's first sentence says where it comes from
    text = sentence(plan, value, body)
    plays = result.meta.plays if result.meta is not None else 0
    withheld = body.get("withheld") if isinstance(body, dict) else None
    if value is None and withheld:  # the insight left the figure out for too little data: say why
        reason = str(withheld[0]).split(": ", 1)[-1]  # "what: why" → why
        text = f"Not enough data for that: {reason}."
    elif value is None and plays and data["summary"]:
        text = data["summary"][0]  # plays matched but the figure is empty: the insight says why best
    elif plan.insight in AI_INSIGHTS and data["summary"]:
        # the models word their own findings best: the first lines of the insight's summary
        lines = data["summary"][:2] if plan.insight not in ("moments",) else data["summary"][1:2]
        text = " ".join(lines) or text
    answer = Answer(**base, value=value, unit=unit, sentence=text, summary=list(data["summary"]),
                    command=command_for(plan), result=data)
    answer.elapsed_ms = (time.perf_counter() - t0) * 1000
    return answer
