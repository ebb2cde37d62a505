"""Small charts made of block characters, for number series in the terminal.

A list of numbers printed as "694.377, 1,185, 564.567" cannot be read (are the commas separators or
thousands?). A series is drawn instead: one bar per value with its label and its value in its unit, or, for a
grid (hour × weekday), shades with the scale spelled out. Every line is narrower than the width given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

BLOCKS = " ▏▎▍▌▋▊▉█"
SHADES = " ░▒▓█"
WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def bar_lines(labels: Sequence[str], values: Sequence[float], shown: Callable[[float], str], width: int) -> list[str]:
    """One line per value: its label, a bar proportional to the largest value, the value as text."""
    texts = [shown(v) for v in values]
    label_w = max((len(lab) for lab in labels), default=0)
    text_w = max((len(t) for t in texts), default=0)
    bar_w = max(8, min(40, width - label_w - text_w - 4))
    top = max((v for v in values), default=0) or 1
    lines = []
    for lab, v, t in zip(labels, values, texts, strict=True):
        eighths = round(max(v, 0) / top * bar_w * 8)
        bar = "█" * (eighths // 8) + (BLOCKS[eighths % 8] if eighths % 8 else "")
        lines.append(f"{lab:>{label_w}} {bar:<{bar_w}} {t:>{text_w}}")
    return lines


def grid_lines(rows: Sequence[Sequence[float]], row_labels: Sequence[str], shown: Callable[[float], str]
               ) -> list[str]:
    """A grid of shades (two characters per cell), darker for more, with an hour axis when it has 24 columns
    and the scale in words below."""
    top = max((v for row in rows for v in row), default=0) or 1
    label_w = max((len(lab) for lab in row_labels), default=0)
    lines = []
    columns = max((len(r) for r in rows), default=0)
    if columns == 24:
        axis = "".join(f"{h:<6}" for h in range(0, 24, 3)).rstrip()
        lines.append(f"{'':>{label_w}} {axis}")
    for lab, row in zip(row_labels, rows, strict=True):
        # two characters a cell: a cell is then about as wide as it is high
        cells = "".join(2 * SHADES[min(len(SHADES) - 1, round(max(v, 0) / top * (len(SHADES) - 1)))] for v in row)
        lines.append(f"{lab:>{label_w}} {cells}")
    steps = len(SHADES) - 1
    scale = " ".join(f"{SHADES[i]} {shown(top * i / steps)}" for i in range(1, steps + 1))
    lines.append(f"{'':>{label_w}} scale: {scale}")
    return lines


def row_labels_for(count: int) -> list[str]:
    """Labels of a grid's rows: weekdays for seven rows, numbers otherwise."""
    return list(WEEKDAY_SHORT) if count == 7 else [str(i + 1) for i in range(count)]


def hour_labels(count: int) -> list[str]:
    """Labels of a series: hours of the day for 24 values, positions otherwise."""
    return [f"{h:02d}:00" for h in range(24)] if count == 24 else [str(i + 1) for i in range(count)]


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """A series in one short line of bars; 24 values are the hours of a day and say which is highest."""
    top = max(values, default=0) or 1
    line = "".join(SPARKS[min(len(SPARKS) - 1, round(max(v, 0) / top * (len(SPARKS) - 1)))] for v in values)
    if len(values) == 24:
        peak = max(range(24), key=lambda h: values[h])
        return f"{line} (00:00 to 23:00, most at {peak:02d}:00)"
    return line
