"""Story mode: a period told as a few full-screen slides, like a year-end Wrapped, each one finding with its chart.

Every slide comes from insight runs through the registry (``wrapped``, ``clock``, ``calendar``, ``discovery``,
``podcasts``, ``chapters``, ``genres``, ``eras``) and exists only when the period holds enough listening to support
it: no top-artist slide from a handful of plays, no streak from a two-day history, no podcast slide without podcasts.
A slide's figure and sentence are formatted here (:mod:`linernotes.formatting`, :func:`linernotes.units.format_hours`),
so the dashboard, the share card and a test all read the same words. Slides carry music, numbers and dates
only — never a path, a device, a place or a user name — because each one can become a share card.

    with open_library("my.duckdb", read_only=True) as lib:
        story = tell(lib, Scope.make(start="2024-01-01", end="2024-12-31"))
        [s.id for s in story.slides]  # ['hours', 'top-artist', 'top-track', 'clock', ...]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from linernotes.engine import registry
from linernotes.engine.period import Period
from linernotes.engine.scope import Scope
from linernotes.formatting import count_of, format_count, format_date, format_date_range, format_percent, format_period
from linernotes.insights.calendar import CalendarResult
from linernotes.insights.chapters import ChaptersResult
from linernotes.insights.clock import ClockResult
from linernotes.insights.eras import ErasResult
from linernotes.insights.genres import GenresResult
from linernotes.insights.podcasts import PodcastsResult
from linernotes.insights.top import TopRow
from linernotes.insights.wrapped import WrappedResult
from linernotes.units import MS_PER_HOUR, format_hours

if TYPE_CHECKING:
    from linernotes.library import Library

# How much listening a finding needs before a slide states it (below these, the slide is left out).
MIN_PLAYS_FOR_TOPS = 20  # counted plays before "your top artist" means more than "the one you happened to play"
MIN_NAMES_FOR_TOPS = 3  # a top of one or two names is not a ranking
MIN_DAYS_FOR_CLOCK = 7  # days with listening before "you listen most at 22:00" is a habit, not an evening
MIN_PLAYS_FOR_CLOCK = 50
MIN_STREAK_DAYS = 3  # a streak of two days is just two days
MIN_PLAYS_FOR_PERSONALITY = 100
MAX_CHAPTERS_SHOWN = 6  # a longer listening life is shown by the period's own chapters
MIN_PODCAST_MS = MS_PER_HOUR  # minutes of podcasts are a sampling, not a habit worth a slide
DAILY_UP_TO_DAYS = 62  # a period up to two months is drawn a column a day; a longer one a column a month
STREAK_MARGIN_DAYS = 14  # days shown either side of the longest streak
TOP_ROWS = 5
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

ChartKind = Literal["columns", "bars", "heatmap"]


@dataclass(frozen=True)
class Mark:
    """One column or bar: its ``label`` (an axis label for columns, the name for bars), its ``value`` in the
    chart's unit, the ``text`` written beside it (already formatted) and its series colour (None: the slide's)."""

    label: str
    value: float
    text: str
    series: int | None = None


@dataclass(frozen=True)
class Chart:
    """A slide's chart, drawn by the dashboard (charts.js) and by the share card from the same marks.

    ``caption`` is the chart's sentence: what it shows in words, its text alternative. ``unit`` names what a
    columns chart's value axis counts ("h" hours, "min" minutes, "" a count); ``selected`` is the range of
    columns the slide is about (the streak); ``grid`` is the heatmap's 7 × 24 minutes."""

    kind: ChartKind
    caption: str
    marks: list[Mark] = field(default_factory=list)
    unit: str = ""
    full: float | None = None  # the value a bar across the whole width stands for (None: the largest mark)
    selected: tuple[int, int] | None = None
    grid: list[list[float]] | None = None


@dataclass(frozen=True)
class Slide:
    """One finding: a ``title`` (what it is about), a big ``figure`` with its ``label`` under it, the
    ``sentence`` that says it in full, a ``chart``, and a ``series`` colour index from the identity."""

    id: str
    title: str
    figure: str
    label: str
    sentence: str
    chart: Chart
    series: int
    # Whether the figure is a name (wrapped and, at worst, shortened on a card) or a number (never cut).
    figure_is_name: bool = False


@dataclass(frozen=True)
class Story:
    """The slides of one period; ``period`` is what the cards and the page call it ("2024", a date range)."""

    start: dt.date | None
    end: dt.date | None
    period: str
    slides: list[Slide]

    def slide(self, slide_id: str) -> Slide | None:
        return next((s for s in self.slides if s.id == slide_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {"meta": {"start": self.start.isoformat() if self.start else None,
                         "end": self.end.isoformat() if self.end else None, "period": self.period},
                "slides": [asdict(s) for s in self.slides]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Story:
        """The story :meth:`to_dict` wrote (the dashboard draws a slide's card from its cached JSON)."""
        meta = data["meta"]

        def chart(c: dict[str, Any]) -> Chart:
            selected = c.get("selected")
            return Chart(c["kind"], c["caption"], [Mark(**m) for m in c["marks"]], c["unit"], c["full"],
                         (selected[0], selected[1]) if selected else None, c["grid"])

        return cls(dt.date.fromisoformat(meta["start"]) if meta["start"] else None,
                   dt.date.fromisoformat(meta["end"]) if meta["end"] else None, meta["period"],
                   [Slide(**{**s, "chart": chart(s["chart"])}) for s in data["slides"]])


def tell(lib: Library, scope: Scope | None = None) -> Story:
    """The story of ``scope``'s period: every slide its data supports, in the order a story reads."""
    scope = scope or Scope()

    def run(name: str, **params: Any) -> Any:
        return registry.run(lib.engine, name, scope, **params)

    wrapped: WrappedResult = run("wrapped")
    meta = wrapped.meta
    start, end = (meta.start, meta.end) if meta else (None, None)
    # The first local day of the whole history (one aggregate; a whole-history calendar run would cost a second on
    # a big library for this one date).
    ((first,),) = lib.con.execute("SELECT min(ts_local)::DATE FROM plays").fetchall()
    whole = replace(scope, period=Period())
    facts = _Facts(wrapped, run("calendar"), run, lambda name, **p: registry.run(lib.engine, name, whole, **p), first)
    found = [slide for build in SLIDES if (slide := build(facts)) is not None]
    # Each slide in its own colour of the identity, in story order: neighbours never share one. The series' last
    # colour, a grey, is left out: a slide is a celebration.
    slides = [replace(s, series=i % 7) for i, s in enumerate(found)]
    return Story(start, end, format_period(start, end), slides)


@dataclass
class _Facts:
    """What the slide builders read: the ``wrapped`` and ``calendar`` runs, ``run`` for the rest (``run_whole``
    over the whole history), and the first day with plays in the whole history."""

    wrapped: WrappedResult
    calendar: CalendarResult
    run: Callable[..., Any]
    run_whole: Callable[..., Any]  # as ``run``, over the whole history
    history_start: dt.date | None

    @property
    def timed(self) -> bool:
        """Whether the history records how long plays lasted (scrobbles record only that a track was played)."""
        return self.wrapped.totals.ms_played > 0

    @property
    def music_plays(self) -> int:
        return sum(k.plays for k in self.wrapped.totals.by_kind if k.kind == "track")

    @property
    def music_ms(self) -> int:
        return sum(k.ms_played for k in self.wrapped.totals.by_kind if k.kind == "track")


# ---- the slides, in story order --------------------------------------------------------------------------

def _hours(f: _Facts) -> Slide | None:
    t = f.wrapped.totals
    if not t.plays:
        return None
    days = count_of(t.days_listened, "day")
    chart = _over_time(f)
    if f.timed:
        total = _hours_text(t.ms_played)
        per_day = _hours_text(t.ms_per_active_day)
        return Slide("hours", "Time listening", total, "of listening",
                     f"You listened for {total} on {days}: {per_day} on a day you listened.", chart, 0)
    return Slide("hours", "Plays", count_of(t.plays, "play"), f"on {days}",
                 f"You played {count_of(t.plays, 'track')} on {days}.", chart, 0)


def _over_time(f: _Facts) -> Chart:
    """Listening a month (a day, in a short period) across the period, from the calendar's daily series."""
    daily = f.calendar.daily
    values = daily.minutes if f.timed else [float(p) for p in daily.plays]
    if daily.start is None or not values:
        return Chart("columns", "No listening in this period.")
    days = [daily.start + dt.timedelta(days=i) for i in range(len(values))]
    if len(days) <= DAILY_UP_TO_DAYS:
        buckets = [(f"{d.day} {MONTHS[d.month - 1]}", format_date(d), v) for d, v in zip(days, values, strict=True)]
        per = "a day"
    else:
        months: dict[tuple[int, int], float] = {}
        for d, v in zip(days, values, strict=True):
            months[(d.year, d.month)] = months.get((d.year, d.month), 0.0) + v
        years = [y for y, _ in months]
        # Months of one year are labelled by name; over years, each year at its first month — unless the chart
        # holds only a few months of it (its label would run into the next year's).
        buckets = [(MONTHS[m - 1] if len(set(years)) == 1 else str(y) if years.count(y) >= 4 else "",
                    f"{MONTHS[m - 1]} {y}", v) for (y, m), v in months.items()]
        per = "a month"
    if f.timed:
        marks = [Mark(label, minutes / 60, f"{name}: {_hours_text(minutes * 60_000)}")
                 for label, name, minutes in buckets]
    else:
        marks = [Mark(label, plays, f"{name}: {count_of(round(plays), 'play')}") for label, name, plays in buckets]
    best = max(range(len(marks)), key=lambda i: marks[i].value)
    best_text = marks[best].text.split(": ", 1)
    caption = (f"Listening {per}, {buckets[0][1]} to {buckets[-1][1]}: the most in {best_text[0]} "
               f"({best_text[1]}).")
    return Chart("columns", caption, marks, unit="h" if f.timed else "")


def _top(f: _Facts, rows: list[TopRow], distinct: int, what: str, slide_id: str, title: str) -> Slide | None:
    if f.music_plays < MIN_PLAYS_FOR_TOPS or distinct < MIN_NAMES_FOR_TOPS:
        return None
    timed = f.music_ms > 0
    if not timed:  # scrobbles only: a ranking by listening time would be a ranking of zeros
        rows = f.run("top", entity=what, by="plays", limit=TOP_ROWS).rows
    if not rows:
        return None
    first = rows[0]
    by = f" by {first.by}" if first.by else ""
    amount = (f"{_hours_text(first.ms_played)}, {format_percent(first.share)} of your music time" if timed
              else count_of(first.plays, "play"))
    marks = [Mark(r.name + (f" · {r.by}" if r.by else ""), r.ms_played if timed else r.plays,
                  _hours_text(r.ms_played) if timed else count_of(r.plays, "play")) for r in rows[:TOP_ROWS]]
    caption = (f"Your top {len(marks)} {what}, by {'listening time' if timed else 'plays'}: "
               + ", ".join(f"{m.label} ({m.text})" for m in marks) + ".")
    return Slide(slide_id, title, first.name, f"{what[:-1]} number one" + (f", by {first.by}" if first.by else ""),
                 f"Your top {what[:-1]}: {first.name}{by} — {amount}.", Chart("bars", caption, marks), 0,
                 figure_is_name=True)


def _top_artist(f: _Facts) -> Slide | None:
    return _top(f, f.wrapped.top_artists, f.wrapped.totals.artists, "artists", "top-artist", "Your top artist")


def _top_track(f: _Facts) -> Slide | None:
    return _top(f, f.wrapped.top_tracks, f.wrapped.totals.tracks, "tracks", "top-track", "Your top track")


def _top_genre(f: _Facts) -> Slide | None:
    """Only where the export names genres, and enough music has one (the genres insight's own threshold)."""
    if f.music_ms <= 0:
        return None
    g: GenresResult = f.run("genres")
    if not g.enough or not g.top or len(g.top) < 2:
        return None
    first = g.top[0]
    known = format_percent(g.genre_time_share)
    marks = [Mark(r.name, r.ms_played, f"{_hours_text(r.ms_played)}, {format_percent(r.share)}") for r in
             g.top[:TOP_ROWS]]
    caption = (f"Your top {len(marks)} genres by listening time, over the {known} of your music time that has a "
               "genre: " + ", ".join(f"{m.label} ({m.text})" for m in marks) + ".")
    return Slide("top-genre", "Your top genre", first.name, f"genre number one, of the {known} with a genre",
                 f"Your top genre: {first.name} — {_hours_text(first.ms_played)}, {format_percent(first.share)} of "
                 f"your music time with a genre (genres are known for {known} of it).",
                 Chart("bars", caption, marks), 0, figure_is_name=True)


def _decades(f: _Facts) -> Slide | None:
    """Only after `linernotes enrich`, with enough music with a release year (the eras insight's threshold):
    "Your 2023 was 78% music from the 2010s" when the period is one year of listening, else the leading decade."""
    if f.music_ms <= 0:
        return None
    e: ErasResult = f.run("eras")
    if not e.enough or len(e.decades) < 2:
        return None
    known = e.coverage_words()
    # The biggest decades (a card has room for three bars), in the order they came.
    biggest = sorted(sorted((d for d in e.decades if d.ms_played > 0), key=lambda d: (-d.share, d.decade))[:3],
                     key=lambda d: d.decade)
    marks = [Mark(d.label, d.ms_played, f"{_hours_text(d.ms_played)}, {format_percent(d.share)}") for d in biggest]
    if len(marks) < 2:
        return None
    caption = (f"Your {len(marks)} biggest decades of release, over the {known} that has a release year: "
               + ", ".join(f"{m.label} ({m.text})" for m in marks) + ".")
    if len(e.listening_years) == 1:
        y = e.listening_years[0]
        label, share = y.label, y.share
        sentence = f"Your {y.year} was {format_percent(share)} music from the {label}"
    else:
        top = max(e.decades, key=lambda d: (d.share, -d.decade))
        label, share = top.label, top.share
        sentence = f"{format_percent(share)} of your music with a release year is from the {label}"
    return Slide("decades", "Your decade", label, "the decade of release you play most",
                 f"{sentence} (release years are known for {known}).", Chart("bars", caption, marks), 0,
                 figure_is_name=True)


def _clock(f: _Facts) -> Slide | None:
    if not f.timed or f.wrapped.totals.days_listened < MIN_DAYS_FOR_CLOCK or \
            f.wrapped.totals.plays < MIN_PLAYS_FOR_CLOCK:
        return None
    clock: ClockResult = f.run("clock")
    if clock.peak_hour is None or not clock.total_ms:
        return None
    hour = f"{clock.peak_hour:02d}:00"
    night = format_percent(clock.night_share)
    caption = f"When you listen, by weekday and hour: the most around {hour}"
    if clock.peak_cell:
        day = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[clock.peak_cell[0] - 1]
        caption += f", above all on {day}s at {clock.peak_cell[1]:02d}:00"
    return Slide("clock", "Your hour", hour, "your peak hour",
                 f"You listen most around {hour}–{clock.peak_hour:02d}:59; {night} of your listening is at night "
                 "(22:00–04:59).", Chart("heatmap", caption + ".", grid=clock.heatmap), 0)


def _streak(f: _Facts) -> Slide | None:
    streak = f.calendar.longest_streak
    daily = f.calendar.daily
    if streak is None or streak.days < MIN_STREAK_DAYS or daily.start is None:
        return None
    when = format_date_range(streak.first_day, streak.last_day)
    first = max(0, (streak.first_day - daily.start).days - STREAK_MARGIN_DAYS)
    last = min(len(daily.minutes) - 1, (streak.last_day - daily.start).days + STREAK_MARGIN_DAYS)
    marks = []
    for i in range(first, last + 1):
        day = daily.start + dt.timedelta(days=i)
        # Plays, not minutes: a streak is days with music, and scrobbles have plays without durations.
        label = f"{MONTHS[day.month - 1]}" if day.day == 1 or (i == first and day.day < 20) else ""
        marks.append(Mark(label, daily.plays[i], f"{format_date(day)}: {count_of(daily.plays[i], 'play')}"))
    selected = ((streak.first_day - daily.start).days - first, (streak.last_day - daily.start).days - first)
    caption = (f"Plays a day around your longest streak, {when} (highlighted): plays on each of its "
               f"{count_of(streak.days, 'day')}.")
    return Slide("streak", "Your longest streak", count_of(streak.days, "day"), "in a row",
                 f"Your longest streak: {count_of(streak.days, 'day')} in a row of listening, {when}.",
                 Chart("columns", caption, marks, selected=selected), 0)


def _discovery(f: _Facts) -> Slide | None:
    start = f.wrapped.meta.start if f.wrapped.meta else None
    # "New to you" means something only when the history reaches back before the period: the first period of
    # a history is all new by definition.
    if start is None or f.history_start is None or f.history_start >= start:
        return None
    # The wrapped run has counted the period's new artists and the ones with the most time (as ``discovery``).
    found = f.wrapped.top_discoveries
    if not f.wrapped.new_artists or not found:
        return None
    timed = f.music_ms > 0
    marks = [Mark(x.artist, x.ms_played if timed else x.plays,
                  _hours_text(x.ms_played) if timed else count_of(x.plays, "play")) for x in found]
    best = found[0]
    caption = "Your biggest finds, by time with them: " + ", ".join(f"{m.label} ({m.text})" for m in marks) + "."
    return Slide("discovery", "New to you", format_count(f.wrapped.new_artists), "new artists",
                 f"{count_of(f.wrapped.new_artists, 'artist')} you had never played before. "
                 f"Your biggest find: {best.artist}, first heard on {format_date(best.first_day)}.",
                 Chart("bars", caption, marks), 0)


def _obsession(f: _Facts) -> Slide | None:
    found = f.wrapped.obsessions
    if not found:
        return None
    o = found[0]
    name = o.name if o.type == "artist" else f"{o.name}"
    when = format_date_range(o.start, o.end)
    what = "an artist binge" if o.type == "artist" else f"on repeat, by {o.artist}"
    marks = [Mark(x.name + (f" · {x.artist}" if x.type == "track" else ""), x.plays,
                  f"{count_of(x.plays, 'play')}, {format_date_range(x.start, x.end)}") for x in found]
    caption = "Your obsessions, by plays: " + "; ".join(f"{m.label} ({m.text})" for m in marks) + "."
    return Slide("obsession", "On repeat", name, what,
                 f"{name}{'' if o.type == 'artist' else ' by ' + o.artist} took over {when}: "
                 f"{count_of(o.plays, 'play')}, {format_percent(o.share)} of your music on those days.",
                 Chart("bars", caption, marks), 0, figure_is_name=True)


def _podcasts(f: _Facts) -> Slide | None:
    if not any(k.kind == "episode" and k.plays for k in f.wrapped.totals.by_kind):
        return None
    p: PodcastsResult = f.run("podcasts", limit=TOP_ROWS)
    if not p.by_show or p.ms_played < MIN_PODCAST_MS:
        return None
    top = p.by_show[0]
    marks = [Mark(s.show, s.ms_played, _hours_text(s.ms_played)) for s in p.by_show[:TOP_ROWS]]
    caption = "Your shows, by time: " + ", ".join(f"{m.label} ({m.text})" for m in marks) + "."
    return Slide("podcasts", "Podcasts", _hours_text(p.ms_played), f"of podcasts, {count_of(p.shows, 'show')}",
                 f"{_hours_text(p.ms_played)} of podcasts, " + (
                     f"all of them {top.show}." if p.shows == 1 else
                     f"from {count_of(p.shows, 'show')}; most of all {top.show} ({_hours_text(top.ms_played)})."),
                 Chart("bars", caption, marks), 0)


def _chapters(f: _Facts) -> Slide | None:
    r: ChaptersResult = f.run("chapters")
    if r.reason or not r.chapters or r.total < 2:
        return None
    here = r.chapters
    main = max(here, key=lambda c: c.hours)
    # The whole listening life when it is short enough to read at a glance, the period's chapters otherwise;
    # each chapter in its own series colour, the same as on the chapters page and in the report.
    whole: ChaptersResult = f.run_whole("chapters")
    shown = whole.chapters if len(whole.chapters) <= MAX_CHAPTERS_SHOWN else here
    # A chapter's hours are a float, kept to 6 decimals when the model's result comes from the disk cache: the
    # bar's length in whole minutes is the same whether the chapters were just computed or read back.
    marks = [Mark(c.title, round(c.hours * 60) * 60_000, f"{format_date_range(c.start, c.end)} · "
                  f"{_hours_text(c.hours * MS_PER_HOUR)}", series=c.index - 1) for c in shown]
    which = "All the chapters of your listening life" if shown is whole.chapters else "Your chapters in this period"
    caption = (f"{which}, each with its dates and its hours of listening: "
               + "; ".join(f"{m.label}, {m.text}" for m in marks) + ".")
    if len(here) == 1:
        sentence = (f"This period falls in chapter {main.index} of the {r.total} in your listening life: "
                    f"“{main.title}”, {format_date_range(main.start, main.end)}.")
    else:
        sentence = (f"This period spans chapters {here[0].index}–{here[-1].index} of the {r.total} in your listening "
                    f"life; the one you listened to most: “{main.title}”, {format_date_range(main.start, main.end)}.")
    return Slide("chapters", "Your chapter" if len(here) == 1 else "Your chapters", main.title,
                 f"chapter {main.index} of {r.total}", sentence, Chart("bars", caption, marks), 0,
                 figure_is_name=True)


def _personality(f: _Facts) -> Slide | None:
    if f.wrapped.totals.plays < MIN_PLAYS_FOR_PERSONALITY:
        return None
    axes = [a for a in f.wrapped.personality if a.score is not None and a.leaning]
    if len(axes) < 2:
        return None
    leanings = [a.leaning or "" for a in axes]
    marks = [Mark(f"{a.low_pole} ↔ {a.high_pole}", a.score or 0.0,
                  f"{format_percent(a.score)} {a.high_pole}") for a in axes]
    caption = ("Your listening on four scales, each the share towards its second pole: "
               + "; ".join(f"{m.label}: {m.text}" for m in marks) + ".")
    texts = [a.leaning_text or "" for a in axes]
    return Slide("personality", "Your listening personality", " · ".join(leanings), "you lean towards",
                 "Your listening leans towards " + ", ".join(texts) + ".", Chart("bars", caption, marks, full=1.0), 0,
                 figure_is_name=True)


def _hours_text(ms: float) -> str:
    return format_hours(ms, unit=" hours", whole_from=10, minutes_under_an_hour=True)


SLIDES: tuple[Callable[[_Facts], Slide | None], ...] = (
    _hours, _top_artist, _top_track, _top_genre, _decades, _clock, _streak, _discovery, _obsession, _podcasts,
    _chapters, _personality)
