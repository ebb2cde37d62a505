"""The library API: one DuckDB file holding a person's listening history.

Everything the CLI does is a call here, so the same operations are available from Python::

    from linernotes import open_library
    with open_library("my.duckdb") as lib:
        lib.import_paths(["my_spotify_data.zip"])
        for row in lib.top("artists", period=Period.parse("2023-01-01", "2023-12-31")):
            print(row.rank, row.name, round(row.hours, 1))
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from linernotes.atomicfile import replacing
from linernotes.errors import UsageError
from linernotes.formatting import shown_path
from linernotes.policy import Policy
from linernotes.privacy import DUCKDB_OFFLINE
from linernotes.store import db
from linernotes.units import MS_PER_HOUR

# The insight machinery (numpy, pyarrow) loads when an insight first runs, not when a library opens: `status`,
# `imports` and `sql` start without it.
if TYPE_CHECKING:
    from linernotes.engine.exclusions import Rule
    from linernotes.engine.period import Period
    from linernotes.engine.registry import Insight
    from linernotes.engine.result import Result
    from linernotes.engine.scope import Engine
    from linernotes.enrich.run import Plan
    from linernotes.enrich.run import Progress as EnrichProgress
    from linernotes.enrich.run import Report as EnrichReport
    from linernotes.insights.top import TopRow
    from linernotes.store.importer import ImportReport, Input, Progress

SETTINGS = {
    "home_zone": "IANA time zone used for plays at home (default: inferred from the most frequent country)",
    "home_country": "ISO country code of home (default: the most frequent conn_country)",
    "include_incognito": "true to include private-session plays in insights (default: false)",
}


class Library:
    """An open library file. Use :func:`open_library`; close it (or use ``with``) when done."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path).expanduser() if path else db.default_db_path()
        self.read_only = read_only
        self._con: duckdb.DuckDBPyConnection | None = db.connect(self.path, read_only=read_only)
        self._engine: Engine | None = None

    # -- lifecycle -----------------------------------------------------------------------------------
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise UsageError(f"{self.path}: library is closed")
        return self._con

    @property
    def engine(self) -> Engine:
        """The insight engine (caches selections until the library changes)."""
        if self._engine is None:
            from linernotes.engine.scope import Engine

            self._engine = Engine(self.con, frozen=self.read_only)
        return self._engine

    def _changed(self) -> None:
        if self._engine is not None:
            self._engine.invalidate()

    def close(self) -> None:
        self._engine = None
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- import --------------------------------------------------------------------------------------
    def import_paths(self, paths: Sequence[Input], *, progress: Progress | None = None,
                     workers: int | None = None, dry_run: bool = False) -> ImportReport:
        """Import export files, folders or zips in one atomic transaction.

        With ``dry_run`` everything is read, deduplicated and reported, then rolled back.
        """
        self._writable()
        from linernotes.store import importer  # here: reading a library never needs the parsers

        self._changed()
        report = importer.import_paths(self.con, paths, progress=progress, workers=workers, dry_run=dry_run)
        if not dry_run:
            self.con.execute("CHECKPOINT")
        return report

    def imports(self) -> list[dict[str, Any]]:
        """Past imports with their per-file reports, newest first."""
        imports = _dicts(self.con.execute(
            "SELECT * EXCLUDE (podcast_evidence), map_keys(podcast_evidence) AS ek, "
            "map_values(podcast_evidence) AS ev FROM imports ORDER BY import_id DESC"))
        for imp in imports:
            # What the podcast classification found (store.classify); None for imports older than the ledger's
            # column, which did not measure it.
            keys, values = imp.pop("ek"), imp.pop("ev")
            imp["podcast_evidence"] = None if keys is None else dict(zip(keys, values, strict=True))
        files = _dicts(self.con.execute(
            "SELECT * EXCLUDE (dropped), map_keys(dropped) AS k, map_values(dropped) AS v "
            "FROM import_files ORDER BY import_id, file"))
        by_import: dict[int, list[dict[str, Any]]] = {}
        for f in files:
            f["dropped"] = dict(zip(f.pop("k"), f.pop("v"), strict=True))
            by_import.setdefault(f["import_id"], []).append(f)
        for imp in imports:
            imp["files"] = by_import.get(imp["import_id"], [])
        return imports

    # -- kinds ---------------------------------------------------------------------------------------
    def set_kind(self, name: str, kind: str | None) -> dict[str, object]:
        """Say that ``name`` in Account music files is a podcast ``"show"`` or an ``"artist"`` (``None``: let
        the evidence decide again). Stored in the library and re-applied after every import; returns the
        classification that results (shows, plays, evidence counts)."""
        self._writable()
        if kind not in ("show", "artist", None):
            raise UsageError(f"unknown kind {kind!r} (show or artist)")
        if not name.strip():
            raise UsageError("give the name of the artist or show")
        from linernotes.store import classify

        result = classify.correct(self.con, name, kind)
        self._changed()
        from linernotes.engine.model_cache import clear  # names and results derived from the plays

        clear()
        return result.to_dict()

    def kind_corrections(self) -> list[tuple[str, str]]:
        """The names a person said are a show or an artist: (name, kind)."""
        from linernotes.store import classify

        return classify.corrections(self.con)

    # -- reading -------------------------------------------------------------------------------------
    def status(self, policy: str | Policy = Policy.SPOTIFY) -> dict[str, Any]:
        """Counts by source and kind, date range, listening time, home zone. Each source also says how many
        of its plays count as a play under ``policy``, whether it records listening time, and what a play of
        it means (:func:`linernotes.services.play_meaning`)."""
        from linernotes.policy import counted_plays, parse_policy
        from linernotes.schema import Source
        from linernotes.services import play_meaning, source_name

        policy = parse_policy(policy)
        con = self.con
        total = con.execute("""
            SELECT count(*), coalesce(sum(ms_played), 0), min(ts_start), max(ts_end),
                   count(*) FILTER (WHERE incognito), count(*) FILTER (WHERE ms_played = 0)
            FROM play_rows""").fetchall()[0]
        assert total is not None
        # Sources in the order of Source (richest first), each with its own span: one timeline, its parts.
        by_source = {
            s: {"name": source_name(s), "plays": int(n), "counted_plays": int(counted), "ms_played": int(ms),
                "listening_time_recorded": bool(timed), "timed_plays": int(timed),
                "first_play": first.isoformat(), "last_play": last.isoformat(),
                "play_meaning": play_meaning(s, policy, timed=int(timed), untimed=int(n) - int(timed),
                                             ends_recorded=bool(ended))}
            for s, n, counted, ms, timed, ended, first, last in con.execute(
                "SELECT source, count(*), count(*) FILTER (WHERE counted), coalesce(sum(ms_played), 0), "
                "count(ms_played), count(*) FILTER (WHERE reason_end IS NOT NULL AND ms_played IS NOT NULL), "
                f"min(ts_start), max(ts_end) FROM ({counted_plays(policy, 'play_rows')}) GROUP BY 1 "
                "ORDER BY list_position(?, source), 1", [[x.value for x in Source]]).fetchall()}
        by_kind = {k: {"plays": int(n), "ms_played": int(ms)} for k, n, ms in con.execute(
            "SELECT kind, count(*), coalesce(sum(ms_played), 0) FROM play_rows GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()}
        home = con.execute("SELECT home_country, home_zone, include_incognito FROM home").fetchall()[0]
        assert home is not None
        n_imports = con.execute("SELECT count(*) FROM imports").fetchall()[0]
        # Where each `linernotes sync` stopped (per source, never per account), and what `enrich` stored.
        synced = {str(src): {"name": source_name(str(src)), "up_to": dt.datetime.fromtimestamp(int(ts), dt.UTC)
                             .isoformat(), "synced_at": at.isoformat()}
                  for src, ts, at in con.execute("SELECT source, cursor_ts, synced_at FROM sync_state ORDER BY 1")
                  .fetchall()}
        enriched = con.execute("""
            SELECT (SELECT count(*) FROM enrich_artists), (SELECT count(*) FILTER (WHERE matched) FROM enrich_artists),
                   (SELECT count(*) FROM enrich_tracks), (SELECT count(*) FILTER (WHERE matched) FROM enrich_tracks),
                   (SELECT count(*) FROM enrich_recordings),
                   (SELECT count(*) FILTER (WHERE found) FROM enrich_recordings)""").fetchall()[0]
        return {
            "library": shown_path(self.path),  # never the absolute path: it names the account
            "plays": int(total[0]),
            "ms_played": int(total[1]),
            "hours": round(int(total[1]) / MS_PER_HOUR, 2),
            "first_play": total[2].isoformat() if total[2] else None,
            "last_play": total[3].isoformat() if total[3] else None,
            "incognito_plays": int(total[4]),
            "zero_ms_plays": int(total[5]),
            "policy": policy.value,
            "by_source": by_source,
            "by_kind": by_kind,
            "home_country": home[0],
            "home_zone": home[1],
            "include_incognito": bool(home[2]),
            "imports": int(n_imports[0]) if n_imports else 0,
            "synced": synced,
            "enrichment": dict(zip(("artists_asked", "artists_matched", "tracks_asked", "tracks_matched",
                                    "recordings_asked", "recordings_found"), map(int, enriched), strict=True)),
        }

    def top(self, entity: str, *, by: str = "time", period: Period | None = None, limit: int = 10,
            policy: str | Policy = Policy.SPOTIFY, sources: Sequence[str] | str | None = None) -> list[TopRow]:
        """Top artists/tracks/albums/shows/audiobooks: the rows of the ``top`` insight."""
        from linernotes.insights.top import TopResult

        result = self.insight("top", period=period, policy=policy, entity=entity, by=by, limit=limit,
                              sources=sources)
        assert isinstance(result, TopResult)
        return result.rows

    # -- insights ------------------------------------------------------------------------------------
    def insights(self) -> list[Insight]:
        """Every insight this version knows: name, title, parameters, definition."""
        from linernotes.engine import registry

        return registry.all_insights()

    def insight(self, name: str, *, period: Period | None = None, start: str | None = None,
                end: str | None = None, policy: str | Policy = Policy.SPOTIFY, kinds: Sequence[str] | str | None = None,
                include_incognito: bool | None = None, apply_exclusions: bool = True,
                sources: Sequence[str] | str | None = None, **params: Any) -> Result:
        """Run one insight. ``params`` are the insight's own options (see ``lib.insights()``); ``sources``
        keeps the plays of some services only (``"spotify"``, ``"apple_music,lastfm"``: see
        :func:`linernotes.services.parse_sources`).

        >>> lib.insight("sessions", start="2023-01-01", end="2023-12-31", gap_minutes=30)  # doctest: +SKIP
        """
        from linernotes.engine import registry
        from linernotes.engine.scope import Scope

        scope = Scope.make(period=period, start=start, end=end, policy=policy, kinds=kinds,
                           include_incognito=include_incognito, apply_exclusions=apply_exclusions, sources=sources)
        if scope.sources is not None:
            self.check_sources(scope.sources)
        return registry.run(self.engine, name, scope, **params)

    def check_sources(self, sources: Sequence[str]) -> None:
        """Refuse, in one sentence, a source filter none of whose sources has a play in the library (an empty
        table would read as "you listened to nothing")."""
        from linernotes.services import source_name

        held = [s for (s,) in self.con.execute("SELECT DISTINCT source FROM play_rows ORDER BY 1").fetchall()]
        if any(s in held for s in sources):
            return
        asked = " or ".join(source_name(s) for s in sources)
        has = ", ".join(source_name(s) for s in held)
        raise UsageError(f"the library has no plays from {asked}" + (f" (it has plays from {has})" if held else ""))

    # -- exclusion rules -----------------------------------------------------------------------------
    def exclusions(self) -> list[Rule]:
        """The exclusion rules, oldest first."""
        from linernotes.engine import exclusions as excl

        return excl.list_rules(self.con)

    def exclude(self, rule: Rule | None = None, **conditions: Any) -> Rule:
        """Add an exclusion rule (a :class:`Rule` or its fields: artist=..., device=..., hours=(20, 7))."""
        from linernotes.engine import exclusions as excl

        self._writable()
        if rule is None:
            hours = conditions.pop("hours", None)
            if isinstance(hours, str):
                hours = excl.parse_hours(hours)
            if hours is not None:
                conditions["hour_from"], conditions["hour_to"] = hours
            unknown = set(conditions) - set(excl.Rule.__dataclass_fields__)
            if unknown:
                raise UsageError(f"unknown rule condition {', '.join(sorted(unknown))}")
            rule = excl.Rule(**conditions)
        added = excl.add_rule(self.con, rule)
        self._changed()
        return added

    def remove_exclusion(self, rule_id: int) -> Rule:
        self._writable()
        from linernotes.engine import exclusions as excl

        removed = excl.remove_rule(self.con, rule_id)
        self._changed()
        return removed

    def sql(self, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run a read-only query (the library must be opened with ``read_only=True``)."""
        if not self.read_only:
            raise UsageError("sql needs a read-only library (open_library(path, read_only=True))")
        # A read-only connection cannot touch other files (no COPY TO, read_csv, ATTACH of a file:
        # ``db.connect``), and DuckDB refuses to turn that back on; locking the configuration also stops
        # any SET or RESET of the query (the engine then builds selections without its speed setting).
        if not self.con.execute("SELECT current_setting('lock_configuration')").fetchall()[0][0]:
            self.con.execute("SET lock_configuration = true")
        try:
            cur = self.con.execute(query)
            columns = [d[0] for d in cur.description or []]
            return columns, cur.fetchall()
        except duckdb.Error as exc:
            raise UsageError(f"query failed: {db._first_line(exc)}") from None

    # -- settings ------------------------------------------------------------------------------------
    def settings(self) -> dict[str, str | None]:
        values = dict(self.con.execute("SELECT key, value FROM settings").fetchall())
        return {key: values.get(key) for key in SETTINGS}

    def set_setting(self, key: str, value: str | None) -> None:
        """Set (or with ``None`` clear) a setting, validating its value."""
        self._writable()
        if key not in SETTINGS:
            raise UsageError(f"unknown setting {key!r} (known: {', '.join(SETTINGS)})")
        if value is None:
            self.con.execute("DELETE FROM settings WHERE key = ?", [key])
            self._changed()
            return
        from linernotes import timezones
        from linernotes.store import importer

        if key == "home_zone" and not timezones.valid_zone(value):
            raise UsageError(f"{value!r} is not an IANA time zone (e.g. Europe/Berlin)")
        if key == "home_country":
            value = value.upper()
            if timezones.zone_for_country(value) is None:
                raise UsageError(f"{value!r} is not a country code with a time zone (e.g. DE)")
        if key == "include_incognito":
            if value.lower() not in ("true", "false"):
                raise UsageError("include_incognito must be true or false")
            value = value.lower()
        importer.set_setting(self.con, key, value)
        self._changed()

    # -- enrichment ----------------------------------------------------------------------------------
    def enrichment_plan(self, *, refresh: bool = False, limit: int | None = None,
                        tracks: int | None = None) -> Plan:
        """What :meth:`enrich` would ask MusicBrainz: the top ``limit`` artists by listening time (all by
        default), the recordings the library has ids for, and the top ``tracks`` tracks without an id (2,000
        by default), leaving out what is already stored unless ``refresh``. ``plan.requests()`` lists every
        request exactly; only names and ids are in them."""
        from linernotes.enrich import run

        if limit is not None and limit < 1:
            raise UsageError("--limit must be at least 1")
        if tracks is not None and tracks < 0:
            raise UsageError("--tracks must be 0 or more")
        return run.plan(self.con, refresh=refresh, limit=limit,
                        tracks=run.DEFAULT_TRACKS if tracks is None else tracks)

    def enrich(self, plan: Plan, *, base_url: str | None = None, contact: str | None = None,
               progress: EnrichProgress | None = None) -> EnrichReport:
        """Ask MusicBrainz (``base_url``: default ``$LINERNOTES_MUSICBRAINZ_URL`` or musicbrainz.org) about
        everything in ``plan``, at most one request per second, storing each answer as it arrives; ``contact``
        (default ``$LINERNOTES_CONTACT``) is the person's address for MusicBrainz in the User-Agent. Raises
        :class:`~linernotes.enrich.client.EnrichError` (what was stored before stays) when the service fails."""
        self._writable()
        from linernotes.enrich import client, run

        url = client.base_url(base_url)
        try:
            return run.run(self.con, client.Client(url, contact=contact), plan, progress=progress)
        finally:
            self._changed()

    # -- forgetting ----------------------------------------------------------------------------------
    def forget(self, *, everything: bool = False, source: str | None = None) -> int:
        """Delete plays (all, or one source), and what enrichment fetched for artists and recordings no
        remaining play names, then rewrite the file so the deleted bytes are gone.

        Returns the number of plays deleted.
        """
        self._writable()
        if everything == (source is not None):
            raise UsageError("say what to forget: --all or --source NAME")
        from linernotes.schema import Source

        if source is not None and source not in {s.value for s in Source}:
            raise UsageError(f"unknown source {source!r} (known: {', '.join(s.value for s in Source)})")
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            if everything:
                row = con.execute("SELECT count(*) FROM play_rows").fetchall()[0]
                con.execute("DELETE FROM play_rows")
                con.execute("DELETE FROM import_files")
                con.execute("DELETE FROM imports")
                con.execute("DELETE FROM settings WHERE key LIKE 'inferred_%'")
                con.execute("DELETE FROM sync_state")  # a later sync starts again from the beginning
                con.execute("DELETE FROM enrich_artists")
                con.execute("DELETE FROM enrich_recordings")
                con.execute("DELETE FROM enrich_tracks")
            else:
                row = con.execute("SELECT count(*) FROM play_rows WHERE source = ?", [source]).fetchall()[0]
                con.execute("DELETE FROM play_rows WHERE source = ?", [source])
                con.execute("DELETE FROM import_files WHERE source = ?", [source])
                con.execute("DELETE FROM sync_state WHERE source = ?", [source])
                from linernotes.store import importer

                importer._update_home(con)
                from linernotes.enrich.run import forget_orphans  # names no play has any more

                forget_orphans(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        self._changed()
        self._rewrite()
        from linernotes.engine.model_cache import clear  # names, models and results derived from the plays

        clear()
        return int(row[0]) if row else 0

    def _rewrite(self) -> None:
        """Copy the live data into a fresh file and swap it in: DuckDB reuses freed blocks lazily, so
        deleted rows can linger in the old file's free space until then."""
        fresh = self.path.with_name(self.path.name + ".rewrite")
        for leftover in (fresh, Path(str(fresh) + ".wal")):
            leftover.unlink(missing_ok=True)
        name = self.con.execute("SELECT current_database()").fetchall()[0]
        assert name is not None
        self.con.execute(f"ATTACH {db.sql_literal(str(fresh))} AS fresh_copy")
        self.con.execute(f'COPY FROM DATABASE "{name[0]}" TO fresh_copy')
        self.con.execute("DETACH fresh_copy")
        self.close()
        os.replace(fresh, self.path)
        Path(str(self.path) + ".wal").unlink(missing_ok=True)
        self._con = db.connect(self.path)
        self._engine = None

    # -- export --------------------------------------------------------------------------------------
    def export(self, target: str | os.PathLike[str], fmt: str | None = None) -> int:
        """Write the ``plays`` view as Parquet, CSV or a SQLite file (for Datasette). Returns rows written.

        CSV text cells that a spreadsheet would run as formulas get a leading single quote (see :func:`_csv_safe`);
        Parquet and SQLite are typed and keep every value as it is."""
        target = Path(target)
        fmt = (fmt or target.suffix.lstrip(".")).lower()
        fmt = {"parquet": "parquet", "pq": "parquet", "csv": "csv", "sqlite": "sqlite", "db": "sqlite",
               "sqlite3": "sqlite"}.get(fmt, fmt)
        if fmt not in ("parquet", "csv", "sqlite"):
            raise UsageError(f"{target}: unknown export format {fmt!r} (parquet, csv or sqlite)")
        if target.exists():
            raise UsageError(f"{target}: already exists (choose another name or delete it)")
        rel = "SELECT * FROM plays ORDER BY ts_start"
        if fmt == "parquet":
            _copy_out(self.con, rel, target, "FORMAT parquet, COMPRESSION zstd")
        elif fmt == "csv":
            _copy_out(self.con, _csv_safe(self.con, rel), target, "FORMAT csv, HEADER true")
        else:
            _export_sqlite(self.con, rel, target)
        row = self.con.execute("SELECT count(*) FROM plays").fetchall()[0]
        return int(row[0]) if row else 0

    def _writable(self) -> None:
        if self.read_only:
            raise UsageError(f"{self.path}: opened read-only")


def import_into(path: str | os.PathLike[str] | None, inputs: Sequence[Input], *, progress: Progress | None = None,
                workers: int | None = None, dry_run: bool = False) -> ImportReport:
    """Import into the library at ``path``. A library that does not exist yet is built in a temporary folder
    and moved into place only when the import succeeds: a dry run or a failed import leaves no file behind."""
    target = Path(path).expanduser() if path else db.default_db_path()
    if target.exists():
        with open_library(target) as lib:
            return lib.import_paths(inputs, progress=progress, workers=workers, dry_run=dry_run)
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="linernotes-import-") as tmp:
        fresh = Path(tmp) / target.name
        with open_library(fresh) as lib:
            report = lib.import_paths(inputs, progress=progress, workers=workers, dry_run=dry_run)
        if not dry_run:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(fresh), str(target))
    return report


def open_library(path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Library:
    """Open (creating if needed) the library at ``path`` (default: ``$LINERNOTES_DB`` or the user data dir)."""
    return Library(path, read_only=read_only)


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    columns = [d[0] for d in cur.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


def _copy_out(con: duckdb.DuckDBPyConnection, rel: str, target: Path, options: str) -> None:
    """``COPY (rel) TO target`` through a private in-memory DuckDB: a library opened to read cannot write
    files (``db.connect``), so its rows stream over as Arrow batches to a connection that may."""
    rows = con.sql(rel).to_arrow_reader(100_000)
    out = duckdb.connect(":memory:", config=dict(DUCKDB_OFFLINE))
    try:
        out.execute("SET TimeZone = 'UTC'")  # as the library's: times are written in UTC
        out.register("export_rows", rows)
        out.execute(f"COPY (SELECT * FROM export_rows) TO {db.sql_literal(str(target))} ({options})")
    finally:
        out.close()


# Text a spreadsheet would run as a formula (OWASP "CSV injection"): = + - @, and tab or carriage return.
_FORMULA_START = r"^[=+\-@\t\r]"


def _csv_safe(con: duckdb.DuckDBPyConnection, rel: str) -> str:
    """``rel`` with every text cell that a spreadsheet would read as a formula prefixed with a single quote,
    which spreadsheets show as text. Only text columns: numbers (negative ones too) stay numbers."""
    text = [name for name, kind, *_ in con.execute(f"DESCRIBE {rel}").fetchall() if kind == "VARCHAR"]
    if not text:
        return rel
    pattern = db.sql_literal(_FORMULA_START)
    guarded = ", ".join(
        f"CASE WHEN regexp_matches({c}, {pattern}) THEN '''' || {c} ELSE {c} END AS {c}"
        for c in ('"' + name.replace('"', '""') + '"' for name in text))
    return f"SELECT * REPLACE ({guarded}) FROM ({rel})"


def _export_sqlite(con: duckdb.DuckDBPyConnection, rel: str, target: Path) -> None:
    """SQLite has no timestamp type: times become ISO-8601 text, which Datasette shows and sorts."""
    cur = con.execute(f"""
        SELECT * REPLACE (strftime(ts_start, '%Y-%m-%dT%H:%M:%S.%fZ') AS ts_start,
                          strftime(ts_end, '%Y-%m-%dT%H:%M:%S.%fZ') AS ts_end,
                          strftime(ts_local, '%Y-%m-%dT%H:%M:%S') AS ts_local,
                          play_id::VARCHAR AS play_id)
        FROM ({rel})""")
    columns = [d[0] for d in cur.description or []]
    with replacing(target) as partial:
        out = sqlite3.connect(partial)
        try:
            quoted = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
            out.execute(f"CREATE TABLE plays ({quoted})")
            marks = ", ".join("?" * len(columns))
            while batch := cur.fetchmany(50_000):
                out.executemany(f"INSERT INTO plays VALUES ({marks})", batch)
            for col in ("ts_start", "artist", "track"):
                out.execute(f"CREATE INDEX plays_{col} ON plays ({col})")
            out.commit()
        finally:
            out.close()
