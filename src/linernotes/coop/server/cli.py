"""`linernotes-coop`: run the cooperative's server (create the schema, serve, list contributions and the
audit log, export the ledger, scrub erased rows).

Every setting is an option whose default comes from a ``LINERNOTES_COOP_*`` variable (shown in ``-h``), the
same variables :meth:`~linernotes.coop.server.config.Settings.from_env` reads, so an operator can configure a
service entirely from its environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

import linernotes
from linernotes.clickgroup import CliGroup
from linernotes.coop.server.config import ENV_PREFIX
from linernotes.errors import UsageError


def _env(name: str) -> dict[str, Any]:
    """Attributes of an option whose default is the variable ``LINERNOTES_COOP_<NAME>``."""
    return {"envvar": ENV_PREFIX + name, "show_envvar": True}


database_url_option = click.option("--database-url", help="PostgreSQL URL.", **_env("DATABASE_URL"))
storage_option = click.option("--storage", type=click.Path(path_type=Path), help="Folder of contribution files.",
                              **_env("STORAGE"))
keys_option = click.option("--keys", type=click.Path(path_type=Path),
                           help="Folder of the signing key (made on first use).", **_env("KEYS"))
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group("linernotes-coop", cls=CliGroup, no_args_is_help=True)
@click.version_option(linernotes.__version__, "--version", "-V", prog_name="linernotes-coop",
                      message="%(prog)s %(version)s")
def app() -> None:
    """The linernotes cooperative's server: consent ledger and pool."""


def _url(url: str | None) -> str:
    if not url:
        raise UsageError(f"missing --database-url (or ${ENV_PREFIX}DATABASE_URL)")
    return url


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
@database_url_option
def init_db(database_url: str | None) -> None:
    """Create or upgrade the database schema (numbered migrations, each applied once)."""
    from linernotes.coop.server.migrations import migrate

    with _connect(database_url) as conn:
        applied = migrate(conn)
    click.echo(f"applied migrations: {', '.join(map(str, applied))}" if applied else "schema up to date")


@app.command("serve")
@database_url_option
@storage_option
@keys_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.", **_env("HOST"))
@click.option("--port", type=int, default=8750, show_default=True, help="Port to listen on.", **_env("PORT"))
@click.option("--workers", type=int, default=1, show_default=True, help="uvicorn worker processes.",
              **_env("WORKERS"))
@click.option("--max-body-bytes", type=int, help="Largest request body accepted.", **_env("MAX_BODY_BYTES"))
@click.option("--rate", type=float, help="Requests per second per token.", **_env("RATE_PER_SECOND"))
@click.option("--burst", type=int, help="Burst of requests per token.", **_env("RATE_BURST"))
def serve(database_url: str | None, storage: Path | None, keys: Path | None, host: str, port: int, workers: int,
          max_body_bytes: int | None, rate: float | None, burst: int | None) -> None:
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
    from linernotes.serving import bind

    try:
        # TCP_NODELAY on the listening socket (inherited by connections): uvicorn writes a response's head and
        # body separately, and Nagle's algorithm would hold the body for the client's delayed ACK (~40 ms).
        sock = bind(host, port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    click.echo(f"linernotes cooperative on http://{host}:{port} (storage {settings.storage}); Ctrl-C stops it.")
    uvicorn.run("linernotes.coop.server.app:app_from_env", factory=True, fd=sock.fileno(), workers=workers,
                access_log=False, proxy_headers=False, server_header=False, date_header=False,
                log_level="warning")


@app.command("sweep")
@database_url_option
@click.option("--storage", type=click.Path(path_type=Path), default=Path("pool"), show_default=True,
              help="Folder of contribution files.", **_env("STORAGE"))
@click.option("--min-age-seconds", "min_age", type=float, default=3600.0, show_default=True,
              help="Leave younger files alone (writes in flight).")
def sweep_cmd(database_url: str | None, storage: Path, min_age: float) -> None:
    """Delete contribution files that no database row points to (left by a crash mid-write), and snapshots of
    crashed releases. ``serve`` does the former at every start, for files older than 15 minutes."""
    from linernotes.coop.server import storage as store

    with _connect(database_url) as conn:
        known = {r["package_id"] for r in conn.execute("SELECT package_id FROM contributions").fetchall()}
    from linernotes.coop.server.publish import sweep_snapshots

    deleted = store.sweep(storage, known, min_age)
    snapshots = sweep_snapshots(storage, min_age)
    click.echo(f"deleted {len(deleted)} orphaned files" +
               (f" and {len(snapshots)} snapshots of crashed releases" if snapshots else ""))


@app.command("scrub")
@database_url_option
def scrub_cmd(database_url: str | None) -> None:
    """Rewrite the tables withdrawals delete from (VACUUM FULL) and CHECKPOINT, so no byte of a withdrawn
    member stays in their pages and old WAL can be recycled. Locks those tables while it runs: schedule it
    at a quiet hour."""
    import psycopg

    from linernotes.coop.server.erasure import scrub

    try:
        checkpointed = scrub(_url(database_url))
    except psycopg.OperationalError as exc:
        raise UsageError(f"cannot connect to the database: {str(exc).splitlines()[0]}") from None
    click.echo("tables rewritten" + ("; checkpoint done" if checkpointed else
                                     "; CHECKPOINT needs a superuser or the pg_checkpoint role, not done"))


@app.command("release")
@database_url_option
@storage_option
@keys_option
@click.option("--engine", default="duckdb", show_default=True, help="duckdb (one machine) or spark.")
@click.option("--spark-master", default="local[*]", show_default=True,
              help="spark.master: local[*] or a cluster URL.")
@click.option("--epsilon", type=float, default=1.0, show_default=True, help="ε of each metric's histogram.")
@click.option("--lifetime-epsilon", type=float, help="A member's lifetime ε (default 40).")
@click.option("--lifetime-delta", type=float, help="A member's lifetime δ (default 1e-5).")
@click.option("--refuse-over-budget", "strict", is_flag=True,
              help="Refuse the whole release when any member's lifetime budget cannot pay for it (default: leave "
                   "them out).")
def release_cmd(database_url: str | None, storage: Path | None, keys: Path | None, engine: str, spark_master: str,
                epsilon: float, lifetime_epsilon: float | None, lifetime_delta: float | None, strict: bool) -> None:
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
    click.echo(f"release {p['release_id']}: {done.contributors:,} members, ε={p['privacy']['epsilon']:g}, "
               f"δ={p['privacy']['delta']:g} ({engine}, {done.seconds:.1f} s) -> {done.path}")
    if done.left_out:
        click.echo(f"left out: {done.left_out:,} members whose lifetime budget could not pay for it")


def _show(rows: list[dict[str, Any]], as_json: bool) -> None:
    from linernotes.terminal import print_json

    if as_json:
        print_json(rows)
        return
    for row in rows:
        click.echo("  ".join(f"{k}={v.isoformat() if hasattr(v, 'isoformat') else v}" for k, v in row.items()))


@app.command("contributions")
@database_url_option
@click.option("--scope", help="Only this scope (benchmarks or taste).")
@click.option("--summary", is_flag=True, help="Counts per scope only.")
@json_option
def contributions_cmd(database_url: str | None, scope: str | None, summary: bool, as_json: bool) -> None:
    """List stored contributions (package id, scope, time, size; never who)."""
    from linernotes.coop.server import ledger

    with _connect(database_url) as conn:
        rows = ledger.contribution_counts(conn) if summary else ledger.contributions(conn, scope)
    _show(rows, as_json)


@app.command("audit")
@database_url_option
@click.option("--limit", type=int, default=50, show_default=True, help="How many events.")
@json_option
def audit_cmd(database_url: str | None, limit: int, as_json: bool) -> None:
    """The audit log, newest first: events with counts, no personal data."""
    from linernotes.coop.server import ledger

    with _connect(database_url) as conn:
        rows = ledger.audit(conn, limit)
    _show(rows, as_json)


@app.command("export-ledger")
@click.argument("target", type=click.Path(path_type=Path))
@database_url_option
def export_ledger(target: Path, database_url: str | None) -> None:
    """Write the release ledger and the audit log to TARGET, a JSON file (for publication)."""
    import orjson

    from linernotes.coop.server import ledger

    if target.exists():
        raise UsageError(f"{target}: already exists")
    with _connect(database_url) as conn:
        data = ledger.export(conn)
    target.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    click.echo(f"{target}: {len(data['releases'])} releases, {len(data['audit_log'])} audit entries")


def run() -> None:
    """Entry point of the `linernotes-coop` script: errors as one line (see :class:`CliGroup`)."""
    app.main(prog_name="linernotes-coop")


if __name__ == "__main__":
    run()
