"""`linernotes report` (the self-contained HTML liner notes) and `linernotes card` (share images)."""

from __future__ import annotations

from pathlib import Path

import click

from linernotes.cli.options import complete, db_option, end_option, start_option
from linernotes.clickgroup import CONTEXT_SETTINGS

CARD_KINDS = ("top-artists", "chapter", "personality", "year")  # the same as linernotes.report.cards.KINDS
CARD_SIZES = ("square", "story")
CARD_THEMES = ("light", "dark")  # the same as linernotes.report.cards.THEMES


@click.command("report", context_settings=CONTEXT_SETTINGS)
@start_option
@end_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("liner-notes.html"),
              show_default=True, help="The HTML file to write.")
@db_option
def report_cmd(start: str | None, end: str | None, output: Path, db: Path | None) -> None:
    """Write the liner notes for a period (default: your whole history) as one HTML file that works offline."""
    from linernotes.cli.common import console, plain
    from linernotes.engine.period import Period
    from linernotes.formatting import shown_path
    from linernotes.library import open_library

    period = Period.parse(start, end)  # a bad date fails here, before the library is opened
    from linernotes.report import write_report

    with open_library(db, read_only=True) as lib:
        path = write_report(lib, output, period=period)
    console.print(plain(shown_path(path), limit=10_000))


@click.command("card", context_settings=CONTEXT_SETTINGS)
@click.argument("kind", shell_complete=complete(CARD_KINDS))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="The PNG file to write.")
@start_option
@end_option
@click.option("--size", default="square", show_default=True, shell_complete=complete(CARD_SIZES),
              help="square (1080×1080) or story (1080×1920).")
@click.option("--theme", default="light", show_default=True, shell_complete=complete(CARD_THEMES),
              help="light or dark: the identity's colours.")
@db_option
def card_cmd(kind: str, output: Path, start: str | None, end: str | None, size: str, theme: str,
             db: Path | None) -> None:
    """Draw a share card (PNG) for a period: only music and numbers, never a name, path or place. KIND is what
    the card shows: top-artists, chapter, personality or year."""
    from linernotes.cli.common import console, plain
    from linernotes.engine.period import Period
    from linernotes.errors import UsageError
    from linernotes.formatting import shown_path
    from linernotes.library import open_library

    if kind not in CARD_KINDS:
        raise UsageError(f"unknown card {kind!r} (known: {', '.join(CARD_KINDS)})")
    if size not in CARD_SIZES:
        raise UsageError(f"--size must be one of: {', '.join(CARD_SIZES)} (not {size!r})")
    if theme not in CARD_THEMES:
        raise UsageError(f"--theme must be one of: {', '.join(CARD_THEMES)} (not {theme!r})")
    period = Period.parse(start, end)
    from linernotes.report.cards import render_card

    with open_library(db, read_only=True) as lib:
        card = render_card(lib, kind, period=period, size=size, theme=theme)
    path = card.save(output)
    console.print(plain(shown_path(path), limit=10_000))
    if card.font_note:  # the card is written all the same; this says how to draw its names next time
        click.echo(card.font_note, err=True)
