"""Receiving an export from the browser: held in memory, size-capped, then imported.

The body of ``POST /api/import`` is the file itself (no multipart, nothing spooled to disk). A raw export
holds IP addresses and usernames, so it never touches a temporary file: the importer reads it from memory
(:class:`linernotes.sources._archive.InMemory`) under its own (sanitised) name, which its messages use so
the person recognises the file. The cap is checked while the body arrives.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

DEFAULT_MAX_UPLOAD = 1024**3  # 1 GiB, held in memory: the largest Spotify exports are a few hundred MB


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


async def read_upload(chunks: AsyncIterator[bytes], max_bytes: int) -> bytes:
    """The streamed body, in memory. Raises :class:`UploadTooLarge` as soon as it passes ``max_bytes``."""
    body = bytearray()
    async for chunk in chunks:
        if len(body) + len(chunk) > max_bytes:
            raise UploadTooLarge
        body += chunk
    return bytes(body)


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
