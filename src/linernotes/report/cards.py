"""Share cards: PNG images at social-media sizes, drawn locally by vl-convert from Vega-Lite text and bar marks.

A card shows what its title says and nothing else: music, numbers and the period — never a file path, a
user name, a device or a place. Every figure comes from one insight run (``top``, ``chapters``, ``wrapped``).

Cards wear the one identity (:mod:`linernotes.identity`): its light theme (or dark, when asked), its font
stack and its type scale, enlarged for a 1080-pixel-wide image. Every text sits in a box and fits it
(:mod:`linernotes.report.card_text`): dates and numbers shrink or wrap but are never cut; names wrap to two
lines and only then end in an ellipsis. Names in any script are drawn by the installed fonts
(:mod:`linernotes.report.card_fonts` says which to install when one is missing).

    with open_library("my.duckdb", read_only=True) as lib:
        write_card(lib, "year", "2023.png", period=Period.parse("2023-01-01", "2023-12-31"), size="story")
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linernotes.engine.period import Period
from linernotes.errors import UsageError
from linernotes.formatting import format_count, format_date_range, format_percent, format_period
from linernotes.identity import DARK, FONT_STACK, LIGHT, TYPE_SCALE, Theme, series_color
from linernotes.insights.chapters import ChaptersResult
from linernotes.insights.top import TopResult
from linernotes.insights.wrapped import WrappedResult
from linernotes.report.build import run
from linernotes.report.card_fonts import font_note, register_font_dirs
from linernotes.report.card_text import ASCENT, LINE_HEIGHT, Fitted, Role, Ruler, fit
from linernotes.units import format_hours

if TYPE_CHECKING:
    from linernotes.library import Library
    from linernotes.report.story import Chart, Slide, Story

SIZES: dict[str, tuple[int, int]] = {"square": (1080, 1080), "story": (1080, 1920)}
THEMES: dict[str, Theme] = {"light": LIGHT, "dark": DARK}
MARGIN = 90
# The identity's type scale is for a page read at arm's length; a card is 1080 px wide and seen at phone width
# (about 450 CSS px), so every step is 2.4 times its page size: the body's 15 px becomes 36.
SCALE = 2.4
# Characters a card cannot draw: controls (XML forbids most; vl-convert's SVG text parser aborts the whole
# process on one, e.g. an ESC in an artist's name), the noncharacters U+FFFE/U+FFFF, lone surrogates, and the
# bidi marks and overrides that make a name read as another. Each becomes '?'.
_UNDRAWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                         "\ufeff\ufffe\uffff\ud800-\udfff]")


def drawable(text: str) -> str:
    """``text`` (a name from the library) as a card can draw it."""
    return _UNDRAWABLE.sub("?", text)


def px(step: str) -> int:
    """A step of the identity's type scale (``"body"``, ``"h1"``, ``"display"``...) in card pixels."""
    return round(TYPE_SCALE[step] * SCALE)


@dataclass(frozen=True)
class TextBox:
    """A text and the box it must fit: ``x`` and ``top`` are the box's top-left corner in pixels."""

    x: float
    top: float
    width: float
    height: float
    text: str
    size: int
    min_size: int
    color: str
    bold: bool
    role: Role
    max_lines: int
    align: str


@dataclass
class Canvas:
    """Marks placed in pixels on a card; ``spec()`` fits every text to its box and returns one layered spec."""

    width: int
    height: int
    theme: Theme
    boxes: list[TextBox] = field(default_factory=list)
    layers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def inner(self) -> int:
        """The width between the margins."""
        return self.width - 2 * MARGIN

    def text(self, x: float, top: float, width: float, text: str, size: int, *, height: float | None = None,
             min_size: int | None = None, color: str | None = None, bold: bool = False, role: Role = "fixed",
             max_lines: int = 1, align: str = "left") -> TextBox:
        """A text in the box from (``x``, ``top``), ``width`` wide and (by default) one line of ``size`` tall.

        ``role="name"`` for names (wrapped, then shortened), ``"fixed"`` for anything that must be read whole."""
        box = TextBox(x, top, width, height or size * LINE_HEIGHT, drawable(text), size,
                      min_size or round(size * 0.6), color or self.theme.ink, bold, role, max_lines, align)
        self.boxes.append(box)
        return box

    def used_height(self, box: TextBox) -> float:
        """How tall ``box``'s text is once fitted (measured now: for what follows it on the card)."""
        fitted = _fit(box)
        return len(fitted.lines) * LINE_HEIGHT * fitted.size

    def bar(self, x: float, y: float, width: float, height: float, color: str | None = None) -> None:
        self.layers.append({"mark": {"type": "rect", "x": x, "y": y, "x2": x + max(width, 2), "y2": y + height,
                                     "color": color or self.theme.accent, "cornerRadius": height / 2}})

    def fitted_layers(self) -> list[dict[str, Any]]:
        """Every text fitted to its box (one measuring render for all of them), as text marks."""
        # One render measures every text whole; fit() measures the pieces of the few that must wrap.
        Ruler(FONT_STACK).measure((b.text, b.bold) for b in self.boxes)
        marks = []
        for b in self.boxes:
            fitted = _fit(b)
            x = {"left": b.x, "right": b.x + b.width, "center": b.x + b.width / 2}[b.align]
            for i, line in enumerate(fitted.lines):
                baseline = b.top + (i * LINE_HEIGHT + ASCENT) * fitted.size
                marks.append({"mark": {"type": "text", "x": x, "y": baseline, "text": line,
                                       "fontSize": fitted.size, "color": b.color,
                                       "fontWeight": "bold" if b.bold else "normal", "align": b.align,
                                       "baseline": "alphabetic", "font": FONT_STACK}})
        return marks

    def spec(self, description: str) -> dict[str, Any]:
        return {
            "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "description": drawable(description),
            "width": self.width,
            "height": self.height,
            "autosize": {"type": "none"},  # the PNG is exactly width x height pixels
            "padding": 0,
            "background": self.theme.background,
            "config": {"view": {"stroke": None}, "font": FONT_STACK},
            "data": {"values": [{}]},
            "layer": self.layers + self.fitted_layers(),
        }


def _fit(b: TextBox) -> Fitted:
    return fit(b.text, Ruler(FONT_STACK), width=b.width, height=b.height, size=b.size, min_size=b.min_size, bold=b.bold,
               role=b.role, max_lines=b.max_lines)


def _frame(size: str, theme: Theme, title: str, label: str) -> tuple[Canvas, float]:
    """A card with its title and period; returns the canvas and the y where content starts (content ends
    above :func:`_footer_top`)."""
    width, height = SIZES[size]
    canvas = Canvas(width, height, theme)
    top = 120 if size == "square" else 300  # a story leaves room for the app's own top and bottom bars
    canvas.bar(MARGIN, top - 36, 96, 10, theme.accent)  # the identity's accent: a short rule above the title
    # A title is one line of h1, shrunk to fit; only a very long one wraps (to two lines in the same height).
    canvas.text(MARGIN, top, canvas.inner, title, px("h1"), min_size=px("h3"), bold=True, max_lines=2)
    canvas.text(MARGIN, top + 92, canvas.inner, label, px("lead"), min_size=px("small"), color=theme.muted,
                max_lines=2)
    canvas.text(MARGIN, _footer_top(size), canvas.inner, "liner notes", px("small"), color=theme.muted, bold=True)
    return canvas, top + 190


def _footer_top(size: str) -> int:
    return SIZES[size][1] - (90 if size == "square" else 270)


def top_artists(lib: Library, period: Period, size: str, theme: Theme) -> dict[str, Any]:
    r = run(lib, TopResult, "top", period, entity="artists", limit=5)
    if not r.rows:
        raise UsageError("no music in this period: nothing to put on a top-artists card")
    label = _label(r)
    canvas, y = _frame(size, theme, "Top artists", label)
    story = size == "story"
    step = 128 if not story else 230
    name_height = 68 if not story else 132  # one line of h2 (h1 on a story), or two smaller lines
    name_size = px("h2") if not story else px("h1")
    indent = 80 if not story else 100
    hours_width = 170
    longest = max(row.ms_played for row in r.rows)
    for row in r.rows:
        canvas.text(MARGIN, y, indent - 10, f"{row.rank}", name_size, bold=True, color=theme.accent)
        canvas.text(MARGIN + indent, y, canvas.inner - indent, row.name, name_size, height=name_height,
                    min_size=round(name_size * 0.75), bold=True, role="name", max_lines=2)
        bar_y = y + name_height + 14
        full = canvas.inner - indent - hours_width
        canvas.bar(MARGIN + indent, bar_y, full, 14, theme.line)
        canvas.bar(MARGIN + indent, bar_y, full * row.ms_played / longest, 14, theme.accent)
        canvas.text(canvas.width - MARGIN - hours_width + 20, bar_y + 7 - px("body") * 0.6, hours_width - 20,
                    f"{format_hours(row.ms_played)} h", px("body"), color=theme.muted, align="right")
        y += step
    return canvas.spec(f"Top {len(r.rows)} artists, {label}: " + ", ".join(row.name for row in r.rows))


def chapter(lib: Library, period: Period, size: str, theme: Theme) -> dict[str, Any]:
    r = run(lib, ChaptersResult, "chapters", period)
    if not r.chapters:
        raise UsageError(f"no chapter to put on a card: {r.reason or 'no chapter in this period'}")
    c = next((c for c in r.chapters if c.current), r.chapters[-1])
    when = format_date_range(c.start, c.end)
    canvas, y = _frame(size, theme, f"Chapter {c.index} of {r.total}", when)
    story = size == "story"
    # The chapter's own colour: the same series colour as on the dashboard and in the report.
    colour = series_color(c.index - 1, theme)
    title_size = px("h2") if not story else px("h1")
    title = canvas.text(MARGIN + 34, y, canvas.inner - 34, c.title, title_size,
                        height=3 * LINE_HEIGHT * title_size, min_size=round(title_size * 0.7), bold=True,
                        role="name", max_lines=3)
    used = canvas.used_height(title)
    canvas.bar(MARGIN, y, 10, used, colour)
    y += used + (40 if not story else 90)
    facts = [(format_count(c.hours), "hours"), (f"{c.hours_per_week:,.1f}", "hours a week"),
             (format_count(c.new_artists), "new artists"), (format_count(c.days), "days")]
    y = _facts(canvas, y, facts, px("h1") if not story else px("display"), theme)
    sound = [d.artist for d in c.distinctive[:3]] or c.top_artists[:3]
    if sound:
        y += 20 if not story else 80
        canvas.text(MARGIN, y, canvas.inner, "Its sound", px("small"), color=theme.muted)
        name_size = px("h3") if not story else px("h2")
        room = _footer_top(size) - 20 - (y + 46)  # the artists fill what is left above the footer
        canvas.text(MARGIN, y + 46, canvas.inner, ", ".join(sound), name_size, height=room,
                    min_size=min(32, name_size), bold=True, role="name", max_lines=2)
    return canvas.spec(f"Chapter {c.index} of {r.total}: {c.title}, {when}")


def personality(lib: Library, period: Period, size: str, theme: Theme) -> dict[str, Any]:
    r = run(lib, WrappedResult, "wrapped", period, limit=1)
    axes = [a for a in r.personality if a.score is not None]
    if not axes:
        raise UsageError("no music in this period: no personality to put on a card")
    label = _label(r)
    canvas, y = _frame(size, theme, "Listening personality", label)
    step = 180 if size == "square" else 260
    full = canvas.inner
    half = full / 2 - 15
    pole = px("lead")
    for a in axes:
        score = a.score or 0.0
        low = score < a.midpoint
        canvas.text(MARGIN, y, half, a.low_pole, pole, bold=low, color=theme.ink if low else theme.muted)
        canvas.text(MARGIN + full - half, y, half, a.high_pole, pole, bold=not low,
                    color=theme.muted if low else theme.ink, align="right")
        canvas.bar(MARGIN, y + 72, full, 18, theme.line)
        dot = min(max(full * score - 14, 0), full - 28)  # the dot stays on its track at 0 % and 100 %
        canvas.bar(MARGIN + dot, y + 67, 28, 28, theme.accent)
        # The score under the dot, in a box that stays between the margins at either end of the track.
        centre = MARGIN + dot + 14
        left, align = ((MARGIN, "left") if centre < MARGIN + 70 else
                       (MARGIN + full - 140, "right") if centre > MARGIN + full - 70 else (centre - 70, "center"))
        canvas.text(left, y + 104, 140, format_percent(score), px("small"), color=theme.muted, align=align)
        y += step
    leaning = ", ".join(a.leaning or "" for a in axes)
    return canvas.spec(f"Listening personality, {label}: leans towards {leaning}")


def year(lib: Library, period: Period, size: str, theme: Theme) -> dict[str, Any]:
    r = run(lib, WrappedResult, "wrapped", period, limit=1)
    t = r.totals
    if not t.plays:
        raise UsageError("nothing was played in this period: no numbers to put on a card")
    label = _label(r)
    if _is_year(r):
        canvas, y = _frame(size, theme, f"{label} in numbers", "a year of listening")
    else:  # a range is the title itself: "in numbers" after it would make the one line too long to read
        canvas, y = _frame(size, theme, label, "your listening in numbers")
    story = size == "story"
    facts = [(format_hours(t.ms_played), "hours"), (format_count(t.days_listened), "days with music"),
             (format_count(t.artists), "artists"), (format_count(t.tracks), "tracks"),
             (format_count(r.new_artists), "new artists"),
             (format_count(r.longest_streak.days) if r.longest_streak else "0", "days in a row, at most")]
    y = _facts(canvas, y, facts, px("h1") if not story else px("display"), theme)
    y += 10 if not story else 60
    name_size = px("h3") if not story else px("h2")
    shown = [("Top artist", r.top_artists[0].name if r.top_artists else None)]
    if story:
        shown.append(("Top track", r.top_tracks[0].name if r.top_tracks else None))
    for heading, name in shown:
        if name is None:
            continue
        canvas.text(MARGIN, y, canvas.inner, heading, px("small"), color=theme.muted)
        canvas.text(MARGIN, y + 44, canvas.inner, name, name_size, height=2 * LINE_HEIGHT * 30,
                    min_size=30, bold=True, role="name", max_lines=2)
        y += 44 + 2 * LINE_HEIGHT * 30 + 40
    return canvas.spec(f"{label} in numbers: {format_hours(t.ms_played)} hours, {format_count(t.artists)} artists")


def _facts(canvas: Canvas, y: float, facts: list[tuple[str, str]], value_size: int, theme: Theme) -> float:
    """Figures in two columns, each over its label; returns the y below them."""
    column = canvas.inner / 2 - 15
    label_size = px("body")
    row = value_size * LINE_HEIGHT + label_size * LINE_HEIGHT + 24
    for i, (value, label) in enumerate(facts):
        x = MARGIN + (i % 2) * (column + 30)
        top = y + (i // 2) * row
        canvas.text(x, top, column, value, value_size, min_size=round(value_size * 0.5), bold=True,
                    color=theme.accent if i == 0 else theme.ink)
        canvas.text(x, top + value_size * LINE_HEIGHT, column, label, label_size, color=theme.muted)
    return y + (len(facts) + 1) // 2 * row


def _label(r: TopResult | WrappedResult) -> str:
    """The card's period: "2023" for a calendar year, else the range ("25 May 2014 – 12 May 2026")."""
    meta = r.meta
    return format_period(meta.start, meta.end) if meta is not None else format_period(None, None)


def _is_year(r: WrappedResult) -> bool:
    return _label(r).isdigit()


def slide(story: Story, shown: Slide, size: str = "square", theme: str = "light") -> dict[str, Any]:
    """The Vega-Lite spec of one story slide as a share card: its title and period, the big figure in the slide's
    colour, its sentence, and its chart drawn from the same marks as on the dashboard."""
    if size not in SIZES:
        raise UsageError(f"unknown card size {size!r} (known: {', '.join(SIZES)})")
    if theme not in THEMES:
        raise UsageError(f"unknown card theme {theme!r} (known: {', '.join(THEMES)})")
    register_font_dirs()
    colours = THEMES[theme]
    canvas, y = _frame(size, colours, shown.title, story.period)
    story_size = size == "story"
    colour = series_color(shown.series, colours)
    # A number is the slide's hero; a name (often long) is large but leaves room for the chart.
    figure_size = round(px("display") * (1.6 if story_size else 1.25) * (0.8 if shown.figure_is_name else 1))
    lines = 2 if shown.figure_is_name else 1
    figure = canvas.text(MARGIN, y, canvas.inner, shown.figure, figure_size, height=lines * LINE_HEIGHT * figure_size,
                         min_size=px("h1"), bold=True, color=colour, role="name" if shown.figure_is_name else "fixed",
                         max_lines=lines)
    y += canvas.used_height(figure) + 4
    canvas.text(MARGIN, y, canvas.inner, shown.label, px("lead"), min_size=px("small"), color=colours.muted,
                role="name", max_lines=1)
    y += px("lead") * LINE_HEIGHT + (30 if not story_size else 70)
    body = px("body") if not story_size else px("lead")
    sentence_lines = 3 if not story_size else 5
    said = canvas.text(MARGIN, y, canvas.inner, shown.sentence, body, height=sentence_lines * LINE_HEIGHT * body,
                       min_size=round(body * 0.7), max_lines=sentence_lines)
    y += canvas.used_height(said) + (36 if not story_size else 90)
    room = _footer_top(size) - 40 - y
    if room > 80:
        _slide_chart(canvas, shown.chart, y, room, colour)
    return canvas.spec(f"{shown.title}, {story.period}: {shown.sentence}")


def _slide_chart(canvas: Canvas, chart: Chart, top: float, height: float, colour: str) -> None:
    """A slide's chart in the card's ``height`` from ``top``: bars with their names and values, columns over
    time, or the week's heatmap; the slide's colour, each chapter in its own."""
    theme = canvas.theme
    small = px("small")
    if chart.kind == "bars" and chart.marks:
        rows = chart.marks[: max(1, int(height // 84))]
        step = min(height / len(rows), 130)
        longest = chart.full or max(m.value for m in rows) or 1
        value_width = 300
        for i, m in enumerate(rows):
            y = top + i * step
            canvas.text(MARGIN, y, canvas.inner - value_width, m.label, px("body"), min_size=small,
                        bold=True, role="name", max_lines=1)
            canvas.text(MARGIN + canvas.inner - value_width, y, value_width, m.text, px("body"),
                        min_size=small - 6, color=theme.muted, align="right")
            bar_colour = series_color(m.series, theme) if m.series is not None else colour
            canvas.bar(MARGIN, y + 48, canvas.inner, 14, theme.line)
            canvas.bar(MARGIN, y + 48, canvas.inner * m.value / longest, 14, bar_colour)
    elif chart.kind == "columns" and chart.marks:
        height -= small * LINE_HEIGHT + 10  # the axis labels under the columns
        highest = max(m.value for m in chart.marks) or 1
        width = canvas.inner / len(chart.marks)
        lo, hi = chart.selected or (-1, -1)
        for i, m in enumerate(chart.marks):
            h = max(height * m.value / highest, 2 if m.value else 0)
            picked = chart.selected is None or lo <= i <= hi
            canvas.layers.append({"mark": {"type": "rect", "x": MARGIN + i * width + (1 if width > 6 else 0),
                                           "x2": MARGIN + (i + 1) * width - (1 if width > 6 else 0),
                                           "y": top + height - h, "y2": top + height,
                                           "color": colour if picked else theme.line}})
        canvas.bar(MARGIN, top + height, canvas.inner, 2, theme.muted)
        labelled = [m.label for m in chart.marks if m.label]
        for label, align in ((labelled[0], "left"), (labelled[-1], "right")) if len(labelled) > 1 else ():
            x = MARGIN if align == "left" else MARGIN + canvas.inner - 300
            canvas.text(x, top + height + 10, 300, label, small, color=theme.muted, align=align)
    elif chart.kind == "heatmap" and chart.grid:
        cell = canvas.inner / 24
        row = min(cell, (height - small * LINE_HEIGHT - 10) / 7)
        most = max(max(r) for r in chart.grid) or 1
        for d, minutes in enumerate(chart.grid):
            for h, value in enumerate(minutes):
                left = MARGIN + h * cell
                canvas.layers.append({"mark": {"type": "rect", "x": left + 1, "x2": left + cell - 1,
                                               "y": top + d * row + 1, "y2": top + (d + 1) * row - 1,
                                               "color": colour if value else theme.line,
                                               "opacity": 0.12 + 0.88 * value / most if value else 1}})
        for h in (0, 6, 12, 18):
            canvas.text(MARGIN + h * cell, top + 7 * row + 10, 200, f"{h:02d}:00", small, color=theme.muted)


def render_slide(story: Story, shown: Slide, size: str = "square", theme: str = "light") -> Card:
    """Draw a story slide's card (see :func:`slide`) to PNG."""
    return _render(slide(story, shown, size, theme))


KINDS: dict[str, Callable[[Library, Period, str, Theme], dict[str, Any]]] = {
    "top-artists": top_artists,
    "chapter": chapter,
    "personality": personality,
    "year": year,
}


def card_spec(lib: Library, kind: str, period: Period | None = None, size: str = "square",
              theme: str = "light") -> dict[str, Any]:
    """The Vega-Lite spec of one card (``kind`` in :data:`KINDS`, ``size`` in :data:`SIZES`, ``theme`` in
    :data:`THEMES`)."""
    if kind not in KINDS:
        raise UsageError(f"unknown card {kind!r} (known: {', '.join(KINDS)})")
    if size not in SIZES:
        raise UsageError(f"unknown card size {size!r} (known: {', '.join(SIZES)})")
    if theme not in THEMES:
        raise UsageError(f"unknown card theme {theme!r} (known: {', '.join(THEMES)})")
    register_font_dirs()
    return KINDS[kind](lib, period or Period(), size, THEMES[theme])


@dataclass(frozen=True)
class Card:
    """A rendered card: its PNG, and a note when a name on it is in a script no installed font draws."""

    png: bytes
    font_note: str | None

    def save(self, path: str | os.PathLike[str]) -> Path:
        from linernotes.atomicfile import write_atomic

        return write_atomic(Path(path), self.png)


def render_card(lib: Library, kind: str, period: Period | None = None, size: str = "square",
                theme: str = "light") -> Card:
    """Draw a card (see :func:`card_spec`) to PNG."""
    return _render(card_spec(lib, kind, period, size, theme))


def _render(spec: dict[str, Any]) -> Card:
    import vl_convert

    from linernotes.report.html import VEGA_LITE_VERSION

    # allowed_base_urls=[]: the spec has its data inline, and the renderer may not fetch anything.
    png = vl_convert.vegalite_to_png(spec, vl_version=VEGA_LITE_VERSION, scale=1, allowed_base_urls=[])
    texts = [layer["mark"]["text"] for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    return Card(png, font_note(texts, Ruler(FONT_STACK).draws()))


def write_card(lib: Library, kind: str, path: str | os.PathLike[str], period: Period | None = None,
               size: str = "square", theme: str = "light") -> Path:
    """Render a card to a PNG file at ``path``; returns the path.

    >>> write_card(lib, "top-artists", "top.png", size="story")  # doctest: +SKIP
    """
    return render_card(lib, kind, period, size, theme).save(path)
