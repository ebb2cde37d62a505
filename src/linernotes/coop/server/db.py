"""The server's queries, over an async psycopg connection pool.

Every write is one statement or one short transaction, and each carries the request's nonce: a replayed
request hits the nonce's primary key and changes nothing.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from linernotes.coop.server import ratelimit
from linernotes.coop.server.ledger import LATEST_RELEASE


class Replay(Exception):
    """A nonce seen before: the request was already handled (or is a copy)."""


class Gone(Exception):
    """The contributor no longer exists (withdrew while the request was in flight)."""


CONTRIBUTE_SQL = """
WITH n AS (INSERT INTO request_nonces (nonce) VALUES (%(nonce)s)),
old AS (SELECT package_id FROM contributions WHERE contributor_id = %(cid)s AND scope = %(scope)s FOR UPDATE),
up AS (
    INSERT INTO contributions (package_id, contributor_id, scope, sha256, body_bytes)
    VALUES (%(pid)s, %(cid)s, %(scope)s, %(sha)s, %(nbytes)s)
    ON CONFLICT (contributor_id, scope) DO UPDATE
    SET package_id = EXCLUDED.package_id, received_at = now(), sha256 = EXCLUDED.sha256,
        body_bytes = EXCLUDED.body_bytes
    RETURNING 1),
a AS (INSERT INTO audit_log (event, scope)
      SELECT CASE WHEN EXISTS (SELECT 1 FROM old) THEN 'replace' ELSE 'contribute' END, %(scope)s)
SELECT (SELECT package_id FROM old), (SELECT count(*) FROM up)
"""


class Database:
    """The pool and the queries the app needs. ``await open()`` before use, ``await close()`` after."""

    def __init__(self, url: str, min_size: int = 2, max_size: int = 8) -> None:
        self.pool = AsyncConnectionPool(url, min_size=min_size, max_size=max_size, open=False,
                                        kwargs={"autocommit": True})

    async def open(self) -> None:
        await self.pool.open(wait=True, timeout=30)

    async def close(self) -> None:
        await self.pool.close()

    async def authenticate(self, token_sha256: bytes, rate: float, burst: int, fail_rate: float,
                           fail_burst: int) -> tuple[tuple[str, list[str]] | None, float]:
        """The token's (contributor id, scopes) or None, and the seconds to wait (0: go ahead), taken from the
        token's own bucket when it is known, else from the shared failed-authentication budget."""
        params = {"token": token_sha256, "rate": rate, "burst": burst, "fail_key": ratelimit.AUTH_FAIL_KEY,
                  "fail_rate": fail_rate, "fail_burst": fail_burst}
        async with self.pool.connection() as conn:
            cur = await conn.execute(ratelimit.AUTHENTICATE_SQL, params)
            row = await cur.fetchone()
        assert row is not None
        cid, scopes, ok, tokens, used_rate = row
        return ((cid, list(scopes)) if cid is not None else None), ratelimit.wait_of(ok, tokens, used_rate)

    async def take(self, key: bytes, rate: float, burst: int) -> float:
        """Take one request from the shared bucket ``key``: 0 to go ahead, else the seconds to wait."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(ratelimit.TAKE_SQL, {"key": key, "rate": rate, "burst": burst})
            row = await cur.fetchone()
        assert row is not None
        return ratelimit.wait_of(*row)

    async def known_packages(self) -> set[str]:
        async with self.pool.connection() as conn:
            cur = await conn.execute("SELECT package_id FROM contributions")
            return {r[0] for r in await cur.fetchall()}

    async def join(self, contributor_id: str, token_sha256: bytes, scopes: list[str], receipt_id: str,
                   receipt: dict[str, Any], nonce: str) -> bool:
        """Record a new contributor and their consent receipt; False if the id is taken."""
        try:
            async with self.pool.connection() as conn, conn.transaction():
                await conn.execute("INSERT INTO request_nonces (nonce) VALUES (%s)", (nonce,))
                cur = await conn.execute(
                    "INSERT INTO contributors (contributor_id, token_sha256, scopes) VALUES (%s, %s, %s) "
                    "ON CONFLICT DO NOTHING RETURNING 1", (contributor_id, token_sha256, scopes))
                if await cur.fetchone() is None:
                    raise _Taken
                await conn.execute("INSERT INTO consent_receipts (receipt_id, contributor_id, document) "
                                   "VALUES (%s, %s, %s)", (uuid.UUID(receipt_id), contributor_id, Jsonb(receipt)))
                await conn.execute("INSERT INTO audit_log (event, detail) VALUES ('join', %s)",
                                   (Jsonb({"scopes": sorted(scopes)}),))
        except _Taken:
            return False
        except psycopg.errors.UniqueViolation as exc:
            raise Replay from exc
        return True

    async def contribute(self, contributor_id: str, scope: str, package_id: str, sha256: str, nbytes: int,
                         nonce: str) -> str | None:
        """Point the contributor's ``scope`` at ``package_id``; returns the package it replaces, if any."""
        params = {"nonce": nonce, "cid": contributor_id, "scope": scope, "pid": package_id, "sha": sha256,
                  "nbytes": nbytes}
        try:
            async with self.pool.connection() as conn:
                cur = await conn.execute(CONTRIBUTE_SQL, params)
                row = await cur.fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise Replay from exc
        except psycopg.errors.ForeignKeyViolation as exc:
            raise Gone from exc
        assert row is not None
        return row[0]

    async def status(self, contributor_id: str) -> dict[str, Any] | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute("SELECT scopes, joined_at FROM contributors WHERE contributor_id = %s",
                                     (contributor_id,))
            me = await cur.fetchone()
            if me is None:
                return None
            cur = await conn.execute("SELECT scope, package_id, received_at, sha256, body_bytes FROM contributions "
                                     "WHERE contributor_id = %s ORDER BY scope", (contributor_id,))
            contributions = [{"scope": s, "package_id": p, "received_at": r.isoformat(), "sha256": h, "bytes": b}
                             for s, p, r, h, b in await cur.fetchall()]
            cur = await conn.execute("SELECT document FROM consent_receipts WHERE contributor_id = %s "
                                     "ORDER BY created_at", (contributor_id,))
            receipts = [r[0] for r in await cur.fetchall()]
        return {"contributor_id": contributor_id, "scopes": list(me[0]), "joined_at": me[1].isoformat(),
                "contributions": contributions, "consent_receipts": receipts}

    async def latest_release(self) -> dict[str, Any] | None:
        """The signed document of the newest release, or None."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(LATEST_RELEASE)
            row = await cur.fetchone()
        return row[0] if row else None

    async def withdraw(self, contributor_id: str, nonce: str,
                       delete_files: Callable[[list[tuple[str, str]]], list[str]]) -> dict[str, Any]:
        """Delete the contributor, their receipts, contributions and rate bucket, and (before commit) their
        files: ``delete_files`` gets the (scope, package id) of their rows, deletes those and every other file
        of theirs (in a thread), and returns what it deleted.

        Files go inside the transaction: if the commit then failed, the rows would point at nothing, which
        a retried withdrawal finishes; the other order could leave data behind.
        """
        try:
            async with self.pool.connection() as conn, conn.transaction():
                await conn.execute("INSERT INTO request_nonces (nonce) VALUES (%s)", (nonce,))
                # Lock the member first: a contribution in flight either committed before (and is listed
                # below) or waits, then fails on the foreign key and deletes its own file.
                await conn.execute("SELECT 1 FROM contributors WHERE contributor_id = %s FOR UPDATE",
                                   (contributor_id,))
                cur = await conn.execute("SELECT scope, package_id FROM contributions WHERE contributor_id = %s "
                                         "FOR UPDATE", (contributor_id,))
                packages = [(s, p) for s, p in await cur.fetchall()]
                cur = await conn.execute("SELECT receipt_id FROM consent_receipts WHERE contributor_id = %s",
                                         (contributor_id,))
                receipts = [str(r[0]) for r in await cur.fetchall()]
                await conn.execute("DELETE FROM rate_buckets WHERE key = (SELECT token_sha256 FROM contributors "
                                   "WHERE contributor_id = %s)", (contributor_id,))
                cur = await conn.execute("DELETE FROM contributors WHERE contributor_id = %s RETURNING 1",
                                         (contributor_id,))
                if await cur.fetchone() is None:
                    raise Gone
                await conn.execute("INSERT INTO audit_log (event, count, detail) VALUES ('withdraw', %s, %s)",
                                   (len(packages), Jsonb({"scopes": sorted({s for s, _ in packages})})))
                # In a thread: listing the member's files reads whole folders, and the event loop serves everyone.
                files = await asyncio.to_thread(delete_files, packages)
        except psycopg.errors.UniqueViolation as exc:
            raise Replay from exc
        return {"packages": packages, "files_deleted": files, "consent_receipt_ids": receipts}

    async def prune(self, nonces_older_than_seconds: int) -> None:
        """Forget nonces past the replay window and rate buckets that have refilled."""
        async with self.pool.connection() as conn:
            await conn.execute("DELETE FROM request_nonces WHERE seen_at < now() - make_interval(secs => %s)",
                               (nonces_older_than_seconds,))
            await conn.execute(ratelimit.PRUNE_SQL)


class _Taken(Exception):
    pass
