"""The pool's files: one Parquet file per contribution at ``<storage>/<scope>/<package_id>.parquet``.

Files are written to a hidden temporary name in the same folder and renamed into place, so an engine
reading ``*.parquet`` never sees half a file. Deleting a contribution is deleting its file.

A package id is the member's *file prefix* followed by 32 random hex digits. The prefix is an HMAC of the
contributor id under a secret kept beside the signing key (``<keys>/storage-prefix.key``), so a file is
written under its owner's prefix before any database row points to it, and a withdrawal finds every file
of the member by listing the prefix (:func:`member_files`), also the ones a crash left without a row.
The prefix is unguessable: whoever sees the pool's file names (a Spark cluster reading a snapshot) cannot
tell whose they are, only which two (benchmarks and taste) belong together. Packages stored before
prefixes existed have a plain 32-digit id and are found through their rows, as before.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import secrets
import time
from pathlib import Path
from typing import Any

from linernotes.atomicfile import PRIVATE, write_atomic
from linernotes.coop import contract

PREFIX_KEY = "storage-prefix.key"
PREFIX_HEX = 32  # 128 bits: two members never share one


def load_or_create_prefix_key(keys: Path) -> bytes:
    """The secret that file prefixes are made with (32 random bytes, mode 0600), created on first use.

    Never rotate it: files written under the old prefixes would be found only through their rows."""
    path = keys / PREFIX_KEY
    if not path.exists():
        keys.mkdir(parents=True, exist_ok=True)
        temp = keys / f".{PREFIX_KEY}.{secrets.token_hex(4)}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
        try:
            os.link(temp, path)  # fails if another worker made it first: theirs wins, both read it below
        except FileExistsError:
            pass
        finally:
            temp.unlink()
    return path.read_bytes()


def member_prefix(secret: bytes, contributor_id: str) -> str:
    """The file prefix of ``contributor_id``'s packages."""
    return hmac.new(secret, contributor_id.encode(), hashlib.sha256).hexdigest()[:PREFIX_HEX]


def new_package_id(prefix: str = "") -> str:
    return prefix + secrets.token_hex(16)


def path_of(storage: Path, scope: str, package_id: str) -> Path:
    if not package_id.isalnum():  # ids are made here (hex); never a path from outside
        raise ValueError("bad package id")
    return contract.scope_dir(storage, scope) / f"{package_id}.parquet"


def parquet_bytes(table: Any) -> bytes:
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    # Uncompressed, no statistics: a 1-row file of a few KB gains nothing from either, and writing it is
    # per-request work on the ingest path.
    pq.write_table(table, sink, compression="none", write_statistics=False)
    return sink.getvalue()


def write(storage: Path, scope: str, package_id: str, data: bytes) -> Path:
    """Write a package's ``data`` atomically (readers see the whole file or none) and return the final path.
    The temporary file is hidden, so a ``*.parquet`` glob never matches it."""
    return write_atomic(path_of(storage, scope, package_id), data, mode=PRIVATE)


def _package_id(name: str) -> str:
    """The package id in a pool file's name: ``<id>.parquet``, or a temporary ``.<id>.parquet.<random>.partial``."""
    return name.lstrip(".").split(".", 1)[0]


def delete(storage: Path, scope: str, package_id: str) -> bool:
    """Delete a contribution's file; True when there was one."""
    try:
        path_of(storage, scope, package_id).unlink()
    except FileNotFoundError:
        return False
    return True


def member_files(storage: Path, prefix: str) -> list[tuple[str, str, Path]]:
    """(scope, package id, path) of every file under ``prefix``: packages, and temporary files of writes a
    crash interrupted. Lists each scope's folder (one pass over its names, without the database)."""
    if len(prefix) != PREFIX_HEX or not prefix.isalnum():
        raise ValueError("bad prefix")
    found = []
    for scope in contract.SCOPES:
        folder = contract.scope_dir(storage, scope)
        if not folder.is_dir():
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                package_id = _package_id(entry.name)
                if package_id.startswith(prefix) and entry.is_file(follow_symlinks=False):
                    found.append((scope, package_id, Path(entry.path)))
    return sorted(found)


def sweep(storage: Path, known: set[str], min_age_seconds: float = 3600.0) -> list[Path]:
    """Delete files no database row points to (left by a crash between a file write and its commit, or
    between a replacement's commit and the old file's deletion), if older than ``min_age_seconds`` so a
    write in flight is never touched. Returns the deleted paths."""
    deleted: list[Path] = []
    cutoff = time.time() - min_age_seconds
    for scope in contract.SCOPES:
        folder = contract.scope_dir(storage, scope)
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            package_id = _package_id(path.name)
            if package_id in known or not path.is_file() or path.stat().st_mtime > cutoff:
                continue
            path.unlink(missing_ok=True)
            deleted.append(path)
    return deleted
