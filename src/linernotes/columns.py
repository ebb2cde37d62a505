"""Query results as numpy columns, without pandas.

DuckDB's own ``fetchnumpy()`` imports pandas on first use, which costs a fifth of a second — more than many
insights take. Going through Arrow gives the same columns: numbers as numpy arrays (a masked array where a
column has NULLs, as ``fetchnumpy`` does), text and other types as object arrays with None for NULL.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.types as pat


def fetch_columns(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> dict[str, Any]:
    """Run ``sql`` and return ``{column: numpy array}``.

    >>> fetch_columns(duckdb.connect(), "SELECT 1 AS a, NULL::INT AS b, 'x' AS c")["c"].tolist()
    ['x']
    """
    table = (con.sql(sql, params=params) if params else con.sql(sql)).to_arrow_table()
    return {name: _column(table.column(name)) for name in table.column_names}


def _column(col: pa.ChunkedArray) -> Any:
    kind = col.type
    numeric = pat.is_integer(kind) or pat.is_floating(kind) or pat.is_boolean(kind)
    if numeric and col.null_count == 0:
        return col.to_numpy()
    if numeric:
        mask = col.is_null().to_numpy(zero_copy_only=False)
        filled = col.fill_null(False if pat.is_boolean(kind) else 0).to_numpy()
        return np.ma.masked_array(filled, mask=mask)
    if pat.is_date(kind):  # as fetchnumpy gives them
        return np.asarray(col.to_numpy(zero_copy_only=False)).astype("datetime64[us]")
    if pat.is_timestamp(kind):
        return np.asarray(col.to_numpy(zero_copy_only=False))
    return np.asarray(col.to_pylist(), dtype=object)
