"""The liner-notes report (one self-contained, offline HTML file) and share cards (PNG).

    from linernotes import open_library
    from linernotes.engine.period import Period
from linernotes.formatting import format_period
    from linernotes.report import write_report

    with open_library("my.duckdb", read_only=True) as lib:
        write_report(lib, "2023.html", period=Period.parse("2023-01-01", "2023-12-31"))

Module map: ``build`` runs the insights, ``charts`` makes Vega-Lite specs, ``sections`` arranges the story,
``html``/``template`` render the page, ``cards`` draws share cards, ``crowd`` finds a cooperative release.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

from linernotes.engine.period import Period
from linernotes.formatting import format_period

if TYPE_CHECKING:
    from linernotes.library import Library
    from linernotes.report.build import Story

__all__ = ["render_report", "write_report"]


def render_report(lib: Library, period: Period | None = None) -> tuple[str, Story]:
    """The report's HTML and the results it was made from."""
    from linernotes.report import build, crowd, html, sections

    story = build.collect(lib, period)
    release = crowd.crowd_for(lib)
    label = format_period(story.start, story.end, none="no listening yet")
    text = html.render(
        sections.all_sections(story, release),
        title=f"Liner notes: {label}",
        subtitle=_subtitle(story),
        footer=(f"Written by linernotes on {dt.date.today():%-d %B %Y}, on this device, from your own listening "
                "history. This file works offline and sends nothing anywhere."),
    )
    return text, story


def _subtitle(story: Story) -> str:
    if not story.start or not story.end:
        return "Nothing was played yet."
    span = f"from {story.start:%-d %B %Y} to {story.end:%-d %B %Y}"
    if not story.overview.totals.plays:
        return f"Nothing was played {span}."
    return f"Your listening {span}, told by linernotes."


def write_report(lib: Library, path: str | os.PathLike[str], period: Period | None = None) -> Path:
    """Write the report for ``period`` (default: the whole history) to ``path``; returns the path."""
    from linernotes.atomicfile import write_atomic

    text, _ = render_report(lib, period)
    return write_atomic(Path(path), text)
