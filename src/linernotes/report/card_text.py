"""Text that fits its box on a share card, measured from what the card's own renderer draws.

A card cannot ask a browser how wide a string is, and a table of character widths is wrong for every font it
was not made from (and for every script). So the widths come from the renderer itself: the pieces of every
text on a card are drawn once, side by side, into one probe PNG by vl-convert with the card's font, and their
widths read off the pixels (:class:`Ruler`). Widths scale with the font size (the renderer does not hint), so
one probe at :data:`REFERENCE` px serves every size.

How a text fits its box depends on what it says (:func:`fit`):

- ``fixed`` — dates, numbers, titles: never shortened. They shrink, then wrap at spaces, then shrink more.
- ``name`` — artist and track names: shrink a little, then wrap (at spaces, or between Chinese or Japanese
  characters), and only when the lines run out is the last one shortened with an ellipsis at a word boundary.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt

from linernotes.report.png_pixels import decode_png

REFERENCE = 32  # px: the probe's font size (edge pixels count in part: widths to a tenth of a pixel)
LINE_HEIGHT = 1.2  # one line's step, in font sizes
ASCENT = 0.95  # from a line's top to its baseline, in font sizes: CJK and emoji reach higher than Latin capitals
FILL = 0.985  # a line may use this share of its box: room for the anti-aliased edge of the last glyph
SMALLEST = 8  # px: a fixed text shrinks to this at the very most, and wraps at every space before that
ELLIPSIS = "…"
MAX_PIECE = 16  # characters: a longer word (a name with no spaces) may break inside, as a last resort
Role = Literal["fixed", "name"]

# Han, kana and their punctuation: lines may break between any two of these characters, as in print.
_IDEOGRAPHIC = re.compile("[\u2e80-\u2fff\u3000-\u30ff\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                          "\uff00-\uff60\U00020000-\U0003ffff]")
# A space run, one ideograph, or a run of anything else: the pieces a line is made of.
_PIECES = re.compile(r"\s+|" + _IDEOGRAPHIC.pattern + r"|[^\s" + _IDEOGRAPHIC.pattern[1:-1] + "]+")
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}  # ZWJ and variation selectors: never the edge of a piece
# Markers drawn around every piece in the probe: a piece's width is the marked row's width less the markers'.
# "H" has flat sides, so no font kerns it against its neighbour.
_MARK = "H"


@dataclass(frozen=True)
class Fitted:
    """A text fitted to its box: the lines to draw and their font size (px)."""

    lines: tuple[str, ...]
    size: int
    shortened: bool = False  # the last line ends in an ellipsis


def pieces(text: str) -> list[str]:
    """``text`` cut where a line may break: at spaces (kept as their own pieces), between ideographs, and
    inside words longer than :data:`MAX_PIECE` characters (never before a combining mark or beside a joiner)."""
    out: list[str] = []
    for piece in _PIECES.findall(text):
        while len(piece) > MAX_PIECE:
            cut = MAX_PIECE
            while cut < len(piece) and (unicodedata.combining(piece[cut]) or piece[cut] in _JOINERS
                                        or piece[cut - 1] in _JOINERS
                                        or "\udc00" <= piece[cut] <= "\udfff"):
                cut += 1
            out.append(piece[:cut])
            piece = piece[cut:]
        if piece:
            out.append(piece)
    return out


class Ruler:
    """Widths (in px at :data:`REFERENCE`) of strings as the card's font draws them; one probe render measures
    every string not measured before in this process."""

    _cache: ClassVar[dict[tuple[str, str, bool], float]] = {}  # per process: a font draws the same every time
    _coverage: ClassVar[dict[str, dict[str, bool]]] = {}

    def __init__(self, font: str) -> None:
        self.font = font

    def measure(self, strings: Iterable[tuple[str, bool]]) -> None:
        """Measure every (text, bold) not yet known, in one render."""
        wanted = sorted({(s, bold) for s, bold in strings if (self.font, s, bold) not in self._cache})
        first_time = self.font not in self._coverage
        if not wanted and not first_time:
            return
        rows = [(_MARK * 2, False), (_MARK * 2, True)]
        rows += [(f"{_MARK}{s}{_MARK}", bold) for s, bold in wanted]
        rows += [(probe, False) for probe in _COVERAGE_PROBES.values()]
        slots = _draw(rows, self.font)
        inks = [_ink(slot) for slot in slots]
        marks = {False: _width(inks[0]), True: _width(inks[1])}
        for (s, bold), ink in zip(wanted, inks[2:], strict=False):
            self._cache[(self.font, s, bold)] = max(_width(ink) - marks[bold], 0.0)
        if first_time:
            self._coverage[self.font] = _coverage(slots[-len(_COVERAGE_PROBES):])

    def width(self, text: str, bold: bool) -> float:
        """The width of a measured string at :data:`REFERENCE` px."""
        return self._cache[(self.font, text, bold)]

    def draws(self) -> dict[str, bool]:
        """Which scripts the installed fonts draw: ``{"cjk": ..., "emoji": ...}`` (emoji: in colour)."""
        self.measure(())
        return self._coverage[self.font]


# One character of each script a card may need, and one that no font has (drawn as the missing-glyph box).
_COVERAGE_PROBES = {"missing": "\u0378", "cjk": "漢", "emoji": "\U0001f3b8"}


PROBE_WIDTH = 1600  # px: strings are packed side by side in rows this wide, so the probe stays small


def _draw(items: list[tuple[str, bool]], font: str) -> list[npt.NDArray[np.uint8]]:
    """Draw every (text, bold) in its own slot of one probe image; returns each slot's pixels. A slot is wider
    than its text can be (two font sizes per wide character, one per other), plus a font size on each side."""
    import vl_convert

    row_height = 2 * REFERENCE
    places: list[tuple[int, int, int]] = []  # (row, left, right) of each slot
    row, x = 0, 0
    for text, _ in items:
        slot = int(sum(2.0 if ord(c) > 0x2000 else 1.0 for c in text) * REFERENCE) + 2 * REFERENCE
        if x and x + slot > PROBE_WIDTH:
            row, x = row + 1, 0
        places.append((row, x, x + slot))
        x += slot
    width = max(PROBE_WIDTH, max(right for _, _, right in places))
    layers = [{"mark": {"type": "text", "x": left + REFERENCE, "y": r * row_height + 1.3 * REFERENCE, "text": text,
                        "fontSize": REFERENCE, "font": font, "fontWeight": "bold" if bold else "normal",
                        "align": "left", "baseline": "alphabetic", "color": "#000000"}}
              for (text, bold), (r, left, _) in zip(items, places, strict=True)]
    spec = {"width": width, "height": (row + 1) * row_height, "autosize": {"type": "none"}, "padding": 0,
            "background": None, "config": {"view": {"stroke": None}}, "data": {"values": [{}]}, "layer": layers}
    pixels = decode_png(vl_convert.vegalite_to_png(spec, scale=1, allowed_base_urls=[]))
    return [pixels[r * row_height:(r + 1) * row_height, left:right] for r, left, right in places]


def _ink(band: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
    """How much of each column of a row of the probe is covered (0..1)."""
    return band[:, :, 3].max(axis=0).astype(np.float64) / 255


def _width(coverage: npt.NDArray[np.float64]) -> float:
    """The drawn width of a row, to a fraction of a pixel: partly covered edge columns count in part."""
    columns = np.nonzero(coverage)[0]
    if not len(columns):
        return 0.0
    first, last = int(columns[0]), int(columns[-1])
    return float(last - first - 1 + coverage[first] + coverage[last])


def _coverage(slots: list[npt.NDArray[np.uint8]]) -> dict[str, bool]:
    bands = dict(zip(_COVERAGE_PROBES, slots, strict=True))
    missing = _glyph(bands["missing"])
    emoji = bands["emoji"].astype(np.int16)
    spread = emoji[:, :, :3].max(axis=2) - emoji[:, :, :3].min(axis=2)
    return {
        "cjk": not _same_glyph(_glyph(bands["cjk"]), missing),
        "emoji": bool(((spread > 60) & (emoji[:, :, 3] > 200)).sum() > 20),  # drawn in colour
    }


def _glyph(band: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    alpha = band[:, :, 3]
    ys, xs = np.nonzero(alpha)
    if not len(xs):
        return alpha[:0, :0]
    return alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _same_glyph(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> bool:
    return a.shape == b.shape and bool(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean() < 8)


# --- fitting --------------------------------------------------------------------------------------------------


def needs(text: str, role: Role, bold: bool) -> list[tuple[str, bool]]:
    """The strings :func:`fit` will ask the ruler about for ``text``."""
    wanted = [(text, bold), (ELLIPSIS, bold)] if role == "name" else [(text, bold)]
    return wanted + [(p, bold) for p in pieces(text)]


def fit(text: str, ruler: Ruler, *, width: float, height: float, size: int, min_size: int, bold: bool,
        role: Role, max_lines: int) -> Fitted:
    """The largest size at which ``text`` fits a box of ``width`` × ``height`` px (see the module's doc).

    Sizes tried, largest first: one line from ``size`` down to ``min_size``; then 2 .. ``max_lines`` lines
    in the same range; then a name is shortened on its last line at ``min_size`` (or smaller when the lines
    would not fit the height), while a fixed text shrinks further until it fits.
    """
    parts = pieces(text)

    def measure(piece: str) -> float:
        return ruler.width(piece, bold)

    def fits_height(lines: int, px: int) -> bool:
        return lines == 1 or lines * LINE_HEIGHT * px <= height

    room = width * FILL
    ruler.measure([(text, bold)])  # most texts fit on one line: their pieces need no measuring
    for px in range(size, min_size - 1, -1):
        if ruler.width(text, bold) * px / REFERENCE <= room:
            return Fitted((text,), px)
    ruler.measure(needs(text, role, bold))
    for lines in range(2, max_lines + 1):
        for px in range(size, min_size - 1, -1):
            if fits_height(lines, px) and (wrapped := _lines(parts, lines, room * REFERENCE / px, measure, role)):
                return Fitted(wrapped, px)
    if role == "name":
        px = min_size
        while px > SMALLEST and not fits_height(max_lines, px):
            px -= 1
        return Fitted(_shortened_lines(parts, room * REFERENCE / px, measure, max_lines, measure(ELLIPSIS)), px,
                      shortened=True)
    for px in range(min_size - 1, 0, -1):  # a fixed text: smaller still, on as many lines as it may have
        for lines in range(1, max_lines + 1):
            if fits_height(lines, px) and (wrapped := _lines(parts, lines, room * REFERENCE / px, measure, role)):
                return Fitted(wrapped, px)
    return Fitted((text,), 1)


def _lines(parts: list[str], lines: int, room: float, measure: Callable[[str], float],
           role: Role) -> tuple[str, ...] | None:
    """``parts`` on at most ``lines`` lines of ``room``, or None. A name fills its lines in reading order; a
    fixed text on two lines breaks where it reads best: after a dash ("25 May 2014 –" / "12 May 2026"), else
    where the two lines are closest in length."""
    if role == "fixed" and lines == 2:
        breaks = [i for i in range(1, len(parts)) if parts[i].isspace()]
        if not breaks and len(parts) > 1:
            breaks = list(range(1, len(parts)))

        def width(line: list[str]) -> float:
            return sum(measure(p) for p in line)

        def preference(i: int) -> tuple[bool, float]:
            first, second = _trimmed(parts[:i]), _trimmed(_untrimmed_start(parts[i:]))
            return (first[-1:] != ["–"], max(width(first), width(second)))

        for i in sorted(breaks, key=preference):
            first, second = _trimmed(parts[:i]), _trimmed(_untrimmed_start(parts[i:]))
            if width(first) <= room and width(second) <= room:
                return ("".join(first), "".join(second))
        return None if len(parts) > 1 or width(parts) > room else ("".join(parts),)
    wrapped = _wrap(parts, room, measure)
    if wrapped is None or len(wrapped) > lines:
        return None
    return tuple("".join(w) for w in wrapped)


def _untrimmed_start(line: list[str]) -> list[str]:
    start = 0
    while start < len(line) and line[start].isspace():
        start += 1
    return line[start:]


def _wrap(parts: list[str], room: float, measure: Callable[[str], float]) -> list[list[str]] | None:
    """Greedy lines of at most ``room`` (reference px), breaking between pieces; spaces at a break are dropped.
    None when a single piece is wider than the room."""
    lines: list[list[str]] = [[]]
    used = 0.0
    for part in parts:
        w = measure(part)
        if part.isspace():
            if lines[-1]:  # a line never starts with a space
                lines[-1].append(part)
                used += w
            continue
        if w > room:
            return None
        if used + w > room and lines[-1]:
            lines.append([])
            used = 0.0
        lines[-1].append(part)
        used += w
    return [_trimmed(line) for line in lines if _trimmed(line)]


def _shortened_lines(parts: list[str], room: float, measure: Callable[[str], float], max_lines: int,
                     ellipsis: float) -> tuple[str, ...]:
    """``max_lines`` greedy lines, the last (or the first that even one piece overflows) shortened with an
    ellipsis at a piece boundary."""
    lines: list[str] = []
    line: list[str] = []
    used = 0.0
    for i, part in enumerate(parts):
        w = measure(part)
        if part.isspace():
            if line:
                line.append(part)
                used += w
            continue
        if used + w > room and line and len(lines) < max_lines - 1:
            lines.append("".join(_trimmed(line)))
            line, used = [], 0.0
        if used + w > room:  # the last line is full (or one piece is wider than a line): end it here
            return (*lines, _shorten(line + parts[i:], room, measure, ellipsis))
        line.append(part)
        used += w
    return (*lines, "".join(_trimmed(line)))


def _trimmed(line: list[str]) -> list[str]:
    end = len(line)
    while end and line[end - 1].isspace():
        end -= 1
    return line[:end]


def _shorten(line: list[str], room: float, measure: Callable[[str], float], ellipsis: float) -> str:
    """The longest start of ``line`` that ends at a piece boundary (a word, or an ideograph) and fits ``room``
    with an ellipsis after it; spaces before the ellipsis are dropped."""
    kept: list[str] = []
    used = ellipsis
    for part in line:
        w = measure(part)
        if used + w > room:
            break
        kept.append(part)
        used += w
    while kept and kept[-1].isspace():
        kept.pop()
    return "".join(kept) + ELLIPSIS
