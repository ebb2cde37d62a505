"""Issue 13, items 8 and 9, against a real PostgreSQL: erasure after a crash (files without rows, the start-up
sweep, dead tuples after a withdrawal) and limits that hold across workers (shared rate limits, unknown
tokens, slow bodies, malformed headers)."""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson
import psycopg
import pytest

from linernotes.coop import contract
from linernotes.coop.server import storage
from linernotes.coop.server.app import create_app
from linernotes.coop.terms import TERMS_VERSION
from linernotes.serving import background
from tests.support.coop_fixtures import (
    CoopServer,
    benchmarks_body,
    fresh_database,
    join_raw,
    running_server,
    write_headers,
)
from tests.support.pgtemp import TempPostgres, free_port


def put(url: str, scope: str, body: dict, token: str) -> httpx.Response:
    return httpx.put(f"{url}/v1/contributions/{scope}", content=orjson.dumps(body), headers=write_headers(token))


def pool_files(pool: Path) -> set[str]:
    return {f"{p.parent.name}/{p.name}" for s in contract.SCOPES if (pool / s).is_dir() for p in (pool / s).iterdir()}


def execute(server: CoopServer, query: str, params: tuple[object, ...] = ()) -> None:
    with psycopg.connect(server.settings.database_url) as conn:
        conn.execute(query, params)


def prefix_of(keys: Path, contributor_id: str) -> str:
    return storage.member_prefix(storage.load_or_create_prefix_key(keys), contributor_id)


# --- item 8: erasure after a crash ---------------------------------------------------------------------------

def test_withdrawal_deletes_files_a_crash_left_without_a_row(coop_pg: TempPostgres, tmp_path: Path) -> None:
    with running_server(coop_pg, tmp_path) as server:
        pool = server.settings.storage
        a_id, a_token = join_raw(server.url)
        _, b_token = join_raw(server.url)
        kept = put(server.url, "benchmarks", benchmarks_body(), a_token).json()["package_id"]
        # The crash: the file of A's taste package was written, its row never committed.
        lost = put(server.url, "taste", {"artists": ["Secret"], "affinity": [5]}, a_token).json()["package_id"]
        execute(server, "DELETE FROM contributions WHERE package_id = %s", (lost,))
        # ... and a write the crash interrupted before its rename.
        half = pool / "benchmarks" / (f".{prefix_of(server.settings.keys, a_id)}{secrets.token_hex(16)}.parquet."
                                      f"{secrets.token_hex(6)}.partial")
        half.write_bytes(b"PAR1 half a file")
        b_pkg = put(server.url, "benchmarks", benchmarks_body(), b_token).json()["package_id"]

        r = httpx.delete(server.url + "/v1/me", headers=write_headers(a_token))
        assert r.status_code == 200, r.text
        receipt = r.json()["receipt"]["payload"]
        assert receipt["filesDeleted"] == 3 and receipt["packagesDeleted"] == 1
        assert sorted(receipt["filesErased"]) == sorted([f"benchmarks/{kept}.parquet", f"taste/{lost}.parquet",
                                                         f"benchmarks/{half.name}"])
        assert pool_files(pool) == {f"benchmarks/{b_pkg}.parquet"}  # none of A's left, B's untouched


def wait_up(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/v1/key").status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
        time.sleep(0.1)


@contextmanager
def serve(url: str, tmp: Path, port: int, *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    log = tmp / f"serve-{port}.log"
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "linernotes.coop.server.cli", "serve", "--database-url", url,
                                 "--storage", str(tmp / "pool"), "--keys", str(tmp / "keys"), "--port", str(port),
                                 *args], stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(base, proc, log)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=30)


def test_serve_sweeps_old_orphans_at_start(coop_pg: TempPostgres, tmp_path: Path) -> None:
    url, port = fresh_database(coop_pg), free_port()
    with serve(url, tmp_path, port) as (base, proc):
        cid, token = join_raw(base)
        live = put(base, "benchmarks", benchmarks_body(), token).json()["package_id"]
        proc.send_signal(signal.SIGKILL)  # a crash: nothing gets to clean up
        proc.wait(timeout=30)
    folder = tmp_path / "pool" / "benchmarks"
    prefix = prefix_of(tmp_path / "keys", cid)
    old, young = (folder / f"{prefix}{secrets.token_hex(16)}.parquet" for _ in range(2))
    old_tmp = folder / f".{prefix}{secrets.token_hex(16)}.parquet.{secrets.token_hex(6)}.partial"
    for p in (old, young, old_tmp):
        p.write_bytes(b"PAR1")
    hours_ago = time.time() - 7200
    for p in (old, old_tmp, folder / f"{live}.parquet"):
        os.utime(p, (hours_ago, hours_ago))
    with serve(url, tmp_path, free_port()):
        # Old orphans went before the server answered; a young one may be a write in flight; rows keep theirs.
        assert pool_files(tmp_path / "pool") == {f"benchmarks/{live}.parquet", f"benchmarks/{young.name}"}


def _relation_pages(conn: psycopg.Connection, table: str) -> list[bytes]:
    """The data of every tuple on every page of ``table`` (dead ones too), via pageinspect."""
    blocks = conn.execute("SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int",
                          (table,)).fetchone()[0]
    rows = []
    for block in range(blocks):
        rows += conn.execute("SELECT t_data FROM heap_page_items(get_raw_page(%s, %s)) WHERE t_data IS NOT NULL",
                             (table, block)).fetchall()
    return [bytes(r[0]) for r in rows]


def test_a_withdrawn_member_is_vacuumed_out_of_the_tables(coop_pg: TempPostgres, tmp_path: Path) -> None:
    with running_server(coop_pg, tmp_path, erasure_vacuum_delay_seconds=0.1) as server:
        others = [join_raw(server.url) for _ in range(3)]
        cid, token = join_raw(server.url)
        put(server.url, "benchmarks", benchmarks_body(), token)
        for _, t in others:
            put(server.url, "benchmarks", benchmarks_body(), t)
        vacuumed_before = server.sql("SELECT max(last_vacuum) FROM pg_stat_user_tables")[0][0]
        assert httpx.delete(server.url + "/v1/me", headers=write_headers(token)).status_code == 200
        tables = ("contributors", "consent_receipts", "contributions")
        with psycopg.connect(server.settings.database_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
            deadline = time.monotonic() + 20
            while True:
                stats = conn.execute("SELECT relname, n_dead_tup, last_vacuum FROM pg_stat_user_tables "
                                     "WHERE relname = ANY(%s)", (list(tables),)).fetchall()
                tuples = [d for t in tables for d in _relation_pages(conn, t)]
                done = all(dead == 0 and last is not None and (vacuumed_before is None or last > vacuumed_before)
                           for _, dead, last in stats)
                if done and not any(cid.encode() in d for d in tuples):
                    break
                assert time.monotonic() < deadline, ("the withdrawn member's rows are still in the pages", stats)
                time.sleep(0.2)
                conn.execute("SELECT pg_stat_clear_snapshot()")
            assert any(others[0][0].encode() in d for d in tuples)  # the search does find ids that are there
        # VACUUM does not zero the space a row leaves; `scrub` rewrites the tables: then no byte is left.
        done = subprocess.run([sys.executable, "-m", "linernotes.coop.server.cli", "scrub", "--database-url",
                               server.settings.database_url], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and "checkpoint done" in done.stdout, done.stderr
        oid = server.sql("SELECT oid FROM pg_database WHERE datname = current_database()")[0][0]
        assert coop_pg.dir is not None
        folder = coop_pg.dir / "data" / "base" / str(oid)
        found = [p.name for p in folder.iterdir() if p.is_file() and cid.encode() in p.read_bytes()]
        assert found == []
        assert others[0][0].encode() in b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


# --- item 9: limits that hold with several workers -------------------------------------------------------------

@contextmanager
def second_instance(server: CoopServer) -> Iterator[str]:
    """Another app on the same database and storage: what a second uvicorn worker is."""
    with background(create_app(server.settings)) as url:
        yield url


def join_status(url: str) -> int:
    return httpx.post(url + "/v1/contributors", headers=write_headers(), content=orjson.dumps(
        {"contributor_id": secrets.token_hex(16), "scopes": ["benchmarks"], "terms_version": TERMS_VERSION,
         "consent": True})).status_code


def test_two_workers_share_one_join_limit_and_one_token_limit(coop_pg: TempPostgres, tmp_path: Path) -> None:
    with running_server(coop_pg, tmp_path, join_rate_per_second=0.001, join_burst=3,
                        rate_per_second=0.001, rate_burst=4) as server, second_instance(server) as other:
        codes = [join_status(url) for url in [server.url, other] * 4]
        assert sorted(codes) == [201] * 3 + [429] * 5
        execute(server, "DELETE FROM rate_buckets")  # a fresh join budget for the member below
        _, token = join_raw(server.url)
        me = [httpx.get(url + "/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code
              for url in [server.url, other] * 3]
        assert sorted(me) == [200] * 4 + [429] * 2


def test_join_limit_holds_under_a_flood_from_two_workers(coop_pg: TempPostgres, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with running_server(coop_pg, tmp_path, join_rate_per_second=0.001, join_burst=10) as server, \
            second_instance(server) as other, ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(join_status, [server.url, other] * 20))
    assert codes.count(201) == 10 and codes.count(429) == 30


def test_forged_tokens_get_429_once_the_failed_auth_budget_is_spent(coop_pg: TempPostgres, tmp_path: Path) -> None:
    with running_server(coop_pg, tmp_path, auth_fail_rate_per_second=0.01, auth_fail_burst=5) as server, \
            second_instance(server) as other:
        _, token = join_raw(server.url)
        member = {"Authorization": f"Bearer {token}"}
        assert httpx.get(server.url + "/v1/me", headers=member).status_code == 200
        codes = []
        for url in [server.url, other] * 6:
            r = httpx.get(url + "/v1/me", headers={"Authorization": f"Bearer {secrets.token_urlsafe(32)}"})
            codes.append(r.status_code)
            if r.status_code == 429:
                assert int(r.headers["retry-after"]) >= 1
        assert codes == [401] * 5 + [429] * 7  # one budget for both workers
        # A member this worker knows is still served; forged writes are refused the same way.
        assert httpx.get(server.url + "/v1/me", headers=member).status_code == 200
        assert put(server.url, "benchmarks", benchmarks_body(), "forged").status_code == 429
        # No bucket per forged token (one row each would fill the table): only join, auth-fail and the member's.
        member_key = hashlib.sha256(token.encode()).digest()
        assert server.sql("SELECT count(*) FROM rate_buckets WHERE key <> ALL(%s)",
                          ([b"join", b"auth-fail", member_key],)) == [(0,)]
        assert server.sql("SELECT count(*) FROM rate_buckets WHERE key = 'auth-fail'::bytea") == [(1,)]


def raw_request(port: int, head: bytes, body_parts: list[bytes], pause: float, timeout: float = 20) -> bytes:
    """Send ``head``, then ``body_parts`` ``pause`` seconds apart (stopping at the first answer); then wait up
    to ``timeout`` seconds for the answer and return it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        for part in body_parts:
            try:
                sock.sendall(part)
            except ConnectionError:
                break
            if pause:
                sock.settimeout(pause)
                try:
                    answer = sock.recv(4096)
                    if answer:
                        return answer
                except TimeoutError:
                    pass
        sock.settimeout(timeout)
        return sock.recv(4096)


def _head(port: int, token: str, length: int, **extra: str) -> bytes:
    headers = {**write_headers(token), "Host": f"127.0.0.1:{port}", "Content-Length": str(length), **extra}
    return (b"PUT /v1/contributions/benchmarks HTTP/1.1\r\n" +
            b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in headers.items()) + b"\r\n")


@pytest.mark.parametrize("parts, pause", [([b'{"weekly'], 0.0), ([b"{"] + [b" "] * 200, 0.2)],
                         ids=["stops", "drips"])
def test_a_body_that_does_not_arrive_gets_408(coop_pg: TempPostgres, tmp_path: Path, parts: list[bytes],
                                              pause: float) -> None:
    with running_server(coop_pg, tmp_path, body_timeout_seconds=1.5) as server:
        _, token = join_raw(server.url)
        port = int(server.url.rsplit(":", 1)[1])
        started = time.monotonic()
        answer = raw_request(port, _head(port, token, 1000), parts, pause)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert time.monotonic() - started < 15
        assert server.sql("SELECT count(*) FROM contributions") == [(0,)]
        # The server still serves everyone else.
        assert put(server.url, "benchmarks", benchmarks_body(), token).status_code == 200


@pytest.mark.parametrize("stamp", ["9" * 5000, "99999999999999999999", "999999999999", "-1", "-0", "abc", "1.5e9",
                                   "0x10", "+1700000000", "1 700", "²³", "١٢٣", ""])
def test_malformed_timestamps_get_400(coop_server: CoopServer, stamp: str) -> None:
    _, token = join_raw(coop_server.url)
    headers: dict[str, str | bytes] = {**write_headers(token)}
    # As raw bytes, the way a server reads them (latin-1): "²³" arrives as the digits Python says they are.
    headers["X-Coop-Timestamp"] = stamp.encode("latin-1") if stamp.isascii() or stamp == "²³" else stamp.encode()
    for method, path in (("PUT", "/v1/contributions/benchmarks"), ("DELETE", "/v1/me"), ("POST", "/v1/contributors")):
        r = httpx.request(method, coop_server.url + path, headers=headers, content=orjson.dumps(benchmarks_body()))
        assert r.status_code == 400, (method, r.status_code, r.text)
        assert "X-Coop-Timestamp" in r.json()["detail"]


@pytest.mark.parametrize("length", [b"abc", b"-5", b"1e3", b"99999999999999999999999"])
def test_malformed_content_length_is_refused(coop_server: CoopServer, length: bytes) -> None:
    _, token = join_raw(coop_server.url)
    port = int(coop_server.url.rsplit(":", 1)[1])
    head = _head(port, token, 0).replace(b"Content-Length: 0", b"Content-Length: " + length)
    answer = raw_request(port, head, [], 0.0)
    assert answer.split(b" ", 2)[1] in (b"400", b"413"), answer[:200]
