"""``chapters``: your listening history cut into life chapters, each described in plain words."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from typing import Annotated

import numpy as np

from linernotes.errors import UsageError
from linernotes.insights.registry import insight
from linernotes.insights.result import Result
from linernotes.insights.scope import Context
from linernotes.models.chapters import MIN_WEEKS, ChapterFacts, Distinctive, chapter_facts, chapter_model
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

    Segmentation (:mod:`linernotes.models.chapters`): each ISO week with music is its taste vector (the
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
    - ``title`` and ``paragraph`` are written from those facts only, by templates.
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
        paragraph = _paragraph(i, f, days, per_week, base_rate, base_night, peak, prev_dev)
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
               peak: list[int], prev_device: str | None) -> str:
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
