"""Receiving an export from the browser: held in memory, size-capped, then imported.

The body of ``POST /api/import`` is the file itself (no multipart, nothing spooled to disk). A raw export
holds IP addresses and usernames, so it never touches a temporary file: the importer reads it from memory
(:class:`linernotes.sources.inputs.InMemory`) under its own (sanitised) name, which its messages use so
the person recognises the file. The cap is checked while the body arrives.

Memory: one upload holds at most ``max_upload`` bytes, and all uploads in flight together at most the
server's :class:`UploadBudget` (by default the same amount): eight parallel uploads of 60 MB cannot hold
480 MB when the budget is smaller; those that would pass it are refused (503, try again later) as soon as
that is known — before any of their body is read when they declare their size. Bytes stay counted until the
import that reads them has finished. The body is copied once, when its chunks are joined into the one
``bytes`` the importer reads (``BytesIO`` over ``bytes`` shares the buffer; over a ``bytearray`` it would
copy again): for that moment the upload is in memory twice.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# One upload's cap, and by default the budget of all uploads in flight. Real exports are well below it (a
# few hundred MB at the very most, most far less). Uploads then hold at most 256 MiB, plus for a moment one
# more upload's worth while its chunks are joined (joins run on the event loop, one at a time): at most
# 512 MiB, leaving the other half of a 1 GiB peak to the import itself. A bigger file imports from the command
# line (`linernotes import`), which reads it from disk.
DEFAULT_MAX_UPLOAD = 256 * 1024**2
# How long a refused upload should wait: about the time an import of a large export takes.
RETRY_AFTER_SECONDS = 30
# An upload whose body has sent nothing for this long is dropped (and its bytes given back to the budget).
STALL_SECONDS = 60.0


class UploadTooLarge(Exception):
    """The body went over the cap (the caller answers 413)."""


class UploadBusy(Exception):
    """Uploads in flight already hold the server's whole budget (the caller answers 503)."""


class UploadStalled(Exception):
    """The body stopped arriving (the caller answers 408)."""


class UploadBudget:
    """Bytes held in memory by all uploads at once. Thread-safe: imports release from worker threads."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._held = 0
        self._lock = threading.Lock()

    @property
    def held(self) -> int:
        with self._lock:
            return self._held

    def take(self, n: int) -> bool:
        """Count ``n`` more bytes if they fit in the budget."""
        with self._lock:
            if self._held + n > self.limit:
                return False
            self._held += n
            return True

    def give_back(self, n: int) -> None:
        with self._lock:
            self._held -= n

    @contextmanager
    def holding(self) -> Iterator[Holding]:
        """A tally for one upload; whatever it took is given back when the block ends, however it ends."""
        tally = Holding(self)
        try:
            yield tally
        finally:
            self.give_back(tally.bytes)


class Holding:
    """The bytes one upload has taken from the :class:`UploadBudget`."""

    def __init__(self, budget: UploadBudget) -> None:
        self.budget = budget
        self.bytes = 0

    def cover(self, total: int) -> None:
        """Make sure ``total`` bytes of this upload are counted, or raise :class:`UploadBusy`."""
        if total > self.bytes:
            if not self.budget.take(total - self.bytes):
                raise UploadBusy
            self.bytes = total


def safe_name(name: str | None) -> str:
    """A plain file name from what the browser sent (no directories, no control characters).

    >>> safe_name("../../etc/my_spotify_data.zip")
    'my_spotify_data.zip'
    """
    base = os.path.basename((name or "").replace("\\", "/"))
    cleaned = re.sub(r"[^\w.\- ()]+", "_", base).strip(" .")
    return cleaned[:120] or "upload.zip"


async def read_upload(chunks: AsyncIterator[bytes], max_bytes: int, tally: Holding) -> bytes:
    """The streamed body, in memory. Raises :class:`UploadTooLarge` as soon as it passes ``max_bytes`` and
    :class:`UploadBusy` as soon as it would pass the server's budget (``tally`` counts it there)."""
    parts: list[bytes] = []
    size = 0
    stream = aiter(chunks)
    while True:
        try:
            # A body that stops arriving would hold its share of the budget for as long as the client likes.
            chunk = await asyncio.wait_for(anext(stream), STALL_SECONDS)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise UploadStalled from None
        size += len(chunk)
        if size > max_bytes:
            raise UploadTooLarge
        tally.cover(size)
        parts.append(chunk)
    # The one copy of the body: the chunks are dropped as soon as the joined bytes exist.
    body = b"".join(parts)
    parts.clear()
    return body


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
