"""The release ledger and the operator's commands (`linernotes-coop`) against a real PostgreSQL."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import orjson
import psycopg

from linernotes.coop.server import ledger
from linernotes.coop.server.migrations import MIGRATIONS, migrate
from tests.support.cli import run_coop_server_cli
from tests.support.coop_fixtures import CoopServer, benchmarks_body, fresh_database, join_raw, write_headers
from tests.support.pgtemp import TempPostgres


def operator(*args: str) -> subprocess.CompletedProcess[str]:
    return run_coop_server_cli(*args)


def test_migrations_apply_once_and_are_recorded(coop_pg: TempPostgres) -> None:
    url = fresh_database(coop_pg)  # migrated already
    with psycopg.connect(url) as conn:
        assert migrate(conn) == []
        versions = [v for (v,) in conn.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert versions == [m[0] for m in MIGRATIONS]
    done = operator("init-db", "--database-url", url)
    assert done.returncode == 0 and "up to date" in done.stdout


def test_releases_charge_each_contributors_lifetime_budget(coop_server: CoopServer) -> None:
    ids = []
    for _ in range(2):
        cid, token = join_raw(coop_server.url)
        r = httpx.put(coop_server.url + "/v1/contributions/benchmarks", content=orjson.dumps(benchmarks_body()),
                      headers=write_headers(token))
        assert r.status_code == 200
        ids.append(cid)
    with ledger.connect(coop_server.settings.database_url) as conn:
        live = [p for p in ledger.live_contributions(conn, "benchmarks", coop_server.settings.storage)
                if p["contributor_id"] in ids]
        assert len(live) == 2 and all(Path(p["path"]).exists() for p in live)
        for n in (1, 2):
            document = {"payload": {"release_id": f"bench-{n}", "contributors": {"benchmarks": 2, "taste": 0},
                                    "metrics": {"weekly_hours": {"epsilon": 0.25}},
                                    "privacy": {"epsilon": 0.5, "delta": 1e-7}}, "key_id": "k", "signature": "s"}
            # Each member is charged their own cost (one of them was in a second scope too).
            ledger.record_release(conn, document=document, charges={ids[0]: (0.5, 1e-7), ids[1]: (0.75, 2e-7)},
                                  file_sha256="ab" * 32)
        spent = {p["contributor_id"]: (p["epsilon_spent"], p["delta_spent"])
                 for p in ledger.live_contributions(conn, "benchmarks") if p["contributor_id"] in ids}
        assert spent == {ids[0]: (1.0, 2e-7), ids[1]: (1.5, 4e-7)}
        assert ledger.spent(conn, [*ids, "gone"]) == spent
        rows = ledger.releases(conn)
        assert [(r["release_id"], r["scope"], r["contributors"]) for r in rows] == [("bench-1", "benchmarks", 2),
                                                                                     ("bench-2", "benchmarks", 2)]
        assert ledger.latest_release(conn)["payload"]["release_id"] == "bench-2"
        assert ledger.audit(conn, 1)[0]["event"] == "release"


def test_operator_commands(coop_server: CoopServer, tmp_path: Path) -> None:
    url = coop_server.settings.database_url
    _, token = join_raw(coop_server.url)
    httpx.put(coop_server.url + "/v1/contributions/benchmarks", content=orjson.dumps(benchmarks_body()),
              headers=write_headers(token))
    summary = operator("contributions", "--summary", "--json", "--database-url", url)
    assert summary.returncode == 0, summary.stderr
    assert {r["scope"] for r in orjson.loads(summary.stdout)} >= {"benchmarks"}
    listing = operator("contributions", "--database-url", url)
    assert listing.returncode == 0 and "package_id=" in listing.stdout and "contributor" not in listing.stdout
    audit = operator("audit", "--database-url", url, "--limit", "5")
    assert audit.returncode == 0 and "event=contribute" in audit.stdout
    out = tmp_path / "ledger.json"
    exported = operator("export-ledger", str(out), "--database-url", url)
    assert exported.returncode == 0, exported.stderr
    data = orjson.loads(out.read_bytes())
    assert set(data) == {"releases", "audit_log"} and data["audit_log"]
    again = operator("export-ledger", str(out), "--database-url", url)
    assert again.returncode == 2 and again.stderr.startswith("error: ") and "already exists" in again.stderr
    missing = operator("audit")
    assert missing.returncode == 2 and "database-url" in missing.stderr and "Traceback" not in missing.stderr


def test_sweep_deletes_only_old_orphans(coop_server: CoopServer) -> None:
    import os
    import time

    from linernotes.coop import contract

    _, token = join_raw(coop_server.url)
    r = httpx.put(coop_server.url + "/v1/contributions/benchmarks", content=orjson.dumps(benchmarks_body()),
                  headers=write_headers(token))
    folder = contract.scope_dir(coop_server.settings.storage, "benchmarks")
    live = folder / f"{r.json()['package_id']}.parquet"
    old_orphan, young_orphan = folder / "0badc0de.parquet", folder / "1badc0de.parquet"
    for p in (old_orphan, young_orphan):
        p.write_bytes(b"x")
    os.utime(old_orphan, (time.time() - 7200, time.time() - 7200))
    os.utime(live, (time.time() - 7200, time.time() - 7200))
    done = operator("sweep", "--database-url", coop_server.settings.database_url, "--storage",
                    str(coop_server.settings.storage))
    assert done.returncode == 0 and "deleted 1 " in done.stdout, done.stderr
    assert live.exists() and young_orphan.exists() and not old_orphan.exists()
    young_orphan.unlink()


def test_old_nonces_are_pruned(coop_pg: TempPostgres) -> None:
    import asyncio
    import threading

    from linernotes.coop.server.db import Database

    url = fresh_database(coop_pg)
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO request_nonces VALUES ('old-nonce', now() - interval '2 hours'), "
                     "('new-nonce', now())")

    async def prune() -> None:
        db = Database(url)
        await db.open()
        try:
            await db.prune(600)
        finally:
            await db.close()

    # In a thread of its own: a browser test earlier in this worker (playwright's sync API) can leave an event
    # loop marked as running in the main thread, where asyncio.run() refuses to start another.
    failures: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(prune())
        except BaseException as exc:
            failures.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive() and not failures, failures
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT nonce FROM request_nonces").fetchall() == [("new-nonce",)]
