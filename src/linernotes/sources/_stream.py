"""Large JSON documents value by value, so a parser holds one batch of Python objects at a time.

``orjson.loads`` of a whole export costs about ten times the file in Python objects (a 300 MB ListenBrainz
export: over 2 GB). These helpers hand a parser the top-level values in batches of :data:`BATCH`: JSON
Lines split in Python, a JSON array split by DuckDB's reader (each element's raw text, parsed by orjson).
DuckDB materialises the texts (a streaming fetch from a pipe deadlocked), so the split pays off for many
small elements (listens, watch entries), not for a few large ones (Last.fm's 200-track pages).
A parser turns each batch into Arrow columns before asking for the next.

When DuckDB refuses the array (malformed JSON, a record over its size cap) :class:`NotStreamable` is raised
before or between batches: the caller starts again with its whole-document path, which names the error
precisely — or, for a file too large for that, says in one line that it is broken.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa

from linernotes.sources._duckjson import _PIPES, MAX_OBJECT_BYTES, _Pipes, parser
from linernotes.sources.base import loads_json

BATCH = 20_000
BATCH_BYTES = 16 * 1024 * 1024  # of JSON text: its Python objects cost several times that
_FETCH = 256
# Up to this size a document may be parsed whole (the precise error path): ~10x in memory stays < 1 GiB.
WHOLE_MAX_BYTES = 64 * 1024 * 1024


class NotStreamable(Exception):
    """The document cannot be split into values by the streaming reader."""


def array_batches(data: bytes) -> Iterator[list[Any]]:
    """The elements of the JSON array ``data`` (no BOM), parsed, in batches.

    Raises :class:`NotStreamable` when ``data`` is not a well-formed JSON array, possibly after some batches
    were yielded; ``orjson.JSONDecodeError`` cannot happen for an element DuckDB accepted.
    """
    if not _PIPES or not data.lstrip().startswith(b"["):
        raise NotStreamable
    with _Pipes([[data]], on_bytes=None) as pipes:
        try:
            cursor = parser().execute(
                f"SELECT json::VARCHAR FROM read_json_objects({pipes.paths_sql()}, format = 'array', "
                f"compression = 'none', maximum_object_size = {MAX_OBJECT_BYTES})")
            batch: list[Any] = []
            size = 0
            while texts := cursor.fetchmany(_FETCH):
                for (text,) in texts:
                    batch.append(loads_json(text))
                    size += len(text)
                # Bounded by bytes too: one element can be a whole page of 200 scrobbles.
                if len(batch) >= BATCH or size >= BATCH_BYTES:
                    yield batch
                    batch, size = [], 0
            if batch:
                yield batch
        except (duckdb.Error, UnicodeError, RuntimeError, pa.ArrowException) as exc:
            raise NotStreamable from exc


def line_batches(data: bytes) -> Iterator[list[bytes]]:
    """The non-blank lines of ``data`` in batches, without a list of every line (it would cost ~2x the
    file)."""
    batch: list[bytes] = []
    start, end = 0, len(data)
    while start < end:
        stop = data.find(b"\n", start)
        stop = end if stop < 0 else stop
        line = data[start:stop]
        start = stop + 1
        if line and not line.isspace():
            batch.append(line)
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if batch:
        yield batch
