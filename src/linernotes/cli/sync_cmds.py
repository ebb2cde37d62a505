"""`linernotes sync lastfm USER`, `linernotes sync listenbrainz USER` and `linernotes sync spotify`: fetch what the
service recorded since the last sync. Thin: the work is in :mod:`linernotes.sync.run` (and the Spotify login in
:mod:`linernotes.sync.spotify_auth`). The account name is used for the request and never printed back; the API
key and tokens are never printed; only Spotify's tokens are stored (0600, beside the library)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from linernotes.cli.options import db_option, json_option
from linernotes.clickgroup import CONTEXT_SETTINGS, CliGroup

if TYPE_CHECKING:
    from linernotes.sync.run import SyncReport
    from linernotes.sync.spotify import Session

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


@sync_group.command("spotify", context_settings=CONTEXT_SETTINGS)
@click.option("--client-id", envvar="SPOTIFY_CLIENT_ID", metavar="ID",
              help="The client id of your own Spotify app (or $SPOTIFY_CLIENT_ID): create one at "
                   "https://developer.spotify.com/dashboard and add the redirect address "
                   "http://127.0.0.1:8888/callback (or the --port you use) to its settings. Needed to log in; "
                   "afterwards it is kept with the login.")
@click.option("--port", type=click.IntRange(0, 65535), default=8888, show_default=True,
              help="The port of the redirect address on 127.0.0.1 that the login comes back to; 0: any free port "
                   "(register the address without a port in your app's settings for that).")
@click.option("--no-browser", is_flag=True, help="Only print the login address; do not open a browser.")
@click.option("--logout", is_flag=True, help="Delete the saved Spotify login and stop.")
@base_url_option
@click.option("--accounts-url", metavar="URL",
              help="Spotify's accounts service address (default: https://accounts.spotify.com; tests point it at "
                   "a local server).")
@full_option
@db_option
@json_option
@quiet_option
def spotify_cmd(client_id: str | None, port: int, no_browser: bool, logout: bool, base_url: str | None,
                accounts_url: str | None, full: bool, db: Path | None, as_json: bool, quiet: bool) -> None:
    """Add your Spotify plays since the last sync (the Web API's recently played tracks).

    The first run logs in: it prints an address to open in a browser (and opens it), where you allow
    linernotes to read your recently played tracks, and nothing else. The login is saved beside the library
    (LIBRARY.spotify-token.json, readable by you alone) and refreshed as needed; later runs need no browser.

    Spotify keeps only your last 50 plays (about 2½ to 3 hours of listening, less when you skip): sync at
    least every 2 hours of listening, e.g. hourly from cron or a timer. Your Extended Streaming History export
    fills in anything older; a synced play and the export's copy of it are one play.
    """
    from linernotes.sync import run as sync_run
    from linernotes.sync import spotify, spotify_auth

    token_file = spotify_auth.token_path(sync_run.library_path(db))
    if logout:
        from linernotes.cli.common import console

        gone = spotify_auth.logout(token_file)
        console.print(("Deleted the saved Spotify login." if gone else "No Spotify login was saved.") +
                      " To remove linernotes' access on Spotify's side too, use Remove access at "
                      f"{spotify_auth.APPS_PAGE} (Spotify has no way for an app to revoke it).", markup=False)
        return
    import os

    api = spotify.api_client(base_url or os.environ.get(spotify.ENV_API_URL) or spotify.DEFAULT_API_URL)
    accounts = spotify_auth.accounts_client(accounts_url or os.environ.get(spotify.ENV_ACCOUNTS_URL)
                                            or spotify.DEFAULT_ACCOUNTS_URL)
    tokens = spotify_auth.load(token_file)
    if tokens is None or (client_id and client_id.strip() and client_id.strip() != tokens.client_id):
        if not client_id or not client_id.strip():
            from linernotes.errors import UsageError

            raise UsageError("Spotify needs the client id of your own app to log in: --client-id or "
                             "$SPOTIFY_CLIENT_ID (create an app at https://developer.spotify.com/dashboard)")

        def say(line: str) -> None:  # the login's lines go to stderr: stdout stays the result (--json)
            print(line, file=sys.stderr, flush=True)

        try:
            tokens = spotify_auth.login(accounts, client_id, port=port, open_browser=not no_browser, say=say)
        except KeyboardInterrupt:
            from linernotes.errors import Interrupted

            raise Interrupted("interrupted: not logged in, nothing was saved") from None
        spotify_auth.save(token_file, tokens)
        say("Logged in; the login is saved beside the library, readable by you alone.")
    session = spotify.Session(api, accounts, tokens, token_file)
    _run(db, spotify.SOURCE, "", api_key=None, token=None, base_url=None, full=full, as_json=as_json, quiet=quiet,
         session=session)


def _run(db: Path | None, source: str, user: str, *, api_key: str | None, token: str | None,
         base_url: str | None, full: bool, as_json: bool, quiet: bool, session: Session | None = None) -> None:
    from linernotes.cli.common import console
    from linernotes.sync.run import Progress, into, sync, sync_spotify
    from linernotes.terminal import print_json

    def announce(line: str) -> None:
        # With --json the announcement goes to stderr: stdout stays one JSON document.
        if as_json:
            print(line, file=sys.stderr)
        else:
            console.print(line, markup=False)

    def go(progress: Progress | None) -> SyncReport:
        if session is not None:
            return into(db, lambda con: sync_spotify(con, session, full=full, progress=progress,
                                                     announce=announce))
        return into(db, lambda con: sync(con, source, user, api_key=api_key, token=token, base_url=base_url,
                                         full=full, progress=progress, announce=announce))

    if quiet or as_json:
        report = go(None)
    else:
        from rich.progress import Progress as Bar
        from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

        with Bar(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                 transient=True) as bar:
            task = bar.add_task("connecting", total=None)

            def progress(service: str, done: int, total: int) -> None:
                of = f" of {total:,}" if total else ""
                bar.update(task, description=f"{service}: {done:,}{of} listens read")

            report = go(progress)
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
        reasons = {"now_playing": "playing now", "missing_time": "without a time", "bad_time": "with a bad time",
                   "no_item": "that Spotify no longer shows"}
        parts = [f"{count_of(n, 'row')} {reasons.get(k, k.replace('_', ' '))}" for k, n in report.dropped.items()]
        left_out = f" Left out: {', '.join(parts)}."
    notes = "".join(f" {note}." for note in report.notes)
    if report.loaded is None:
        since = f" since {moment(report.since)}" if report.since is not None else ""
        return f"{report.service}: nothing new{since}.{left_out}{notes}"
    loaded = report.loaded
    merged = loaded.total("merged") + loaded.total("replaced") + loaded.total("unchanged") + \
        loaded.total("duplicates") + loaded.total("near_duplicates")
    also = f" ({count_of(merged, 'listen')} already in the library)" if merged else ""
    upto = f" Synced up to {moment(report.cursor)}." if report.cursor is not None else ""
    return f"{report.service}: {count_of(report.new_plays, 'new play')}{also}.{upto}{left_out}{notes}"
