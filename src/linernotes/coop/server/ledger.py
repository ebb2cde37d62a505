"""Synchronous access to the server's database for operators and the release engines (next issue).

The release ledger (``releases``) records every differentially private release: its id, time, scopes, total ε
and δ, the ε of each metric, how many contributors it drew on, the SHA-256 of the released file and the signed
document itself. :func:`record_release` also charges each included contributor's lifetime budget
(``contributors.epsilon_spent``/``delta_spent``, basic composition: spends add up), so a release can leave
out anyone whose lifetime budget is spent (:func:`spent`; :func:`live_contributions` has it too).

    >>> with connect(url) as conn:                                    # doctest: +SKIP
    ...     pkgs = live_contributions(conn, "benchmarks")
    ...     record_release(conn, document=signed, charges={"<contributor id>": (9.0, 1e-6)}, file_sha256="...")

:mod:`linernotes.coop.server.publish` builds a release from the live packages and records it here.
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


def spent(conn: psycopg.Connection[Any], contributor_ids: list[str]) -> dict[str, tuple[float, float]]:
    """Each listed contributor's lifetime spend so far, (ε, δ); withdrawn ones are absent."""
    rows = conn.execute("SELECT contributor_id, epsilon_spent, delta_spent FROM contributors "
                        "WHERE contributor_id = ANY(%s)", (contributor_ids,)).fetchall()
    return {r["contributor_id"]: (float(r["epsilon_spent"]), float(r["delta_spent"])) for r in rows}


def record_release(conn: psycopg.Connection[Any], *, document: dict[str, Any],
                   charges: dict[str, tuple[float, float]], file_sha256: str) -> None:
    """Record a signed release and charge each included contributor their own (ε, δ) — what the parts that
    read their scopes cost — in one transaction. Someone who withdrew meanwhile has no row to charge."""
    payload = document["payload"]
    scopes = [s for s in ("benchmarks", "taste") if payload["contributors"].get(s)]
    per_metric = {name: part["epsilon"] for name, part in payload["metrics"].items()}
    ids = list(charges)
    with conn.transaction():
        conn.execute(
            "INSERT INTO releases (release_id, scope, epsilon, delta, per_metric_budget, contributors, "
            "file_sha256, document) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (payload["release_id"], "+".join(scopes) or "none", payload["privacy"]["epsilon"],
             payload["privacy"]["delta"], Jsonb(per_metric), len(ids), file_sha256, Jsonb(document)))
        conn.execute(
            "UPDATE contributors AS c SET epsilon_spent = c.epsilon_spent + v.e, delta_spent = c.delta_spent + v.d "
            "FROM unnest(%s::text[], %s::float8[], %s::float8[]) AS v(id, e, d) WHERE c.contributor_id = v.id",
            (ids, [charges[i][0] for i in ids], [charges[i][1] for i in ids]))
        conn.execute("INSERT INTO audit_log (event, scope, count, detail) VALUES ('release', %s, %s, %s)",
                      ("+".join(scopes) or None, len(ids),
                       Jsonb({"release_id": payload["release_id"], "epsilon": payload["privacy"]["epsilon"]})))


LATEST_RELEASE = ("SELECT document FROM releases WHERE document IS NOT NULL "
                  "ORDER BY created_at DESC, release_id DESC LIMIT 1")  # the app's database reads it too


def latest_release(conn: psycopg.Connection[Any]) -> dict[str, Any] | None:
    """The signed document of the newest release, or None."""
    row = conn.execute(LATEST_RELEASE).fetchone()
    return row["document"] if row else None


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
