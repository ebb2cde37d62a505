"""The report's sections, in reading order: what each one says, shows and lists, built from a :class:`Story`.

A section never computes a figure: sentences come from the insights' ``summary()``, charts from
:mod:`linernotes.report.charts`, tables straight from the result rows. A section whose insight found nothing
still appears, saying so (the summaries already carry that sentence) — but for genres, shown only when the
export records them, decades (eras), only with enough enriched music, and "you vs. the crowd", only with a
cooperative release.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from linernotes.formatting import format_count, format_date, format_date_range, format_percent
from linernotes.insights.top import TopResult
from linernotes.report import charts
from linernotes.report.build import Story
from linernotes.report.charts import Chart
from linernotes.report.crowd import CrowdRelease
from linernotes.units import format_hours


@dataclass(frozen=True)
class Stat:
    """A headline number (``metric`` names it for tests and scripts)."""

    metric: str
    value: str
    label: str
    headline: bool = False  # shown big in the page's header rather than in its section


@dataclass(frozen=True)
class Move:
    """A rank move as an arrow for the eye and words for a screen reader ("up 3 places")."""

    arrow: str  # "▲", "▼", "=", or "" for an entry that is new
    short: str  # what sits beside the arrow: "3", "new"
    words: str  # the whole move in words, read instead of arrow and number
    direction: str  # up, down, same, new: the CSS class that colours it

    def __str__(self) -> str:
        return self.words


@dataclass(frozen=True)
class Item:
    """A list entry with a heading and a series colour (a chapter: its title, dates and paragraph)."""

    title: str
    meta: str
    text: str
    slot: int  # the identity's series slot: the same colour as on the chart


@dataclass(frozen=True)
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str | Move]]
    numeric: frozenset[int] = frozenset()  # column indexes to right-align
    secondary: frozenset[int] = frozenset()  # column indexes a phone-wide page leaves out


@dataclass
class Section:
    id: str
    title: str
    sentences: list[str]
    stats: list[Stat] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # a plain list (obsessions, moments, picks)
    cards: list[Item] = field(default_factory=list)  # entries with a title and a colour (chapters)
    subtitle: str | None = None  # an h3 above the items


def _charts(*found: Chart | None) -> list[Chart]:
    return [c for c in found if c is not None]


def _move(change: int | None, previous: int | None) -> Move:
    if previous is None:
        return Move("", "new", "new", "new")
    if not change:
        return Move("=", "", "same rank", "same")
    places = "place" if abs(change) == 1 else "places"
    if change > 0:
        return Move("▲", str(change), f"up {change} {places}", "up")
    return Move("▼", str(-change), f"down {-change} {places}", "down")


def _day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def top_table(r: TopResult, what: str) -> Table:
    """A top list, with its rank moves against the period of equal length before when there is one (a
    whole-history report has nothing before it: no move columns then, rather than a column of dashes)."""
    compared = r.previous_start is not None
    with_by = any(row.by for row in r.rows)
    columns = ["#", what] + (["artist"] if with_by else []) + ["hours", "plays"]
    if compared:
        columns += ["rank before", "move"]
    rows: list[list[str | Move]] = []
    for row in r.rows:
        cells: list[str | Move] = [str(row.rank), row.name]
        cells += [row.by or ""] if with_by else []
        cells += [format_hours(row.ms_played), format_count(row.plays)]
        if compared:
            cells += [str(row.previous_rank) if row.previous_rank else "—", _move(row.rank_change, row.previous_rank)]
        rows.append(cells)
    before = (f" (moves against {format_date_range(_day(r.previous_start), _day(r.previous_end))})"
              if r.previous_start is not None and r.previous_end is not None else "")
    first_numeric = 3 if with_by else 2
    return Table(f"Top {len(r.rows)} {r.entity}{before}", columns, rows,
                 frozenset({0, *range(first_numeric, first_numeric + (3 if compared else 2))}),
                 frozenset({first_numeric + 2}) if compared else frozenset())


def overview(s: Story) -> Section:
    t = s.overview.totals
    stats = [
        Stat("hours", format_hours(t.ms_played), "hours listened", headline=True),
        Stat("plays", format_count(t.plays), "plays", headline=True),
        Stat("days", format_count(t.days_listened), f"days with music, of {format_count(t.days_in_period)}",
             headline=True),
        Stat("artists", format_count(t.artists), "artists"),
        Stat("tracks", format_count(t.tracks), "tracks"),
    ]
    change = s.overview.change.get("ms_played")
    if change is not None:
        stats.append(Stat("change", ("+" if change > 0 else "") + format_percent(change),
                          "time against the period before"))
    # A history from one service says so in a line here; several get a section of their own (sources).
    where = s.sources.summary() if len(s.sources.sources) == 1 else []
    return Section("overview", "The headline numbers", s.overview.summary() + where, stats=stats,
                   charts=_charts(charts.by_kind(s.overview)))


def sources(s: Story) -> Section:
    """Which services the history comes from: each one's span, plays, hours and what a play of it means."""
    r = s.sources
    rows: list[list[str | Move]] = [
        [row.name, format_date_range(row.first_day, row.last_day), format_count(row.plays),
         format_hours(row.ms_played) if row.ms_played is not None else "not recorded", row.play_meaning]
        for row in r.sources]
    return Section("sources", "Where your listening comes from", r.summary(),
                   tables=[Table(f"Plays by service (policy {r.policy})", ["service", "span", "plays", "hours",
                                                                           "what counts as a play"],
                                 rows, frozenset({2, 3}))])


def chapters(s: Story) -> Section:
    r = s.chapters
    cards = [Item(f"{c.index}. {c.title}", f"{format_date_range(c.start, c.end)} · {charts.chapter_pace(c)}",
                  c.paragraph, charts.chapter_slot(c.index)) for c in r.chapters]
    return Section("chapters", "Chapters", r.summary(), charts=_charts(charts.chapters_timeline(r)), cards=cards,
                   subtitle="Each chapter" if r.chapters else None)


def modes(s: Story) -> Section:
    return Section("modes", "How you listen: modes", s.modes.summary(), charts=_charts(charts.modes_share(s.modes)))


def top(s: Story) -> Section:
    sentences = s.top_artists.summary() + s.top_tracks.summary()
    tables = [top_table(s.top_artists, "artist")] if s.top_artists.rows else []
    if s.top_tracks.rows:
        tables.append(top_table(s.top_tracks, "track"))
    return Section("top", "Top artists and tracks", sentences, tables=tables,
                   charts=_charts(charts.top_bars(s.top_artists, "chart-top-artists")))


def genres(s: Story) -> Section | None:
    """Only for a library whose plays in the period have genres (an Apple Music export): most exports record
    none, and a section per report saying so would be noise; the dashboard's page and `ask` say it instead."""
    r = s.genres
    if not r.genre_plays:
        return None
    rows: list[list[str | Move]] = [[str(g.rank), g.name, format_hours(g.ms_played), format_count(g.plays),
                                     format_percent(g.share)] for g in r.top]
    tables = [Table(f"Top {len(r.top)} genres (shares of the {format_percent(r.genre_time_share)} of your music "
                    "time with a genre)", ["#", "genre", "hours", "plays", "share"], rows,
                    frozenset({0, 2, 3, 4}))] if rows else []
    return Section("genres", "Genres", r.summary(), tables=tables,
                   charts=_charts(charts.genre_bars(r), charts.genres_over_time(r)))


def eras(s: Story) -> Section | None:
    """Only with enough music with a release year (`linernotes enrich`): no export records one, and a section
    per report saying so would be noise; the dashboard's page says it instead."""
    r = s.eras
    if not r.enough:
        return None
    amount = "hours" if r.measure == "time" else "plays"
    rows: list[list[str | Move]] = [
        [d.label, format_hours(d.ms_played) if r.measure == "time" else format_count(d.plays),
         format_count(d.plays), format_percent(d.share)] for d in r.decades]
    tables = [Table(f"Decades of release (shares of the {r.coverage_words()} with a release year)",
                    ["released in the", amount, "plays", "share"], rows, frozenset({1, 2, 3}))]
    if r.countries:
        tables.append(Table("Artists' countries (shares of the music whose artist's country is known)",
                            ["country", "plays", "share"],
                            [[c.name, format_count(c.plays), format_percent(c.share)] for c in r.countries],
                            frozenset({1, 2})))
    return Section("eras", "Decades of the music", r.summary(), tables=tables,
                   charts=_charts(charts.decade_bars(r), charts.decades_over_time(r), charts.country_bars(r)))


def clock(s: Story) -> Section:
    return Section("clock", "Your listening clock", s.clock.summary(), charts=_charts(charts.clock_heatmap(s.clock)))


def calendar(s: Story) -> Section:
    return Section("calendar", "Day by day", s.calendar.summary(), charts=_charts(charts.calendar_chart(s.calendar)))


def discovery(s: Story) -> Section:
    r = s.discovery
    items = [f"{d.artist}: first heard {format_date(d.first_day)}, {format_hours(d.ms_played)} hours since"
             + (f", a favourite {format_count(d.days_to_favourite)} days later"
                if d.days_to_favourite is not None else "")
             for d in r.discoveries[:5]]
    return Section("discovery", "Discoveries", r.summary(), charts=_charts(charts.discovery_months(r)),
                   items=items, subtitle="Biggest finds" if items else None)


def skips(s: Story) -> Section:
    sentences = s.skips.summary() + s.skip_model.summary()
    return Section("skips", "Skips, and what drives them", sentences,
                   charts=_charts(charts.skip_hours(s.skips), charts.skip_factors(s.skip_model)))


def obsessions(s: Story) -> Section:
    items = [f"{o.name}" + (f" by {o.artist}" if o.type == "track" and o.artist else "")
             + f": {format_date(o.start)} to {format_date(o.end)}, {format_count(o.plays)} plays, "
             f"{format_percent(o.share)} of your music then"
             for o in s.obsessions.obsessions]
    return Section("obsessions", "Obsessions", s.obsessions.summary(), items=items,
                   subtitle="Every obsession" if items else None)


def rediscover(s: Story) -> Section:
    r, rec = s.rediscover, s.recommend
    items = [f"{f.artist}: {f.hours:,.1f} hours until {f.last_day:%B %Y}, silent for "
             f"{format_count(f.absence_days)} days"
             for f in r.favourites[:5]]
    items += [f"{p.name}" + (f" by {p.artist}" if p.kind != "artist" else "") + f": {p.why}"
              for p in (rec.artists[:3] + rec.tracks[:3] + rec.deep_cuts[:2])]
    return Section("rediscover", "Forgotten favourites", r.summary() + rec.summary(), items=items,
                   subtitle="Worth putting back on" if items else None)


def podcasts(s: Story) -> Section:
    return Section("podcasts", "Podcasts", s.podcasts.summary(), charts=_charts(charts.podcast_shows(s.podcasts)))


def audiobooks(s: Story) -> Section:
    return Section("audiobooks", "Audiobooks", s.audiobooks.summary(),
                   charts=_charts(charts.audiobook_progress(s.audiobooks)))


def moments(s: Story) -> Section:
    r = s.moments
    summary = r.summary()
    # The summary already lists the strongest five; the list shows the rest of the top ten.
    items = [m.sentence for m in r.moments[5:10]]
    return Section("moments", "Moments", summary, items=items, subtitle="More moments" if items else None)


def personality(s: Story) -> Section:
    axes = s.wrapped.personality
    leaning = [a.leaning_text for a in axes if a.leaning_text]
    sentences = ([f"Your listening leans towards {', '.join(leaning)}."] if leaning
                 else ["Not enough listening in this period to place you on the personality axes."])
    items = [f"{a.name}: {format_percent(a.score)} ({a.low_pole} 0% ↔ {a.high_pole} 100%; your whole history: "
             + (format_percent(a.lifetime) if a.lifetime is not None else "not measured") + f") — {a.formula}"
             for a in axes if a.score is not None]
    return Section("personality", "Your listening personality", sentences,
                   charts=_charts(charts.personality_axes(axes)), items=items,
                   subtitle="How each axis is measured" if items else None)


def crowd(release: CrowdRelease) -> Section:
    """The person's percentile on every published metric, with its uncertainty; the crowd's top artists and the
    shared taste model's picks (all computed on the device by :mod:`linernotes.coop.crowd`)."""
    c = release.comparison
    if c is None:
        return Section("crowd", "You vs. the crowd", [release.note()])
    rows: list[list[str | Move]] = [
        [m.metric.replace("_", " "), f"{m.value:,.3g} {m.unit}", format_percent(m.percentile / 100, digits=1),
         f"± {m.uncertainty:.1f} points"] for m in c.metrics]
    items = [f"The crowd's favourite: {a} (~{format_count(n)} contributors)" for a, n in c.top_artists[:5]]
    items += [f"New to you, close to what you play now: {a}" for a, _ in c.recommendations[:5]]
    return Section("crowd", "You vs. the crowd", [release.note()],
                   tables=[Table("You against the crowd, metric by metric",
                                 ["metric", "you", "contributors below you", "uncertainty"], rows,
                                 frozenset({1, 2, 3}))],
                   items=items, subtitle="The crowd, and what it suggests" if items else None)


def all_sections(s: Story, release: CrowdRelease | None = None) -> list[Section]:
    """Every section in reading order; "where your listening comes from" only when it comes from several
    services; genres only when the period's plays have some, decades only with enough music with a release year;
    "you vs. the crowd" only when a cooperative release is present."""
    out = [overview(s), *([sources(s)] if len(s.sources.sources) > 1 else []), chapters(s), modes(s), top(s),
           *[g for g in (genres(s), eras(s)) if g is not None], clock(s), calendar(s), discovery(s), skips(s),
           obsessions(s), rediscover(s), podcasts(s), audiobooks(s), moments(s), personality(s)]
    if release is not None:
        out.append(crowd(release))
    return out
