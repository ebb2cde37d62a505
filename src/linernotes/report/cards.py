"""Share cards: PNG images at social-media sizes, drawn locally by vl-convert from Vega-Lite text and bar marks.

A card shows what its title says and nothing else: music, numbers and the period — never a file path, a
user name, a device or a place. Every figure comes from one insight run (``top``, ``chapters``, ``wrapped``).

    with open_library("my.duckdb", read_only=True) as lib:
        write_card(lib, "year", "2023.png", period=Period.parse("2023-01-01", "2023-12-31"), size="story")
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linernotes.engine.period import Period
from linernotes.errors import UsageError
from linernotes.identity import FONT_STACK as FONT
from linernotes.insights.chapters import ChaptersResult
from linernotes.insights.top import TopResult
from linernotes.insights.wrapped import WrappedResult
from linernotes.report import period_label
from linernotes.report.build import run
from linernotes.units import format_hours

if TYPE_CHECKING:
    from linernotes.library import Library

SIZES: dict[str, tuple[int, int]] = {"square": (1080, 1080), "story": (1080, 1920)}
BACKGROUND = "#1a1a2e"
TEXT = "#ffffff"
SOFT = "#c9cbe0"  # secondary text: 9:1 on the background
BAR = "#6ea8fe"
TRACK = "#33344d"
MARGIN = 90
# Characters a card cannot draw: controls (XML forbids most; vl-convert's SVG text parser aborts the whole
# process on one, e.g. an ESC in an artist's name), the noncharacters U+FFFE/U+FFFF, lone surrogates, and the
# bidi marks and overrides that make a name read as another. Each becomes '?'.
_UNDRAWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                         "\ufeff\ufffe\uffff\ud800-\udfff]")


def drawable(text: str) -> str:
    """``text`` (a name from the library) as a card can draw it."""
    return _UNDRAWABLE.sub("?", text)


@dataclass
class Canvas:
    """Marks placed in pixels on a card; ``spec()`` turns them into one layered Vega-Lite spec."""

    width: int
    height: int
    layers: list[dict[str, Any]]

    def text(self, x: float, y: float, text: str, size: int, *, color: str = TEXT, bold: bool = False,
             align: str = "left") -> None:
        # limit: long names end in an ellipsis instead of running off the card
        limit = self.width - 2 * MARGIN if align == "left" else 0
        self.layers.append({"mark": {"type": "text", "x": x, "y": y, "text": drawable(text), "fontSize": size,
                                     "color": color,
                                     "fontWeight": "bold" if bold else "normal", "align": align,
                                     "baseline": "alphabetic", "limit": limit, "font": FONT}})

    def bar(self, x: float, y: float, width: float, height: float, color: str = BAR) -> None:
        self.layers.append({"mark": {"type": "rect", "x": x, "y": y, "x2": x + max(width, 2), "y2": y + height,
                                     "color": color, "cornerRadius": height / 2}})

    def spec(self, description: str) -> dict[str, Any]:
        return {
            "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "description": drawable(description),
            "width": self.width,
            "height": self.height,
            "autosize": {"type": "none"},  # the PNG is exactly width x height pixels
            "padding": 0,
            "background": BACKGROUND,
            "config": {"view": {"stroke": None}, "font": FONT},
            "data": {"values": [{}]},
            "layer": self.layers,
        }


def _frame(size: str, title: str, label: str) -> tuple[Canvas, float]:
    """A card with its title and period; returns the canvas and the y where content starts."""
    width, height = SIZES[size]
    canvas = Canvas(width, height, [])
    top = 150 if size == "square" else 330  # a story leaves room for the app's own top and bottom bars
    canvas.text(MARGIN, top, title, 72, bold=True)
    canvas.text(MARGIN, top + 64, label, 40, color=SOFT)
    canvas.text(MARGIN, height - (70 if size == "square" else 250), "liner notes", 30, color=SOFT)
    return canvas, top + 150


def top_artists(lib: Library, period: Period, size: str) -> dict[str, Any]:
    r = run(lib, TopResult, "top", period, entity="artists", limit=5)
    if not r.rows:
        raise UsageError("no music in this period: nothing to put on a top-artists card")
    canvas, y = _frame(size, "Top artists", _label(r))
    step = 135 if size == "square" else 210
    longest = max(row.ms_played for row in r.rows)
    for row in r.rows:
        canvas.text(MARGIN, y + 50, f"{row.rank}", 56, bold=True, color=BAR)
        canvas.text(MARGIN + 80, y + 50, row.name, 50, bold=True)
        canvas.text(canvas.width - MARGIN, y + 50, f"{format_hours(row.ms_played)} h", 40, color=SOFT, align="right")
        full = canvas.width - 2 * MARGIN - 80
        canvas.bar(MARGIN + 80, y + 75, full, 14, TRACK)
        canvas.bar(MARGIN + 80, y + 75, full * row.ms_played / longest, 14)
        y += step
    return canvas.spec(f"Top {len(r.rows)} artists, {_label(r)}: " + ", ".join(row.name for row in r.rows))


def chapter(lib: Library, period: Period, size: str) -> dict[str, Any]:
    r = run(lib, ChaptersResult, "chapters", period)
    if not r.chapters:
        raise UsageError(f"no chapter to put on a card: {r.reason or 'no chapter in this period'}")
    c = next((c for c in r.chapters if c.current), r.chapters[-1])
    canvas, y = _frame(size, f"Chapter {c.index} of {r.total}", f"{c.start:%B %Y} – {c.end:%B %Y}")
    words = c.title.split()
    lines, line = [], ""
    for word in words:  # the chapter's title in lines that fit the card
        if line and len(line) + 1 + len(word) > 26:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    for text in lines[:3]:
        canvas.text(MARGIN, y + 40, text, 60, bold=True, color=BAR)
        y += 75
    y += 60
    facts = [(f"{c.hours:,.0f}", "hours"), (f"{c.hours_per_week:,.1f}", "hours a week"),
             (f"{c.new_artists:,}", "new artists"), (f"{c.days:,}", "days")]
    for i, (value, label) in enumerate(facts):
        x = MARGIN + (i % 2) * 450
        row_y = y + (i // 2) * 150
        canvas.text(x, row_y + 60, value, 72, bold=True)
        canvas.text(x, row_y + 105, label, 34, color=SOFT)
    y += 320
    sound = [d.artist for d in c.distinctive[:3]] or c.top_artists[:3]
    if sound:
        canvas.text(MARGIN, y + 40, "Its sound", 34, color=SOFT)
        canvas.text(MARGIN, y + 95, ", ".join(sound), 42, bold=True)
    return canvas.spec(f"Chapter {c.index} of {r.total}: {c.title}, {c.start:%B %Y} to {c.end:%B %Y}")


def personality(lib: Library, period: Period, size: str) -> dict[str, Any]:
    r = run(lib, WrappedResult, "wrapped", period, limit=1)
    axes = [a for a in r.personality if a.score is not None]
    if not axes:
        raise UsageError("no music in this period: no personality to put on a card")
    canvas, y = _frame(size, "Listening personality", _label(r))
    step = 190 if size == "square" else 260
    full = canvas.width - 2 * MARGIN
    for a in axes:
        score = a.score or 0.0
        canvas.text(MARGIN, y + 40, a.low_pole, 40, bold=score < a.midpoint, color=TEXT if score < a.midpoint else SOFT)
        canvas.text(canvas.width - MARGIN, y + 40, a.high_pole, 40, bold=score >= a.midpoint,
                    color=TEXT if score >= a.midpoint else SOFT, align="right")
        canvas.bar(MARGIN, y + 70, full, 18, TRACK)
        dot = min(max(full * score - 14, 0), full - 28)  # the dot stays on its track at 0 % and 100 %
        canvas.bar(MARGIN + dot, y + 65, 28, 28)
        canvas.text(MARGIN + dot + 14, y + 135, f"{score:.0%}", 32, color=SOFT, align="center")
        y += step
    leaning = ", ".join(a.leaning or "" for a in axes)
    return canvas.spec(f"Listening personality, {_label(r)}: leans towards {leaning}")


def year(lib: Library, period: Period, size: str) -> dict[str, Any]:
    r = run(lib, WrappedResult, "wrapped", period, limit=1)
    t = r.totals
    if not t.plays:
        raise UsageError("nothing was played in this period: no numbers to put on a card")
    canvas, y = _frame(size, f"{_label(r)} in numbers", "a year of listening" if _is_year(r) else "your listening")
    facts = [(format_hours(t.ms_played), "hours"), (f"{t.days_listened:,}", "days with music"),
             (f"{t.artists:,}", "artists"), (f"{t.tracks:,}", "tracks"),
             (f"{r.new_artists:,}", "new artists"),
             (f"{r.longest_streak.days:,}" if r.longest_streak else "0", "days in a row, at most")]
    row_h = 170 if size == "square" else 220
    for i, (value, label) in enumerate(facts):
        x = MARGIN + (i % 2) * 450
        row_y = y + (i // 2) * row_h
        canvas.text(x, row_y + 70, value, 80, bold=True, color=BAR if i == 0 else TEXT)
        canvas.text(x, row_y + 115, label, 34, color=SOFT)
    y += 3 * row_h + 20
    if r.top_artists:
        canvas.text(MARGIN, y + 30, "Top artist", 32, color=SOFT)
        canvas.text(MARGIN, y + 80, r.top_artists[0].name, 46, bold=True)
    if r.top_tracks and size == "story":
        canvas.text(MARGIN, y + 170, "Top track", 32, color=SOFT)
        canvas.text(MARGIN, y + 220, r.top_tracks[0].name, 46, bold=True)
    return canvas.spec(f"{_label(r)} in numbers: {format_hours(t.ms_played)} hours, {t.artists:,} artists")


def _label(r: TopResult | WrappedResult) -> str:
    meta = r.meta
    return period_label(meta.start, meta.end) if meta else "all time"


def _is_year(r: WrappedResult) -> bool:
    return _label(r).isdigit()


KINDS: dict[str, Callable[[Library, Period, str], dict[str, Any]]] = {
    "top-artists": top_artists,
    "chapter": chapter,
    "personality": personality,
    "year": year,
}


def card_spec(lib: Library, kind: str, period: Period | None = None, size: str = "square") -> dict[str, Any]:
    """The Vega-Lite spec of one card (``kind`` in :data:`KINDS`, ``size`` in :data:`SIZES`)."""
    if kind not in KINDS:
        raise UsageError(f"unknown card {kind!r} (known: {', '.join(KINDS)})")
    if size not in SIZES:
        raise UsageError(f"unknown card size {size!r} (known: {', '.join(SIZES)})")
    return KINDS[kind](lib, period or Period(), size)


def write_card(lib: Library, kind: str, path: str | os.PathLike[str], period: Period | None = None,
               size: str = "square") -> Path:
    """Render a card to a PNG file at ``path``; returns the path.

    >>> write_card(lib, "top-artists", "top.png", size="story")  # doctest: +SKIP
    """
    import vl_convert

    from linernotes.atomicfile import write_atomic
    from linernotes.report.html import VEGA_LITE_VERSION

    spec = card_spec(lib, kind, period, size)
    # allowed_base_urls=[]: the spec has its data inline, and the renderer may not fetch anything.
    png = vl_convert.vegalite_to_png(spec, vl_version=VEGA_LITE_VERSION, scale=1, allowed_base_urls=[])
    return write_atomic(Path(path), png)
