"""Receiving an export from the browser: streamed to a private temp file, size-capped, then imported.

The body of ``POST /api/import`` is the file itself (no multipart: nothing is buffered in memory or
spooled elsewhere before the cap is checked). It lands in a fresh 0700 directory as a 0600 file under
its own (sanitised) name — the importer's messages name that file, so the person recognises it — and the
directory is removed when the import ends, whatever happened.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_MAX_UPLOAD = 2 * 1024**3  # 2 GiB: the largest Spotify exports are a few hundred MB


class UploadTooLarge(Exception):
    """The body went over the cap (the caller answers 413)."""


def safe_name(name: str | None) -> str:
    """A plain file name from what the browser sent (no directories, no control characters).

    >>> safe_name("../../etc/my_spotify_data.zip")
    'my_spotify_data.zip'
    """
    base = os.path.basename((name or "").replace("\\", "/"))
    cleaned = re.sub(r"[^\w.\- ()]+", "_", base).strip(" .")
    return cleaned[:120] or "upload.zip"


async def save_upload(chunks: AsyncIterator[bytes], name: str | None, max_bytes: int) -> Path:
    """Write the streamed body to a private temp file; returns its path. Raises :class:`UploadTooLarge`."""
    folder = Path(tempfile.mkdtemp(prefix="linernotes-upload-"))  # mode 0700
    path = folder / safe_name(name)
    size = 0
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge
                out.write(chunk)
    except BaseException:
        discard(path)
        raise
    return path


def discard(path: Path) -> None:
    """Remove an upload and its private folder."""
    shutil.rmtree(path.parent, ignore_errors=True)


@dataclass
class ImportProgress:
    """What the running import is doing, for the page to poll (no lock on the library needed to read it)."""

    running: bool = False
    stage: str = ""
    done: int = 0
    total: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def update(self, stage: str, done: int, total: int) -> None:
        with self._lock:
            self.stage, self.done, self.total = stage, done, total

    def start(self) -> None:
        with self._lock:
            self.running, self.stage, self.done, self.total = True, "starting", 0, 0

    def finish(self) -> None:
        with self._lock:
            self.running = False

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"running": self.running, "stage": self.stage, "done": self.done, "total": self.total}
