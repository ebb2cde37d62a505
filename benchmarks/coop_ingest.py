"""Cooperative ingest: how many `benchmarks` contributions per second the server accepts (`make bench`).

Starts a real PostgreSQL (initdb in a temporary folder, durable: fsync on) and the real server
(`linernotes-coop serve`, its own processes) on 127.0.0.1, joins ``--contributions`` members (not timed),
then ``--clients`` concurrent clients (8; one keep-alive connection and thread each, on this same machine)
each send their share of distinct `benchmarks` packages (50 artist names, metrics within bounds) as fast
as the server answers. Prints contributions per second, p50/p95/max latency, and checks that the database
holds one row (and the storage folder one file) per contribution sent.
Targets (issue 6): ≥ 200 contributions/s, p95 ≤ 100 ms, none lost. Exits non-zero when one is missed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson
import psycopg

from _common import verdict
from linernotes.coop import contract, terms
from linernotes.coop.server.migrations import migrate

# isort: split
# (after _common, which puts the repository root on the path for tests.support)
from tests.support.pgtemp import TempPostgres, free_port

TARGET_RATE = 200.0
TARGET_P95_MS = 100.0


def headers(token: str | None = None) -> dict[str, str]:
    h = {"Content-Type": "application/json", "X-Coop-Nonce": secrets.token_urlsafe(24),
         "X-Coop-Timestamp": str(int(time.time()))}
    if token:
        h["Authorization"] = f"Bearer {token}"
    return h


def package(rng: random.Random) -> bytes:
    doc: dict[str, object] = {m.name: round(rng.uniform(m.lower, m.upper), 4) for m in contract.METRICS}
    doc["top_artists"] = [f"Artist {rng.randrange(10**9):09d} {i}" for i in range(contract.TOP_ARTISTS_BENCHMARKS)]
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)


def request(conn: http.client.HTTPConnection, method: str, path: str, body: bytes, hdrs: dict[str, str]
            ) -> tuple[int, bytes]:
    conn.request(method, path, body=body, headers=hdrs)
    resp = conn.getresponse()
    return resp.status, resp.read()


def join_all(port: int, n: int, clients: int) -> list[str]:
    tokens: list[str] = []
    lock = threading.Lock()

    def worker(count: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(count):
            body = orjson.dumps({"contributor_id": secrets.token_hex(16), "scopes": ["benchmarks"],
                                 "terms_version": terms.TERMS_VERSION, "consent": True})
            status, answer = request(conn, "POST", "/v1/contributors", body, headers())
            if status != 201:
                raise SystemExit(f"join failed: {status} {answer[:200]!r}")
            with lock:
                tokens.append(orjson.loads(answer)["token"])
        conn.close()

    threads = [threading.Thread(target=worker, args=(n // clients + (i < n % clients),)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tokens


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU time used so far by the server's processes, PostgreSQL's and this benchmark's (its clients)."""
    import psutil

    def total(procs: list[psutil.Process]) -> float:
        seconds = 0.0
        for p in procs:
            try:
                t = p.cpu_times()
                seconds += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return seconds

    server = psutil.Process(server_pid)
    postgres = [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
    return {"server": total([server, *server.children(recursive=True)]), "postgres (all on this machine)":
            total(postgres), "clients": total([psutil.Process()])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contributions", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    args = parser.parse_args()

    with TempPostgres(durable=True) as pg, tempfile.TemporaryDirectory(prefix="coop-ingest-") as tmp:
        with psycopg.connect(pg.url) as conn:
            migrate(conn)
        port = free_port()
        env = {**os.environ, "LINERNOTES_COOP_RATE_BURST": "100000", "LINERNOTES_COOP_RATE_PER_SECOND": "100000",
               "LINERNOTES_COOP_JOIN_BURST": "100000", "LINERNOTES_COOP_JOIN_RATE_PER_SECOND": "100000"}
        server = subprocess.Popen(
            [sys.executable, "-m", "linernotes.coop.server.cli", "serve", "--database-url", pg.url,
             "--storage", f"{tmp}/pool", "--keys", f"{tmp}/keys", "--port", str(port),
             "--workers", str(args.workers)], env=env, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    if request(c, "GET", "/v1/key", b"", {})[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.1)
            t0 = time.perf_counter()
            tokens = join_all(port, args.contributions, args.clients)
            print(f"joined {len(tokens)} members in {time.perf_counter() - t0:.1f} s (not timed below)")
            rng = random.Random(6)
            work = [(token, package(rng)) for token in tokens]
            shares = [work[i::args.clients] for i in range(args.clients)]
            latencies: list[float] = []
            failures: list[str] = []
            lock = threading.Lock()
            start = threading.Barrier(args.clients + 1)

            def client(share: list[tuple[str, bytes]]) -> None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                mine: list[float] = []
                start.wait()
                for token, body in share:
                    t = time.perf_counter()
                    status, answer = request(conn, "PUT", "/v1/contributions/benchmarks", body, headers(token))
                    mine.append(time.perf_counter() - t)
                    if status != 200:
                        with lock:
                            failures.append(f"{status} {answer[:120]!r}")
                conn.close()
                with lock:
                    latencies.extend(mine)

            threads = [threading.Thread(target=client, args=(s,)) for s in shares]
            for t in threads:
                t.start()
            before = cpu_seconds(server.pid)
            start.wait()
            t0 = time.perf_counter()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
            after = cpu_seconds(server.pid)
            used = {k: after[k] - before.get(k, 0.0) for k in after}
        finally:
            server.terminate()
            server.wait(timeout=30)
        with psycopg.connect(pg.url) as conn:
            row = conn.execute("SELECT count(*) FROM contributions WHERE scope = 'benchmarks'").fetchone()
        stored = int(row[0]) if row else 0
        on_disk = len(list(contract.scope_dir(Path(tmp) / "pool", "benchmarks").glob("*.parquet")))

    sent = len(work)
    rate = sent / elapsed
    ms = sorted(x * 1000 for x in latencies)
    p50, p95 = statistics.median(ms), ms[max(0, int(0.95 * len(ms)) - 1)]
    print(f"{sent} contributions from {args.clients} clients in {elapsed:.2f} s (server workers: {args.workers})")
    print(f"  rate {rate:,.0f}/s (target >= {TARGET_RATE:.0f})   p50 {p50:.1f} ms   p95 {p95:.1f} ms "
          f"(target <= {TARGET_P95_MS:.0f})   max {ms[-1]:.1f} ms")
    print("  CPU seconds during the run: " + ", ".join(f"{k} {v:.1f}" for k, v in used.items())
          + f" (wall {elapsed:.1f} s, {os.cpu_count()} cores)")
    print(f"  refused {len(failures)}; in the database {stored}, files {on_disk}, sent {sent}")
    misses = []
    if rate < TARGET_RATE:
        misses.append(f"rate {rate:.0f}/s < {TARGET_RATE:.0f}/s")
    if p95 > TARGET_P95_MS:
        misses.append(f"p95 {p95:.1f} ms > {TARGET_P95_MS:.0f} ms")
    if failures:
        misses.append(f"{len(failures)} refused, e.g. {failures[0]}")
    if stored != sent or on_disk != sent:
        misses.append(f"lost contributions: sent {sent}, database {stored}, files {on_disk}")
    return verdict(misses, "coop ingest")


if __name__ == "__main__":
    sys.exit(main())
