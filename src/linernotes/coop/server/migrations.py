"""The cooperative server's PostgreSQL schema: numbered migrations, each applied once and recorded in
``schema_migrations``.

What is kept, and why:

- ``contributors``: a random id made on the device (never derived from an account), the SHA-256 of the
  bearer token (the token itself is never stored), the consented scopes, and the lifetime privacy budget a
  contributor's data has been charged by releases (``epsilon_spent``, ``delta_spent``; see ``ledger``).
- ``consent_receipts``: the signed receipt given at join, kept as the server's copy of the agreement.
- ``contributions``: which Parquet file (``<storage>/<scope>/<package_id>.parquet``) belongs to whom; one
  per contributor and scope, so a re-contribution replaces the previous one.
- ``audit_log``: what happened and when, with counts only: no contributor id, token, IP or package content,
  so it can outlive a withdrawal.
- ``request_nonces``: nonces of recent write requests (replay protection); no link to anyone.
- ``releases``: the release ledger (differentially private releases, next issue).
- ``rate_buckets`` (UNLOGGED: no WAL, emptied by a crash): the rate limits all workers share
  (:mod:`~linernotes.coop.server.ratelimit`); a member's bucket is keyed by their token's SHA-256 and deleted
  at withdrawal.

Withdrawal deletes the contributor row; receipts and contributions go with it (ON DELETE CASCADE). What
stays behind in PostgreSQL's files afterwards, and for how long: :mod:`~linernotes.coop.server.erasure`.
No table has a column for an IP address, a user agent or a username.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "contributors, consent receipts, contributions, audit log, nonces, release ledger",
        """
        CREATE TABLE contributors (
            contributor_id  text PRIMARY KEY,
            token_sha256    bytea NOT NULL UNIQUE,
            scopes          text[] NOT NULL,
            joined_at       timestamptz NOT NULL DEFAULT now(),
            epsilon_spent   double precision NOT NULL DEFAULT 0,
            delta_spent     double precision NOT NULL DEFAULT 0
        );
        CREATE TABLE consent_receipts (
            receipt_id      uuid PRIMARY KEY,
            contributor_id  text NOT NULL REFERENCES contributors ON DELETE CASCADE,
            created_at      timestamptz NOT NULL DEFAULT now(),
            document        jsonb NOT NULL
        );
        CREATE INDEX consent_receipts_contributor ON consent_receipts (contributor_id);
        CREATE TABLE contributions (
            package_id      text PRIMARY KEY,
            contributor_id  text NOT NULL REFERENCES contributors ON DELETE CASCADE,
            scope           text NOT NULL,
            received_at     timestamptz NOT NULL DEFAULT now(),
            sha256          text NOT NULL,
            body_bytes      integer NOT NULL,
            UNIQUE (contributor_id, scope)
        );
        CREATE TABLE audit_log (
            event_id        bigserial PRIMARY KEY,
            at              timestamptz NOT NULL DEFAULT now(),
            event           text NOT NULL,
            scope           text,
            count           integer NOT NULL DEFAULT 1,
            detail          jsonb NOT NULL DEFAULT '{}'::jsonb
        );
        CREATE TABLE request_nonces (
            nonce           text PRIMARY KEY,
            seen_at         timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX request_nonces_seen ON request_nonces (seen_at);
        CREATE TABLE releases (
            release_id          text PRIMARY KEY,
            created_at          timestamptz NOT NULL DEFAULT now(),
            scope               text NOT NULL,
            epsilon             double precision NOT NULL,
            delta               double precision NOT NULL,
            per_metric_budget   jsonb NOT NULL,
            contributors        integer NOT NULL,
            file_sha256         text NOT NULL,
            document            jsonb
        );
        """,
    ),
    (
        2,
        "rate limits shared by every worker",
        """
        CREATE UNLOGGED TABLE rate_buckets (
            key     bytea PRIMARY KEY,
            tokens  double precision NOT NULL,
            at      timestamptz NOT NULL,
            ok      boolean NOT NULL,
            rate    double precision NOT NULL,
            burst   double precision NOT NULL
        );
        """,
    ),
]

SCHEMA_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)"""


def migrate(conn) -> list[int]:  # conn: psycopg.Connection
    """Apply the migrations this database lacks, each in its own transaction; returns those applied.

    A lock serialises concurrent callers (several workers starting at once).
    """
    from psycopg.rows import tuple_row

    applied: list[int] = []
    cur = conn.cursor(row_factory=tuple_row)
    with conn.transaction():
        cur.execute("SELECT pg_advisory_xact_lock(727001)")
        cur.execute(SCHEMA_TABLE)
        done = {row[0] for row in cur.execute("SELECT version FROM schema_migrations").fetchall()}
        for version, name, sql in MIGRATIONS:
            if version in done:
                continue
            cur.execute(sql)
            cur.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name))
            applied.append(version)
    return applied
