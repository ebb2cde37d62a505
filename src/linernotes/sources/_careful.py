"""One JSON file with a :class:`~linernotes.sources._duckjson.JsonPlan` → kept rows and dropped counts, when
the fast path may refuse it.

Three readers, tried in order until one succeeds:

1. DuckDB's strict reader (fast; refuses the whole file for one odd record);
2. the careful reader, which flags an odd record (not an object, text where a number belongs) instead of
   failing: for a file of at most :data:`IN_MEMORY_MAX_BYTES`, orjson over the whole file; for a larger
   one, DuckDB's tolerant reader over the streamed pieces, so memory stays bounded whatever the size
   (orjson's objects cost about ten times the file);
3. a diagnosis: a file that no reader accepts is broken as a whole, and the error names it — with orjson's
   line and column when the file is small enough to load.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from linernotes.errors import InputError
from linernotes.schema import STAGED_SCHEMA
from linernotes.sources._columns import columns_of, typed_array
from linernotes.sources._duckjson import MAX_OBJECT_BYTES, JsonPlan, query_json_pieces, transform
from linernotes.sources._scrobble import utf8_error_offset
from linernotes.sources.base import Parsed, loads_json, strip_bom

# Above this size a file is never loaded whole into Python: orjson's dicts would cost ~10x its size.
IN_MEMORY_MAX_BYTES = 64 * 1024 * 1024
_ARROW_TYPES = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_()}

Pieces = Callable[[], Iterable[bytes]]


def parse_records(data: bytes, name: str, plan: JsonPlan) -> Parsed:
    """Run ``plan`` on one file's bytes (see :func:`parse_stream`)."""
    return parse_stream(lambda: (data,), len(data), name, plan)


def parse_stream(pieces: Pieces, size: int, name: str, plan: JsonPlan) -> Parsed:
    """Run ``plan`` on one file of ``size`` bytes, which ``pieces()`` yields afresh at each call, and split
    the output into kept rows and dropped-reason counts."""
    rows = query_json_pieces(pieces(), plan)
    if not isinstance(rows, pa.Table):
        if size <= IN_MEMORY_MAX_BYTES:
            rows = transform(_careful_raw(b"".join(pieces()), name, plan), plan.sql)
        else:
            rows = query_json_pieces(pieces(), plan, tolerant=True)
            if not isinstance(rows, pa.Table):
                raise _diagnose(pieces, name, rows)
    reasons = rows.column("_drop")
    dropped: Counter[str] = Counter()
    n_read = rows.num_rows
    if reasons.null_count < n_read:
        for item in pc.value_counts(reasons).to_pylist():
            if item["values"] is not None:
                dropped[item["values"]] = item["counts"]
        rows = rows.filter(pc.is_null(reasons))
    return Parsed(format=plan.format, table=rows.drop_columns(["_drop", "_file"]).cast(STAGED_SCHEMA),
                  rows_read=n_read, dropped=dropped)


def _diagnose(pieces: Pieces, name: str, message: str) -> InputError:
    """Why a large file no reader accepts is broken, as one line (never DuckDB's text: it can hold bytes of
    the file)."""
    for _ in pieces():  # a corrupt archive member raises its own InputError here
        pass
    if "maximum_object_size" in message:
        return InputError(name, f"a record is larger than {MAX_OBJECT_BYTES >> 20} MB: not a listening history "
                                "export (real records are a few hundred bytes)")
    if "UTF-8" in message or "utf-8" in message or "Unicode" in message:
        return InputError(name, "not valid UTF-8 (exports are UTF-8)")
    return InputError(name, "not valid JSON (truncated or corrupt)")


def load_json_array(data: bytes, name: str) -> list[Any]:
    """Parse a whole JSON array, turning every failure into a one-line InputError."""
    try:
        value = loads_json(strip_bom(data))
    except orjson.JSONDecodeError as exc:
        bad_byte = utf8_error_offset(data)
        if bad_byte is not None:
            # orjson reports encoding errors at position 0; the decoder knows the real offset.
            raise InputError(name, "not valid UTF-8 (exports are UTF-8)", where=f"byte {bad_byte}") from None
        where = f"line {exc.lineno}, column {exc.colno}" if exc.lineno else f"byte {exc.pos}"
        raise InputError(name, "not valid JSON (truncated or corrupt)", where=where) from None
    if not isinstance(value, list):
        raise InputError(name, "expected a JSON array of plays")
    return value


def _careful_raw(data: bytes, name: str, plan: JsonPlan) -> pa.Table:
    """The plan's raw relation from orjson: a record that is not an object, or a checked number that is not
    one, only flags that record (``_not_object``, ``_bad_number``)."""
    types = plan.types
    records = load_json_array(data, name)
    del data
    cols, is_obj = columns_of(records, list(types))
    del records
    arrays: dict[str, pa.Array] = {}
    bad_number = np.zeros(len(is_obj), dtype=bool)
    for key, sql_type in types.items():
        arrays[key], bad = typed_array(cols.pop(key), _ARROW_TYPES[sql_type])
        if key in plan.checked:
            bad_number |= bad
    arrays["_not_object"] = pa.array(~is_obj)
    arrays["_bad_number"] = pa.array(bad_number)
    arrays["_file"] = pa.array(np.zeros(len(is_obj), dtype=np.int32))
    return pa.table(arrays)
