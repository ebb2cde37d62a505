"""Commands that change the library: import, imports, forget, kind, settings, demo."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from linernotes.cli.options import complete, db_option, json_option
from linernotes.clickgroup import CONTEXT_SETTINGS

if TYPE_CHECKING:
    from linernotes.store.importer import ImportReport

# linernotes.library.SETTINGS's keys (importing it here would load DuckDB at every command start; a test keeps
# the two equal).
SETTING_KEYS = ("home_zone", "home_country", "include_incognito")


@click.command("import", context_settings=CONTEXT_SETTINGS)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@json_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--dry-run", is_flag=True, help="Read and report everything, change nothing.")
def import_cmd(paths: tuple[Path, ...], db: Path | None, as_json: bool, quiet: bool, dry_run: bool) -> None:
    """Import listening history exports (Spotify, Last.fm, ListenBrainz): zips, folders or files, several at
    once. Nothing leaves this machine."""
    from linernotes.cli.common import console
    from linernotes.cli.import_view import print_report
    from linernotes.terminal import print_json

    report = _run_import(db, [str(p) for p in paths], show_progress=not (quiet or as_json), dry_run=dry_run)
    if as_json:
        print_json({**report.to_dict(), "dry_run": dry_run})
    else:
        print_report(report)
        if dry_run:
            console.print("Dry run: nothing was changed.")


def _run_import(db: Path | None, paths: list[str], show_progress: bool, dry_run: bool = False) -> ImportReport:
    """Import into the library at ``db``; a new library file appears only when the import succeeds."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from linernotes.cli.common import console, plain
    from linernotes.library import import_into

    if not show_progress:
        return import_into(db, paths, dry_run=dry_run)
    columns = [TextColumn("{task.description:<8}"), BarColumn(), DownloadColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:  # a description is markup to rich: the stage is shown as plain text
                tasks[stage] = bar.add_task(plain(stage), total=total or 1)
            bar.update(tasks[stage], completed=done, total=total or 1)

        return import_into(db, paths, progress=progress, dry_run=dry_run)


@click.command("imports", context_settings=CONTEXT_SETTINGS)
@db_option
@json_option
def imports_cmd(db: Path | None, as_json: bool) -> None:
    """List past imports and what each file contributed."""
    from linernotes.cli.common import console
    from linernotes.cli.import_view import print_imports
    from linernotes.library import open_library
    from linernotes.terminal import print_json

    with open_library(db, read_only=True) as lib:
        rows = lib.imports()
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("No imports yet.")
        return
    print_imports(rows)


@click.command("kind", context_settings=CONTEXT_SETTINGS)
@click.argument("kind", required=False, shell_complete=complete(("show", "artist", "auto")))
@click.argument("name", required=False)
@db_option
def kind_cmd(kind: str | None, name: str | None, db: Path | None) -> None:
    """Say whether NAME in old Account data is a podcast show or an artist (kept, and re-applied after
    every import); KIND auto forgets your correction. Without arguments: list your corrections."""
    from linernotes.cli.common import console, plain
    from linernotes.errors import UsageError
    from linernotes.library import open_library

    if kind is None:
        with open_library(db, read_only=True) as lib:
            rows = lib.kind_corrections()
        if not rows:
            console.print("No corrections yet: every name is classified from evidence.")
        for who, what in rows:
            console.print(f"{plain(who)}: {what}")
        return
    if kind not in ("show", "artist", "auto") or name is None:
        raise UsageError("usage: linernotes kind show NAME | kind artist NAME | kind auto NAME")
    with open_library(db) as lib:
        result = lib.set_kind(name, None if kind == "auto" else kind)
    said = {"show": "is a podcast show", "artist": "is an artist", "auto": "is decided from evidence again"}[kind]
    console.print(f"{plain(name)} {said}. Account music files now hold {result['shows']:,} shows "
                  f"({result['plays']:,} plays counted as episodes).")


@click.command("forget", context_settings=CONTEXT_SETTINGS)
@db_option
@click.option("--all", "everything", is_flag=True,
              help="Delete every play, the import ledger, the sync cursors and the enrichment.")
@click.option("--source", help="Delete the plays of one source, by the name `linernotes status` shows (\"Apple "
              "Music\", \"Last.fm\", \"spotify\" for both Spotify exports and the synced plays), with what was "
              "synced or enriched for them alone.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def forget_cmd(db: Path | None, everything: bool, source: str | None, yes: bool) -> None:
    """Delete plays so that their bytes are gone from the library file."""
    from linernotes.cli.common import console
    from linernotes.library import open_library
    from linernotes.services import parse_sources, source_name
    from linernotes.terminal import inert

    # A source by its stored value or the name `status` shows ("Apple Music", "spotify" for both exports).
    sources = () if everything or source is None else parse_sources(source) or ()
    named = " and ".join(source_name(s) for s in sources) or inert(str(source))
    what = "every play" if everything else f"all plays from {named}"  # a plain prompt: no markup
    if not yes and not click.confirm(f"Delete {what}? This cannot be undone.", default=False):
        raise click.Abort()
    with open_library(db) as lib:
        if sources:
            n = sum(lib.forget(everything=False, source=s) for s in sources)
        else:
            n = lib.forget(everything=everything, source=source)
    console.print(f"Deleted {n:,} plays; the library file was rewritten so they are gone.")


@click.command("settings", context_settings=CONTEXT_SETTINGS)
@click.argument("key", required=False, shell_complete=complete(SETTING_KEYS))
@click.argument("value", required=False)
@click.option("--unset", is_flag=True, help="Clear the setting (back to the default).")
@db_option
def settings_cmd(key: str | None, value: str | None, unset: bool, db: Path | None) -> None:
    """Show or change the library's settings (home time zone, incognito plays...): KEY alone shows it, KEY
    VALUE changes it. KEY is one of home_zone, home_country, include_incognito."""
    from linernotes.cli.common import console, plain
    from linernotes.library import SETTINGS, open_library

    with open_library(db) as lib:
        if key is not None and (value is not None or unset):
            lib.set_setting(key, None if unset else value)
        current = lib.settings()
        status = lib.status()
    shown = [key] if key else list(SETTINGS)
    for k in shown:
        if k not in current:
            continue
        effective = {"home_zone": status["home_zone"], "home_country": status["home_country"],
                     "include_incognito": str(status["include_incognito"]).lower()}[k]
        origin = "set" if current[k] is not None else "default"
        console.print(f"{k} = {plain(effective)}  ({origin}; {plain(SETTINGS[k])})")


@click.command("demo", context_settings=CONTEXT_SETTINGS)
@db_option
@click.option("--plays", type=int, default=60_000, show_default=True, help="Size of the synthetic history.")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed (same seed, same history).")
def demo_cmd(db: Path | None, plays: int, seed: int) -> None:
    """Synthesise a realistic multi-year history, import it and show a summary."""
    from linernotes import synth
    from linernotes.cli.common import console, plain
    from linernotes.cli.data import print_status, print_top
    from linernotes.cli.import_view import print_report
    from linernotes.formatting import shown_path
    from linernotes.library import open_library
    from linernotes.store.db import default_db_path

    target = db or default_db_path().with_name("demo.duckdb")
    with tempfile.TemporaryDirectory(prefix="linernotes-demo-") as tmp:
        console.print(f"Synthesising {plays:,} plays (seed {seed})…")
        history = synth.generate(n_plays=plays, seed=seed)
        export = Path(tmp) / "my_spotify_data.zip"
        synth.write_extended(history, export, generation="C")
        if target.exists():
            with open_library(target) as lib:
                if lib.status()["plays"]:  # the demo library is rebuilt from scratch on every run
                    lib.forget(everything=True)
        report = _run_import(target, [str(export)], show_progress=True)
        with open_library(target) as lib:
            print_report(report)
            console.print()
            print_status(lib.status())
            last_year = lib.con.execute("SELECT max(year(ts_local)) FROM plays").fetchall()[0]
            if last_year and last_year[0]:
                from linernotes.engine.period import Period

                year = int(last_year[0])
                period = Period.parse(f"{year}-01-01", f"{year}-12-31")
                console.print()
                print_top(lib.top("artists", period=period, limit=5), f"Top artists of {year}")
                console.print(f"\nYour {year}, wrapped:")
                for line in lib.insight("wrapped", period=period).summary():
                    console.print(f"  {plain(line, limit=10_000)}")
    shown = plain(shown_path(target))
    console.print(f"\nDemo library: {shown}  (try: linernotes insights --db {shown}, or "
                  f"linernotes ask \"who did I listen to most last summer?\" --db {shown})")
    from linernotes.engine.period import Period as ReportPeriod
    from linernotes.report import write_report

    with open_library(target, read_only=True) as lib:
        # The report covers the latest year, like the summary above, so its tops show rank moves.
        latest = lib.con.execute("SELECT max(year(ts_local)) FROM plays").fetchall()[0]
        report_period = (ReportPeriod.parse(f"{latest[0]}-01-01", f"{latest[0]}-12-31")
                         if latest and latest[0] else None)
        console.print("\nWriting your liner notes…")
        written = write_report(lib, target.with_name("demo-report.html"), period=report_period)
    console.print(f"Report: {plain(shown_path(written))}")
