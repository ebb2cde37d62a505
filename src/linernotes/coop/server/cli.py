"""`linernotes-coop`: run the cooperative's server (create the schema, serve, list contributions and the
audit log, export the ledger, scrub erased rows). Settings come from options or ``LINERNOTES_COOP_*`` variables."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from linernotes.errors import LinernotesError, UsageError

app = typer.Typer(name="linernotes-coop", no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None, help="The linernotes cooperative's server: consent ledger and pool.")

DbUrl = Annotated[str | None, typer.Option("--database-url", help="PostgreSQL URL "
                                           "($LINERNOTES_COOP_DATABASE_URL).", show_default=False)]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _url(url: str | None) -> str:
    found = url or os.environ.get("LINERNOTES_COOP_DATABASE_URL")
    if not found:
        raise UsageError("missing --database-url (or $LINERNOTES_COOP_DATABASE_URL)")
    return found


def _connect(url: str | None) -> Any:
    try:
        from linernotes.coop.server import ledger
    except ImportError:
        raise UsageError("the cooperative server needs the coop-server extra: "
                         "pip install 'linernotes[coop-server]'") from None
    import psycopg

    try:
        return ledger.connect(_url(url))
    except psycopg.OperationalError as exc:
        raise UsageError(f"cannot connect to the database: {str(exc).splitlines()[0]}") from None


@app.command("init-db")
def init_db(database_url: DbUrl = None) -> None:
    """Create or upgrade the database schema (numbered migrations, each applied once)."""
    from linernotes.coop.server.migrations import migrate

    with _connect(database_url) as conn:
        applied = migrate(conn)
    typer.echo(f"applied migrations: {', '.join(map(str, applied))}" if applied else "schema up to date")


@app.command("serve")
def serve(
    database_url: DbUrl = None,
    storage: Annotated[Path | None, typer.Option("--storage", help="Folder of contribution files.")] = None,
    keys: Annotated[Path | None, typer.Option("--keys", help="Folder of the signing key (made on first use).")] = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8750,
    workers: Annotated[int, typer.Option("--workers", help="uvicorn worker processes.")] = 1,
    max_body_bytes: Annotated[int | None, typer.Option("--max-body-bytes")] = None,
    rate: Annotated[float | None, typer.Option("--rate", help="Requests per second per token.")] = None,
    burst: Annotated[int | None, typer.Option("--burst", help="Burst of requests per token.")] = None,
) -> None:
    """Serve the API (schema migrated first). Client addresses are never logged."""
    import uvicorn

    from linernotes.coop.server.config import Settings
    from linernotes.coop.server.migrations import migrate

    settings = Settings.from_env(database_url=database_url, storage=storage, keys=keys,
                                 max_body_bytes=max_body_bytes, rate_per_second=rate, rate_burst=burst)
    from linernotes.coop import signing

    with _connect(settings.database_url) as conn:
        migrate(conn)
    # Here, once: workers starting together would race to make them.
    signing.load_or_create_key(settings.key_path)
    from linernotes.coop.server.storage import load_or_create_prefix_key

    load_or_create_prefix_key(settings.keys)
    os.environ.update(settings.to_env())
    from linernotes.web.server import bind

    try:
        # TCP_NODELAY on the listening socket (inherited by connections): uvicorn writes a response's head and
        # body separately, and Nagle's algorithm would hold the body for the client's delayed ACK (~40 ms).
        sock = bind(host, port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    typer.echo(f"linernotes cooperative on http://{host}:{port} (storage {settings.storage}); Ctrl-C stops it.")
    uvicorn.run("linernotes.coop.server.app:app_from_env", factory=True, fd=sock.fileno(), workers=workers,
                access_log=False, proxy_headers=False, server_header=False, date_header=False,
                log_level="warning")


@app.command("sweep")
def sweep_cmd(database_url: DbUrl = None,
              storage: Annotated[Path, typer.Option("--storage", help="Folder of contribution files.")] = Path("pool"),
              min_age: Annotated[float, typer.Option("--min-age-seconds", help="Leave younger files alone "
                                                     "(writes in flight).")] = 3600.0) -> None:
    """Delete contribution files that no database row points to (left by a crash mid-write), and snapshots of
    crashed releases. ``serve`` does the former at every start, for files older than 15 minutes."""
    from linernotes.coop.server import storage as store

    with _connect(database_url) as conn:
        known = {r["package_id"] for r in conn.execute("SELECT package_id FROM contributions").fetchall()}
    from linernotes.coop.server.publish import sweep_snapshots

    deleted = store.sweep(storage, known, min_age)
    snapshots = sweep_snapshots(storage, min_age)
    typer.echo(f"deleted {len(deleted)} orphaned files" +
               (f" and {len(snapshots)} snapshots of crashed releases" if snapshots else ""))


@app.command("scrub")
def scrub_cmd(database_url: DbUrl = None) -> None:
    """Rewrite the tables withdrawals delete from (VACUUM FULL) and CHECKPOINT, so no byte of a withdrawn
    member stays in their pages and old WAL can be recycled. Locks those tables while it runs: schedule it
    at a quiet hour."""
    import psycopg

    from linernotes.coop.server.erasure import scrub

    try:
        checkpointed = scrub(_url(database_url))
    except psycopg.OperationalError as exc:
        raise UsageError(f"cannot connect to the database: {str(exc).splitlines()[0]}") from None
    typer.echo("tables rewritten" + ("; checkpoint done" if checkpointed else
                                     "; CHECKPOINT needs a superuser or the pg_checkpoint role, not done"))


@app.command("release")
def release_cmd(
    database_url: DbUrl = None,
    storage: Annotated[Path | None, typer.Option("--storage", help="Folder of contribution files.")] = None,
    keys: Annotated[Path | None, typer.Option("--keys", help="Folder of the signing key.")] = None,
    engine: Annotated[str, typer.Option("--engine", help="duckdb (one machine) or spark.")] = "duckdb",
    spark_master: Annotated[str, typer.Option("--spark-master", help="spark.master: local[*] or a cluster "
                                              "URL.")] = "local[*]",
    epsilon: Annotated[float, typer.Option("--epsilon", help="ε of each metric's histogram.")] = 1.0,
    lifetime_epsilon: Annotated[float | None, typer.Option("--lifetime-epsilon", help="A member's lifetime ε "
                                                           "(default 40).")] = None,
    lifetime_delta: Annotated[float | None, typer.Option("--lifetime-delta", help="A member's lifetime δ "
                                                         "(default 1e-5).")] = None,
    strict: Annotated[bool, typer.Option("--refuse-over-budget", help="Refuse the whole release when any member's "
                                         "lifetime budget cannot pay for it (default: leave them out).")] = False,
) -> None:
    """Publish a differentially private release of the pool: signed, stored, recorded in the ledger with each
    member's budget charge; members whose lifetime budget is spent are left out."""
    from linernotes.coop.release.budget import Budget
    from linernotes.coop.release.build import ENGINES, LIFETIME, ReleaseConfig
    from linernotes.coop.server.config import Settings
    from linernotes.coop.server.publish import publish

    if engine not in ENGINES:
        raise UsageError(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if not epsilon > 0:
        raise UsageError("--epsilon must be positive")
    settings = Settings.from_env(database_url=database_url, storage=storage, keys=keys)
    _connect(settings.database_url).close()  # a clear message when the database is unreachable
    lifetime = Budget(lifetime_epsilon or LIFETIME.epsilon, lifetime_delta or LIFETIME.delta)
    done = publish(settings, engine=engine, spark_master=spark_master, config=ReleaseConfig.uniform(epsilon),
                   lifetime=lifetime, strict=strict)
    p = done.document["payload"]
    typer.echo(f"release {p['release_id']}: {done.contributors:,} members, ε={p['privacy']['epsilon']:g}, "
               f"δ={p['privacy']['delta']:g} ({engine}, {done.seconds:.1f} s) -> {done.path}")
    if done.left_out:
        typer.echo(f"left out: {done.left_out:,} members whose lifetime budget could not pay for it")


def _show(rows: list[dict[str, Any]], as_json: bool) -> None:
    from linernotes.cli.common import print_json

    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo("  ".join(f"{k}={v.isoformat() if hasattr(v, 'isoformat') else v}" for k, v in row.items()))


@app.command("contributions")
def contributions_cmd(database_url: DbUrl = None, scope: Annotated[str | None, typer.Option("--scope")] = None,
                      summary: Annotated[bool, typer.Option("--summary", help="Counts per scope only.")] = False,
                      as_json: Json = False) -> None:
    """List stored contributions (package id, scope, time, size; never who)."""
    from linernotes.coop.server import ledger

    with _connect(database_url) as conn:
        rows = ledger.contribution_counts(conn) if summary else ledger.contributions(conn, scope)
    _show(rows, as_json)


@app.command("audit")
def audit_cmd(database_url: DbUrl = None, limit: Annotated[int, typer.Option("--limit")] = 50,
              as_json: Json = False) -> None:
    """The audit log, newest first: events with counts, no personal data."""
    from linernotes.coop.server import ledger

    with _connect(database_url) as conn:
        rows = ledger.audit(conn, limit)
    _show(rows, as_json)


@app.command("export-ledger")
def export_ledger(target: Annotated[Path, typer.Argument(help="JSON file to write.")],
                  database_url: DbUrl = None) -> None:
    """Write the release ledger and the audit log to a JSON file (for publication)."""
    import orjson

    from linernotes.coop.server import ledger

    if target.exists():
        raise UsageError(f"{target}: already exists")
    with _connect(database_url) as conn:
        data = ledger.export(conn)
    target.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    typer.echo(f"{target}: {len(data['releases'])} releases, {len(data['audit_log'])} audit entries")


def run() -> None:
    """Entry point of the `linernotes-coop` script."""
    from linernotes.cli.common import fail

    try:
        app(prog_name="linernotes-coop")
    except LinernotesError as exc:
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    run()
