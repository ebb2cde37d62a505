"""`linernotes report` (the self-contained HTML liner notes) and `linernotes card` (share images)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from linernotes.cli.common import DbOption, console, plain
from linernotes.cli.insights_cmds import EndOption, StartOption
from linernotes.engine.period import Period
from linernotes.errors import UsageError
from linernotes.library import open_library

CARD_KINDS = ("top-artists", "chapter", "personality", "year")  # the same as linernotes.report.cards.KINDS
CARD_SIZES = ("square", "story")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("report")(report_cmd)
    app.command("card")(card_cmd)


def report_cmd(
    start: StartOption = None,
    end: EndOption = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")] = Path(
        "liner-notes.html"),
    db: DbOption = None,
) -> None:
    """Write the liner notes for a period (default: your whole history) as one HTML file that works offline."""
    period = Period.parse(start, end)  # a bad date fails here, before the library is opened
    from linernotes.report import write_report

    with open_library(db, read_only=True) as lib:
        path = write_report(lib, output, period=period)
    console.print(plain(path, limit=10_000))


def card_cmd(
    kind: Annotated[str, typer.Argument(help=f"What the card shows: {', '.join(CARD_KINDS)}.",
                                        show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="The PNG file to write.")],
    start: StartOption = None,
    end: EndOption = None,
    size: Annotated[str, typer.Option("--size", help="square (1080×1080) or story (1080×1920).")] = "square",
    db: DbOption = None,
) -> None:
    """Draw a share card (PNG) for a period: only music and numbers, never a name, path or place."""
    if kind not in CARD_KINDS:
        raise UsageError(f"unknown card {kind!r} (known: {', '.join(CARD_KINDS)})")
    if size not in CARD_SIZES:
        raise UsageError(f"--size must be one of: {', '.join(CARD_SIZES)} (not {size!r})")
    period = Period.parse(start, end)
    from linernotes.report.cards import write_card

    with open_library(db, read_only=True) as lib:
        path = write_card(lib, kind, output, period=period, size=size)
    console.print(plain(path, limit=10_000))
