"""The `linernotes` command line: thin click commands over the library API.

Each command lives in a module of this package that imports only click at load time (see
:class:`~linernotes.clickgroup.CliGroup`): DuckDB, numpy and rich load inside the command that needs them, so
``linernotes --help`` starts at once. User mistakes (bad input, bad options) end with a one-line
``error: ...`` on stderr and exit status 2; no traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

import linernotes
from linernotes.cli.completion import completion_options
from linernotes.clickgroup import CliGroup

# The commands in the order `linernotes --help` lists them.
COMMANDS = {
    "import": "linernotes.cli.library_cmds:import_cmd",
    "imports": "linernotes.cli.library_cmds:imports_cmd",
    "forget": "linernotes.cli.library_cmds:forget_cmd",
    "kind": "linernotes.cli.library_cmds:kind_cmd",
    "enrich": "linernotes.cli.enrich_cmd:enrich_cmd",
    "settings": "linernotes.cli.library_cmds:settings_cmd",
    "demo": "linernotes.cli.library_cmds:demo_cmd",
    "sync": "linernotes.cli.sync_cmds:sync_group",
    "status": "linernotes.cli.data:status_cmd",
    "top": "linernotes.cli.data:top_cmd",
    "sql": "linernotes.cli.data:sql_cmd",
    "export": "linernotes.cli.data:export_cmd",
    "insights": "linernotes.cli.insights_cmds:insights_group",
    "exclude": "linernotes.cli.insights_cmds:exclude_group",
    "ask": "linernotes.cli.ask_cmd:ask_cmd",
    "report": "linernotes.cli.report_cmds:report_cmd",
    "card": "linernotes.cli.report_cmds:card_cmd",
    "serve": "linernotes.cli.web_cmds:serve_cmd",
    "coop": "linernotes.cli.coop_cmds:coop_group",
    "crowd": "linernotes.cli.crowd_cmds:crowd_cmd",
}


@click.group("linernotes", cls=CliGroup, lazy=COMMANDS, no_args_is_help=True, params=completion_options())
@click.version_option(linernotes.__version__, "--version", "-V", prog_name="linernotes",
                      message="%(prog)s %(version)s")
def cli() -> None:
    """Deep, private insight into your own listening history. Everything stays on this machine."""


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `linernotes` script and `python -m linernotes` (``argv``: the arguments, for tests;
    default sys.argv). Exits with the command's status."""
    cli.main(args=argv, prog_name="linernotes")
