"""What commands print with: the console, names made safe to show, JSON, listening times.

Imported inside commands (rich and orjson load only when a command prints), never at the CLI's start."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from linernotes.terminal import inert
from linernotes.units import format_hours

# emoji=False: a name such as "Artist :fire:" is printed as typed, not as an emoji.
console = Console(highlight=False, soft_wrap=False, emoji=False)

MAX_SHOWN_CHARS = 300  # a name longer than this is cut when printed (--json keeps it whole)


def plain(value: Any, limit: int = MAX_SHOWN_CHARS) -> str:
    """Any value (a name, a path, a message) as text for a rich console string that parses markup: control
    characters made inert, rich markup escaped so "[link=...]" or "[/x]" is shown, never obeyed, and very long
    text cut. Data reaches the console only through this (or :func:`inert` where markup is off)."""
    text = inert(str(value))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape(text)


def hours(ms: int | float | None) -> str:
    """A listening time for people: minutes below an hour, hours above."""
    return format_hours(ms or 0, unit=" h", minutes_under_an_hour=True)
