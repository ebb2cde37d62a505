"""Shell completion of commands, insight names and options: ``--show-completion`` prints the script,
``--install-completion`` makes the shell load it.

The completing itself is click's: the shell calls ``linernotes`` with ``_LINERNOTES_COMPLETE=bash_complete``
(or zsh, fish) and the words typed so far, and the commands answer from their own parameters.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

SHELLS = ("bash", "zsh", "fish")


def _shell(ctx: click.Context, asked: str) -> str:
    shell = asked or Path(os.environ.get("SHELL", "bash")).name
    if shell not in SHELLS:
        raise click.BadParameter(f"completion works in {', '.join(SHELLS)}, not {shell!r}", ctx)
    return shell


def _variable(prog: str) -> str:
    return f"_{prog.replace('-', '_').upper()}_COMPLETE"


def completion_script(ctx: click.Context, shell: str) -> str:
    """The script that makes ``shell`` complete this program (what ``--show-completion`` prints)."""
    from click.shell_completion import get_completion_class

    prog = ctx.find_root().info_name or "linernotes"
    completion = get_completion_class(shell)
    assert completion is not None, shell
    return completion(ctx.find_root().command, {}, prog, _variable(prog)).source()


def show_completion(ctx: click.Context, _param: click.Parameter, asked: str | None) -> None:
    if asked is None or ctx.resilient_parsing:
        return
    click.echo(completion_script(ctx, _shell(ctx, asked)))
    ctx.exit()


def install_completion(ctx: click.Context, _param: click.Parameter, asked: str | None) -> None:
    """Make the shell load the completion at start: a line in ~/.bashrc or ~/.zshrc, a file for fish."""
    if asked is None or ctx.resilient_parsing:
        return
    shell = _shell(ctx, asked)
    prog = ctx.find_root().info_name or "linernotes"
    try:
        target = _install(shell, prog, Path.home())
    except OSError as exc:
        raise click.ClickException(f"cannot install the completion: {exc}") from None
    click.echo(f"{shell} completion installed in {target}; it works in new shells.")
    ctx.exit()


def _install(shell: str, prog: str, home: Path) -> Path:
    if shell == "fish":
        target = home / ".config" / "fish" / "completions" / f"{prog}.fish"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"{_variable(prog)}=fish_source {prog} | source\n", encoding="utf-8")
        return target
    target = home / f".{shell}rc"
    line = f'eval "$({_variable(prog)}={shell}_source {prog})"'
    existing = target.read_text(encoding="utf-8") if target.exists() else ""
    if line not in existing:  # installing twice adds nothing
        with target.open("a", encoding="utf-8") as rc:
            rc.write(("" if not existing or existing.endswith("\n") else "\n") + line + "\n")
    return target


def completion_options() -> list[click.Option]:
    """--show-completion [SHELL] and --install-completion [SHELL] (SHELL: bash, zsh or fish; default: $SHELL)."""
    return [
        click.Option([name], is_flag=False, flag_value="", default=None, metavar="[SHELL]", expose_value=False,
                     is_eager=True, callback=callback, help=text)
        for name, callback, text in (
            ("--install-completion", install_completion,
             "Make your shell (bash, zsh, fish; default: $SHELL) complete commands, insights and options."),
            ("--show-completion", show_completion, "Print the completion script, to install it yourself."),
        )
    ]
