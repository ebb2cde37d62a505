"""`linernotes sync lastfm USER` and `linernotes sync listenbrainz USER`: fetch what the service recorded since the
last sync. Thin: the work is in :mod:`linernotes.sync.run`. The account name is used for the request and never
printed back; the API key and token are never printed nor stored."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from linernotes.cli.options import db_option, json_option
from linernotes.clickgroup import CONTEXT_SETTINGS, CliGroup

if TYPE_CHECKING:
    from linernotes.sync.run import SyncReport

base_url_option = click.option(
    "--base-url", metavar="URL",
    help="The service's API address (default: the public service; tests point it at a local server).")
full_option = click.option("--full", is_flag=True,
                           help="Fetch everything again, not just what came after the last sync.")
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress display.")


@click.group("sync", cls=CliGroup, no_args_is_help=True)
def sync_group() -> None:
    """Keep the library up to date from a listening service, incrementally. It goes online only when you run it,
    and says what it asks before asking."""


@sync_group.command("lastfm", context_settings=CONTEXT_SETTINGS)
@click.argument("user")
@click.option("--api-key", envvar="LASTFM_API_KEY", metavar="KEY",
              help="Your Last.fm API key (or $LASTFM_API_KEY); never stored.")
@base_url_option
@full_option
@db_option
@json_option
@quiet_option
def lastfm_cmd(user: str, api_key: str | None, base_url: str | None, full: bool, db: Path | None,
               as_json: bool, quiet: bool) -> None:
    """Add the scrobbles of Last.fm account USER made since the last sync (user.getRecentTracks)."""
    _run(db, "lastfm", user, api_key=api_key, token=None, base_url=base_url, full=full, as_json=as_json,
         quiet=quiet)


@sync_group.command("listenbrainz", context_settings=CONTEXT_SETTINGS)
@click.argument("user")
@click.option("--token", envvar="LISTENBRAINZ_TOKEN", metavar="TOKEN",
              help="Your ListenBrainz user token (or $LISTENBRAINZ_TOKEN), optional: listens are public; never "
                   "stored.")
@base_url_option
@full_option
@db_option
@json_option
@quiet_option
def listenbrainz_cmd(user: str, token: str | None, base_url: str | None, full: bool, db: Path | None,
                     as_json: bool, quiet: bool) -> None:
    """Add the listens of ListenBrainz account USER made since the last sync."""
    _run(db, "listenbrainz", user, api_key=None, token=token, base_url=base_url, full=full, as_json=as_json,
         quiet=quiet)


def _run(db: Path | None, source: str, user: str, *, api_key: str | None, token: str | None,
         base_url: str | None, full: bool, as_json: bool, quiet: bool) -> None:
    from linernotes.cli.common import console
    from linernotes.sync.run import sync_into
    from linernotes.terminal import print_json

    def announce(line: str) -> None:
        # With --json the announcement goes to stderr: stdout stays one JSON document.
        if as_json:
            print(line, file=sys.stderr)
        else:
            console.print(line, markup=False)

    if quiet or as_json:
        report = sync_into(db, source, user, api_key=api_key, token=token, base_url=base_url, full=full,
                           announce=announce)
    else:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                      transient=True) as bar:
            task = bar.add_task("connecting", total=None)

            def progress(service: str, done: int, total: int) -> None:
                of = f" of {total:,}" if total else ""
                bar.update(task, description=f"{service}: {done:,}{of} listens read")

            report = sync_into(db, source, user, api_key=api_key, token=token, base_url=base_url, full=full,
                               announce=announce, progress=progress)
    if as_json:
        print_json(report.to_dict())
    else:
        console.print(summary(report), markup=False)


def summary(report: SyncReport) -> str:
    """What the sync did, in one sentence."""
    from datetime import UTC, datetime

    from linernotes.formatting import count_of, format_date

    def moment(seconds: int) -> str:
        at = datetime.fromtimestamp(seconds, UTC)
        return f"{format_date(at)} {at:%H:%M} UTC"

    left_out = ""
    if report.dropped:
        reasons = {"now_playing": "playing now", "missing_time": "without a time", "bad_time": "with a bad time"}
        parts = [f"{count_of(n, 'row')} {reasons.get(k, k.replace('_', ' '))}" for k, n in report.dropped.items()]
        left_out = f" Left out: {', '.join(parts)}."
    if report.loaded is None:
        since = f" since {moment(report.since)}" if report.since is not None else ""
        return f"{report.service}: nothing new{since}.{left_out}"
    loaded = report.loaded
    merged = loaded.total("merged") + loaded.total("replaced") + loaded.total("unchanged") + \
        loaded.total("duplicates") + loaded.total("near_duplicates")
    also = f" ({count_of(merged, 'listen')} already in the library)" if merged else ""
    upto = f" Synced up to {moment(report.cursor)}." if report.cursor is not None else ""
    return f"{report.service}: {count_of(report.new_plays, 'new play')}{also}.{upto}{left_out}"
