"""Publishing a differentially private release from the server's pool (``linernotes-coop release``).

1. The live packages (withdrawn members have none) and their owners come from PostgreSQL.
2. They are hard-linked into a snapshot folder: a member who withdraws or replaces a package while the
   release is computed deletes their file without pulling it from under the engine, and the snapshot is
   deleted when the release is done (``sweep`` deletes one left by a crash), so erasure still leaves no byte.
3. Members whose lifetime budget cannot pay for this release are left out
   (:func:`~linernotes.coop.release.build.eligible_packages`); the count is reported, never who. With
   ``strict`` the release is refused instead, with the reason.
4. The release is built (DuckDB or Spark), signed, written to ``<storage>/releases/<id>.json`` and recorded in
   the ledger together with each included member's charge, in one transaction.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from linernotes.atomicfile import PRIVATE, write_atomic
from linernotes.coop import contract, signing
from linernotes.coop.release.budget import Budget, BudgetExceeded
from linernotes.coop.release.build import LIFETIME, ReleaseConfig, build_release, charges, eligible_packages
from linernotes.coop.server import ledger
from linernotes.coop.server.config import Settings
from linernotes.errors import UsageError

SNAPSHOTS = ".release-snapshots"
RELEASES = "releases"


@dataclass(frozen=True)
class Published:
    document: dict[str, Any]
    path: Path
    contributors: int  # members included (exact: for the operator, not published)
    left_out: int  # members whose lifetime budget could not pay for it
    seconds: float


def publish(settings: Settings, *, engine: str = "duckdb", spark_master: str = "local[*]",
            config: ReleaseConfig | None = None, lifetime: Budget = LIFETIME, strict: bool = False) -> Published:
    """Build, sign, store and record a release of the live pool (see the module docstring). ``strict``: refuse
    the whole release, saying why, when any member's lifetime budget cannot pay for it (instead of leaving
    them out)."""
    started = time.perf_counter()
    config = config or ReleaseConfig()
    key = signing.load_or_create_key(settings.key_path)
    snapshot = settings.storage / SNAPSHOTS / secrets.token_hex(8)
    with ledger.connect(settings.database_url) as conn:
        live = {scope: ledger.live_contributions(conn, scope, settings.storage) for scope in contract.SCOPES}
        owners = {p["package_id"]: p["contributor_id"] for rows in live.values() for p in rows}
        try:
            files = {scope: _link(rows, snapshot / scope) for scope, rows in live.items()}

            def spent(ids: list[str]) -> dict[str, Budget]:
                return {cid: Budget(e, d) for cid, (e, d) in ledger.spent(conn, ids).items()}

            left_out: list[str] = []
            if strict:
                bench, taste = files["benchmarks"], files["taste"]
            else:
                bench, taste, left_out = eligible_packages(files["benchmarks"], files["taste"], owners=owners,
                                                           spent=spent, lifetime=lifetime, config=config)
            if not bench and not taste:
                raise UsageError("nothing to release: no contributions" +
                                 (f" from members with budget left ({len(left_out)} have none)" if left_out else ""))
            try:
                document = build_release(key=key, benchmark_files=bench, taste_files=taste, owners=owners,
                                         engine=engine, spark_master=spark_master, config=config, spent=spent,
                                         lifetime=lifetime)
            except BudgetExceeded as exc:
                raise UsageError(str(exc)) from None
            charged = charges(bench, taste, owners, config)
        finally:
            shutil.rmtree(snapshot, ignore_errors=True)
        body = orjson.dumps(document)
        path = write_atomic(settings.storage / RELEASES / f"{document['payload']['release_id']}.json", body,
                            mode=PRIVATE)
        ledger.record_release(conn, document=document, charges={c: (b.epsilon, b.delta) for c, b in charged.items()},
                              file_sha256=hashlib.sha256(body).hexdigest())
    return Published(document, path, len(charged), len(left_out), time.perf_counter() - started)


def _link(rows: Sequence[dict[str, Any]], folder: Path) -> list[Path]:
    """Hard links to the packages of ``rows`` in ``folder``; a package deleted since it was listed (its
    member withdrew or replaced it) is left out."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for row in rows:
        target = folder / Path(row["path"]).name
        try:
            os.link(row["path"], target)
        except FileNotFoundError:
            continue
        out.append(target)
    return out


def sweep_snapshots(pool: Path, min_age_seconds: float) -> list[Path]:
    """Delete snapshot folders left by a release that crashed (older than ``min_age_seconds``)."""
    root = pool / SNAPSHOTS
    cutoff = time.time() - min_age_seconds
    stale = [p for p in root.iterdir() if p.is_dir() and p.stat().st_mtime <= cutoff] if root.is_dir() else []
    for p in stale:
        shutil.rmtree(p, ignore_errors=True)
    return stale
