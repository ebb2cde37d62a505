"""Commands that read the library: status, top, sql, export.

Names, paths and query results are data: they reach the console only through ``plain`` (markup shown as text,
control characters inert)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from linernotes.cli.options import (
    complete,
    db_option,
    end_option,
    json_option,
    policy_option,
    source_option,
    start_option,
)
from linernotes.clickgroup import CONTEXT_SETTINGS

if TYPE_CHECKING:
    from linernotes.insights.top import TopRow
    from linernotes.policy import Policy

# The values of linernotes.insights.top.Entity (importing it here would load DuckDB and numpy at every command
# start; a test keeps the two equal).
TOP_ENTITIES = ("artists", "tracks", "albums", "shows", "audiobooks")


@click.command("status", context_settings=CONTEXT_SETTINGS)
@policy_option
@db_option
@json_option
def status_cmd(policy: Policy, db: Path | None, as_json: bool) -> None:
    """What is in the library: plays by source (each with its span and what a play of it means under
    --policy) and by kind, date range, listening time."""
    from linernotes.library import open_library
    from linernotes.terminal import print_json

    with open_library(db, read_only=True) as lib:
        status = lib.status(policy)
    if as_json:
        print_json(status)
    else:
        print_status(status)


def print_status(s: dict[str, Any]) -> None:
    from rich.table import Table

    from linernotes.cli.common import console, hours, plain
    from linernotes.cli.import_view import _table
    from linernotes.formatting import format_count, format_date_range

    console.print(f"Library {plain(s['library'])}")
    if not s["plays"]:
        console.print("No plays yet: run `linernotes import <export.zip>`.")
        return
    first, last = (_day(s[k]) for k in ("first_play", "last_play"))
    console.print(f"{s['plays']:,} plays, {s['hours']:,.1f} hours, {format_date_range(first, last)}")
    # An export without countries (scrobbles, Deezer) gives no home country: say what the clock uses instead.
    home = (f"Home: {plain(s['home_country'])} ({plain(s['home_zone'])})" if s["home_country"]
            else f"Home time zone: {plain(s['home_zone'])} (no country recorded)")
    console.print(f"{home}; "
                  f"{s['incognito_plays']:,} incognito plays "
                  f"{'included' if s['include_incognito'] else 'hidden from insights'}; "
                  f"{s['zero_ms_plays']:,} plays of 0 ms kept")
    # The timeline's parts in the order they began (the JSON keeps the richest-first order of sources).
    sources = sorted(s["by_source"].values(), key=lambda v: v["first_play"])
    rows = [[plain(v["name"]), format_count(v["plays"]),
             hours(v["ms_played"]) if v["listening_time_recorded"] else "not recorded",
             _date(v["first_play"]), _date(v["last_play"])] for v in sources]
    if len(rows) > 1:  # one timeline: its parts, then the whole
        rows.append(["[bold]all sources[/bold]", format_count(s["plays"]), hours(s["ms_played"]),
                     _date(s["first_play"]), _date(s["last_play"])])
    console.print(_table(None, ["source", "plays", "time", "first play", "last play"], rows, 1))
    console.print(f"What counts as a play in insights (policy {plain(s['policy'])}):")
    meanings = Table.grid(padding=(0, 1), pad_edge=True)
    meanings.add_column(no_wrap=True)
    meanings.add_column()  # the sentence wraps under itself, not under the name
    for v in sources:
        counted = "" if v["counted_plays"] == v["plays"] else (
            f"; {format_count(v['counted_plays'])} of its {format_count(v['plays'])} plays count")
        meanings.add_row(f" {plain(v['name'])}:", plain(v["play_meaning"]) + counted)
    console.print(meanings)
    kinds = [[plain(k), format_count(v["plays"]), hours(v["ms_played"])] for k, v in s["by_kind"].items()]
    console.print(_table(None, ["kind", "plays", "time"], kinds, 1))
    synced = [f"{plain(v['name'])} up to {_date(v['up_to'])} (last run {_date(v['synced_at'])})"
              for v in s.get("synced", {}).values()]
    if synced:
        console.print("Synced: " + "; ".join(synced) + ".")
    e = s.get("enrichment") or {}
    if e.get("artists_asked") or e.get("tracks_asked") or e.get("recordings_asked"):
        parts = [f"{format_count(e['artists_asked'])} artists asked ({format_count(e['artists_matched'])} matched)"]
        if e["tracks_asked"]:
            parts.append(f"{format_count(e['tracks_asked'])} tracks searched ({format_count(e['tracks_matched'])} "
                         "found)")
        if e["recordings_asked"]:
            parts.append(f"{format_count(e['recordings_asked'])} recordings looked up "
                         f"({format_count(e['recordings_found'])} found)")
        console.print("Enriched from MusicBrainz: " + ", ".join(parts) + ".")


def _day(iso: str) -> dt.date:
    return dt.date.fromisoformat(str(iso)[:10])


def _date(iso: str) -> str:
    from linernotes.formatting import format_date

    return format_date(_day(iso))


@click.command("top", context_settings=CONTEXT_SETTINGS)
@click.argument("entity", type=click.Choice(TOP_ENTITIES), default="artists")
@start_option
@end_option
@click.option("--by", default="time", show_default=True, shell_complete=complete(("time", "plays")),
              help="Rank by listening 'time' or by 'plays'.")
@click.option("--limit", "-n", type=int, default=10, show_default=True, help="How many.")
@policy_option
@source_option
@db_option
@json_option
def top_cmd(entity: str, start: str | None, end: str | None, by: str, limit: int, policy: Policy,
            sources: tuple[str, ...] | None, db: Path | None, as_json: bool) -> None:
    """Your top artists, tracks, albums, shows or audiobooks (ENTITY, default artists) — Wrapped for any period.

    The same as `linernotes insights top --entity ENTITY`: the JSON is that insight's result.
    """
    from linernotes.cli.common import plain
    from linernotes.engine.period import Period
    from linernotes.insights.top import TopResult
    from linernotes.library import open_library
    from linernotes.terminal import print_json

    period = Period.parse(start, end)
    with open_library(db, read_only=True) as lib:
        result = lib.insight("top", period=period, policy=policy, entity=entity, by=by, limit=limit,
                             sources=sources)
    assert isinstance(result, TopResult)
    if as_json:
        print_json(result.to_dict())
        return
    print_top(result.rows, plain(f"Top {entity} by {by}, {period.label()} (policy {policy.value})"
                                 + _from_sources(sources)))


def _from_sources(sources: tuple[str, ...] | None) -> str:
    """", from Last.fm and ListenBrainz" for a title, when the plays are those of some sources only."""
    if not sources:
        return ""
    from linernotes.services import source_name

    names = [source_name(s) for s in sources]
    return ", from " + (" and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1])


def print_top(rows: list[TopRow], title: str) -> None:
    """``title`` is console markup (callers pass data in it through ``plain``); the rows are data."""
    from rich.table import Table

    from linernotes.cli.common import console, hours, plain

    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("name")
    if any(r.by for r in rows):
        table.add_column("by")
    table.add_column("plays", justify="right")
    # Scrobbles record no listening time: a column of "0 min" and "0.0%" would say they lasted nothing.
    timed = any(r.ms_played for r in rows)
    if timed:
        table.add_column("time", justify="right")
        table.add_column("share", justify="right")
    else:
        table.caption, table.caption_justify = "No listening time recorded for these plays.", "left"
    for r in rows:
        cells = [str(r.rank), plain(r.name)] + ([plain(r.by or "")] if any(x.by for x in rows) else [])
        table.add_row(*cells, f"{r.plays:,}", *([hours(r.ms_played), f"{r.share:.1%}"] if timed else []))
    console.print(table if rows else f"{title}: nothing in this period.")


@click.command("sql", context_settings=CONTEXT_SETTINGS)
@click.argument("query")
@db_option
@json_option
@click.option("--max-rows", type=int, default=200, show_default=True, help="Rows shown in the table view.")
def sql_cmd(query: str, db: Path | None, as_json: bool, max_rows: int) -> None:
    """Run a read-only SQL QUERY against the library (tables: plays, all_plays, imports, import_files), e.g.
    "SELECT * FROM plays LIMIT 5"."""
    from rich.table import Table

    from linernotes.cli.common import console, plain
    from linernotes.library import open_library
    from linernotes.terminal import print_json

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


@click.command("export", context_settings=CONTEXT_SETTINGS)
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--format", "fmt", shell_complete=complete(("parquet", "csv", "sqlite")),
              help="parquet, csv or sqlite (default: from the file extension).")
@db_option
def export_cmd(target: Path, fmt: str | None, db: Path | None) -> None:
    """Export the plays to TARGET as Parquet, CSV or a SQLite file (for Datasette): .parquet, .csv or .sqlite.

    In CSV, a text cell that starts with =, +, -, @, a tab or a carriage return (a name like "=HYPERLINK(...)")
    is written with a leading single quote, so a spreadsheet shows it as text instead of running it as a formula;
    numbers stay numbers. Parquet and SQLite keep every value exactly as it is in the library.
    """
    from linernotes.cli.common import console, plain
    from linernotes.formatting import shown_path
    from linernotes.library import open_library

    with open_library(db, read_only=True) as lib:
        n = lib.export(target, fmt)
    console.print(f"Wrote {n:,} plays to {plain(shown_path(target))}")
