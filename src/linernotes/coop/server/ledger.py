"""Synchronous access to the server's database for operators and the release engines (next issue).

The release ledger (``releases``) records every differentially private release: its id, time, scope, ε and
δ, the per-metric split of the budget, how many contributors it drew on and the SHA-256 of the released
file. :func:`record_release` also charges each included contributor's lifetime budget
(``contributors.epsilon_spent``/``delta_spent``, basic composition: spends add up), so a release can leave
out anyone whose lifetime budget is spent (:func:`live_contributions` returns the spend with each package).

    >>> with connect(url) as conn:                                    # doctest: +SKIP
    ...     pkgs = live_contributions(conn, "benchmarks")
    ...     record_release(conn, release_id="r1", scope="benchmarks", epsilon=1.0, delta=1e-6,
    ...                    per_metric_budget={"weekly_hours": 0.125}, contributor_ids=[p["contributor_id"]
    ...                    for p in pkgs], file_sha256="...")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from linernotes.coop.server import storage


def connect(url: str) -> psycopg.Connection[dict[str, Any]]:
    """A connection returning rows as dicts (autocommit off: use ``with conn.transaction()`` or commit)."""
    return psycopg.connect(url, row_factory=dict_row)


def live_contributions(conn: psycopg.Connection[Any], scope: str, storage_dir: Path | None = None
                       ) -> list[dict[str, Any]]:
    """Every stored package of ``scope`` with its contributor's lifetime spend (and file path if
    ``storage_dir`` is given). Withdrawn contributors are not here: their rows are gone."""
    cur = conn.cursor(row_factory=dict_row)
    rows = cur.execute(
        "SELECT c.package_id, c.contributor_id, c.received_at, k.epsilon_spent, k.delta_spent "
        "FROM contributions c JOIN contributors k USING (contributor_id) WHERE c.scope = %s "
        "ORDER BY c.package_id", (scope,)).fetchall()
    if storage_dir is not None:
        for r in rows:
            r["path"] = str(storage.path_of(storage_dir, scope, r["package_id"]))
    return rows


def record_release(conn: psycopg.Connection[Any], *, release_id: str, scope: str, epsilon: float, delta: float,
                   per_metric_budget: dict[str, float], contributor_ids: list[str], file_sha256: str,
                   document: dict[str, Any] | None = None) -> None:
    """Record a release and charge its ε, δ to every included contributor, in one transaction."""
    with conn.transaction():
        conn.execute(
            "INSERT INTO releases (release_id, scope, epsilon, delta, per_metric_budget, contributors, "
            "file_sha256, document) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (release_id, scope, epsilon, delta, Jsonb(per_metric_budget), len(contributor_ids), file_sha256,
             Jsonb(document) if document is not None else None))
        conn.execute("UPDATE contributors SET epsilon_spent = epsilon_spent + %s, delta_spent = delta_spent + %s "
                     "WHERE contributor_id = ANY(%s)", (epsilon, delta, contributor_ids))
        conn.execute("INSERT INTO audit_log (event, scope, count, detail) VALUES ('release', %s, %s, %s)",
                     (scope, len(contributor_ids), Jsonb({"release_id": release_id, "epsilon": epsilon})))


def releases(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    return cur.execute("SELECT * FROM releases ORDER BY created_at, release_id").fetchall()


def audit(conn: psycopg.Connection[Any], limit: int | None = None) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    return cur.execute("SELECT * FROM audit_log ORDER BY event_id DESC LIMIT %s", (limit,)).fetchall()


def contribution_counts(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Per scope: packages held, total bytes, first and last received (no contributor ids)."""
    cur = conn.cursor(row_factory=dict_row)
    return cur.execute("SELECT scope, count(*) AS packages, sum(body_bytes) AS bytes, min(received_at) AS first, "
                       "max(received_at) AS last FROM contributions GROUP BY scope ORDER BY scope").fetchall()


def contributions(conn: psycopg.Connection[Any], scope: str | None = None) -> list[dict[str, Any]]:
    """Stored packages (package id, scope, time, size), newest first; no contributor ids."""
    cur = conn.cursor(row_factory=dict_row)
    return cur.execute("SELECT package_id, scope, received_at, body_bytes AS bytes, sha256 FROM contributions "
                       "WHERE %(s)s::text IS NULL OR scope = %(s)s ORDER BY received_at DESC", {"s": scope}).fetchall()


def export(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """The release ledger and the audit log, for publication (neither holds personal data)."""
    return {"releases": releases(conn), "audit_log": list(reversed(audit(conn)))}
