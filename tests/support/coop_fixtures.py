"""Fixtures for the cooperative: a real PostgreSQL server per test worker (initdb + pg_ctl on 127.0.0.1),
a fresh database per server, and the FastAPI app served by uvicorn on a free loopback port.

Loaded by ``pytest_plugins`` in conftest.py; under xdist every worker starts its own PostgreSQL.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from linernotes.coop.server.app import create_app
from linernotes.coop.server.config import Settings
from linernotes.coop.server.migrations import migrate
from linernotes.coop.terms import TERMS_VERSION
from linernotes.serving import background
from tests.support.pgtemp import TempPostgres

_databases = itertools.count(1)


@pytest.fixture(scope="session")
def coop_pg() -> Iterator[TempPostgres]:
    """A PostgreSQL server for this test worker (fsync off: tests never survive a power cut)."""
    with TempPostgres(durable=False) as pg:
        yield pg


def fresh_database(pg: TempPostgres) -> str:
    """A new, migrated database on ``pg``; returns its URL."""
    name = f"coop_{next(_databases)}_{secrets.token_hex(3)}"
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg.url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url) as conn:
        migrate(conn)
    return url


@dataclass
class CoopServer:
    url: str
    settings: Settings

    def sql(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.settings.database_url) as conn:
            return conn.execute(query, params).fetchall()


@contextmanager
def running_server(pg: TempPostgres, tmp: Path, **overrides: Any) -> Iterator[CoopServer]:
    settings = Settings(database_url=fresh_database(pg), storage=tmp / "pool", keys=tmp / "keys",
                        **{"rate_per_second": 1000.0, "rate_burst": 1000, "join_rate_per_second": 1000.0,
                           "join_burst": 1000, "auth_fail_rate_per_second": 1000.0, "auth_fail_burst": 1000,
                           **overrides})
    with background(create_app(settings)) as url:
        yield CoopServer(url, settings)


@pytest.fixture(scope="module")
def coop_server(coop_pg: TempPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoopServer]:
    """A server with a database and storage of its own, shared by one test module."""
    with running_server(coop_pg, tmp_path_factory.mktemp("coop")) as server:
        yield server


def write_headers(token: str | None = None, *, nonce: str | None = None, stamp: int | None = None) -> dict[str, str]:
    headers = {"X-Coop-Nonce": nonce or secrets.token_urlsafe(24),
               "X-Coop-Timestamp": str(int(time.time()) if stamp is None else stamp),
               "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def join_raw(url: str, scopes: tuple[str, ...] = ("benchmarks", "taste")) -> tuple[str, str]:
    """Join straight over HTTP; returns (contributor id, token)."""
    import httpx

    cid = secrets.token_hex(16)
    r = httpx.post(url + "/v1/contributors", headers=write_headers(), content=orjson.dumps(
        {"contributor_id": cid, "scopes": list(scopes), "terms_version": TERMS_VERSION, "consent": True}))
    assert r.status_code == 201, r.text
    return cid, r.json()["token"]


def benchmarks_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"weekly_hours": 10.0, "discovery_rate": 0.2, "diversity": 0.7, "skip_rate": 0.1,
                            "night_share": 0.05, "session_minutes": 40.0, "loyalty": 0.4, "podcast_share": 0.1,
                            "top_artists": ["Alpha", "Beta"]}
    body.update(changes)
    return body
