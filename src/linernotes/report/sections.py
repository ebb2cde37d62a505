"""The report's sections, in reading order: what each one says, shows and lists, built from a :class:`Story`.

A section never computes a figure: sentences come from the insights' ``summary()``, charts from
:mod:`linernotes.report.charts`, tables straight from the result rows. A section whose insight found nothing
still appears, saying so (the summaries already carry that sentence).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()  # column indexes to right-align


@dataclass
class Section:
    id: str
    title: str
    sentences: list[str]
    stats: list[Stat] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # a plain list (obsessions, moments, picks)
    subtitle: str | None = None  # an h3 above the items


def _charts(*found: Chart | None) -> list[Chart]:
    return [c for c in found if c is not None]


def _move(change: int | None, previous: int | None, compared: bool) -> str:
    if not compared:
        return "—"
    if previous is None:
        return "new"
    if not change:
        return "="
    return f"▲ up {change}" if change > 0 else f"▼ down {-change}"


def top_table(r: TopResult, what: str) -> Table:
    """A top list with its rank moves against the period of equal length before."""
    compared = r.previous_start is not None
    with_by = any(row.by for row in r.rows)
    columns = ["#", what] + (["artist"] if with_by else []) + ["hours", "plays", "rank before", "move"]
    rows = [[str(row.rank), row.name] + ([row.by or ""] if with_by else [])
            + [format_hours(row.ms_played), f"{row.plays:,}", str(row.previous_rank) if row.previous_rank else "—",
               _move(row.rank_change, row.previous_rank, compared)] for row in r.rows]
    before = f" (moves against {r.previous_start} – {r.previous_end})" if compared else ""
    first_numeric = 3 if with_by else 2
    return Table(f"Top {len(r.rows)} {r.entity}{before}", columns, rows,
                 frozenset({0, *range(first_numeric, first_numeric + 3)}))


def overview(s: Story) -> Section:
    t = s.overview.totals
    stats = [
        Stat("hours", format_hours(t.ms_played), "hours listened"),
        Stat("plays", f"{t.plays:,}", "plays"),
        Stat("days", f"{t.days_listened:,}", f"days with music, of {t.days_in_period:,}"),
        Stat("artists", f"{t.artists:,}", "artists"),
        Stat("tracks", f"{t.tracks:,}", "tracks"),
    ]
    change = s.overview.change.get("ms_played")
    if change is not None:
        stats.append(Stat("change", f"{change:+.0%}", "time against the period before"))
    return Section("overview", "The headline numbers", s.overview.summary(), stats=stats,
                   charts=_charts(charts.by_kind(s.overview)))


def chapters(s: Story) -> Section:
    r = s.chapters
    return Section("chapters", "Chapters", r.summary(), charts=_charts(charts.chapters_timeline(r)),
                   items=[f"{c.title} ({c.start:%b %Y}–{c.end:%b %Y}): {c.paragraph}" for c in r.chapters],
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


def clock(s: Story) -> Section:
    return Section("clock", "Your listening clock", s.clock.summary(), charts=_charts(charts.clock_heatmap(s.clock)))


def calendar(s: Story) -> Section:
    return Section("calendar", "Day by day", s.calendar.summary(), charts=_charts(charts.calendar_chart(s.calendar)))


def discovery(s: Story) -> Section:
    r = s.discovery
    items = [f"{d.artist}: first heard {d.first_day:%-d %b %Y}, {format_hours(d.ms_played)} hours since"
             + (f", a favourite {d.days_to_favourite} days later" if d.days_to_favourite is not None else "")
             for d in r.discoveries[:5]]
    return Section("discovery", "Discoveries", r.summary(), charts=_charts(charts.discovery_months(r)),
                   items=items, subtitle="Biggest finds" if items else None)


def skips(s: Story) -> Section:
    sentences = s.skips.summary() + s.skip_model.summary()
    return Section("skips", "Skips, and what drives them", sentences,
                   charts=_charts(charts.skip_hours(s.skips), charts.skip_factors(s.skip_model)))


def obsessions(s: Story) -> Section:
    items = [f"{o.name}" + (f" by {o.artist}" if o.type == "track" and o.artist else "")
             + f": {o.start:%-d %b %Y} to {o.end:%-d %b %Y}, {o.plays:,} plays, {o.share:.0%} of your music then"
             for o in s.obsessions.obsessions]
    return Section("obsessions", "Obsessions", s.obsessions.summary(), items=items,
                   subtitle="Every obsession" if items else None)


def rediscover(s: Story) -> Section:
    r, rec = s.rediscover, s.recommend
    items = [f"{f.artist}: {f.hours:,.1f} hours until {f.last_day:%B %Y}, silent for {f.absence_days:,} days"
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
    items = [f"{a.name}: {a.score:.0%} ({a.low_pole} 0% ↔ {a.high_pole} 100%; your whole history: "
             + (f"{a.lifetime:.0%}" if a.lifetime is not None else "not measured") + f") — {a.formula}"
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
    rows = [[m.metric.replace("_", " "), f"{m.value:,.3g} {m.unit}", f"{m.percentile:.1f}", f"± {m.uncertainty:.1f}"]
            for m in c.metrics]
    items = [f"The crowd's favourite: {a} (~{n:,} contributors)" for a, n in c.top_artists[:5]]
    items += [f"New to you, close to what you play now: {a}" for a, _ in c.recommendations[:5]]
    return Section("crowd", "You vs. the crowd", [release.note()],
                   tables=[Table("You against the crowd, metric by metric",
                                 ["metric", "you", "percentile", "uncertainty"], rows, frozenset({1, 2, 3}))],
                   items=items, subtitle="The crowd, and what it suggests" if items else None)


def all_sections(s: Story, release: CrowdRelease | None = None) -> list[Section]:
    """Every section in reading order; "you vs. the crowd" only when a cooperative release is present."""
    out = [overview(s), chapters(s), modes(s), top(s), clock(s), calendar(s), discovery(s), skips(s),
           obsessions(s), rediscover(s), podcasts(s), audiobooks(s), moments(s), personality(s)]
    if release is not None:
        out.append(crowd(release))
    return out
