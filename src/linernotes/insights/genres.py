"""``genres``: which genres your music is, where the export names one — top genres, genres over time, how
spread out they are, and how much of the listening has a genre at all.

Only some exports record a genre per play (Apple Music does; Spotify and the scrobblers do not), so partial
coverage is the normal case: every finding is said over the music that has a genre, with that share named.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Annotated

from linernotes.engine.figures import GENRE, Figure
from linernotes.engine.period import calendar_buckets
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.engine.words import PLACEHOLDERS, nothing_timed
from linernotes.formatting import and_list, bucket_words, count_of, format_count, format_percent
from linernotes.services import service_name, source_name
from linernotes.units import format_hours

# Fewer music plays with a genre than this, and a "top genre" is a handful of songs: no finding (as the clock's
# 20 plays). A month or year needs this many to name its leading genre.
MIN_GENRE_PLAYS = 20
MIN_BUCKET_PLAYS = 5
TOP_GENRES = 10
SERIES = 6  # genres drawn over time, one colour each; the rest is "other genres"
YEARLY_FROM_DAYS = 730  # two years or more: genres over time by year, else by month
# A chapter or mode is described by its genres only when at least this share of its music time has one.
DESCRIBE_COVERAGE = 0.5



def _services(sources: list[SourceCoverage]) -> list[str]:
    """The services of ``sources`` as a sentence names them, each once, in order."""
    return list(dict.fromkeys(s.service or s.name for s in sources))


def genre_sql(column: str = "genre") -> str:
    """SQL: the play's genre as written (spaces trimmed and collapsed), NULL when absent or a placeholder."""
    placeholders = ", ".join(f"'{p}'" for p in sorted(PLACEHOLDERS))
    return (f"CASE WHEN {column} IS NULL OR lower(trim({column})) IN ({placeholders}) THEN NULL "
            f"ELSE regexp_replace(trim({column}), '\\s+', ' ', 'g') END")


def fold_genre(name: str) -> str:
    """How genre names are compared: case, accents and punctuation dropped.

    >>> fold_genre(" Hip-Hop/Rap "), fold_genre("R&B/Soul")
    ('hip hop rap', 'r and b soul')
    """
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c)).replace("&", " and ")
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def genre_matches(asked: str, name: str) -> bool:
    """Whether the genre ``name`` is the ``asked`` one or holds its words in a row ("hip hop" and "rap" are in
    "Hip-Hop/Rap", "rock" in "Indie Rock"): asking for a genre takes in the genres named after it.

    >>> genre_matches("hip hop", "Hip-Hop/Rap"), genre_matches("rap", "Hip-Hop/Rap"), genre_matches("jazz", "Pop")
    (True, True, False)
    """
    want, have = fold_genre(asked).split(), fold_genre(name).split()
    if not want:
        return False
    return any(have[i:i + len(want)] == want for i in range(len(have) - len(want) + 1))


@dataclass(frozen=True)
class GenreRow:
    rank: int
    name: str  # as the export spells it (the most listened spelling, when spellings differ only in case)
    ms_played: int
    plays: int  # counted plays
    share: float  # of the music time that has a genre


@dataclass(frozen=True)
class SourceCoverage:
    """Music of one export source in the period, and how much of it has a genre in the export itself."""

    name: str  # the export's source in words ("Apple Music", "Spotify (extended history)")
    plays: int  # counted music plays
    genre_plays: int
    ms_played: int
    genre_ms: int
    service: str = ""  # the service alone, for sentences ("Spotify" for both of Spotify's exports)


@dataclass(frozen=True)
class GenreBucket:
    """One month ("2024-03") or year ("2024") of music, and its genres."""

    bucket: str
    ms_played: int  # music time
    genre_ms: int  # music time with a genre
    genre_plays: int
    genre_share: float | None  # genre_ms / ms_played
    leading: str | None  # the genre with the most time, when the bucket has MIN_BUCKET_PLAYS plays with a genre
    leading_share: float | None  # of the bucket's music time with a genre
    effective_genres: float | None
    values: list[int]  # ms per genre of ``GenresResult.series``, in its order
    other_ms: int  # ms of the other genres


@dataclass(frozen=True)
class GenreFocus:
    """One genre asked for by name (``--genre``): every genre whose name contains it."""

    asked: str
    matched: list[str]  # the genres it covers, as spelt in the export
    ms_played: int
    plays: int
    share: float | None  # of the music time that has a genre
    peak_month: str | None  # "YYYY-MM" with the most time on it
    peak_month_ms: int


@dataclass
class GenresResult(Result):
    music_plays: int  # counted music plays in the period
    music_ms: int
    genre_plays: int  # of those, with a genre
    genre_ms: int
    genre_time_share: float | None  # genre_ms / music_ms
    genre_play_share: float | None  # genre_plays / music_plays
    sources: list[SourceCoverage]
    library_has_genres: bool  # any play of the whole history (this scope) has a genre
    genres: int  # distinct genres (case-insensitive); 0, like top, with under MIN_GENRE_PLAYS plays with a genre
    top: list[GenreRow]
    entropy: float | None  # Shannon entropy of genre time shares, nats
    effective_genres: float | None  # exp(entropy): as spread as this many equally played genres
    bucket: str  # "month" or "year"
    series: list[str]  # the genres followed over time (the top ones)
    over_time: list[GenreBucket]
    focus: GenreFocus | None = None
    withheld: list[str] = field(default_factory=list)  # findings left out for too little data, and why
    # Of genre_plays / genre_ms, those whose genre is the artist's on MusicBrainz (`linernotes enrich`), used only
    # where the export names none.
    musicbrainz_plays: int = 0
    musicbrainz_ms: int = 0

    @property
    def enough(self) -> bool:
        return self.genre_plays >= MIN_GENRE_PLAYS and self.genre_ms > 0

    def coverage_words(self) -> str:
        """ "64% of your music time" — the part every genre finding is about."""
        return f"{format_percent(self.genre_time_share)} of your music time"

    def summary(self) -> list[str]:
        if not self.music_plays and not self.music_ms:
            return ["No music in this period."]
        if not self.genre_plays:
            return [self._no_genres()]
        lines = self._focus_lines()
        if not self.genre_ms:
            return [*lines, nothing_timed(self.genre_plays, "genre breakdown")]
        lines.append(self._coverage_line())
        if not self.enough:
            lines.append(f"Only {count_of(self.genre_plays, 'music play')} in this period "
                         f"{'has' if self.genre_plays == 1 else 'have'} a genre: too few to say which genres you "
                         f"listen to (it takes {MIN_GENRE_PLAYS}).")
            return lines
        lines.append(self._top_line())
        if self.effective_genres is not None and self.genres >= 2:  # "spread like 1.0 genres" says nothing
            lines.append(f"Within that {format_percent(self.genre_time_share)}, your music was spread like "
                         f"{self.effective_genres:,.1f} equally played genres (of {count_of(self.genres, 'genre')}).")
        over = self._over_time_line()
        if over:
            lines.append(over)
        return lines

    def _no_genres(self) -> str:
        plays = count_of(self.music_plays, "music play")
        if self.library_has_genres:
            return (f"None of your {plays} in this period has a genre: the exports that record genres cover "
                    "other times.")
        names = _services(self.sources)
        if len(names) == 1:
            return f"Your {names[0]} export records no genres, so none of your {plays} in this period has one."
        return f"Your {and_list(names)} exports record no genres, so none of your {plays} in this period has one."

    def _coverage_line(self) -> str:
        carriers = _services([s for s in self.sources if s.genre_plays])
        without = [n for n in _services([s for s in self.sources if not s.genre_plays]) if n not in carriers]
        if self.musicbrainz_plays:  # the exports' own genres first; MusicBrainz's only where they name none
            source = (f"from {and_list(carriers)} and, for {format_percent(self._mb_share())} of it, MusicBrainz's "
                      "genres of the artist" if carriers else "all from MusicBrainz's genres of the artist")
        else:
            source = f"from {and_list(carriers)}"
        line = (f"Genres are known for {self.coverage_words()} in this period ({format_count(self.genre_plays)} of "
                f"{count_of(self.music_plays, 'music play')}), {source}")
        if without:
            line += f"; {and_list(without)} {'records' if len(without) == 1 else 'record'} none"
        return line + "."

    def _mb_share(self) -> float:
        """The share of the music time with a genre whose genre comes from MusicBrainz (by plays when untimed)."""
        if self.genre_ms:
            return self.musicbrainz_ms / self.genre_ms
        return self.musicbrainz_plays / self.genre_plays if self.genre_plays else 0.0

    def _top_line(self) -> str:
        first, rest = self.top[0], self.top[1:3]
        hours = format_hours(first.ms_played, unit=" hours", minutes_under_an_hour=True)
        line = (f"{_sentence_start(first.name)} leads with {hours} ({format_percent(first.share)} of the music time "
                "with a genre)")
        if rest:
            line += ", then " + and_list([f"{r.name} ({format_percent(r.share)})" for r in rest])
        return line + "."

    def _over_time_line(self) -> str | None:
        led = [b.leading for b in self.over_time if b.leading is not None]
        if len(led) < 2:
            return None
        counts: dict[str, int] = {}
        for name in led:
            counts[name] = counts.get(name, 0) + 1
        order = sorted(counts, key=lambda g: (-counts[g], g))
        unit = self.bucket
        parts = [f"{order[0]} led {counts[order[0]]} of {count_of(len(led), unit)}"]
        parts += [f"{g} {counts[g]}" for g in order[1:3]]
        return "Among music with a genre, " + ", ".join(parts) + "."

    def _focus_lines(self) -> list[str]:
        f = self.focus
        if f is None:
            return []
        if not f.matched:
            known = ", ".join(r.name for r in self.top[:5])
            return [f"No genre in this period matches “{f.asked}”" + (f" (its genres: {known})" if known else "")
                    + "."]
        hours = format_hours(f.ms_played, unit=" hours", minutes_under_an_hour=True)
        line = (f"{_sentence_start(and_list(f.matched))}: {hours} over {count_of(f.plays, 'play')} "
                f"({format_percent(f.share)} of the music time with a genre; genres are "
                f"known for {self.coverage_words()})")
        if f.peak_month is not None:
            line += f", the most in {bucket_words(f.peak_month)}"
        return [line + "."]


def _sentence_start(name: str) -> str:
    """A genre name opening a sentence: MusicBrainz writes genres in lower case ("indie rock").

    >>> _sentence_start("indie rock"), _sentence_start("R&B/Soul")
    ('Indie rock', 'R&B/Soul')
    """
    return name[:1].upper() + name[1:]






def _entropy(ms: list[float]) -> float | None:
    total = sum(ms)
    if total <= 0:
        return None
    return max(-sum((m / total) * math.log(m / total) for m in ms if m > 0), 0.0)




ARTIST_GENRE = "_ln_mb_genre"  # the alias of :func:`artist_genre_join`


def artist_genre_join(play: str) -> str:
    """SQL: a LEFT JOIN giving the play aliased ``play`` its artist's leading MusicBrainz genre, as
    ``_ln_mb_genre.genre``, when ``linernotes enrich`` found the artist with confidence (NULL otherwise)."""
    return (f"LEFT JOIN (SELECT name_key, genres[1] AS genre FROM enrich_artists WHERE matched AND len(genres) > 0) "
            f"{ARTIST_GENRE} ON {ARTIST_GENRE}.name_key = lower(trim({play}.artist))")


def play_genre_sql(play: str) -> str:
    """SQL: the genre of the play aliased ``play`` (with :func:`artist_genre_join`): as its export writes it
    (:func:`genre_sql`), else its artist's leading MusicBrainz genre. One rule for the genres insight and for
    the words of chapters and modes."""
    return f"coalesce({genre_sql(f'{play}.genre')}, {ARTIST_GENRE}.genre)"


def music_genres(ctx: Context) -> str:
    """A temp view of the selection's music: source, local day, counted, time (0 when not recorded) and the
    genre (:func:`play_genre_sql`; ``from_mb`` says it is MusicBrainz's genre of the artist)."""
    return ctx.derived("genres_music", f"""
        SELECT p.source, p.day, p.counted, coalesce(p.ms_played, 0) AS ms, {play_genre_sql('p')} AS g,
               {genre_sql('p.genre')} IS NULL AND {ARTIST_GENRE}.genre IS NOT NULL AS from_mb
        FROM {ctx.plays} p {artist_genre_join('p')}
        WHERE {ctx.kinds('track')}""", view=True)


@insight("genres", "Genres where the export names them: the top ones, over time, and their spread")
def genres(
    ctx: Context,
    *,
    genre: Annotated[str, "one genre to follow (matches every genre whose name contains it)"] = "",
) -> GenresResult:
    """Genres of music (kind ``track``) as the export names them (Apple Music writes one per play; Spotify and
    the scrobblers none). Names are trimmed; spellings that differ only in case count as one genre, shown as
    the most listened spelling. Placeholders ("unknown", "none", empty) are no genre.

    - coverage: counted music plays and music time (``ms_played``) in the period, and those with a genre, in
      total and per export source (``sources``), so every finding says what part of the music it is about;
    - ``top``: genres by listening time (ties: the name), each with its share of the music time that has a
      genre and its counted plays;
    - ``effective_genres`` = exp(H), H = −Σ pᵢ ln pᵢ over genres, pᵢ = the genre's share of the time with a
      genre: the number of equally played genres that would be as varied;
    - ``over_time``: per month (per year when the period spans two years or more), the music time, the time
      with a genre, the leading genre (with at least 5 counted plays with a genre in it) and its share, the
      effective number of genres, and the time of each of the top 6 genres (``series``) and of the rest;
    - ``focus`` (with ``genre``): every genre whose folded name contains the words asked ("hip hop" →
      "Hip-Hop/Rap"), its time, plays, share and the month with the most time on it.

    With fewer than 20 counted music plays with a genre the summary says so instead of ranking them.
    """
    view = music_genres(ctx)
    (music_plays, music_ms, genre_plays, genre_ms, mb_plays, mb_ms) = ctx.one(f"""
        SELECT count(*) FILTER (WHERE counted), coalesce(sum(ms), 0)::BIGINT,
               count(*) FILTER (WHERE counted AND g IS NOT NULL),
               coalesce(sum(ms) FILTER (WHERE g IS NOT NULL), 0)::BIGINT,
               count(*) FILTER (WHERE counted AND from_mb),
               coalesce(sum(ms) FILTER (WHERE from_mb), 0)::BIGINT
        FROM {view}""")
    sources = [SourceCoverage(source_name(str(s)), int(n), int(gn), int(ms), int(gms), service_name(str(s)))
               for s, n, gn, ms, gms in ctx.fetch(f"""
        SELECT source, count(*) FILTER (WHERE counted), count(*) FILTER (WHERE counted AND g IS NOT NULL
               AND NOT from_mb), coalesce(sum(ms), 0)::BIGINT,
               coalesce(sum(ms) FILTER (WHERE g IS NOT NULL AND NOT from_mb), 0)::BIGINT
        FROM {view} GROUP BY source ORDER BY 4 DESC, 2 DESC, source""")]
    has_genres = bool(genre_plays) or bool(ctx.fetch(
        f"SELECT 1 FROM {ctx.history()} WHERE kind = 'track' AND {genre_sql()} IS NOT NULL LIMIT 1"))

    # One row per spelling; spellings are grouped case-insensitively and the most listened names the genre.
    spellings = ctx.fetch(f"""
        SELECT lower(g) AS k, g, coalesce(sum(ms), 0)::BIGINT, count(*) FILTER (WHERE counted)
        FROM {view} WHERE g IS NOT NULL GROUP BY ALL ORDER BY k, 3 DESC, 4 DESC, g""")
    names: dict[str, str] = {}
    time_of: dict[str, int] = {}
    plays_of: dict[str, int] = {}
    for key, name, ms, n in spellings:  # a few hundred genres at most: one row per spelling, not per play
        names.setdefault(key, str(name))
        time_of[key] = time_of.get(key, 0) + int(ms)
        plays_of[key] = plays_of.get(key, 0) + int(n)
    ranked = sorted(time_of, key=lambda k: (-time_of[k], -plays_of[k], names[k]))
    # Too few plays with a genre: no ranking, spread or leaders to show (the summary says why), only coverage.
    enough = genre_plays >= MIN_GENRE_PLAYS
    top = [GenreRow(i + 1, names[k], time_of[k], plays_of[k], time_of[k] / genre_ms if genre_ms else 0.0)
           for i, k in enumerate(ranked[:TOP_GENRES])] if enough else []
    entropy = _entropy([float(time_of[k]) for k in ranked]) if enough else None

    yearly = ctx.start is not None and ctx.end is not None and (ctx.end - ctx.start).days >= YEARLY_FROM_DAYS
    fmt = "%Y" if yearly else "%Y-%m"
    series_keys = ranked[:SERIES] if enough else []
    per = ctx.fetch(f"""
        SELECT strftime(day, '{fmt}') AS b, lower(g) AS k, coalesce(sum(ms), 0)::BIGINT,
               count(*) FILTER (WHERE counted)
        FROM {view} WHERE g IS NOT NULL AND day IS NOT NULL GROUP BY ALL""")
    totals = {str(b): (int(ms), int(n)) for b, ms, n in ctx.fetch(f"""
        SELECT strftime(day, '{fmt}') AS b, coalesce(sum(ms), 0)::BIGINT, count(*) FILTER (WHERE counted)
        FROM {view} WHERE day IS NOT NULL GROUP BY ALL""")}
    cells: dict[str, dict[str, tuple[int, int]]] = {}
    for b, k, ms, n in per:
        cells.setdefault(str(b), {})[str(k)] = (int(ms), int(n))
    over_time = [_bucket(b, totals.get(b, (0, 0))[0], cells.get(b, {}), series_keys, names,
                         rank=enough)
                 for b in calendar_buckets(ctx.start, ctx.end, yearly)]

    focus = _focus(ctx, view, genre, names, time_of, plays_of, genre_ms) if genre.strip() else None
    withheld = [] if enough or not genre_plays else [
        f"genres: only {count_of(genre_plays, 'music play')} in this period "
        f"{'has' if genre_plays == 1 else 'have'} a genre; ranking genres takes at least {MIN_GENRE_PLAYS}"]
    return GenresResult(
        music_plays=int(music_plays), music_ms=int(music_ms), genre_plays=int(genre_plays), genre_ms=int(genre_ms),
        genre_time_share=genre_ms / music_ms if music_ms else None,
        genre_play_share=genre_plays / music_plays if music_plays else None,
        sources=sources, library_has_genres=has_genres, genres=len(ranked) if enough else 0, top=top, entropy=entropy,
        effective_genres=math.exp(entropy) if entropy is not None else None,
        bucket="year" if yearly else "month", series=[names[k] for k in series_keys], over_time=over_time,
        focus=focus, withheld=withheld, musicbrainz_plays=int(mb_plays), musicbrainz_ms=int(mb_ms))


def _bucket(key: str, music_ms: int, cells: dict[str, tuple[int, int]], series: list[str],
            names: dict[str, str], *, rank: bool) -> GenreBucket:
    genre_ms = sum(ms for ms, _ in cells.values())
    genre_plays = sum(n for _, n in cells.values())
    leading = None
    share = None
    if rank and genre_plays >= MIN_BUCKET_PLAYS and genre_ms > 0:
        best = min(cells, key=lambda k: (-cells[k][0], -cells[k][1], names[k]))
        leading, share = names[best], cells[best][0] / genre_ms
    entropy = _entropy([float(ms) for ms, _ in cells.values()]) if rank else None
    values = [cells.get(k, (0, 0))[0] for k in series]
    return GenreBucket(bucket=key, ms_played=music_ms, genre_ms=genre_ms, genre_plays=genre_plays,
                       genre_share=genre_ms / music_ms if music_ms else None, leading=leading, leading_share=share,
                       effective_genres=math.exp(entropy) if entropy is not None else None, values=values,
                       other_ms=genre_ms - sum(values))


def _focus(ctx: Context, view: str, asked: str, names: dict[str, str], time_of: dict[str, int],
           plays_of: dict[str, int], genre_ms: int) -> GenreFocus:
    keys = sorted((k for k in names if genre_matches(asked, names[k])), key=lambda k: (-time_of[k], names[k]))
    if not keys:
        return GenreFocus(asked.strip(), [], 0, 0, None, None, 0)
    ms = sum(time_of[k] for k in keys)
    peak = ctx.fetch(f"""
        SELECT strftime(day, '%Y-%m') AS m, coalesce(sum(ms), 0)::BIGINT AS t FROM {view}
        WHERE lower(g) IN (SELECT unnest(?::VARCHAR[])) AND day IS NOT NULL
        GROUP BY m ORDER BY t DESC, count(*) DESC, m LIMIT 1""", [keys])
    return GenreFocus(asked=asked.strip(), matched=[names[k] for k in keys], ms_played=ms,
                      plays=sum(plays_of[k] for k in keys), share=ms / genre_ms if genre_ms else None,
                      peak_month=str(peak[0][0]) if peak and peak[0][1] else None,
                      peak_month_ms=int(peak[0][1]) if peak else 0)


# ---- words for other insights (chapters, modes) -------------------------------------------------------------

def leading_genres(rows: list[tuple[str, int]], music_ms: int, *, most: int = 2) -> str | None:
    """"mostly Alternative and Pop": the leading genres of some music, from (genre, ms) rows of its music with a
    genre and its whole music time — None when under :data:`DESCRIBE_COVERAGE` of that time has a genre (a
    description then says nothing about genres rather than guess from a corner of the music).

    >>> leading_genres([("Pop", 600), ("Rock", 300), ("Jazz", 100)], 1000)
    'mostly Pop and Rock'
    >>> leading_genres([("Pop", 300)], 1000) is None
    True
    """
    known = sum(ms for _, ms in rows)
    if music_ms <= 0 or known <= 0 or known / music_ms < DESCRIBE_COVERAGE:
        return None
    ordered = sorted(rows, key=lambda r: (-r[1], r[0]))
    # A second genre is named only when it is a real part (a fifth of the known time), not a trace.
    named = [ordered[0][0]] + [g for g, ms in ordered[1:most] if ms >= 0.2 * known]
    return "mostly " + and_list(named)


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures). Questions about
# one genre by name ("how much jazz") are about GENRE: they run with ``--genre`` and read ``focus``.
FIGURES = (
    Figure("month with the most of that genre", None, r"\bwhen\b|\bwhich (month|year)\b|\bwhat (month|year)\b",
           "focus.peak_month", about=(GENRE,)),
    Figure("plays of that genre", "plays", r"\bhow many (times|plays|songs|tracks)\b|\bhow often\b", "focus.plays",
           about=(GENRE,)),
    Figure("share of that genre", "%", r"\bpercent|\bshare\b|\bproportion\b|\bfraction\b|\bhow much of (my|the)\b",
           "focus.share|pct", about=(GENRE,)),
    Figure("time on that genre", "hours", "", "focus.ms_played|hours", about=(GENRE,)),
    Figure("music with a genre", "%", r"\b(have|has|with|had) (a |any )?genres?\b|\bgenres? (known|recorded)\b|"
           r"\bcoverage\b", "genre_time_share|pct"),
    Figure("number of genres", "genres", r"\bhow many (different )?genres\b|\bnumber of genres\b", "genres"),
    Figure("effective number of genres", "genres", r"\bdivers|\bvariety\b|\bvaried\b|\beclectic\b|\bspread\b",
           "effective_genres|round1"),
    Figure("top genre", None, "", "top.0.name"),
)
