"""One ``linernotes sync``: page through a service since its stored cursor and load the listens like an import.

Every service (Last.fm, ListenBrainz, Spotify) goes through :func:`run`: a service module only says how to ask
(a :class:`Fetch`: its pages of staged rows, and which time its cursor follows). The pages are staged as they
arrive (a few thousand rows in memory at a time, the rest in DuckDB's temp table), then loaded by
:func:`linernotes.store.importer.load_staged`: the import's dedupe merges a synced listen with the same listen
from any export, before or after, and a listen synced twice is "already imported". The new cursor is written in
that same transaction. A failure at any point — a service error after its retries, a malformed answer,
Ctrl-C — leaves the library as it was: nothing is written before the whole fetch is in.

The username goes to the service and nowhere else: not into the library (the cursor is keyed by source; the
ledger names the service), not into a message.

Example::

    with open_library("music.duckdb") as lib:
        report = sync(lib.con, "listenbrainz", "someone", announce=print)
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from linernotes.errors import Interrupted, UsageError, is_interruption
from linernotes.formatting import format_date
from linernotes.sources.base import Parsed
from linernotes.store import importer, staging
from linernotes.store.importer import FileReport, ImportReport
from linernotes.sync import lastfm, listenbrainz, spotify
from linernotes.sync.http import SyncError, host_of

SERVICES = {"lastfm": lastfm.NAME, "listenbrainz": listenbrainz.NAME}  # the syncs that take an account name
# Rows kept in memory before they go to the temp table: each insert costs tens of ms whatever its size.
BUFFER_ROWS = 20_000

Progress = Callable[[str, int, int], None]


@dataclass
class SyncReport:
    service: str  # the service's name as people know it ("Last.fm")
    since: int | None  # the cursor before this sync (epoch seconds), None: from the beginning
    cursor: int | None  # the cursor after it
    requests: int = 0
    rows_read: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    loaded: ImportReport | None = None  # None: no new listen, nothing was written
    notes: list[str] = field(default_factory=list)  # what the person should know (a possible gap, how often)

    @property
    def new_plays(self) -> int:
        return self.loaded.plays_after - self.loaded.plays_before if self.loaded else 0

    def to_dict(self) -> dict[str, object]:
        return {
            "service": self.service, "since": _iso(self.since), "synced_up_to": _iso(self.cursor),
            "requests": self.requests, "rows_read": self.rows_read, "dropped": self.dropped,
            "new_plays": self.new_plays, "import": self.loaded.to_dict() if self.loaded else None,
            "notes": self.notes,
        }


@dataclass
class Fetch:
    """A service's side of one sync: the pages of staged rows since the cursor (with the total the service
    announced, 0 when unknown), the count of requests made, the time the cursor follows (the scrobblers stamp
    the start; Spotify's API the end) and notes for the person, read once the pages are in."""

    source: str  # the plays' Source value and the sync_state key
    name: str
    format: str
    pages: Iterator[tuple[Parsed, int]]
    requests: Callable[[], int]
    cursor_column: str = "ts_start"
    notes: Callable[[], list[str]] = lambda: []


def cursor_of(con: duckdb.DuckDBPyConnection, source: str) -> int | None:
    """Where the last sync of ``source`` stopped (epoch seconds of the newest listen it stored), or None."""
    rows = con.execute("SELECT cursor_ts FROM sync_state WHERE source = ?", [source]).fetchall()
    return int(rows[0][0]) if rows else None


def sync(con: duckdb.DuckDBPyConnection, source: str, user: str, *, api_key: str | None = None,
         token: str | None = None, base_url: str | None = None, full: bool = False,
         progress: Progress | None = None, announce: Callable[[str], None] | None = None) -> SyncReport:
    """Fetch ``user``'s listens on ``source`` (``lastfm`` or ``listenbrainz``) since the last sync (all of them
    with ``full``) and load them into the library behind ``con`` in one transaction."""
    if source not in SERVICES:
        raise UsageError(f"unknown service {source!r} (known: {', '.join(SERVICES)})")
    name = SERVICES[source]
    if not user.strip():
        raise UsageError(f"{name}: say whose listens to fetch (the account name)")
    if source == "lastfm" and not api_key:
        raise UsageError(f"{name} needs an API key: --api-key or ${lastfm.ENV_KEY} (create one at "
                         "https://www.last.fm/api/account/create)")
    env_url = lastfm.ENV_URL if source == "lastfm" else listenbrainz.ENV_URL
    default_url = lastfm.DEFAULT_URL if source == "lastfm" else listenbrainz.DEFAULT_URL
    url = base_url or os.environ.get(env_url) or default_url
    http = lastfm.client(url, api_key or "") if source == "lastfm" else listenbrainz.client(url, token)

    def ask(since: int | None) -> Fetch:
        until = int(time.time()) + 1
        if announce is not None:
            sent = "the account name, your API key" if source == "lastfm" else (
                "the account name, your token" if token else "the account name")
            period = f"since {_shown(since)}" if since is not None else "from the beginning"
            announce(f"Asking {name} ({host_of(http.base_url)}) for the listens of the account you named, "
                     f"{period}; only {sent} and these time bounds are sent.")
        pages = (lastfm.fetch(http, user, api_key or "", since, until) if source == "lastfm"
                 else listenbrainz.fetch(http, user, since, until))
        return Fetch(source, name, http_format(source), pages, lambda: http.requests)

    return run(con, source, ask, full=full, progress=progress)


def sync_spotify(con: duckdb.DuckDBPyConnection, session: spotify.Session, *, full: bool = False,
                 progress: Progress | None = None, announce: Callable[[str], None] | None = None) -> SyncReport:
    """Fetch the recently played tracks of the account ``session`` is logged in to, since the last sync, and load
    them into the library behind ``con`` in one transaction (:mod:`linernotes.sync.spotify`)."""

    def ask(since: int | None) -> Fetch:
        pages, window = spotify.plan(session, since, announce)
        return Fetch(spotify.SOURCE, spotify.NAME, spotify.FORMAT, pages, lambda: session.requests,
                     cursor_column="ts_end", notes=lambda: window.notes)

    return run(con, spotify.SOURCE, ask, full=full, progress=progress)


def run(con: duckdb.DuckDBPyConnection, source: str, ask: Callable[[int | None], Fetch], *, full: bool = False,
        progress: Progress | None = None) -> SyncReport:
    """The shared path: read the cursor of ``source``, let ``ask`` start the fetch from it, stage the pages and
    load them with the new cursor in one transaction."""
    since = None if full else cursor_of(con, source)
    fetch = ask(since)
    name = fetch.name
    report = SyncReport(name, since, since)
    dropped: Counter[str] = Counter()
    staging.create(con)
    try:
        buffered: list[pa.Table] = []
        held = 0
        for parsed, total in fetch.pages:
            report.rows_read += parsed.rows_read
            dropped.update(parsed.dropped)
            buffered.append(parsed.table)
            held += parsed.table.num_rows
            if held >= BUFFER_ROWS:
                staging.append(con, 0, pa.concat_tables(buffered))
                buffered, held = [], 0
            if progress is not None:
                progress(name, report.rows_read, max(total, report.rows_read) if total else 0)
        if buffered:
            staging.append(con, 0, pa.concat_tables(buffered))
        report.requests = fetch.requests()
        report.dropped = dict(dropped)
        report.notes = list(fetch.notes())
        newest = con.execute(f"SELECT max(epoch({fetch.cursor_column})) FROM {staging.TABLE}").fetchall()[0][0]
    except BaseException as exc:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS {staging.TABLE}")
        if isinstance(exc, SyncError):
            raise SyncError(f"{exc}; the library is unchanged") from None
        if is_interruption(exc):
            raise Interrupted("interrupted: nothing was synced, the library is as it was") from None
        raise
    if newest is None:  # nothing new: no ledger entry, no cursor change
        con.execute(f"DROP TABLE IF EXISTS {staging.TABLE}")
        return report
    cursor = max(int(newest), since or 0)

    def save_cursor(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("INSERT OR REPLACE INTO sync_state VALUES (?, ?, now())", [source, cursor])

    files = [FileReport(file=f"{name} sync", format=fetch.format, source=source,
                        rows_read=report.rows_read, dropped=report.dropped)]
    report.loaded = importer.load_staged(con, files, [f"{name} sync"], before_commit=save_cursor)
    report.cursor = cursor
    con.execute("CHECKPOINT")
    return report


def http_format(source: str) -> str:
    """The format name synced plays are stored under."""
    return {"lastfm": lastfm.FORMAT, "listenbrainz": listenbrainz.FORMAT, spotify.SOURCE: spotify.FORMAT}[source]


def library_path(path: str | os.PathLike[str] | None) -> Path:
    """The library file a sync writes to: ``path``, or the default library."""
    from linernotes.store import db

    return Path(path).expanduser() if path else db.default_db_path()


def sync_into(path: str | os.PathLike[str] | None, source: str, user: str, *, api_key: str | None = None,
              token: str | None = None, base_url: str | None = None, full: bool = False,
              progress: Progress | None = None, announce: Callable[[str], None] | None = None) -> SyncReport:
    """:func:`sync` into the library at ``path``. A library that does not exist yet is built in a temporary folder
    and moved into place only when the sync stored something: a failed sync leaves no file behind."""
    return into(path, lambda con: sync(con, source, user, api_key=api_key, token=token, base_url=base_url,
                                       full=full, progress=progress, announce=announce))


def into(path: str | os.PathLike[str] | None, work: Callable[[duckdb.DuckDBPyConnection], SyncReport]
         ) -> SyncReport:
    """Run ``work`` on the library at ``path``; a new library is moved into place only if it stored something."""
    from linernotes.library import open_library

    target = library_path(path)
    if target.exists():
        with open_library(target) as lib:
            return work(lib.con)
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="linernotes-sync-") as tmp:
        fresh = Path(tmp) / target.name
        with open_library(fresh) as lib:
            report = work(lib.con)
        if report.loaded is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(fresh), str(target))
    return report


def _shown(seconds: int) -> str:
    moment = datetime.fromtimestamp(seconds, UTC)
    return f"{format_date(moment)} {moment:%H:%M:%S} UTC"


def _iso(seconds: int | None) -> str | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat()
