"""``eras``: the music of which years and decades you play, how old it was when you played it, and where its
artists come from — from what ``linernotes enrich`` found on MusicBrainz.

No export records a release year or an artist's country, so these come only from enrichment (opt-in), and
partial coverage is the normal case: every finding is said over the music that has a year (or a country), with
that share named, as the ``genres`` insight does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated

from linernotes.countries import country_name, country_words
from linernotes.engine.figures import DECADE, Figure
from linernotes.engine.period import calendar_buckets
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.formatting import and_list, bucket_words, count_of, format_count, format_percent
from linernotes.services import service_name, source_name
from linernotes.units import format_hours

# Fewer counted music plays with a release year than this, and decade shares would be a handful of songs: no
# finding (as genres' 20). The same for artists' countries.
MIN_YEAR_PLAYS = 20
MIN_COUNTRY_PLAYS = 20
# A calendar year of listening is summed up ("your 2023 was 60% music from the 2010s") with this many plays
# with a year in it; a month or year of the chart over time gets a median age with MIN_BUCKET_PLAYS.
MIN_LISTENING_YEAR_PLAYS = 20
LISTENING_YEARS_SAID = 3  # the latest listening years named in the summary's "your 2023 was 60% ..." sentence
MIN_BUCKET_PLAYS = 5
# "Music from N decades" counts a decade with at least this many plays, and "the oldest music you play a lot"
# is a track with at least this many.
MIN_DECADE_PLAYS = 3
MIN_OLD_PLAYS = 3
OLDEST = 5
OLD_YEARS = 10  # ...and was at least this old at every play: new music is no "oldest music you play"
TOP_COUNTRIES = 10
SERIES = 7  # decades drawn over time, one colour each; the rest is "other decades"
YEARLY_FROM_DAYS = 730  # two years or more: over time by year, else by month
# No recording was released before Edison's phonograph: an earlier "first release year" is a wrong match.
FIRST_RECORDING_YEAR = 1877
NEW_WITHIN_YEARS = 1  # "new" music: released in the year of the play or the year before



@dataclass(frozen=True)
class SourceYears:
    """Music of one export source in the period, and how much of it has a release year and an artist country."""

    name: str  # the export's source in words ("Spotify (extended history)", "Last.fm")
    service: str  # the service alone, for sentences ("Spotify" for both of Spotify's exports)
    plays: int  # counted music plays
    ms_played: int
    year_plays: int  # of those, with a trusted release year
    year_ms: int
    country_plays: int  # with the artist's country
    country_ms: int


@dataclass(frozen=True)
class DecadeRow:
    decade: int  # 1990 for the 1990s
    label: str  # "1990s"
    ms_played: int
    plays: int  # counted plays
    share: float  # of the music with a release year (by ``EraResult.measure``)


@dataclass(frozen=True)
class ListeningYear:
    """One calendar year of listening in the period (with MIN_LISTENING_YEAR_PLAYS plays with a year): its
    leading decade — "your 2023 was 60% music from the 2010s"."""

    year: int
    year_plays: int  # counted music plays with a release year in it
    year_ms: int
    decade: int  # the decade with the most of its music with a year
    label: str
    share: float  # that decade's share of the year's music with a release year
    median_age: int  # years: median of (year played − release year)


@dataclass(frozen=True)
class EraBucket:
    """One month ("2024-03") or year ("2024") of the period: its music, the part with a release year, and how
    old that music was."""

    bucket: str
    ms_played: int  # music time
    plays: int  # counted music plays
    year_ms: int  # of it, with a release year
    year_plays: int
    year_share: float | None  # year_ms / ms_played (plays when untimed)
    median_year: int | None  # with MIN_BUCKET_PLAYS counted plays with a year, else None
    median_age: int | None  # years, median of (year played − release year)
    new_share: float | None  # released in the year of the play or the one before, of the music with a year
    values: list[int]  # weight (ms, or plays when untimed) per decade of ``EraResult.series``, in its order
    other: int  # weight of the other decades


@dataclass(frozen=True)
class OldFavourite:
    """A track released long ago that you play a lot (MIN_OLD_PLAYS counted plays or more, OLD_YEARS old or more
    at each)."""

    artist: str
    track: str
    year: int
    plays: int
    ms_played: int


@dataclass(frozen=True)
class CountryRow:
    code: str  # ISO 3166-1 alpha-2 as MusicBrainz gives it, or "XW" (worldwide), "XE" (Europe)
    name: str  # in words ("Germany", "Worldwide")
    ms_played: int
    plays: int
    share: float  # of the music whose artist's country is known (by ``EraResult.measure``)


@dataclass(frozen=True)
class DecadeFocus:
    """One decade asked for (``--decade 1990``): its part of the music with a release year."""

    decade: int
    label: str  # "1990s"
    ms_played: int
    plays: int  # counted plays
    share: float | None  # of the music with a release year (by ``ErasResult.measure``); None under the minimum
    peak_month: str | None  # "YYYY-MM" with the most of it (by ``measure``)


@dataclass
class ErasResult(Result):
    enriched: bool  # the library has any confident MusicBrainz answer at all (`linernotes enrich` has run)
    measure: str  # "time" (ms_played) or "plays" (the period's music has no listening time: scrobbles)
    music_plays: int  # counted music plays in the period
    music_ms: int
    year_plays: int  # of those, with a trusted release year
    year_ms: int
    year_share: float | None  # of the music (by ``measure``) with a release year
    recording_plays: int  # of year_plays, the year from the play's own recording id
    search_plays: int  # from a search for its artist and title
    untrusted_plays: int  # a year was found but is not trusted (after the play's year, or before 1877)
    sources: list[SourceYears]
    decades: list[DecadeRow]  # in order, oldest first; empty under MIN_YEAR_PLAYS
    decade_count: int  # decades with at least MIN_DECADE_PLAYS counted plays
    median_year: int | None  # median release year (weighted by ``measure``)
    median_age: int | None  # median of (year played − release year), years
    new_share: float | None  # released in the year of the play or the year before
    listening_years: list[ListeningYear]  # each calendar year with enough data: its leading decade
    bucket: str  # "month" or "year"
    series: list[str]  # the decades followed over time, as labels ("1990s"): the biggest ones, oldest first
    over_time: list[EraBucket]
    oldest: list[OldFavourite]  # the oldest music you play a lot (10+ years old when played), oldest first
    country_plays: int  # counted music plays whose artist's country is known
    country_ms: int
    country_share: float | None  # of the music (by ``measure``)
    countries: list[CountryRow]  # top countries; empty under MIN_COUNTRY_PLAYS
    country_count: int
    home_country: str | None  # the library's home country code (set or inferred), if any
    home_share: float | None  # share of the music with a country by artists from it
    withheld: list[str] = field(default_factory=list)  # findings left out for too little data, and why
    top_decade: str | None = None  # the label of the decade with the biggest share ("2010s"), with enough data
    focus: DecadeFocus | None = None  # with ``decade``

    @property
    def enough(self) -> bool:
        return self.year_plays >= MIN_YEAR_PLAYS and bool(self.decades)

    @property
    def enough_countries(self) -> bool:
        return bool(self.countries)

    def _of_music(self) -> str:
        return "of your music time" if self.measure == "time" else "of your music plays"

    def coverage_words(self) -> str:
        """ "64% of your music time" — the part every finding about years is about."""
        return f"{format_percent(self.year_share)} {self._of_music()}"

    def summary(self) -> list[str]:
        if not self.music_plays and not self.music_ms:
            return ["No music in this period."]
        if not self.enriched:
            return [NOT_ENRICHED]
        if not self.year_plays and not self.country_plays:
            return [f"No music play of the {format_count(self.music_plays)} in this period has a release year or "
                    "an artist's country from MusicBrainz yet: “linernotes enrich” asks about your most played "
                    "music first."]
        lines: list[str] = []
        if self.year_plays:
            lines.append(self._coverage_line())
            if not self.enough:
                lines.append(f"Only {count_of(self.year_plays, 'music play')} in this period "
                             f"{'has' if self.year_plays == 1 else 'have'} a release year: too few to say which "
                             f"decades you listen to (it takes {MIN_YEAR_PLAYS}).")
            else:
                lines += [self._decades_line(), *self._focus_lines(), *self._years_lines(), self._age_line()]
                lines += [x for x in (self._trend_line(), self._oldest_line()) if x]
        if self.country_plays:
            lines += self._country_lines()
        return lines

    def _coverage_line(self) -> str:
        how = []
        if self.recording_plays:
            how.append(f"{format_count(self.recording_plays)} by the recording id your export gives")
        if self.search_plays:
            how.append(f"{format_count(self.search_plays)} by a search for artist and title")
        line = (f"Release years are known for {self.coverage_words()} in this period "
                f"({format_count(self.year_plays)} of {count_of(self.music_plays, 'music play')}), from MusicBrainz: "
                + " and ".join(how))
        carriers = {s.service for s in self.sources if s.year_plays}
        without = list(dict.fromkeys(s.service for s in self.sources if not s.year_plays and s.plays
                                     and s.service not in carriers))
        if without:
            line += f"; {and_list(without)} plays have none yet"
        if self.untrusted_plays:
            one = self.untrusted_plays == 1
            line += (f"; {count_of(self.untrusted_plays, 'play')} whose year found is later than the year "
                     f"{'it was' if one else 'they were'} played {'is' if one else 'are'} left out")
        return line + "."

    def _decades_line(self) -> str:
        ranked = sorted(self.decades, key=lambda d: (-d.share, d.decade))
        first, rest = ranked[0], [d for d in ranked[1:3] if d.share > 0]
        amount = (format_hours(first.ms_played, unit=" hours", minutes_under_an_hour=True) if self.measure == "time"
                  else count_of(first.plays, "play"))
        line = (f"Of the {self.coverage_words()} with a release year, music from the {first.label} leads with "
                f"{format_percent(first.share)} ({amount})")
        if rest:
            line += ", then " + and_list([f"the {d.label} ({format_percent(d.share)})" for d in rest])
        return line + "."

    def _focus_lines(self) -> list[str]:
        f = self.focus
        if f is None or f.share is None:
            return []
        if not f.plays and not f.ms_played:
            return [f"None of the music with a release year in this period is from the {f.label}."]
        amount = (f"{format_hours(f.ms_played, unit=' hours', minutes_under_an_hour=True)} over "
                  f"{count_of(f.plays, 'play')}" if self.measure == "time" else count_of(f.plays, "play"))
        line = (f"Music from the {f.label}: {format_percent(f.share)} of the music with a release year "
                f"({amount})")
        if f.peak_month is not None:
            line += f", the most in {bucket_words(f.peak_month)}"
        return [line + "."]

    def _years_lines(self) -> list[str]:
        if not self.listening_years:
            return []
        # The latest years only: a sentence naming a dozen years is a table (the page and report draw them all).
        parts = [f"your {y.year} was {format_percent(y.share)} music from the {y.label}"
                 for y in self.listening_years[-LISTENING_YEARS_SAID:]]
        text = and_list(parts)
        return [f"{text[0].upper()}{text[1:]} (of the music with a release year)."]

    def _age_line(self) -> str:
        age = (f"it was a median {age_words(self.median_age)} old" if self.median_age else
               "half of it was released in the year you played it")
        line = (f"The median release year of your music with a release year is {self.median_year}; when you played "
                f"it, {age}")
        if self.decade_count > 1:
            line += f", and it spans {count_of(self.decade_count, 'decade')}"
        return line + "."

    def _trend_line(self) -> str | None:
        aged = [b for b in self.over_time if b.median_age is not None]
        if len(aged) < 2:
            return None
        first, last = aged[0], aged[-1]
        return (f"The median age of your music with a release year went from {age_words(first.median_age or 0)} "
                f"in {bucket_words(first.bucket)} to {age_words(last.median_age or 0)} in "
                f"{bucket_words(last.bucket)}.")

    def _oldest_line(self) -> str | None:
        if not self.oldest:
            return None
        o = self.oldest[0]
        return (f"The oldest music with a release year that you play a lot is “{o.track}” by {o.artist} "
                f"({o.year}, {count_of(o.plays, 'play')}).")

    def _country_lines(self) -> list[str]:
        known = f"{format_percent(self.country_share)} {self._of_music()}"
        if not self.enough_countries:
            return [f"Artists' countries are known for {known} ({count_of(self.country_plays, 'music play')}): too "
                    f"few to rank them (it takes {MIN_COUNTRY_PLAYS})."]
        first, rest = self.countries[0], self.countries[1:3]
        line = (f"Artists' countries are known for {known}: the most is by artists from "
                f"{country_words(first.code)} ({format_percent(first.share)})")
        if rest:
            line += ", then " + and_list([f"{country_words(c.code)} ({format_percent(c.share)})" for c in rest])
        lines = [line + "."]
        if self.home_country and self.home_share is not None and first.code != self.home_country:
            home = country_words(self.home_country)
            lines.append(f"Artists from {home}, your home country, make {format_percent(self.home_share)} of the "
                         "music whose artist's country is known." if self.home_share > 0 else
                         f"None of the music whose artist's country is known is by artists from {home}, your home "
                         "country.")
        return lines


NOT_ENRICHED = ("Release years and artists' countries come from MusicBrainz: run “linernotes enrich” to fetch "
                "them (opt-in; it sends only artist names, track titles and MusicBrainz ids, never your plays).")


def age_words(years: int) -> str:
    """A median age in words: "8 years", "1 year", and "under a year" for music of the year it was played.

    >>> age_words(8), age_words(0)
    ('8 years', 'under a year')
    """
    return "under a year" if years <= 0 else count_of(years, "year")






def _decade_label(decade: int) -> str:
    return f"{decade}s"


def _median(pairs: list[tuple[int, float]]) -> int | None:
    """The weighted median of (value, weight) pairs: the smallest value with at least half the weight at or
    below it."""
    pairs = sorted((v, w) for v, w in pairs if w > 0)
    total = sum(w for _, w in pairs)
    if total <= 0:
        return None
    run = 0.0
    for value, weight in pairs:  # one pair per distinct year, not per play
        run += weight
        if run >= total / 2:
            return value
    return pairs[-1][0]




def music_years(ctx: Context) -> str:
    """A temp table of the selection's music (kind track): source, local day and year, counted, time (0 when
    not recorded), artist and track, the trusted release year and where it came from, and the artist's country
    code as MusicBrainz gives it (confident matches only)."""
    return ctx.derived("eras_music", f"""
        WITH rec AS (
            SELECT pr.play_id, any_value(r.first_release_year) AS y
            FROM play_rows pr JOIN enrich_recordings r ON r.mbid = pr.recording_mbid
            WHERE pr.recording_mbid IS NOT NULL AND r.found AND r.first_release_year IS NOT NULL
            GROUP BY pr.play_id),
        m AS (
            SELECT p.source, p.day, year(p.day) AS play_year, p.counted, coalesce(p.ms_played, 0) AS ms,
                   p.artist, p.track, rec.y AS rec_year, t.first_release_year AS search_year, a.country
            FROM {ctx.plays} p
            LEFT JOIN rec ON rec.play_id = p.play_id
            LEFT JOIN (SELECT artist_key, title_key, first_release_year FROM enrich_tracks
                       WHERE matched AND first_release_year IS NOT NULL) t
              ON t.artist_key = lower(trim(p.artist)) AND t.title_key = lower(trim(p.track))
            LEFT JOIN (SELECT name_key, upper(trim(country)) AS country FROM enrich_artists
                       WHERE matched AND country IS NOT NULL AND trim(country) <> '') a
              ON a.name_key = lower(trim(p.artist))
            WHERE {ctx.kinds('track')})
        SELECT *,
               CASE WHEN rec_year BETWEEN {FIRST_RECORDING_YEAR} AND play_year THEN rec_year
                    WHEN search_year BETWEEN {FIRST_RECORDING_YEAR} AND play_year THEN search_year END AS year,
               CASE WHEN rec_year BETWEEN {FIRST_RECORDING_YEAR} AND play_year THEN 'recording'
                    WHEN search_year BETWEEN {FIRST_RECORDING_YEAR} AND play_year THEN 'search' END AS how
        FROM m""")


@insight("eras", "The decades of the music you play, its age when you played it, and its artists' countries")
def eras(
    ctx: Context,
    *,
    decade: Annotated[int, "one decade to follow: 1990 (or 90) for the 1990s"] = 0,
) -> ErasResult:
    """Release years and artists' countries of music (kind ``track``), from ``linernotes enrich`` (MusicBrainz).

    - A play's release year is its recording's first release year: by the recording id the export gives
      (``enrich_recordings``, when found), else by the search for its artist and title (``enrich_tracks``,
      confident matches only). A year later than the year the play happened (local time) cannot be its first
      release — a wrong match, or a re-release taken for the first — and neither can a year before 1877: such a
      year is not trusted (``untrusted_plays``); the search's year is tried next, else the play has no year.
    - ``measure``: shares are of listening time (``ms_played``), or of counted plays when the period's music
      has no listening time (scrobbles). Every share is of the music with a year (or with a country).
    - coverage: counted music plays and time in the period and those with a year, in total and per export
      source (``sources``); ``recording_plays`` and ``search_plays`` say how the years were found.
    - ``decades``: each decade's share; ``decade_count``: decades with 3 or more counted plays;
      ``median_year`` and ``median_age`` (the year played minus the release year), weighted medians;
      ``new_share``: music released in the year it was played or the year before.
    - ``listening_years``: each calendar year of listening with 20 counted plays with a year, and its
      leading decade ("your 2023 was 60% music from the 2010s").
    - ``over_time``: per month (per year when the period spans two years or more), music and the part with a
      year, its median year and age and new share (with 5 counted plays with a year), and the weight of each
      decade of ``series`` (the 7 biggest) and of the rest (``other``).
    - ``oldest``: tracks with 3 or more counted plays, each at least 10 years old when played, oldest release
      first (5 at most).
    - ``countries``: listening by the artist's country (``enrich_artists``, confident matches with a country;
      codes that name no country are left out), top 10, with their shares; ``home_share``: the share by
      artists from the library's home country.

    - ``top_decade``: the label of the decade with the biggest share; ``focus`` (with ``decade``): that
      decade's time, counted plays, share of the music with a year, and the month with the most of it.

    Under 20 counted music plays with a year there are no decades, medians or listening years (the summary says
    so), and under 20 with a country no ranking of countries. Without any enrichment the summary is one sentence
    saying where years and countries come from.
    """
    view = music_years(ctx)
    if decade and decade < 100:  # "the 90s": 1990; "the 20s" (20): 2020 — the decade this century unless ahead
        decade = decade // 10 * 10 + (1900 if decade >= (dt.date.today().year % 100) // 10 * 10 + 10 else 2000)
    (music_plays, music_ms) = ctx.one(
        f"SELECT count(*) FILTER (WHERE counted), coalesce(sum(ms), 0)::BIGINT FROM {view}")
    timed = int(music_ms) > 0
    w = "ms" if timed else "counted::INT"
    (year_plays, year_ms, rec_plays, search_plays, untrusted) = ctx.one(f"""
        SELECT count(*) FILTER (WHERE counted AND year IS NOT NULL),
               coalesce(sum(ms) FILTER (WHERE year IS NOT NULL), 0)::BIGINT,
               count(*) FILTER (WHERE counted AND how = 'recording'),
               count(*) FILTER (WHERE counted AND how = 'search'),
               count(*) FILTER (WHERE counted AND year IS NULL
                                AND coalesce(rec_year, search_year) IS NOT NULL)
        FROM {view}""")
    enriched = bool(ctx.fetch("""
        SELECT 1 FROM enrich_recordings WHERE found UNION ALL SELECT 1 FROM enrich_tracks WHERE matched
        UNION ALL SELECT 1 FROM enrich_artists WHERE matched LIMIT 1"""))

    # Artists' countries: one row per code; codes that name no country are no country.
    country_rows = [(str(c), int(ms), int(n), int(wt)) for c, ms, n, wt in ctx.fetch(f"""
        SELECT country, coalesce(sum(ms), 0)::BIGINT, count(*) FILTER (WHERE counted), coalesce(sum({w}), 0)
        FROM {view} WHERE country IS NOT NULL GROUP BY country""") if country_name(str(c)) is not None]
    known_codes = [c for c, *_ in country_rows]
    sources = [SourceYears(source_name(str(s)), service_name(str(s)), int(n), int(ms), int(yn), int(yms),
                           int(cn), int(cms))
               for s, n, ms, yn, yms, cn, cms in ctx.fetch(f"""
        SELECT source, count(*) FILTER (WHERE counted), coalesce(sum(ms), 0)::BIGINT,
               count(*) FILTER (WHERE counted AND year IS NOT NULL),
               coalesce(sum(ms) FILTER (WHERE year IS NOT NULL), 0)::BIGINT,
               count(*) FILTER (WHERE counted AND country IN (SELECT unnest(?::VARCHAR[]))),
               coalesce(sum(ms) FILTER (WHERE country IN (SELECT unnest(?::VARCHAR[]))), 0)::BIGINT
        FROM {view} GROUP BY source ORDER BY 3 DESC, 2 DESC, source""", [known_codes, known_codes])]
    music_w = int(music_ms) if timed else int(music_plays)
    year_w = int(year_ms) if timed else int(year_plays)

    yearly = ctx.start is not None and ctx.end is not None and (ctx.end - ctx.start).days >= YEARLY_FROM_DAYS
    fmt = "%Y" if yearly else "%Y-%m"
    # One row per (bucket, year played, release year): a few thousand at most, however many plays.
    cells = [(str(b), int(py), int(y), int(ms), int(n), int(wt)) for b, py, y, ms, n, wt in ctx.fetch(f"""
        SELECT strftime(day, '{fmt}'), play_year, year, coalesce(sum(ms), 0)::BIGINT,
               count(*) FILTER (WHERE counted), coalesce(sum({w}), 0)
        FROM {view} WHERE year IS NOT NULL AND day IS NOT NULL GROUP BY ALL""")]
    totals = {str(b): (int(ms), int(n)) for b, ms, n in ctx.fetch(f"""
        SELECT strftime(day, '{fmt}'), coalesce(sum(ms), 0)::BIGINT, count(*) FILTER (WHERE counted)
        FROM {view} WHERE day IS NOT NULL GROUP BY ALL""")}

    enough = int(year_plays) >= MIN_YEAR_PLAYS and year_w > 0
    decades: list[DecadeRow] = []
    decade_count = 0
    median_year = median_age = None
    new_share = None
    listening_years: list[ListeningYear] = []
    series: list[int] = []
    oldest: list[OldFavourite] = []
    if enough:
        by_decade: dict[int, list[int]] = {}
        for _b, _py, y, ms, n, wt in cells:
            d = by_decade.setdefault(y // 10 * 10, [0, 0, 0])
            d[0], d[1], d[2] = d[0] + ms, d[1] + n, d[2] + wt
        decades = [DecadeRow(d, _decade_label(d), v[0], v[1], v[2] / year_w) for d, v in sorted(by_decade.items())]
        decade_count = sum(1 for v in by_decade.values() if v[1] >= MIN_DECADE_PLAYS)
        median_year = _median([(y, wt) for _b, _py, y, _ms, _n, wt in cells])
        median_age = _median([(py - y, wt) for _b, py, y, _ms, _n, wt in cells])
        new_share = sum(wt for _b, py, y, _ms, _n, wt in cells if py - y <= NEW_WITHIN_YEARS) / year_w
        listening_years = _listening_years(cells)
        series = sorted(sorted(by_decade, key=lambda d: (-by_decade[d][2], d))[:SERIES])
        oldest = [OldFavourite(str(a), str(t), int(y), int(n), int(ms)) for a, t, y, n, ms in ctx.fetch(f"""
            SELECT artist, track, min(year), count(*) FILTER (WHERE counted) AS n, coalesce(sum(ms), 0)::BIGINT
            FROM {view} WHERE year IS NOT NULL AND artist IS NOT NULL AND track IS NOT NULL
            GROUP BY artist, track HAVING n >= ? AND min(play_year - year) >= ?
            ORDER BY 3, n DESC, artist, track LIMIT ?""", [MIN_OLD_PLAYS, OLD_YEARS, OLDEST])]
    over_time = [_bucket(b, totals.get(b, (0, 0)), [c for c in cells if c[0] == b], series, timed, rank=enough)
                 for b in calendar_buckets(ctx.start, ctx.end, yearly)]  # a few buckets × a few hundred cells

    country_plays = sum(n for _c, _ms, n, _wt in country_rows)
    country_ms = sum(ms for _c, ms, _n, _wt in country_rows)
    country_w = sum(wt for *_x, wt in country_rows)
    countries: list[CountryRow] = []
    home_share = None
    home = ctx.one("SELECT home_country FROM home")
    home_country = str(home[0]).upper() if home and home[0] and country_name(str(home[0])) else None
    if country_plays >= MIN_COUNTRY_PLAYS and country_w > 0:
        ranked = sorted(country_rows, key=lambda r: (-r[3], -r[2], r[0]))
        countries = [CountryRow(c, country_name(c) or c, ms, n, wt / country_w)
                     for c, ms, n, wt in ranked[:TOP_COUNTRIES]]
        if home_country is not None:
            home_share = sum(wt for c, _ms, _n, wt in country_rows if c == home_country) / country_w

    focus = None
    if decade:
        asked = decade // 10 * 10
        inside = [c for c in cells if c[2] // 10 * 10 == asked]
        ms, n, wt = sum(c[3] for c in inside), sum(c[4] for c in inside), sum(c[5] for c in inside)
        peak = ctx.fetch(f"""
            SELECT strftime(day, '%Y-%m') k FROM {view} WHERE year // 10 * 10 = ? AND day IS NOT NULL
            GROUP BY k ORDER BY sum({w}) DESC, k LIMIT 1""", [asked]) if enough and wt else []
        focus = DecadeFocus(asked, _decade_label(asked), ms, n, wt / year_w if enough else None,
                            str(peak[0][0]) if peak else None)

    withheld = []
    if year_plays and not enough:
        withheld.append(f"decades: only {count_of(int(year_plays), 'music play')} in this period "
                        f"{'has' if year_plays == 1 else 'have'} a release year; it takes at least {MIN_YEAR_PLAYS}")
    if country_plays and not countries:
        withheld.append(f"countries: only {count_of(country_plays, 'music play')} in this period "
                        f"{'has' if country_plays == 1 else 'have'} an artist's country; it takes at least "
                        f"{MIN_COUNTRY_PLAYS}")
    return ErasResult(
        enriched=enriched, measure="time" if timed else "plays", music_plays=int(music_plays),
        music_ms=int(music_ms), year_plays=int(year_plays), year_ms=int(year_ms),
        year_share=year_w / music_w if music_w else None, recording_plays=int(rec_plays),
        search_plays=int(search_plays), untrusted_plays=int(untrusted), sources=sources, decades=decades,
        decade_count=decade_count, median_year=median_year, median_age=median_age, new_share=new_share,
        listening_years=listening_years, bucket="year" if yearly else "month",
        series=[_decade_label(d) for d in series], over_time=over_time,
        oldest=oldest, country_plays=country_plays, country_ms=country_ms,
        country_share=country_w / music_w if music_w else None, countries=countries,
        country_count=len(country_rows) if countries else 0, home_country=home_country, home_share=home_share,
        withheld=withheld,
        top_decade=min(decades, key=lambda r: (-r.share, r.decade)).label if decades else None, focus=focus)


Cell = tuple[str, int, int, int, int, int]  # bucket, year played, release year, ms, counted plays, weight


def _listening_years(cells: list[Cell]) -> list[ListeningYear]:
    per: dict[int, dict[int, list[int]]] = {}
    ages: dict[int, list[tuple[int, float]]] = {}
    for _b, py, y, ms, n, wt in cells:
        d = per.setdefault(py, {}).setdefault(y // 10 * 10, [0, 0, 0])
        d[0], d[1], d[2] = d[0] + ms, d[1] + n, d[2] + wt
        ages.setdefault(py, []).append((py - y, wt))
    out = []
    for py in sorted(per):
        decs = per[py]
        plays = sum(v[1] for v in decs.values())
        weight = sum(v[2] for v in decs.values())
        if plays < MIN_LISTENING_YEAR_PLAYS or weight <= 0:
            continue
        best = min(decs, key=lambda d: (-decs[d][2], -decs[d][1], d))
        out.append(ListeningYear(py, plays, sum(v[0] for v in decs.values()), best, _decade_label(best),
                                 decs[best][2] / weight, _median(ages[py]) or 0))
    return out


def _bucket(key: str, total: tuple[int, int], cells: list[Cell], series: list[int], timed: bool, *,
            rank: bool) -> EraBucket:
    music_ms, plays = total
    year_ms = sum(c[3] for c in cells)
    year_plays = sum(c[4] for c in cells)
    weight = sum(c[5] for c in cells)
    base = music_ms if timed else plays
    shown = rank and year_plays >= MIN_BUCKET_PLAYS and weight > 0
    values = [sum(c[5] for c in cells if c[2] // 10 * 10 == d) for d in series]
    return EraBucket(
        bucket=key, ms_played=music_ms, plays=plays, year_ms=year_ms, year_plays=year_plays,
        year_share=weight / base if base else None,
        median_year=_median([(c[2], c[5]) for c in cells]) if shown else None,
        median_age=_median([(c[1] - c[2], c[5]) for c in cells]) if shown else None,
        new_share=sum(c[5] for c in cells if c[1] - c[2] <= NEW_WITHIN_YEARS) / weight if shown else None,
        values=values if rank else [], other=weight - sum(values) if rank else 0)


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures). Questions about
# one decade ("how much 90s music") are about DECADE: they run with ``--decade`` and read ``focus``.
FIGURES = (
    Figure("month with the most of that decade's music", None, r"\bwhen\b|\bwhich (month|year)\b|\bwhat (month|year)\b",
           "focus.peak_month", about=(DECADE,)),
    Figure("plays of that decade's music", "plays", r"\bhow many (times|plays|songs|tracks)\b|\bhow often\b",
           "focus.plays", about=(DECADE,)),
    Figure("share of that decade's music", "%", r"\bpercent|\bshare\b|\bproportion\b|\bfraction\b|"
           r"\bhow much of (my|the)\b", "focus.share|pct", about=(DECADE,)),
    Figure("time on that decade's music", "hours", "", "focus.ms_played|hours", about=(DECADE,)),
    Figure("music with a release year", "%", r"\b(have|has|with) (a )?release (year|date)s?\b|\bcoverage\b",
           "year_share|pct"),
    Figure("number of artists' countries", "countries", r"\bhow many (different )?countries\b", "country_count"),
    Figure("music by artists from your country", "%", r"\b(my|your) (own |home )?country\b", "home_share|pct"),
    Figure("top artists' country", None, r"\bcountr(y|ies)\b|\bwhere\b.*\bfrom\b", "countries.0.name"),
    Figure("music released that year or the year before", "%", r"\bnew (releases?|music|songs)\b|\brecent releases?\b",
           "new_share|pct"),
    Figure("number of decades", "decades", r"\bhow many decades\b|\bnumber of decades\b", "decade_count"),
    Figure("median age of the music when played", "years", r"\bhow old\b|\bage\b", "median_age"),
    Figure("median release year", None, r"\b(release )?year\b.*\b(from|released)\b|\brelease year\b|"
           r"\bwhat year\b", "median_year"),
    Figure("oldest music you play a lot", None, r"\boldest\b", "oldest.0.track"),
    Figure("top decade", None, "", "top_decade"),
)
