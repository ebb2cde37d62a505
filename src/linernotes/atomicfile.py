"""Files replaced whole: a reader sees the old version or the new one, never half of one.

Every file this project writes for later reading (reports, cards, caches, the cooperative's state, ledger and
pool) goes through here. The new content is written to a temporary file in the target's own folder (a rename
is atomic only within one file system), under a name no other writer can hold at the same time (concurrent
writers of one target each finish their own file; the last rename wins and leaves one complete version). The
temporary name starts with a dot and ends in :data:`TEMP_SUFFIX`, so globs for the real files (``*.parquet``,
``*.json``) never match it and cleanup can find what a crash left behind. On any failure the temporary file is
removed and the target is left as it was.

``durable`` (the default) flushes the file and then its folder to disk before and after the rename, so after a
power cut the target is the old or the new version, never empty. Caches that are rebuilt when missing pass
``durable=False`` and skip the two fsyncs (milliseconds each).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

TEMP_SUFFIX = ".partial"
PRIVATE = 0o600  # secrets and personal state: the owner alone reads them
SHARED = 0o666  # what open() asks for; the umask takes away the rest, as for any other file


def write_atomic(target: Path, data: bytes | str, *, mode: int = SHARED, durable: bool = True) -> Path:
    """Replace ``target`` with ``data`` (text is written as UTF-8) and return ``target``."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with replacing(target, mode=mode, durable=durable) as temp:
        temp.write_bytes(raw)
    return target


@contextlib.contextmanager
def replacing(target: Path, *, mode: int = SHARED, durable: bool = True) -> Iterator[Path]:
    """Yield the path of a new, empty temporary file beside ``target`` for a writer that needs a file name (a
    database, ``numpy.savez``); when the block ends without an error it replaces ``target``, otherwise it is
    deleted and ``target`` is untouched."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = _reserve(target, mode)
    try:
        yield temp
        if durable:
            fd = os.open(temp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if durable:
        _sync_folder(target.parent)


def _reserve(target: Path, mode: int) -> Path:
    """Create an empty temporary file that no one else holds (``O_EXCL`` on a random name) with ``mode``;
    writing to it later keeps that mode."""
    while True:
        temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
        try:
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
            return temp
        except FileExistsError:  # 48 random bits: practically never; try another name
            continue


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a folder's entries live in the folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # a platform that cannot open folders (Windows): the rename is all it has
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a folder; the file itself is already on disk
        pass
    finally:
        os.close(fd)
