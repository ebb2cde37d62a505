"""Opening the library file: location, migrations, views, the country → zone table."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import platformdirs

from linernotes.errors import UsageError
from linernotes.privacy import DUCKDB_OFFLINE
from linernotes.store import migrations

ENV_DB = "LINERNOTES_DB"
DEFAULT_NAME = "library.duckdb"


def default_db_path() -> Path:
    """``$LINERNOTES_DB``, else ``library.duckdb`` in the platform's user data dir."""
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("linernotes", appauthor=False)) / DEFAULT_NAME


# What DuckDB may hold while writing (an import's staging, dedupe and merge; forget's rewrite) before it spills to
# a temporary file beside the library: an import stays within 1 GiB of peak RSS whatever it reads (a
# 1,000,000-play export: 963 MiB with it, 1,037 without, for ~10 % more time; benchmarks/import_bench.py).
WRITER_MEMORY_LIMIT = "600MB"


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and for writing, create and migrate) the library at ``path``."""
    if read_only:
        if not path.exists():
            raise UsageError(f"{path}: no library here yet (run `linernotes import` or `linernotes demo`)")
        try:
            # Reading never needs other files: a reader cannot touch them (nor the network, nor extensions),
            # whatever SQL reaches it — a rule's selection, a view stored in a library made elsewhere.
            # DuckDB refuses to turn this back on while the database is open.
            con = duckdb.connect(str(path), read_only=True,
                                  config={"enable_external_access": False, **DUCKDB_OFFLINE})
        except duckdb.Error as exc:
            raise UsageError(f"{path}: cannot open the library: {_open_error(exc)}") from None
        _session(con)
        if _behind(con):
            # A library made by an older version: upgrade it once (a short write), then read.
            con.close()
            connect(path).close()
            return connect(path, read_only=True)
        return con
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), config={"memory_limit": WRITER_MEMORY_LIMIT, **DUCKDB_OFFLINE})
    except (OSError, duckdb.Error) as exc:
        raise UsageError(f"{path}: cannot open the library: {_open_error(exc)}") from None
    _check_catalog(con, path)
    _prepare(con)
    return con


# The views linernotes makes (each re-made whenever the library is opened for writing).
OWN_VIEWS = frozenset({"home", "all_plays", "plays"})


def _check_catalog(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Refuse to write a library file holding SQL functions or views that linernotes does not make. A macro
    named like a built-in (``lower``, ``hour``) replaces it in every query, and a view standing in for a
    table runs whatever it says: a library file made by someone else must not run its SQL on a connection
    that can touch files. (Readers cannot, so they skip this check: listing DuckDB's functions costs
    ~0.1 s, which a write pays easily and every dashboard reader would not.)"""
    functions = con.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE NOT internal AND database_name = current_database()"
    ).fetchall()[0][0]
    views = {name for (name,) in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary "
        "AND database_name = current_database()").fetchall()}
    if functions or views - OWN_VIEWS:
        con.close()
        raise UsageError(f"{path.name}: this library defines SQL functions or views linernotes does not make; "
                         "it was not opened")


def _behind(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        done = {int(v) for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    except duckdb.Error:
        return True
    # Every migration, not the highest: numbers made on branches can land out of order (9 before 8).
    return any(version not in done for version, _, _ in migrations.MIGRATIONS)


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    from linernotes import timezones  # local import: keeps `linernotes --help` fast

    _session(con)
    con.execute("BEGIN TRANSACTION")
    try:
        migrations.apply(con)
        if con.execute("SELECT count(*) FROM country_zones").fetchall()[0] == (0,):
            # List parameters, not an Arrow table: building one from Python values imports pandas when
            # it is installed (a quarter of a second at every library creation).
            zones = {c: z for c in timezones.country_zones() if (z := timezones.zone_for_country(c))}
            con.execute("INSERT INTO country_zones SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[])",
                        [list(zones), list(zones.values())])
        con.execute(migrations.VIEWS_SQL)
        _check_play_ids(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _session(con: duckdb.DuckDBPyConnection) -> None:
    # Times come back in UTC whatever the machine's zone; local time is the `ts_local` column's job.
    con.execute("SET TimeZone = 'UTC'")


def sql_literal(value: str) -> str:
    """``value`` as an SQL string literal, for the few places a value cannot be a query parameter (a path in
    ATTACH or COPY, a condition kept as text in a view or a rule).

    >>> sql_literal("Guns N' Roses")
    "'Guns N'' Roses'"
    """
    return "'" + value.replace("'", "''") + "'"


def _open_error(exc: BaseException) -> str:
    """Why a library would not open, in words. DuckDB's lock conflict names the other program by its absolute
    path and suggests its own CLI's flags: say instead what to do here (the process id finds it)."""
    text = str(exc)
    if "Could not set lock" in text or "Conflicting lock" in text:
        pid = re.search(r"\(PID (\d+)\)", text)
        holder = f" (process {pid.group(1)})" if pid else ""
        return (f"another program is using it{holder}, such as a running dashboard or import; stop it and try "
                "again (reading commands can run beside another reader)")
    return _first_line(exc)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _check_play_ids(con: duckdb.DuckDBPyConnection) -> None:
    """play_id uses DuckDB's hash(), which a DuckDB upgrade could change. A canary value recorded when the
    ids were made tells; if it moved, the ids are recomputed so re-imports still recognise stored plays."""
    from linernotes.store.dedupe import play_id

    canary = str(con.execute(
        "SELECT hash('spotify_extended', 1700000000000000::BIGINT, 'spotify:track:canary', 1000::BIGINT)"
    ).fetchall()[0][0])
    stored = con.execute("SELECT value FROM settings WHERE key = 'play_id_canary'").fetchall()
    if stored and stored[0][0] != canary:
        con.execute(f"UPDATE play_rows SET play_id = {play_id()}")
    if not stored or stored[0][0] != canary:
        con.execute("INSERT OR REPLACE INTO settings VALUES ('play_id_canary', ?)", [canary])
