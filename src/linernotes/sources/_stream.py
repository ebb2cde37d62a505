"""Large scrobble files in bounded batches, so a parser never holds a whole file's Python objects.

``orjson.loads`` of a whole export costs about ten times the file in Python objects (a 300 MB ListenBrainz
export: over 2 GB). These helpers hand a parser the file's records in batches of at most :data:`BATCH`
records and about :data:`BATCH_BYTES` of text: JSON Lines split in Python as the pieces arrive, a JSON array
split by DuckDB's reader into each element's raw text (fetched as a stream, a batch at a time), CSV read by
pyarrow's streaming reader. A parser turns each batch into staged rows before asking for the next, and
staging stores them while at most :data:`READ_AHEAD` further batches are read and parsed in a thread of
their own (:func:`read_ahead`; see :func:`linernotes.store.staging.stage`): memory stays a few batches.

When DuckDB refuses the array (malformed JSON, a record over its size cap) :class:`NotStreamable` is raised
before or between batches: the caller starts again with its whole-document path, which names the error
precisely — or, for a file too large for that, says in one line that it is broken.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar, cast

import duckdb
import pyarrow as pa

from linernotes.sources._duckjson import _PIPES, _Pipes, parser
from linernotes.sources.base import UTF8_BOM, Pieces, bom_length, loads_json, strip_bom_pieces

BATCH = 20_000
BATCH_BYTES = 8 * 1024 * 1024  # of JSON text: its Python objects cost several times that
_FETCH = 128
# The largest array element the split accepts. DuckDB's reader sizes its buffers by this cap: at 64 MB a
# streamed file costs ~700 MB of buffers, at 16 MB ~250 MB. Real elements are far below (a Last.fm page of
# 200 scrobbles ~100 KB, a listen ~1 KB); a larger one refuses the split, and the caller's whole-document
# path (or its one-line refusal for a file too large for that) takes over.
SPLIT_MAX_OBJECT_BYTES = 16 * 1024 * 1024
# Up to this size a document may be parsed whole (the precise error path): ~10x in memory stays < 1 GiB.
# Larger files of a format with ``parse_batches`` are read in batches.
WHOLE_MAX_BYTES = 64 * 1024 * 1024
# Items a read_ahead thread may hold ready for its consumer (0: no thread; tests set 0 for determinism).
READ_AHEAD = 1
T = TypeVar("T")
# Called with each batch's record count and bytes of text before it is parsed: tests check the bound here.
on_batch: Callable[[int, int], None] | None = None


class NotStreamable(Exception):
    """The document cannot be split into values by the streaming reader."""


def stream_hook(records: int, size: int) -> None:
    if on_batch is not None:
        on_batch(records, size)


def array_texts(pieces: Iterable[bytes], path: str | None = None) -> Iterator[list[str]]:
    """The raw texts of the elements of the JSON array in ``pieces`` (a BOM is skipped), in batches.

    ``path``, the same bytes as a plain file, is read in place when given: DuckDB keeps what it read from a
    pipe (about 1.5x the file), but streams a file in bounded memory. Raises :class:`NotStreamable` when
    the bytes are not a well-formed JSON array, possibly after some batches were yielded.
    """
    if path is not None and not _readable_in_place(path):
        path = None
    if path is None and not _PIPES:
        raise NotStreamable
    with _Pipes([] if path is not None else [pieces], on_bytes=None) as pipes:
        source = f"'{path}'" if path is not None else pipes.paths_sql()
        reader = None
        try:
            # A stream, not a result: a materialised result would hold every element's text at once.
            reader = parser().sql(
                f"SELECT json::VARCHAR AS j FROM read_json_objects({source}, format = 'array', "
                f"compression = 'none', maximum_object_size = {SPLIT_MAX_OBJECT_BYTES})").to_arrow_reader(_FETCH)
            batch: list[str] = []
            size = 0
            for chunk in reader:
                for text in chunk.column(0).to_pylist():
                    batch.append(text)
                    size += len(text)
                    # Bounded by bytes too: one element can be a whole page of 200 scrobbles.
                    if len(batch) >= BATCH or size >= BATCH_BYTES:
                        stream_hook(len(batch), size)
                        yield batch
                        batch, size = [], 0
            if batch:
                stream_hook(len(batch), size)
                yield batch
        except (duckdb.Error, UnicodeError, RuntimeError, pa.ArrowException, OSError) as exc:
            raise NotStreamable from exc
        finally:
            if reader is not None:
                reader.close()  # before the pipe's read end closes under it
    if pipes.failed:
        raise NotStreamable


def _readable_in_place(path: str) -> bool:
    """DuckDB would read a glob in the name, and the feeder (not DuckDB) skips a BOM."""
    if any(c in path for c in "*?[]{}'\n"):
        return False
    try:
        with open(path, "rb") as f:
            return not bom_length(f.read(len(UTF8_BOM)))
    except OSError:
        return False


def array_batches(data: bytes) -> Iterator[list[Any]]:
    """The elements of the JSON array ``data`` (no BOM), parsed, in batches.

    Raises :class:`NotStreamable` when ``data`` is not a well-formed JSON array, possibly after some batches
    were yielded; ``orjson.JSONDecodeError`` cannot happen for an element DuckDB accepted.
    """
    if not data.lstrip().startswith(b"["):
        raise NotStreamable
    for texts in array_texts([data]):
        yield [loads_json(text) for text in texts]


def line_batches(data: bytes) -> Iterator[list[bytes]]:
    """The non-blank lines of ``data`` in batches, without a list of every line (it would cost ~2x the
    file)."""
    for _, batch in numbered_line_batches([data]):
        yield batch


def numbered_line_batches(pieces: Iterable[bytes]) -> Iterator[tuple[list[int], list[bytes]]]:
    """The non-blank lines of the text in ``pieces`` (a leading BOM removed), in batches of at most
    :data:`BATCH` lines, each with the lines' 1-based numbers (for messages)."""
    numbers: list[int] = []
    batch: list[bytes] = []
    size = 0
    line_no = 0
    rest = b""
    for piece in strip_bom_pieces(pieces):
        data = rest + piece if rest else piece
        start, end = 0, len(data)
        while True:
            stop = data.find(b"\n", start)
            if stop < 0:
                break
            line_no += 1
            line = data[start:stop]
            start = stop + 1
            if line and not line.isspace():
                numbers.append(line_no)
                batch.append(line)
                size += len(line)
                if len(batch) >= BATCH or size >= BATCH_BYTES:
                    stream_hook(len(batch), size)
                    yield numbers, batch
                    numbers, batch, size = [], [], 0
        rest = data[start:end]
    if rest and not rest.isspace():
        numbers.append(line_no + 1)
        batch.append(rest)
        size += len(rest)
    if batch:
        stream_hook(len(batch), size)
        yield numbers, batch


class PiecesReader(io.RawIOBase):
    """A read-only file over ``pieces`` (for pyarrow's streaming CSV reader): holds one piece at a time."""

    def __init__(self, pieces: Pieces) -> None:
        super().__init__()
        self._it = iter(pieces())
        self._buf = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            piece = next(self._it, None)
            if piece is None:
                return 0
            self._buf = memoryview(piece)
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def read_ahead(batches: Iterator[T], depth: int | None = None) -> Iterator[T]:
    """``batches``, produced by a thread of its own up to ``depth`` (default :data:`READ_AHEAD`) items ahead
    of the caller.

    Reading a CSV block (pyarrow), computing a batch's rows (pyarrow.compute) and appending the previous
    batch (DuckDB) all release the GIL, so on two cores they overlap instead of adding up. Memory stays
    bounded: ``depth`` waiting items plus the one being produced. An error of the producer is raised here,
    in order, after the items before it; when the caller stops early (an error, Ctrl-C) the thread stops
    after its current item and is joined before this returns. ``depth`` 0: no thread, ``batches`` as is.
    """
    depth = READ_AHEAD if depth is None else depth
    if depth <= 0:
        yield from batches
        return
    results: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def give(item: tuple[str, object]) -> bool:
        while not stop.is_set():
            try:
                results.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for parsed in batches:
                if not give(("batch", parsed)):
                    return
            give(("end", None))
        except BaseException as exc:  # handed to the caller, who raises it in its own thread
            give(("error", exc))
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="linernotes-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = results.get()
            if kind == "end":
                return
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            yield cast(T, value)
    finally:
        stop.set()
        thread.join()
