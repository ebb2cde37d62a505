"""The `linernotes` command line: thin commands over the library API.

User mistakes (bad input, bad options) end with a one-line ``error: ...`` on stderr and exit status 2;
no traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys

import typer

from linernotes.cli import (
    ask_cmd,
    common,
    coop_cmds,
    crowd_cmds,
    data,
    insights_cmds,
    library_cmds,
    report_cmds,
    web_cmds,
)
from linernotes.errors import LinernotesError

app = typer.Typer(
    name="linernotes",
    help="Deep, private insight into your own listening history. Everything stays on this machine.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
library_cmds.register(app)
data.register(app)
insights_cmds.register(app)
ask_cmd.register(app)
report_cmds.register(app)
web_cmds.register(app)
coop_cmds.register(app)
crowd_cmds.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `linernotes` script and `python -m linernotes`."""
    try:
        # Standalone mode: typer turns usage errors into exit status 2 with a usage line.
        app(args=argv, prog_name="linernotes")
    except LinernotesError as exc:
        common.fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: nothing was changed\n")
        sys.exit(130)
    except Exception as exc:
        message = common.known_runtime_problem(exc)
        if message is None:
            raise
        common.fail(message, 2)
