"""Commands that read the library: status, top, sql, export.

Names, paths and query results are data: they reach the console only through ``plain`` (markup shown as text,
control characters inert)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from linernotes.cli.common import DbOption, JsonOption, console, hours, plain, print_json
from linernotes.engine.period import Period
from linernotes.insights.top import Entity, TopResult, TopRow
from linernotes.library import open_library
from linernotes.policy import Policy


def register(app: typer.Typer) -> None:
    app.command("status")(status_cmd)
    app.command("top")(top_cmd)
    app.command("sql")(sql_cmd)
    app.command("export")(export_cmd)


def status_cmd(db: DbOption = None, as_json: JsonOption = False) -> None:
    """What is in the library: plays by source and kind, date range, listening time."""
    with open_library(db, read_only=True) as lib:
        status = lib.status()
    if as_json:
        print_json(status)
    else:
        print_status(status)


def print_status(s: dict[str, Any]) -> None:
    console.print(f"Library {plain(s['library'])}")
    if not s["plays"]:
        console.print("No plays yet: run `linernotes import <export.zip>`.")
        return
    console.print(f"{s['plays']:,} plays, {s['hours']:,.1f} hours, {plain(s['first_play'][:10])} → "
                  f"{plain(s['last_play'][:10])}")
    console.print(f"Home: {plain(s['home_country'] or '?')} ({plain(s['home_zone'])}); "
                  f"{s['incognito_plays']:,} incognito plays "
                  f"{'included' if s['include_incognito'] else 'hidden from insights'}; "
                  f"{s['zero_ms_plays']:,} plays of 0 ms kept")
    table = Table()
    table.add_column("by")
    table.add_column("plays", justify="right")
    table.add_column("time", justify="right")
    for group in ("by_source", "by_kind"):
        for name, v in s[group].items():
            table.add_row(plain(name), f"{v['plays']:,}", hours(v["ms_played"]))
        table.add_section()
    console.print(table)


def top_cmd(
    entity: Annotated[Entity, typer.Argument(help="What to rank.")] = Entity.ARTISTS,
    start: Annotated[str | None, typer.Option("--from", help="First local date, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last local date, YYYY-MM-DD (inclusive).")] = None,
    by: Annotated[str, typer.Option("--by", help="Rank by listening 'time' or by 'plays'.")] = "time",
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many.")] = 10,
    policy: Annotated[Policy, typer.Option("--policy", help="What counts as a play.")] = Policy.SPOTIFY,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Your top artists, tracks, albums, shows or audiobooks — Wrapped for any period.

    The same as `linernotes insights top --entity ENTITY`: the JSON is that insight's result.
    """
    period = Period.parse(start, end)
    with open_library(db, read_only=True) as lib:
        result = lib.insight("top", period=period, policy=policy, entity=entity.value, by=by, limit=limit)
    assert isinstance(result, TopResult)
    if as_json:
        print_json(result.to_dict())
        return
    print_top(result.rows, plain(f"Top {entity.value} by {by}, {period.label()} (policy {policy.value})"))


def print_top(rows: list[TopRow], title: str) -> None:
    """``title`` is console markup (callers pass data in it through ``plain``); the rows are data."""
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("name")
    if any(r.by for r in rows):
        table.add_column("by")
    table.add_column("plays", justify="right")
    table.add_column("time", justify="right")
    table.add_column("share", justify="right")
    for r in rows:
        cells = [str(r.rank), plain(r.name)] + ([plain(r.by or "")] if any(x.by for x in rows) else [])
        table.add_row(*cells, f"{r.plays:,}", hours(r.ms_played), f"{r.share:.1%}")
    console.print(table if rows else f"{title}: nothing in this period.")


def sql_cmd(
    query: Annotated[str, typer.Argument(help="A read-only SQL query, e.g. \"SELECT * FROM plays LIMIT 5\".")],
    db: DbOption = None,
    as_json: JsonOption = False,
    max_rows: Annotated[int, typer.Option("--max-rows", help="Rows shown in the table view.")] = 200,
) -> None:
    """Run a read-only SQL query against the library (tables: plays, all_plays, imports, import_files)."""
    with open_library(db, read_only=True) as lib:
        columns, rows = lib.sql(query)
    if as_json:
        print_json([dict(zip(columns, r, strict=True)) for r in rows])
        return
    table = Table()
    for c in columns:
        table.add_column(plain(c))
    for r in rows[:max_rows]:
        table.add_row(*["" if v is None else plain(v) for v in r])
    console.print(table)
    if len(rows) > max_rows:
        console.print(f"… {len(rows) - max_rows:,} more rows (use --json or LIMIT)")


def export_cmd(
    target: Annotated[Path, typer.Argument(help="Output file: .parquet, .csv or .sqlite (for Datasette).")],
    fmt: Annotated[str | None, typer.Option("--format", help="parquet, csv or sqlite (default: from the "
                                                                 "file extension).")] = None,
    db: DbOption = None,
) -> None:
    """Export the plays as Parquet, CSV or a SQLite file.

    In CSV, a text cell that starts with =, +, -, @, a tab or a carriage return (a name like "=HYPERLINK(...)")
    is written with a leading single quote, so a spreadsheet shows it as text instead of running it as a formula;
    numbers stay numbers. Parquet and SQLite keep every value exactly as it is in the library.
    """
    with open_library(db, read_only=True) as lib:
        n = lib.export(target, fmt)
    console.print(f"Wrote {n:,} plays to {plain(target)}")
