"""``chapters``: your listening history cut into life chapters, each described in plain words."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np

from linernotes.engine.figures import Figure
from linernotes.engine.model_cache import cached_arrays
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.errors import UsageError
from linernotes.formatting import format_percent
from linernotes.insights.genres import artist_genre_join, leading_genres, play_genre_sql
from linernotes.insights.taste import taste_model
from linernotes.models.artist_embedding import TasteModel
from linernotes.models.chapter_segmentation import (
    GAP_WEEKS,
    MIN_HISTORY_WEEKS,
    MIN_WEEKS,
    PENALTY_SCALE,
    SCROBBLE_MS,
    SMOOTH_WEEKS,
    ChapterFacts,
    ChapterModel,
    Distinctive,
    Span,
    Weekly,
    chapter_facts_of,
    cut_chapters,
    no_chapter_reason,
    week_date,
    weekly_vectors,
)
from linernotes.units import MS_PER_HOUR

DEVICE_WORDS = {
    "phone_android": "your Android phone", "phone_ios": "your iPhone", "desktop_windows": "a Windows computer",
    "desktop_mac": "your Mac", "desktop_linux": "a Linux computer", "web": "the web player", "speaker": "a speaker",
    "cast": "a speaker", "tv": "the TV", "car": "the car", "console": "a game console", "watch": "your watch",
    "tablet": "a tablet",
}


@dataclass(frozen=True)
class DeviceShare:
    device: str
    share: float  # of the chapter's listening time


@dataclass(frozen=True)
class Chapter:
    index: int  # 1-based, in time order over the whole history
    start: dt.date
    end: dt.date
    days: int
    hours: float  # listening time, every kind
    music_hours: float
    plays: int  # counted plays, every kind
    hours_per_week: float  # over the chapter's weeks with music (``weeks``), not its calendar days
    weeks: int  # weeks with music in the chapter
    top_artists: list[str]  # most listened music artists
    distinctive: list[Distinctive]  # what set it apart from the rest of the history
    peak_hours: list[int]  # the three local start hours with the most listening, busiest first
    night_share: float  # of listening time started 23:00-04:59 local
    weekend_share: float
    devices: list[DeviceShare]
    new_artists: int  # artists heard for the first time ever in this chapter
    current: bool  # holds the period's last day (not when that day is months after the chapter ended)
    title: str
    paragraph: str


@dataclass
class ChaptersResult(Result):
    total: int  # chapters in the whole history
    min_weeks: int
    chapters: list[Chapter]  # those overlapping the period
    reason: str | None = None  # why the history has no chapter, when it has none
    active_weeks: int = 0  # weeks with music the chapters are found in
    left_out_weeks: int = 0  # weeks with music in short stretches apart from the rest: in no chapter

    def summary(self) -> list[str]:
        if self.reason:
            return [self.reason]
        if not self.chapters:
            return ["No chapter of your history falls in this period."]
        lines = [f"Your history falls into {self.total} chapter{'s' if self.total != 1 else ''}"
                 + (f"; {len(self.chapters)} touch this period." if len(self.chapters) != self.total else ".")]
        lines += [f"{c.start:%b %Y}–{c.end:%b %Y}: {c.title}." for c in self.chapters[:6]]
        return lines


@insight("chapters", "Life chapters: the eras of your listening, each with its own sound and rhythm", model=True)
def chapters(
    ctx: Context,
    *,
    min_weeks: Annotated[int, "the shortest chapter, in weeks"] = MIN_WEEKS,
    distinctive: Annotated[int, "how many distinctive artists to name per chapter"] = 5,
) -> ChaptersResult:
    """Life chapters: stretches of the whole history in which your taste stayed put, and what made each one.

    Segmentation (:mod:`linernotes.models.chapter_segmentation`): each ISO week with music is its taste vector (the
    listening-time-weighted mean of your artists' taste vectors; crushes — artists with more than 80 % of
    their plays inside nine months — left out). Chapters are the exact minimiser of the weighted squared
    distance of weeks to their chapter's mean, in units of the long-run week-to-week noise, plus the BIC
    penalty (d + 1)·ln(n) per chapter, with chapters at least ``min_weeks`` weeks long; weekly vectors are
    first smoothed by a 9-week running median (binges and seasonal spikes are shorter). Enough history: only
    stretches without gaps of more than 8 weeks are segmented, a stretch shorter than ``min_weeks`` weeks
    (stray rows) is in no chapter, and with fewer than 52 weeks with music there is no chapter at all
    (``reason`` says so). A chapter starts on the Monday of its first week and ends the day before the next
    starts (the first of a stretch starts on its first day with music, the last ends on its last). The
    segmentation is of the whole history; the chapters shown are those overlapping the period, with their
    facts over the whole chapter:

    - ``hours``/``plays``: every kind; ``hours_per_week`` over the chapter's weeks with music; ``top_artists``
      by time;
    - ``distinctive``: log-odds ratio with an informative Dirichlet prior (500 pseudo-plays spread like the
      whole history) of counted music plays in the chapter against the rest of the history; z > 1.96 and
      at least 3 plays; highest z first (``ratio``: share in the chapter over share elsewhere);
    - rhythm: ``peak_hours`` (local start hours with most time), ``night_share`` (23:00–04:59),
      ``weekend_share``, ``devices`` (top three by time); ``new_artists``: first heard ever in the chapter;
    - ``title`` and ``paragraph`` are written from those facts only, by templates; the paragraph names the
      chapter's leading genres when at least half of its music time has a genre (the export names them).
    """
    if min_weeks < 2:
        raise UsageError("--min-weeks must be at least 2")
    if distinctive < 1:
        raise UsageError("--distinctive must be at least 1")
    model = chapter_model(ctx, min_weeks=min_weeks)
    empty = ChaptersResult(total=len(model.spans), min_weeks=min_weeks, chapters=[], reason=model.reason,
                           active_weeks=model.active_weeks, left_out_weeks=model.left_out_weeks)
    if not model.spans or ctx.start is None or ctx.end is None or not ctx.selection.plays:
        return empty
    facts = chapter_facts(ctx, model.spans, distinctive)
    genres = chapter_genres(ctx, model.spans)
    whole_hours = np.sum([f.hour_ms for f in facts], axis=0)
    total_ms = float(whole_hours.sum())
    base_night = float(whole_hours[[23, 0, 1, 2, 3, 4]].sum() / total_ms) if total_ms else 0.0
    total_weeks = sum(f.span.weeks for f in facts)
    base_rate = sum(f.ms_played for f in facts) / max(total_weeks, 1) / MS_PER_HOUR
    out: list[Chapter] = []
    current = model.index_at(ctx.end)
    for i, f in enumerate(facts):
        if f.span.end < ctx.start or f.span.start > ctx.end:
            continue
        days = (f.span.end - f.span.start).days + 1
        peak = [int(h) for h in np.argsort(-f.hour_ms, kind="stable")[:3] if f.hour_ms[h] > 0]
        per_week = f.ms_played / max(f.span.weeks, 1) / MS_PER_HOUR
        prev_dev = facts[i - 1].devices[0][0] if i > 0 and facts[i - 1].devices else None
        title = _title(i, f, days, base_night)
        paragraph = _paragraph(i, f, days, per_week, base_rate, base_night, peak, prev_dev, genres[i])
        out.append(Chapter(
            index=i + 1, start=f.span.start, end=f.span.end, days=days, hours=f.ms_played / MS_PER_HOUR,
            music_hours=f.music_ms / MS_PER_HOUR, plays=f.plays, hours_per_week=per_week, weeks=f.span.weeks,
            top_artists=[a for a, _ in f.top_artists], distinctive=f.distinctive, peak_hours=peak,
            night_share=f.night_share, weekend_share=f.weekend_share,
            devices=[DeviceShare(d, s) for d, s in f.devices], new_artists=f.new_artists, current=i == current,
            title=title, paragraph=paragraph))
    return ChaptersResult(total=len(model.spans), min_weeks=min_weeks, chapters=out, reason=None,
                          active_weeks=model.active_weeks, left_out_weeks=model.left_out_weeks)


# ---- words ------------------------------------------------------------------------------------------------

def _pick(options: list[str], *key: object) -> str:
    """A template chosen by a stable hash of ``key``: varied between chapters, the same on every run."""
    return options[zlib.crc32(repr(key).encode()) % len(options)]


def _season(day: dt.date) -> str:
    return ("winter", "winter", "spring", "spring", "spring", "summer", "summer", "summer", "autumn", "autumn",
            "autumn", "winter")[day.month - 1]


def _length(days: int) -> str:
    months = max(1, round(days / 30.44))
    if months < 24:
        return f"{months} month{'s' if months != 1 else ''}"
    years = days / 365.25
    return f"{years:.0f} years" if abs(years - round(years)) < 0.15 else f"{years:.1f} years"


def _bare(name: str) -> str:
    """``name`` without a leading article, to follow "The" in a title."""
    return name[4:] if name.lower().startswith("the ") else name


def _names(names: list[str]) -> str:
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _device(device: str) -> str:
    return DEVICE_WORDS.get(device, device.replace("_", " "))


def _lead(f: ChapterFacts) -> list[str]:
    """The names a chapter is known by: its distinctive artists, else its most played."""
    return [d.artist for d in f.distinctive] or [a for a, _ in f.top_artists]


def _title(i: int, f: ChapterFacts, days: int, base_night: float) -> str:
    lead = _lead(f)
    if not lead:
        return f"Chapter {i + 1}: mostly words, little music"
    a = lead[0]
    years = f"{f.span.start.year}" if f.span.start.year == f.span.end.year else \
        f"{f.span.start.year}–{f.span.end.year}"
    if f.night_share >= max(0.25, 1.5 * base_night):
        return _pick([f"Late nights with {a}", f"After midnight: {a}", f"{a} in the small hours"], i, a)
    if len(lead) >= 2:
        b = lead[1]
        options = [f"The {_bare(a)} and {b} {'years' if days >= 540 else 'months'}", f"{years}: {a} and {b}",
                   f"The sound of {a} and {b}", f"{_season(f.span.start).capitalize()} "
                   f"{f.span.start.year} onwards: {a} and {b}"]
        return _pick(options, i, a, b)
    options = [f"The {_bare(a)} {'years' if days >= 540 else 'months'}", f"{years}: the {_bare(a)} era", f"Mostly {a}"]
    return _pick(options, i, a)


def _paragraph(i: int, f: ChapterFacts, days: int, per_week: float, base_rate: float, base_night: float,
               peak: list[int], prev_device: str | None, genres: tuple[str, float] | None = None) -> str:
    s = []
    when = f"From {f.span.start:%B %Y} to {f.span.end:%B %Y} ({_length(days)})"
    pace = ""
    if base_rate > 0 and per_week >= 1.25 * base_rate:
        pace = ", more than usual"
    elif base_rate > 0 and per_week <= 0.8 * base_rate:
        pace = ", less than usual"
    if f.ms_played > 0:
        s.append(f"{when} you listened for {f.ms_played / MS_PER_HOUR:,.0f} hours, about {per_week:,.1f} a week"
                 f" with music{pace}.")
    else:  # scrobbles only: plays, no listening time
        s.append(f"{when} you played {f.plays:,} tracks, about {f.plays / max(f.span.weeks, 1):,.0f} a week"
                 " with music.")
    if f.distinctive:
        d = f.distinctive[:3]
        s.append(_pick([
            f"What set it apart: {_names([x.artist for x in d])}, played far more than at any other time"
            f" ({d[0].ratio:,.1f}× {d[0].artist}'s usual share).",
            f"Its sound was {_names([x.artist for x in d])} — artists you played much less before and after.",
            f"{_names([x.artist for x in d])} belong to this chapter more than to any other.",
        ], i, "d"))
    elif f.top_artists:
        s.append(f"Most of it went to {_names([a for a, _ in f.top_artists[:3]])}.")
    if genres is not None:
        words, share = genres
        s.append(f"By genre, {words} ({format_percent(share)} of its music time has a genre).")
    if f.new_artists:
        s.append(f"You met {f.new_artists:,} new artist{'s' if f.new_artists != 1 else ''} along the way.")
    if peak:
        rhythm = f"Most listening started around {peak[0]:02d}:00"
        if f.night_share >= max(0.2, 1.5 * base_night):
            rhythm += f", and {f.night_share:.0%} of it late at night, more than usual"
        elif f.night_share < 0.05:
            rhythm += ", hardly ever at night"
        s.append(rhythm + ".")
    if f.devices:
        dev, share = f.devices[0]
        line = f"Mostly on {_device(dev)} ({share:.0%})"
        if prev_device is not None and prev_device != dev:
            line += f", no longer {_device(prev_device)}"
        s.append(line + ".")
    return " ".join(s)


# ---- the model's input, read from the library, and its cache ----

def weekly_taste(ctx: Context, model: TasteModel, *, exclude_crushes: bool = False) -> Weekly:
    """Weeks with music in ``ctx``'s selection: (Mondays, taste vectors, listening time, counted plays); see
    :func:`linernotes.models.chapter_segmentation.weekly_vectors`."""
    music = ctx.kinds("track")
    ctx.con.register("_ln_chapter_vocab", model.vocab_table())
    try:
        cols = ctx.fetchnumpy(f"""
            SELECT date_trunc('week', day)::DATE AS week, coalesce(v.id, -1) AS id,
                   sum(coalesce(ms_played, duration_ms, {SCROBBLE_MS}))::DOUBLE AS ms,
                   count(*) FILTER (WHERE counted) AS plays
            FROM {ctx.plays} p LEFT JOIN _ln_chapter_vocab v ON v.artist = p.artist
            WHERE {music} AND coalesce(ms_played, 1) > 0
            GROUP BY ALL ORDER BY week""")
    finally:
        ctx.con.unregister("_ln_chapter_vocab")
    return weekly_vectors(cols["week"], cols["id"], cols["ms"], cols["plays"], model, exclude_crushes=exclude_crushes)


def chapter_model(ctx: Context, *, min_weeks: int = MIN_WEEKS, penalty_scale: float = PENALTY_SCALE,
                  seed: int = 0) -> ChapterModel:
    """Segment ``ctx``'s scope, over its whole history, into chapters (cached; see
    :mod:`linernotes.models.chapter_segmentation`)."""
    whole = ctx.whole_history()
    model = taste_model(whole, seed=seed)
    params = {"min_weeks": min_weeks, "penalty_scale": penalty_scale, "seed": seed, "model": "chapters-op-3",
              "taste": model.dims, "history": MIN_HISTORY_WEEKS, "gap": GAP_WEEKS, "smooth": SMOOTH_WEEKS}

    def train() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        weeks, vectors, week_ms, plays = weekly_taste(whole, model, exclude_crushes=True)
        return cut_chapters(weeks, vectors, week_ms, plays, model.dims, min_weeks=min_weeks,
                            penalty_scale=penalty_scale)

    arrays, _ = cached_arrays(whole, "chapters", params, train)
    weeks = arrays["weeks"].astype("datetime64[D]")
    bounds = arrays["bounds"].astype(np.int64).reshape(-1, 2)
    active, left_out = (int(v) for v in arrays["active"])
    spans: list[Span] = []
    first_day = whole.start
    last_day = whole.end
    for k, (a, b) in enumerate(bounds.tolist()):
        # The first/last chapter of a stretch: a gap of more than GAP_WEEKS weeks before/after it.
        opens = k == 0 or int((weeks[a] - weeks[bounds[k - 1][1] - 1]).astype(np.int64)) > 7 * GAP_WEEKS
        closes = k == len(bounds) - 1 or int((weeks[bounds[k + 1][0]] - weeks[b - 1]).astype(np.int64)) > 7 * GAP_WEEKS
        start = week_date(weeks[a])
        if opens and first_day is not None and start <= first_day <= start + dt.timedelta(days=6):
            start = first_day
        elif opens:
            start = _first_day(whole, start)
        end = (week_date(weeks[b]) - dt.timedelta(days=1) if not closes
               else week_date(weeks[b - 1]) + dt.timedelta(days=6))
        if closes and last_day is not None and end - dt.timedelta(days=6) <= last_day <= end:
            end = last_day
        elif closes:
            end = _last_day(whole, end)
        spans.append(Span(start=start, end=end, weeks=b - a))
    reason = None if spans else no_chapter_reason(len(weeks), active, left_out, min_weeks)
    starts = np.asarray([a for a, _ in bounds.tolist()[1:]], dtype=np.int64)
    return ChapterModel(spans=spans, weeks=weeks, vectors=arrays["vectors"], week_ms=arrays["week_ms"],
                        breaks=starts, active_weeks=active, left_out_weeks=left_out, reason=reason)


def _first_day(ctx: Context, monday: dt.date) -> dt.date:
    """The first day with music in the week starting ``monday`` (``monday`` itself when there is none)."""
    music = ctx.kinds("track")
    row = ctx.fetch(f"SELECT min(day) FROM {ctx.plays} WHERE {music} AND coalesce(ms_played, 1) > 0 "
                    "AND day BETWEEN ? AND ?",
                    [monday, monday + dt.timedelta(days=6)])
    return row[0][0] if row and row[0][0] is not None else monday


def _last_day(ctx: Context, sunday: dt.date) -> dt.date:
    """The last day with music in the week ending ``sunday``."""
    music = ctx.kinds("track")
    row = ctx.fetch(f"SELECT max(day) FROM {ctx.plays} WHERE {music} AND coalesce(ms_played, 1) > 0 "
                    "AND day BETWEEN ? AND ?",
                    [sunday - dt.timedelta(days=6), sunday])
    return row[0][0] if row and row[0][0] is not None else sunday


def chapter_facts(ctx: Context, spans: list[Span], n_distinctive: int = 5) -> list[ChapterFacts]:
    """Facts for each span over ``ctx``'s whole history: listening, distinctive artists, rhythm, devices
    (:func:`linernotes.models.chapter_segmentation.chapter_facts_of`). They do not depend on the period asked
    for, so the engine keeps them: a new period pays only for its own figures."""
    whole = ctx.whole_history()
    if not spans:
        return []
    return whole.engine.memo((whole.scope, "chapter-facts", tuple(spans), n_distinctive),
                             lambda: _chapter_facts(whole, spans, n_distinctive), shared=True)


def chapter_genres(ctx: Context, spans: list[Span]) -> list[tuple[str, float] | None]:
    """Per span, its leading genres in words and the share of its music time that has a genre, or None when
    under half of it has one (:func:`linernotes.insights.genres.leading_genres`): a library without genres
    gets Nones and its paragraphs are unchanged."""
    whole = ctx.whole_history()
    if not spans:
        return []
    return whole.engine.memo((whole.scope, "chapter-genres", tuple(spans)),
                             lambda: _chapter_genres(whole, spans), shared=True)


def _chapter_genres(whole: Context, spans: list[Span]) -> list[tuple[str, float] | None]:
    import pyarrow as pa

    table = pa.table({"idx": pa.array(np.arange(len(spans)), pa.int64()),
                      "s": pa.array([s.start for s in spans], pa.date32()),
                      "e": pa.array([s.end for s in spans], pa.date32())})
    whole.con.register("_ln_genre_spans", table)
    try:
        rows = whole.fetch(f"""
            WITH t AS (SELECT c.idx, {play_genre_sql('p')} AS g, p.ms_played
                       FROM {whole.plays} p JOIN _ln_genre_spans c ON p.day BETWEEN c.s AND c.e
                       {artist_genre_join('p')}
                       WHERE {whole.kinds('track')} AND p.ms_played > 0)
            SELECT idx, min(g), sum(ms_played)::BIGINT FROM t GROUP BY idx, lower(g)""")
    finally:
        whole.con.unregister("_ln_genre_spans")
    music = [0] * len(spans)
    known: list[list[tuple[str, int]]] = [[] for _ in spans]
    for idx, genre, ms in rows:
        music[int(idx)] += int(ms)
        if genre is not None:
            known[int(idx)].append((str(genre), int(ms)))
    out: list[tuple[str, float] | None] = []
    for i in range(len(spans)):
        words = leading_genres(known[i], music[i])
        out.append((words, sum(ms for _, ms in known[i]) / music[i]) if words else None)
    return out


def _chapter_facts(whole: Context, spans: list[Span], n_distinctive: int) -> list[ChapterFacts]:
    import pyarrow as pa

    table = pa.table({"idx": pa.array(np.arange(len(spans)), pa.int64()),
                      "s": pa.array([s.start for s in spans], pa.date32()),
                      "e": pa.array([s.end for s in spans], pa.date32())})
    whole.con.register("_ln_spans", table)
    try:
        joined = f"(SELECT p.*, c.idx FROM {whole.plays} p JOIN _ln_spans c ON p.day BETWEEN c.s AND c.e)"
        music = whole.kinds("track")
        totals = {int(i): (int(ms or 0), int(mms or 0), int(n)) for i, ms, mms, n in whole.fetch(f"""
            SELECT idx, sum(ms_played), sum(ms_played) FILTER (WHERE {music}), count(*) FILTER (WHERE counted)
            FROM {joined} GROUP BY idx""")}
        art = whole.fetchnumpy(f"""
            SELECT idx, artist, count(*) FILTER (WHERE counted) AS n, sum(ms_played)::DOUBLE AS ms
            FROM {joined} WHERE {music} AND artist IS NOT NULL GROUP BY ALL""")
        hours = whole.fetch(f"""
            SELECT idx, hour, sum(ms_played) FILTER (WHERE dow >= 6), sum(ms_played)
            FROM {joined} GROUP BY ALL""")
        devices = whole.fetch(f"""
            SELECT idx, device, sum(ms_played) FROM {joined}
            WHERE device IS NOT NULL AND device NOT IN ('unknown', '') GROUP BY ALL
            ORDER BY idx, 3 DESC, 2""")
        first = whole.fetch(f"""
            SELECT c.idx, count(*) FROM (
                SELECT artist, min(day) AS d FROM {whole.plays} WHERE {music} AND artist IS NOT NULL GROUP BY artist
            ) f JOIN _ln_spans c ON f.d BETWEEN c.s AND c.e GROUP BY c.idx""")
    finally:
        whole.con.unregister("_ln_spans")
    return chapter_facts_of(spans, totals, art, hours, devices, first, n_distinctive)
# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (Figure("chapters", "chapters", "", "total"),)
