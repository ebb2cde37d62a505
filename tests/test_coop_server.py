"""The cooperative's server against a real PostgreSQL over real HTTP: authentication, replays, limits,
validation, hostile strings, and that a withdrawal leaves nothing behind."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pyarrow.parquet as pq
import pytest

from linernotes.coop import contract, signing
from tests.support.coop_fixtures import CoopServer, benchmarks_body, join_raw, running_server, write_headers
from tests.support.pgtemp import TempPostgres, free_port


def put(server: CoopServer, scope: str, body: bytes | dict, token: str | None, **kw) -> httpx.Response:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return httpx.put(f"{server.url}/v1/contributions/{scope}", content=content, headers=write_headers(token, **kw))


def files(server: CoopServer) -> list[Path]:
    return sorted(p for p in server.settings.storage.rglob("*") if p.is_file())


def test_missing_and_forged_tokens_are_refused(coop_server: CoopServer) -> None:
    body = benchmarks_body()
    assert put(coop_server, "benchmarks", body, None).status_code == 401
    assert put(coop_server, "benchmarks", body, secrets.token_urlsafe(32)).status_code == 401
    r = httpx.get(coop_server.url + "/v1/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert httpx.delete(coop_server.url + "/v1/me", headers=write_headers("forged")).status_code == 401


def test_a_token_acts_only_for_its_own_contributor(coop_server: CoopServer) -> None:
    a_id, a_token = join_raw(coop_server.url)
    b_id, b_token = join_raw(coop_server.url)
    ra = put(coop_server, "benchmarks", benchmarks_body(top_artists=["Only A"]), a_token)
    rb = put(coop_server, "benchmarks", benchmarks_body(top_artists=["Only B"]), b_token)
    assert ra.status_code == rb.status_code == 200 and not rb.json()["replaced"]
    me_b = httpx.get(coop_server.url + "/v1/me", headers={"Authorization": f"Bearer {b_token}"}).json()
    assert me_b["contributor_id"] == b_id
    assert [c["package_id"] for c in me_b["contributions"]] == [rb.json()["package_id"]]
    assert httpx.delete(coop_server.url + "/v1/me", headers=write_headers(b_token)).status_code == 200
    # B's withdrawal took B's package only; B's old token is dead.
    a_file = contract.scope_dir(coop_server.settings.storage, "benchmarks") / f"{ra.json()['package_id']}.parquet"
    assert pq.read_table(a_file).column("top_artists")[0].as_py() == ["Only A"]
    assert not (a_file.parent / f"{rb.json()['package_id']}.parquet").exists()
    assert put(coop_server, "benchmarks", benchmarks_body(), b_token).status_code == 401
    assert coop_server.sql("SELECT count(*) FROM contributors WHERE contributor_id = %s", (a_id,)) == [(1,)]


def test_replayed_requests_change_nothing(coop_server: CoopServer) -> None:
    _, token = join_raw(coop_server.url)
    nonce = secrets.token_urlsafe(24)
    first = put(coop_server, "benchmarks", benchmarks_body(), token, nonce=nonce)
    assert first.status_code == 200
    before = coop_server.sql("SELECT count(*) FROM audit_log")
    again = put(coop_server, "benchmarks", benchmarks_body(), token, nonce=nonce)
    assert again.status_code == 409
    assert coop_server.sql("SELECT count(*) FROM audit_log") == before
    assert coop_server.sql("SELECT package_id FROM contributions WHERE package_id = %s",
                           (first.json()["package_id"],)) == [(first.json()["package_id"],)]
    # A replayed withdrawal with the same nonce is refused too (and the member stays).
    assert httpx.delete(coop_server.url + "/v1/me", headers=write_headers(token, nonce=nonce)).status_code == 409
    # A request recorded long ago (outside the window) is refused even with a new nonce; so is one without.
    assert put(coop_server, "benchmarks", benchmarks_body(), token, stamp=int(time.time()) - 3600).status_code == 400
    r = httpx.put(f"{coop_server.url}/v1/contributions/benchmarks", content=orjson.dumps(benchmarks_body()),
                  headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 400 and "X-Coop-Nonce" in r.json()["detail"]
    huge = {**write_headers(token), "X-Coop-Timestamp": "9" * 5000}
    r = httpx.put(f"{coop_server.url}/v1/contributions/benchmarks", content=orjson.dumps(benchmarks_body()),
                  headers=huge)
    assert r.status_code == 400
    # A replayed join (same body and nonce) does not create a second member.
    cid, nonce = secrets.token_hex(16), secrets.token_urlsafe(24)
    join = orjson.dumps({"contributor_id": cid, "scopes": ["benchmarks"], "terms_version": _terms(coop_server),
                         "consent": True})
    codes = [httpx.post(coop_server.url + "/v1/contributors", content=join,
                        headers=write_headers(nonce=nonce)).status_code for _ in range(2)]
    assert codes == [201, 409]
    assert coop_server.sql("SELECT count(*) FROM contributors WHERE contributor_id = %s", (cid,)) == [(1,)]


def _terms(server: CoopServer) -> str:
    return httpx.get(server.url + "/v1/terms").json()["terms_version"]


def test_concurrent_replays_are_accepted_once(coop_server: CoopServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _, token = join_raw(coop_server.url)
    nonce = secrets.token_urlsafe(24)
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: put(coop_server, "taste", {"artists": ["X"], "affinity": [5]}, token,
                                            nonce=nonce).status_code, range(8)))
    assert sorted(codes) == [200] + [409] * 7


def test_oversized_bodies_are_refused_unread(coop_pg: TempPostgres, tmp_path: Path) -> None:
    with running_server(coop_pg, tmp_path, max_body_bytes=1000) as server:
        _, token = join_raw(server.url)
        big = orjson.dumps(benchmarks_body(top_artists=[f"Artist number {i:03d}" for i in range(50)] + ["x" * 150]))
        assert len(big) > 1000
        r = put(server, "benchmarks", big, token)
        assert r.status_code == 413 and "limit" in r.json()["detail"]

        def chunks():  # no Content-Length: the limit is counted as the body streams in
            for _ in range(100):
                yield b" " * 1000

        r = httpx.put(f"{server.url}/v1/contributions/benchmarks", content=chunks(), headers=write_headers(token))
        assert r.status_code == 413
        assert files(server) == []


@pytest.mark.parametrize("body, scope", [
    (b"{not json", "benchmarks"),
    (b"", "benchmarks"),
    (orjson.dumps(benchmarks_body(weekly_hours=1e9)), "benchmarks"),
    (orjson.dumps(benchmarks_body(skip_rate=-0.5)), "benchmarks"),
    (b'{"weekly_hours": Infinity}', "benchmarks"),
    (orjson.dumps(benchmarks_body(top_artists=["x" * 201])), "benchmarks"),
    (orjson.dumps(benchmarks_body(top_artists=["nul\x00byte"])), "benchmarks"),
    (orjson.dumps(benchmarks_body(top_artists=["evil\u202eexe.mp3"])), "benchmarks"),
    (orjson.dumps(benchmarks_body(device="android")), "benchmarks"),
    (orjson.dumps({"artists": ["A"], "affinity": [0]}), "taste"),
    (orjson.dumps(benchmarks_body()), "taste"),
])
def test_malformed_and_out_of_bound_packages_get_a_clear_422(coop_server: CoopServer, body: bytes, scope: str) -> None:
    _, token = join_raw(coop_server.url)
    r = put(coop_server, scope, body, token)
    assert r.status_code == 422, r.text
    assert isinstance(r.json()["detail"], str) and "\n" not in r.json()["detail"]
    assert coop_server.sql("SELECT count(*) FROM contributions c JOIN contributors k USING (contributor_id) "
                           "WHERE k.token_sha256 = sha256(%s::bytea)", (token.encode(),)) == [(0,)]


def test_hostile_names_are_stored_inertly(coop_server: CoopServer) -> None:
    _, token = join_raw(coop_server.url)
    names = ["Robert'); DROP TABLE contributions;--", "<script>alert('x')</script>", '"; DELETE FROM audit_log; --',
             "🎸" * 200, "ﷺ" * 200, "\\x00 not a NUL", "Ünïcödé  spaced", "${jndi:ldap://x}", "%s %n %x"]
    r = put(coop_server, "benchmarks", benchmarks_body(top_artists=names), token)
    assert r.status_code == 200, r.text
    path = contract.scope_dir(coop_server.settings.storage, "benchmarks") / f"{r.json()['package_id']}.parquet"
    table = pq.read_table(path)
    assert table.schema == contract.benchmarks_schema()
    assert table.column("top_artists")[0].as_py() == names
    assert coop_server.sql("SELECT count(*) FROM audit_log") > [(0,)]  # the tables are all still there


def test_the_largest_allowed_package_is_accepted(coop_server: CoopServer) -> None:
    _, token = join_raw(coop_server.url)
    names = [f"{i:03d}" + "𝄞" * (contract.MAX_NAME_CHARS - 3) for i in range(contract.TOP_ARTISTS_TASTE)]
    body = orjson.dumps({"artists": names, "affinity": [i % 5 + 1 for i in range(len(names))]})
    assert len(body) > 390_000
    r = put(coop_server, "taste", body, token)
    assert r.status_code == 200, r.text
    path = contract.scope_dir(coop_server.settings.storage, "taste") / f"{r.json()['package_id']}.parquet"
    assert pq.read_table(path).column("artists")[0].as_py() == names
    import json  # the same package with every character escaped (\\uXXXX) still fits the limit

    escaped = json.dumps({"artists": names, "affinity": [i % 5 + 1 for i in range(len(names))]}).encode()
    assert len(escaped) > 1_000_000
    assert put(coop_server, "taste", escaped, token).json()["replaced"]


def test_scopes_need_consent(coop_server: CoopServer) -> None:
    _, token = join_raw(coop_server.url, scopes=("benchmarks",))
    r = put(coop_server, "taste", {"artists": ["A"], "affinity": [3]}, token)
    assert r.status_code == 403
    bad = httpx.post(coop_server.url + "/v1/contributors", headers=write_headers(), content=orjson.dumps(
        {"contributor_id": secrets.token_hex(16), "scopes": ["benchmarks"], "terms_version": _terms(coop_server),
         "consent": False}))
    assert bad.status_code == 422 and isinstance(bad.json()["detail"], str)


def test_rate_limit_per_token(coop_pg: TempPostgres, tmp_path: Path) -> None:
    with running_server(coop_pg, tmp_path, rate_per_second=0.01, rate_burst=3) as server:
        _, token = join_raw(server.url)
        _, other = join_raw(server.url)
        codes = [httpx.get(server.url + "/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code
                 for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        limited = httpx.get(server.url + "/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert int(limited.headers["retry-after"]) >= 1
        assert httpx.get(server.url + "/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_joins_have_a_rate_limit_of_their_own(coop_pg: TempPostgres, tmp_path: Path) -> None:
    with running_server(coop_pg, tmp_path, join_rate_per_second=0.01, join_burst=2) as server:
        join_raw(server.url)
        join_raw(server.url)
        r = httpx.post(server.url + "/v1/contributors", headers=write_headers(), content=orjson.dumps(
            {"contributor_id": secrets.token_hex(16), "scopes": ["benchmarks"], "terms_version": _terms(server),
             "consent": True}))
        assert r.status_code == 429 and "retry-after" in r.headers


def test_receipts_verify_with_the_published_key(coop_server: CoopServer) -> None:
    key = httpx.get(coop_server.url + "/v1/key").json()
    public = __import__("base64").b64decode(key["public_key"])
    cid = secrets.token_hex(16)
    r = httpx.post(coop_server.url + "/v1/contributors", headers=write_headers(), content=orjson.dumps(
        {"contributor_id": cid, "scopes": ["taste", "benchmarks"], "terms_version": _terms(coop_server),
         "consent": True}))
    receipt = signing.verify(r.json()["receipt"], public)
    for field in ("consentReceiptID", "consentTimestamp", "jurisdiction", "piiControllers", "policyUrl", "services",
                  "piiPrincipalId", "version", "collectionMethod"):
        assert field in receipt
    purposes = receipt["services"][0]["purposes"]
    assert sorted(p["scope"] for p in purposes) == ["benchmarks", "taste"]
    assert all(p["termination"] and p["consentType"] == "EXPLICIT" for p in purposes)
    token = r.json()["token"]
    stored = coop_server.sql("SELECT token_sha256 FROM contributors WHERE contributor_id = %s", (cid,))[0][0]
    assert bytes(stored) == __import__("hashlib").sha256(token.encode()).digest()
    assert coop_server.sql("SELECT count(*) FROM contributors WHERE token_sha256::text LIKE %s",
                           (f"%{token}%",)) == [(0,)]
    tampered = dict(r.json()["receipt"], payload={**receipt, "jurisdiction": "nowhere"})
    with pytest.raises(signing.SignatureError):
        signing.verify(tampered, public)


def _all_table_text(server: CoopServer) -> str:
    tables = [t for (t,) in server.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    return "\n".join(str(server.sql(f'SELECT t::text FROM "{t}" t')) for t in tables)


def test_withdrawal_leaves_no_byte_of_the_package(coop_server: CoopServer, coop_pg: TempPostgres) -> None:
    cid, token = join_raw(coop_server.url)
    marker = f"Unmistakable Band {secrets.token_hex(8)}"
    bench = put(coop_server, "benchmarks", benchmarks_body(top_artists=[marker, "Beta"]), token).json()
    taste = put(coop_server, "taste", {"artists": [marker], "affinity": [5]}, token).json()
    mine = [contract.scope_dir(coop_server.settings.storage, s) / f"{p['package_id']}.parquet" for s, p in
            (("benchmarks", bench), ("taste", taste))]
    assert all(p.exists() for p in mine)
    r = httpx.delete(coop_server.url + "/v1/me", headers=write_headers(token))
    assert r.status_code == 200
    receipt = r.json()["receipt"]["payload"]
    assert receipt["packagesDeleted"] == 2 and receipt["filesDeleted"] == 2 and receipt["piiPrincipalId"] == cid
    assert not any(p.exists() for p in mine)
    for path in coop_server.settings.storage.rglob("*"):
        if path.is_file():
            assert marker.encode() not in path.read_bytes()
    text = _all_table_text(coop_server)
    for secret in (cid, marker, bench["package_id"], taste["package_id"], bench["sha256"], taste["sha256"]):
        assert secret not in text
    # The package's content never reached the database at all: not even in dead tuples or the WAL.
    assert coop_pg.dir is not None
    for path in (coop_pg.dir / "data").rglob("*"):
        if path.is_file():
            assert marker.encode() not in path.read_bytes(), path
    audit = coop_server.sql("SELECT event, count, detail::text FROM audit_log WHERE event = 'withdraw' "
                            "ORDER BY event_id DESC LIMIT 1")
    assert audit[0][:2] == ("withdraw", 2)


def test_re_contribution_replaces_the_file(coop_server: CoopServer) -> None:
    _, token = join_raw(coop_server.url)
    first = put(coop_server, "taste", {"artists": ["One"], "affinity": [5]}, token).json()
    second = put(coop_server, "taste", {"artists": ["Two"], "affinity": [4]}, token).json()
    assert second["replaced"] and second["package_id"] != first["package_id"]
    folder = contract.scope_dir(coop_server.settings.storage, "taste")
    assert not (folder / f"{first['package_id']}.parquet").exists()
    assert pq.read_table(folder / f"{second['package_id']}.parquet").column("artists")[0].as_py() == ["Two"]


def test_no_client_address_in_logs_or_tables(coop_pg: TempPostgres, tmp_path: Path) -> None:
    from tests.support.coop_fixtures import fresh_database

    url, port = fresh_database(coop_pg), free_port()
    env = {**os.environ, "LINERNOTES_COOP_RATE_BURST": "100"}
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "linernotes.coop.server.cli", "serve", "--database-url", url,
                                 "--storage", str(tmp_path / "pool"), "--keys", str(tmp_path / "keys"),
                                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(base + "/v1/key")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
                    time.sleep(0.1)
            _, token = join_raw(base)
            assert put(CoopServer(base, None), "benchmarks", benchmarks_body(), token).status_code == 200  # type: ignore[arg-type]
            put(CoopServer(base, None), "benchmarks", b"{bad", token)  # type: ignore[arg-type]
            httpx.get(base + "/v1/me", headers={"Authorization": "Bearer forged"})
            httpx.get(base + "/nowhere")
            assert httpx.delete(base + "/v1/me", headers=write_headers(token)).status_code == 200
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    lines = [line for line in log.read_text().splitlines() if not line.startswith("linernotes cooperative on ")]
    assert not any("127.0.0.1" in line for line in lines), lines
    server = CoopServer(base, None)  # type: ignore[arg-type]
    server.settings = type("S", (), {"database_url": url})()  # type: ignore[assignment]
    text = _all_table_text(server)
    assert "127.0.0.1" not in text and "python-httpx" not in text
    columns = {c for (c,) in server.sql("SELECT column_name FROM information_schema.columns "
                                        "WHERE table_schema = 'public'")}
    assert not columns & {"ip", "ip_address", "client", "user_agent", "username", "host"}
