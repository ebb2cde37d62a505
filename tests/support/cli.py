"""The `linernotes` command line in this process (click's CliRunner), for the tests.

A run looks like a finished subprocess (``returncode``, ``stdout``, ``stderr``), so a test reads the same
whether it runs the CLI here (fast: no interpreter start, no imports again) or in a process of its own (kept
for the few tests about the entry point, exit codes seen by a shell, signals and locks between processes).
An exception that is not an error the CLI reports (a bug) ends the run as it ends a process: status 1 and the
traceback on stderr.
"""

from __future__ import annotations

import subprocess
import traceback
from collections.abc import Mapping

import click
from click.testing import CliRunner


def run_command(command: click.Command, prog: str, *args: str, input: str | None = None,
                env: Mapping[str, str | None] | None = None, check: bool = False
                ) -> subprocess.CompletedProcess[str]:
    """Run ``prog args`` (the click ``command``) with ``input`` on stdin and ``env`` set (None: unset)."""
    result = CliRunner().invoke(command, list(args), prog_name=prog, input=input, env=env)
    stderr = result.stderr
    # click keeps exc_info of the SystemExit that ends every run (result.exception is None for exit code 0).
    if result.exc_info is not None and not isinstance(result.exc_info[1], SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))
    done = subprocess.CompletedProcess([prog, *args], result.exit_code, result.stdout, stderr)
    if check and done.returncode != 0:
        raise AssertionError(f"{prog} {args} failed ({done.returncode}):\n{done.stderr}")
    return done


def run_cli(*args: str, input: str | None = None, env: Mapping[str, str | None] | None = None,
            check: bool = False) -> subprocess.CompletedProcess[str]:
    """``linernotes args`` in this process."""
    from linernotes.cli import cli

    return run_command(cli, "linernotes", *args, input=input, env=env, check=check)


def run_coop_server_cli(*args: str, env: Mapping[str, str | None] | None = None,
                        check: bool = False) -> subprocess.CompletedProcess[str]:
    """``linernotes-coop args`` in this process."""
    from linernotes.coop.server.cli import app

    return run_command(app, "linernotes-coop", *args, env=env, check=check)
