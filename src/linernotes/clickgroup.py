"""The click group both commands (`linernotes`, `linernotes-coop`) are built from.

Three things click leaves to its user:

- commands load on demand: a group names each command's module, and only the command that runs (or all of
  them, for ``--help`` and completion) is imported, so the CLI starts without DuckDB, numpy or rich;
- a mistyped command name gets "did you mean";
- every error a person can fix ends as one line ``error: ...`` on stderr, with the project's exit codes
  (:class:`~linernotes.errors.LinernotesError` and click's usage errors: 2; Ctrl-C: 130), never a traceback.
"""

from __future__ import annotations

import difflib
import importlib
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from linernotes.errors import Interrupted, LinernotesError, is_interruption

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


def did_you_mean(word: str, known: Sequence[str]) -> str:
    """" (did you mean 'x'?)" for the closest of ``known``, or "" when nothing is close."""
    close = difflib.get_close_matches(word, list(known), n=2, cutoff=0.6)
    if not close:
        return ""
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)"


class OneLineErrors(click.Command):
    """A command whose ``main`` ends errors a person can fix as one line (see the module's docstring)."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        """Run the command line. ``standalone_mode=False`` returns the callback's value instead of exiting when
        all went well. Shell completion (``_PROG_COMPLETE=bash_complete``) is answered by click before anything
        runs."""
        try:
            # Not standalone: click would print its usage errors over four lines and Ctrl-C as "Aborted!".
            # It returns the exit code of --help, --version and ctx.exit(); commands return None.
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # `linernotes` alone: its help, status 2 as before
            click.echo(exc.ctx.get_help() if exc.ctx is not None else exc.format_message())
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else prog_name or self.name
            fail(f"{exc.format_message()} (see `{where} -h`)", exc.exit_code)
        except click.Abort as exc:
            if isinstance(exc.__cause__, KeyboardInterrupt):
                fail("interrupted: nothing was changed", Interrupted.exit_code)
            sys.stderr.write("Aborted!\n")  # a question answered "no"
            sys.exit(1)
        except click.ClickException as exc:
            fail(exc.format_message(), exc.exit_code)
        except LinernotesError as exc:
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted: nothing was changed", Interrupted.exit_code)
        except Exception as exc:
            if is_interruption(exc):  # Ctrl-C while DuckDB ran a statement (opening the library, say)
                fail("interrupted: nothing was changed", Interrupted.exit_code)
            message = known_runtime_problem(exc)
            if message is None:
                raise
            fail(message, 2)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


class CliCommand(OneLineErrors):
    """A single command (no subcommands) with one-line errors and -h."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(*args, **kwargs)


class CliGroup(OneLineErrors, click.Group):
    """A group whose commands are ``{name: "module:attribute"}`` imported when first needed, listed in the
    order given (the order of the help, not the alphabet)."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy, *(name for name in self.commands if name not in self.lazy)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command), self.lazy[cmd_name]
            self.commands[cmd_name] = command
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        if self.get_command(ctx, name) is None and not ctx.resilient_parsing and not name.startswith("-"):
            self.unknown_command(ctx, name)
        return super().resolve_command(ctx, args)

    def unknown_command(self, ctx: click.Context, name: str) -> NoReturn:
        """Say that ``name`` is not a command of this group, and which one was probably meant."""
        raise click.UsageError(f"no command {name!r}{did_you_mean(name, self.list_commands(ctx))}", ctx)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` as one line without control characters, and exit with ``code``."""
    from linernotes.terminal import inert

    # One line, no markup: file names may contain brackets; no control characters: messages may quote data.
    sys.stderr.write(f"error: {inert(' '.join(message.split()))}\n")
    sys.exit(code)


def known_runtime_problem(exc: BaseException) -> str | None:
    """A message for environment problems a person can fix (a locked file), else None."""
    text = str(exc)
    if "Could not set lock on file" in text or "Conflicting lock" in text:
        path = text.split('"')[1] if '"' in text else "the library"
        return f"{path}: the library is in use by another linernotes process; try again when it finishes"
    return None
