"""Shared access to the library from the server's threads.

DuckDB allows one writing *process* per file, and a connection must not be used by two threads at once.
The server therefore keeps a small pool of **read-only** libraries (each with its own connection and its
own insight engine, so each keeps its selection cache warm) and lends one to each request. While the
server only reads, other processes — the CLI, a second dashboard — can read the same file too.

While readers are open no other process can write the file (DuckDB's lock), so the library changes only
through this server's own writes: answers are cached (:meth:`LibraryAccess.cached`, bounded LRU) until the
next write, and the period picker going back and forth costs nothing.

A write (an import, an exclusion rule) is exclusive: it takes every reader back from the pool (waiting for
requests in flight to finish), closes them, opens the library read-write for just that write, closes it
and opens fresh readers. Fresh readers mean fresh engines, so no cached selection outlives a change.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Generic, TypeVar

from linernotes.library import Library, open_library

T = TypeVar("T")
CACHE_ENTRIES = 512
# Each new period leaves derived tables (its sessions...) in the reader's engine; a long-running server
# drops those of periods after this many computed answers, keeping memory bounded (whole histories stay).
RECYCLE_AFTER = 64


class FairPool(Generic[T]):
    """Items lent in the order they were asked for. ``queue.Queue`` is not fair: a thread that puts an item
    back and asks again at once usually takes it before the waiter it woke gets to run, so under load one
    request can wait for seconds behind a dozen later ones. Here a returned item goes straight to the
    longest waiter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: deque[T] = deque()
        self._waiting: deque[tuple[threading.Event, list[T]]] = deque()

    def get(self) -> T:
        with self._lock:
            if self._free and not self._waiting:
                return self._free.popleft()
            turn: tuple[threading.Event, list[T]] = (threading.Event(), [])
            self._waiting.append(turn)
        turn[0].wait()
        return turn[1][0]

    def put(self, item: T) -> None:
        with self._lock:
            if self._waiting:
                ready, slot = self._waiting.popleft()
                slot.append(item)
                ready.set()
            else:
                self._free.append(item)


class LibraryAccess:
    """A pool of read-only :class:`Library` objects plus exclusive, short read-write sessions."""

    def __init__(self, path: str | os.PathLike[str], readers: int = 2,
                 prepare: Callable[[Library], None] | None = None) -> None:
        """``prepare``: run on each new reader, in a background thread, before it serves its first request
        (building caches: requests wait for the first prepared reader rather than each paying for it)."""
        self.path = Path(path).expanduser().resolve()
        self.readers = max(1, readers)
        self._prepare = prepare
        self._pool: FairPool[Library] = FairPool()
        self._write_lock = threading.Lock()  # one writer at a time (and never two imports)
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._computed: dict[int, int] = {}
        if not self.path.exists():
            # A new library is created (and migrated) by opening it for writing once.
            open_library(self.path).close()
        self._open_readers()

    def _open_readers(self) -> None:
        fresh = [open_library(self.path, read_only=True) for _ in range(self.readers)]
        shared: dict[tuple[object, ...], object] = {}  # the whole history's models, built once for all readers
        for lib in fresh:
            lib.engine.share_memos(shared)
        if self._prepare is None:
            for lib in fresh:
                self._pool.put(lib)
        else:
            threading.Thread(target=self._prepare_and_lend, args=(fresh,), daemon=True).start()

    def _prepare_and_lend(self, fresh: list[Library]) -> None:
        assert self._prepare is not None
        for lib in fresh:
            try:
                self._prepare(lib)
            finally:
                self._pool.put(lib)  # prepared or not, it serves

    @contextlib.contextmanager
    def read(self) -> Iterator[Library]:
        """Borrow a read-only library for one request (blocks while a write is running)."""
        lib = self._pool.get()
        try:
            yield lib
        finally:
            self._pool.put(lib)

    def cached(self, key: str, compute: Callable[[Library], bytes]) -> bytes:
        """``compute(lib)``'s answer for ``key``, computed once per state of the library."""
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        with self.read() as lib:
            value = compute(lib)
            # Stored before the reader goes back: a write (which first takes every reader) clears it after.
            with self._cache_lock:
                self._cache[key] = value
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.popitem(last=False)
                self._computed[id(lib)] = self._computed.get(id(lib), 0) + 1
            if self._computed[id(lib)] >= RECYCLE_AFTER:
                self._computed[id(lib)] = 0
                lib.engine.forget_periods()
        return value

    @property
    def writing(self) -> bool:
        return self._write_lock.locked()

    @contextlib.contextmanager
    def write(self) -> Iterator[Library]:
        """The library opened read-write, with no reader open in this process (DuckDB refuses mixing modes)."""
        with self._write_lock:
            taken = [self._pool.get() for _ in range(self.readers)]
            for lib in taken:
                lib.close()
            with self._cache_lock:
                self._cache.clear()
                self._computed.clear()
            try:
                with open_library(self.path) as lib:
                    yield lib
            finally:
                self._open_readers()

    def close(self) -> None:
        with self._write_lock:
            for _ in range(self.readers):
                self._pool.get().close()
