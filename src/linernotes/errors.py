"""Errors a person can fix. The CLI prints them on one line and exits with status 2; no traceback."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class LinernotesError(Exception):
    """Base class for user-facing errors (bad input, bad option, missing library...)."""

    exit_code = 2


class InputError(LinernotesError):
    """A file that cannot be imported. The message names the file and, where it can, the line or byte.

    Example::

        raise InputError("export.zip:endsong_0.json", "not valid JSON", where="byte 1024")
        # str(): "export.zip:endsong_0.json: byte 1024: not valid JSON"
    """

    def __init__(self, path: str, message: str, where: str | None = None) -> None:
        self.path = path
        self.message = message
        self.where = where
        super().__init__(str(self))

    def __str__(self) -> str:
        from linernotes.privacy import redact_path

        location = f"{self.where}: " if self.where else ""
        text = f"{redact_path(self.path)}: {location}{self.message}"
        # File names inside archives are attacker-controlled: no control character may break the one line.
        return _CONTROL.sub("?", text)


class UsageError(LinernotesError):
    """A bad option or argument (unknown policy, date that does not parse, ...)."""


class Interrupted(LinernotesError):
    """The person pressed Ctrl-C; the message says whether anything was saved."""

    exit_code = 130


def is_interruption(exc: BaseException) -> bool:
    """Whether ``exc`` is Ctrl-C: Python's KeyboardInterrupt, or DuckDB's report of it when the signal lands inside
    a statement (its ``InterruptException``, or an error saying "interrupted"). DuckDB is not imported here: the
    CLI starts without it."""
    return (isinstance(exc, KeyboardInterrupt) or type(exc).__name__ == "InterruptException"
            or "interrupted" in str(exc).lower())
