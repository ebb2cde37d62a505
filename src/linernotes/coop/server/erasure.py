"""What a withdrawal leaves behind in PostgreSQL and on disk, for how long, and what the server does about it.

A withdrawal deletes the member's rows (``contributors``, ``consent_receipts``, ``contributions``, their
``rate_buckets`` row) and every file under their prefix (:mod:`~linernotes.coop.server.storage`), in one
transaction. A ``DELETE`` in PostgreSQL only marks rows dead, so:

- **Dead tuples** (table and index pages): readable by anyone who can read the database's files (or with
  ``pageinspect``) until a VACUUM removes them. The server VACUUMs those four tables about a second after
  every withdrawal (withdrawals close together share one; :class:`ErasureVacuum`) and once at start (a
  vacuum a crash prevented). A VACUUM cannot remove a row an open transaction can still see (a ``release``
  running meanwhile holds one): the next one does (next withdrawal, next start, or autovacuum).
- **Freed page space**: after VACUUM the rows are gone from every page's item list (no query, dump or
  ``pageinspect`` shows them), but PostgreSQL does not zero the space they leave, so their raw bytes can
  stay in the page until new rows overwrite them. ``linernotes-coop scrub`` (:func:`scrub`: VACUUM FULL,
  then CHECKPOINT) rewrites the tables and their indexes into new files; it locks them while it runs
  (seconds for a million members), so run it at a quiet hour, e.g. nightly.
- **WAL** (``pg_wal``): every insert and delete was logged with its data (the id, the receipt). A segment
  is removed or recycled at the first checkpoint after it is no longer needed (``checkpoint_timeout``,
  default 5 minutes, or ``max_wal_size``); a recycled segment keeps its old bytes until new WAL overwrites
  them. ``wal_keep_size``, replication slots, ``archive_command`` and standbys keep WAL longer.
  ``rate_buckets`` is UNLOGGED: never in the WAL.
- **Backups, WAL archives, standbys, PostgreSQL's own logs, file-system blocks**: the operator's
  responsibility. Keep backups short-lived and say how long in the policy: restoring one older than a
  withdrawal brings the member back, and the server keeps no list of who withdrew to erase them again (that
  list would itself be personal data). Keep ``log_statement`` at ``none`` (its default: statements with
  their parameters would otherwise be logged). Encrypt the disk: deleted files' blocks stay until reused.
- **Kept on purpose**: the audit log (event and counts, no id) and the erasure receipt, which only the
  member gets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg

ERASED_TABLES = ("contributors", "consent_receipts", "contributions", "rate_buckets")
VACUUM_SQL = "VACUUM " + ", ".join(ERASED_TABLES)
SCRUB_SQL = "VACUUM (FULL) " + ", ".join(ERASED_TABLES)

log = logging.getLogger("linernotes.coop.server")


async def vacuum(url: str) -> None:
    """VACUUM the tables a withdrawal deletes from, on a connection of its own: VACUUM cannot run inside a
    transaction block, and a pool connection held for it would be missed by requests."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(VACUUM_SQL)


def scrub(url: str) -> bool:
    """Rewrite the tables a withdrawal deletes from (VACUUM FULL) and CHECKPOINT, so old WAL can go. Returns
    whether the CHECKPOINT ran (it needs a superuser or the ``pg_checkpoint`` role)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCRUB_SQL)
        try:
            conn.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            return False
    return True


class ErasureVacuum:
    """Run :func:`vacuum` ``delay`` seconds after a withdrawal: the ones in between share it, and one that
    comes while it runs gets another. At most one per process runs at a time."""

    def __init__(self, url: str, delay: float) -> None:
        self.url = url
        self.delay = delay
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def request(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        else:
            self._again = True

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.delay)
            self._again = False
            try:
                await vacuum(self.url)
            except (psycopg.Error, OSError) as exc:  # never the request's problem; the next one retries
                log.warning("vacuum after a withdrawal failed (%s); the next withdrawal or start retries",
                            type(exc).__name__)
            if not self._again:
                return

    async def wait(self) -> None:
        """Let a pending vacuum finish (at shutdown; a start vacuums anyway if it cannot)."""
        if self._task is not None and not self._task.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, timeout=30)
