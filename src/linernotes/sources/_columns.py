"""Turning a parsed JSON array of flat records into Arrow columns without a Python loop per record.

``orjson`` gives a list of dicts; :func:`columns_of` transposes it with C-level iteration
(``map(itemgetter)`` + ``zip``) and falls back to a per-key ``dict.get`` only when some record lacks a
key or is not an object. :func:`typed_array` converts a column to an Arrow type and, when values of the
wrong type are present, nulls them and reports where, so a parser can count the damage instead of failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def columns_of(records: list[Any], keys: Sequence[str]) -> tuple[dict[str, list[Any]], np.ndarray]:
    """Transpose ``records`` into one list per key.

    Returns the columns and a boolean mask of records that were JSON objects (others get all-None values
    and should be counted as dropped by the caller).

    >>> cols, ok = columns_of([{"a": 1, "b": 2}, {"a": 3}], ["a", "b"])
    >>> cols["b"], ok.tolist()
    ([2, None], [True, True])
    """
    n = len(records)
    if n == 0:
        return {k: [] for k in keys}, np.ones(0, dtype=bool)
    try:
        if len(keys) == 1:
            transposed: list[tuple[Any, ...]] = [tuple(map(itemgetter(keys[0]), records))]
        else:
            transposed = list(zip(*map(itemgetter(*keys), records), strict=True))
        return dict(zip(keys, map(list, transposed), strict=True)), np.ones(n, dtype=bool)
    except (KeyError, TypeError, IndexError):
        pass
    # Slow path: some record misses a key or is not an object. Still one comprehension per key.
    is_obj = np.fromiter((isinstance(r, dict) for r in records), dtype=bool, count=n)
    safe = records if is_obj.all() else [r if isinstance(r, dict) else {} for r in records]
    return {k: [r.get(k) for r in safe] for k in keys}, is_obj


def typed_array(values: list[Any], dtype: pa.DataType) -> tuple[pa.Array, np.ndarray]:
    """Convert ``values`` to ``dtype``; values of the wrong JSON type become null.

    Returns the array and a mask of positions whose non-null value had to be nulled.
    Floats with an integral value are accepted for integer types (one export quotes ``1757456076.0``).
    """
    n = len(values)
    try:
        return pa.array(values, type=dtype), np.zeros(n, dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
        pass
    if pa.types.is_floating(dtype):
        # One value per Python call, only on this slow path: a huge integer, a numeric string or a boolean
        # must cost that value, not the column.
        floats = [_as_float(v) for v in values]
        bad = np.fromiter((v is not None and f is None for v, f in zip(values, floats, strict=True)),
                          dtype=bool, count=n)
        return pa.array(floats, type=dtype), bad
    if pa.types.is_integer(dtype):
        # Mixed ints and floats: go through float64 when every value is numeric and integral.
        try:
            as_float = pa.array(values, type=pa.float64())
            integral = pc.equal(pc.floor(as_float), as_float)
            if pc.all(pc.or_kleene(integral, pc.is_null(as_float))).as_py():
                return pc.cast(as_float, dtype), np.zeros(n, dtype=bool)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
            pass
    expected = _python_types(dtype)
    bad = np.fromiter(
        (
            v is not None
            and (
                type(v) not in expected
                or (dtype == pa.int64() and isinstance(v, float) and not float(v).is_integer())
            )
            for v in values
        ),
        dtype=bool,
        count=n,
    )
    cleaned = [None if b else v for v, b in zip(values, bad, strict=True)]
    try:
        return pa.array(cleaned, type=dtype), bad
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
        # Out-of-range integers and the like: give up on the whole column, every value is suspect.
        return pa.nulls(n, dtype), np.array([v is not None for v in values], dtype=bool)


def _as_float(value: Any) -> float | None:
    """A JSON number, or a string holding one, as a float; else None. Booleans count as 0 and 1 and numeric
    strings as their number, as DuckDB's reader (the fast path) casts them."""
    if isinstance(value, int | float | str):
        try:
            return float(value)
        except (OverflowError, ValueError):
            return None
    return None


def _python_types(dtype: pa.DataType) -> tuple[type, ...]:
    if pa.types.is_boolean(dtype):
        return (bool,)
    if pa.types.is_integer(dtype):
        return (int, float)
    if pa.types.is_floating(dtype):
        return (int, float)
    return (str,)
