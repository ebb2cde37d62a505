"""Shared CLI pieces: the --db option, output helpers, error printing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import orjson
import typer
from rich.console import Console

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Library file (default: $LINERNOTES_DB or the user data dir).",
                 show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

console = Console(highlight=False, soft_wrap=False)


def fail(message: str, code: int = 2) -> NoReturn:
    # One line, no markup: file names may contain brackets.
    sys.stderr.write(f"error: {' '.join(message.split())}\n")
    sys.exit(code)


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS,
                                  default=_default).decode() + "\n")


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(type(value).__name__)


def hours(ms: int | float | None) -> str:
    """A listening time for people: minutes below an hour, hours above."""
    ms = ms or 0
    return f"{ms / 60_000:,.0f} min" if ms < 3_600_000 else f"{ms / 3_600_000:,.1f} h"


def known_runtime_problem(exc: BaseException) -> str | None:
    """A message for environment problems a person can fix (a locked file), else None."""
    text = str(exc)
    if "Could not set lock on file" in text or "Conflicting lock" in text:
        path = text.split('"')[1] if '"' in text else "the library"
        return f"{path}: the library is in use by another linernotes process; try again when it finishes"
    return None
