"""`linernotes crowd`: you vs. the crowd, from the cooperative release kept beside the library."""

from __future__ import annotations

from pathlib import Path

import click

from linernotes.cli.options import db_option, json_option
from linernotes.clickgroup import CONTEXT_SETTINGS


@click.command("crowd", context_settings=CONTEXT_SETTINGS)
@click.option("--recommend", type=int, default=10, show_default=True,
              help="How many artists new to you to recommend from the shared taste model (0: none).")
@db_option
@json_option
def crowd_cmd(recommend: int, db: Path | None, as_json: bool) -> None:
    """Where you stand among the cooperative's contributors, metric by metric, computed on this machine from
    the signed release beside your library; with the uncertainty its privacy noise implies."""
    from linernotes.cli.common import console, plain
    from linernotes.errors import LinernotesError, UsageError
    from linernotes.library import open_library
    from linernotes.terminal import print_json

    if recommend < 0:
        raise UsageError("--recommend must be 0 or more")
    from linernotes.coop.crowd.compare import compare, verified_release
    from linernotes.coop.crowd.verify import ReleaseError

    with open_library(db, read_only=True) as lib:
        try:
            payload = verified_release(lib.path)
            result = compare(lib, payload, recommendations=recommend)
        except ReleaseError as exc:
            raise LinernotesError(str(exc)) from None
    if as_json:
        print_json(result.as_dict())
        return
    from rich.table import Table

    # The release is signed, but its names come from contributors: every string from it is shown as data.
    table = Table(title=f"You vs. the crowd — release {plain(result.release_id)} ({plain(result.published)}), "
                        f"~{result.contributors.get('benchmarks', 0):,} contributors", title_justify="left")
    for name, right in (("metric", False), ("you", True), ("percentile", True), ("±", True), ("interval", True)):
        table.add_column(name, justify="right" if right else "left")
    for m in result.metrics:
        table.add_row(plain(m.metric), f"{m.value:,.3g} {plain(m.unit)}", f"{m.percentile:.1f}", f"{m.uncertainty:.1f}",
                      f"{m.low:.1f}–{m.high:.1f}")
    console.print(table)
    console.print("Percentile: the share of contributors below you. "
                  f"The release is differentially private (ε = {result.epsilon:g}, δ = {result.delta:g}).")
    if result.top_artists:
        console.print("The crowd's top artists: " + ", ".join(
            f"{plain(a)} ({n:,})" for a, n in result.top_artists[:10]))
    if result.recommendations:
        console.print("New to you, close to what you play now: "
                      + ", ".join(plain(a) for a, _ in result.recommendations))
