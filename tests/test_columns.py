"""numpy columns from query results, without pandas (linernotes.columns)."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import numpy as np
import pyarrow as pa

from linernotes.columns import column_to_numpy, fetch_columns


def test_types_and_nulls_match_what_fetchnumpy_gives() -> None:
    con = duckdb.connect()
    sql = """SELECT range AS i, range::UBIGINT AS u, range / 4 AS f, range % 2 = 0 AS b,
                    CASE WHEN range % 3 = 0 THEN NULL ELSE range END AS n,
                    DATE '2024-02-28' + range::INT AS d, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(range) AS t,
                    'x' || range AS s, CASE WHEN range = 1 THEN NULL ELSE 'y' END AS ns
             FROM range(5)"""
    ours, theirs = fetch_columns(con, sql), con.execute(sql).fetchnumpy()
    for name in ("i", "u", "f", "b", "d", "t"):
        assert np.array_equal(ours[name], np.asarray(theirs[name])), name
        assert ours[name].dtype == np.asarray(theirs[name]).dtype, name
    assert ours["n"].mask.tolist() == [True, False, False, True, False]
    assert ours["n"].compressed().tolist() == [1, 2, 4]
    assert ours["s"].tolist() == ["x0", "x1", "x2", "x3", "x4"]
    assert ours["ns"].tolist() == ["y", None, "y", "y", "y"]
    ours["i"][0] = 9  # writable, like fetchnumpy's


def test_sliced_arrays_keep_their_offset() -> None:
    booleans = pa.array([True, False, None, True, False, True, True, False, False, True])[3:]
    assert column_to_numpy(booleans).tolist() == [True, False, True, True, False, False, True]
    ints = pa.array([1, None, 3, 4, 5], pa.int64())[1:4]
    got = column_to_numpy(ints)
    assert got.mask.tolist() == [True, False, False] and got.compressed().tolist() == [3, 4]


def test_it_does_not_import_pandas() -> None:
    code = ("import sys, duckdb; from linernotes.columns import fetch_columns; "
            "fetch_columns(duckdb.connect(), \"SELECT 1 AS a, 'x' AS b, DATE '2024-01-01' AS c, NULL::INT AS d\"); "
            "print('pandas' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
