"""Person-written SQL conditions (an exclusion rule's ``where``, a saved selection) checked before they run.

Such a condition is spliced into the queries of every insight, so it must be nothing but a condition on
the columns of ``plays``: DuckDB's own parser reads it (on a sandboxed in-memory connection that cannot
touch files or the network), and every node of the expression must be on an allow-list — column
references to ``plays`` columns, constants, comparisons, AND/OR/NOT, CASE, CAST and a fixed set of
string, number and time functions. No subquery, no table function (``read_text``, ``read_csv``,
``glob``...), no window, no parameter, nothing qualified by a schema. What runs afterwards is not the text
the person typed but DuckDB's rendering of the checked tree, so a comment or an unbalanced parenthesis
cannot change how the condition sits in the surrounding query. Reasons for refusing are fixed sentences
that never repeat anything DuckDB said (its messages quote values).
"""

from __future__ import annotations

import json
import re
import threading
from functools import lru_cache
from typing import Any

import duckdb

from linernotes.errors import UsageError
from linernotes.privacy import DUCKDB_OFFLINE

# The columns of the ``plays`` view (tests check this against the view itself).
PLAYS_COLUMNS = frozenset({
    "play_id", "source", "format", "import_id", "kind", "ts_start", "ts_end", "ms_played", "track", "artist",
    "album", "show_name", "episode", "audiobook", "chapter", "uri", "platform", "device", "country", "tz",
    "ts_local", "reason_start", "reason_end", "shuffle", "skipped", "offline", "incognito", "zero_play",
    "duration_ms", "recording_mbid", "artist_mbid", "release_mbid", "fuzzy_time", "genre",
    "utc_offset_min",
})
# Names the parser reads as column references but DuckDB binds to the clock.
CLOCK_NAMES = frozenset({"current_date", "current_time", "current_timestamp"})

# Scalar functions and operators a condition may call: none reads a file, the network or the catalog.
FUNCTIONS = frozenset({
    # operators: arithmetic, concatenation, LIKE / ILIKE / GLOB (string matching, not files) and negations
    "+", "-", "*", "/", "//", "%", "^", "**", "||", "~~", "!~~", "~~*", "!~~*", "~~~", "!~~~",
    # text
    "lower", "upper", "lcase", "ucase", "trim", "ltrim", "rtrim", "length", "strlen", "char_length",
    "character_length", "contains", "starts_with", "ends_with", "prefix", "suffix", "substr", "substring",
    "left", "right", "replace", "concat", "concat_ws", "strpos", "instr", "position", "lpad", "rpad",
    "reverse", "split_part", "regexp_matches", "regexp_full_match", "regexp_extract", "regexp_replace",
    "like_escape", "ilike_escape", "levenshtein", "damerau_levenshtein", "jaro_winkler_similarity",
    "strip_accents", "nfc_normalize",
    # numbers and NULLs
    "nullif", "ifnull", "abs", "round", "floor", "ceil", "ceiling", "least", "greatest", "sign", "trunc",
    # time
    "hour", "minute", "second", "millisecond", "year", "month", "day", "dayofweek", "dayofmonth",
    "dayofyear", "isodow", "weekday", "week", "weekofyear", "quarter", "yearweek", "isoyear", "date_part",
    "datepart", "date_trunc", "datetrunc", "strftime", "strptime", "try_strptime", "epoch", "epoch_ms",
    "make_date", "make_time", "make_timestamp", "date_diff", "datediff", "date_sub", "datesub", "date_add",
    "last_day", "monthname", "dayname", "today", "now", "get_current_timestamp", "timezone",
    "to_days", "to_hours", "to_minutes", "to_seconds", "to_weeks", "to_months", "to_years",
    "to_milliseconds", "to_microseconds",
})
# Expression kinds (DuckDB's ``class``) and, for the generic OPERATOR class, which operators.
CLASSES = frozenset({"CONJUNCTION", "COMPARISON", "OPERATOR", "BETWEEN", "CASE", "CAST", "TYPE", "CONSTANT",
                     "COLUMN_REF", "FUNCTION", "COLLATE"})
OPERATORS = frozenset({"OPERATOR_NOT", "OPERATOR_IS_NULL", "OPERATOR_IS_NOT_NULL", "COMPARE_IN",
                       "COMPARE_NOT_IN", "OPERATOR_COALESCE"})

_PREFIX = "SELECT * FROM all_plays WHERE "
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")
_SANDBOX_LOCK = threading.Lock()
_sandbox: duckdb.DuckDBPyConnection | None = None


class RefusedSelection(UsageError):
    """A selection that is not an allowed condition on ``plays``; the message is a fixed sentence."""


def canonical(where: str) -> str:
    """``where`` checked and re-rendered by DuckDB, ready to splice into a query (raises
    :class:`RefusedSelection` with a fixed reason otherwise).

    >>> canonical("ms_played < 30000 and artist ilike '%x%'")
    "((ms_played < 30000) AND (artist ~~* '%x%'))"
    """
    return _canonical(where)


@lru_cache(maxsize=256)
def _canonical(where: str) -> str:
    if ";" in where:
        raise RefusedSelection("a selection is one SQL condition, without ';'")
    rendered = _render(_check(_parse(where)))
    # The rendering is parsed and checked again: what runs is exactly what was checked.
    if _render(_check(_parse(rendered, wrapped=False))) != rendered:
        raise RefusedSelection("a selection must be a plain SQL condition on the plays columns")
    return rendered


def _parse(where: str, *, wrapped: bool = True) -> dict[str, Any]:
    # Newlines around it: a trailing ``-- comment`` ends at the line's end instead of eating the ')'.
    text = _PREFIX + (f"(\n{where}\n)" if wrapped else where)
    with _SANDBOX_LOCK:
        raw = _sandbox_connection().execute("SELECT json_serialize_sql(?)", [text]).fetchall()[0][0]
    tree = json.loads(raw)
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        raise RefusedSelection("the selection is not an SQL condition (check its quotes and parentheses)")
    node = tree["statements"][0]["node"]
    from_table = node.get("from_table") or {}
    plain = (
        node.get("type") == "SELECT_NODE"
        and [e.get("class") for e in node.get("select_list", [])] == ["STAR"]
        and from_table.get("type") == "BASE_TABLE" and from_table.get("table_name") == "all_plays"
        and not from_table.get("schema_name") and not from_table.get("catalog_name")
        and not node.get("modifiers") and not node.get("cte_map", {}).get("map")
        and not node.get("group_expressions") and not node.get("group_sets")
        and node.get("having") is None and node.get("qualify") is None and node.get("sample") is None
        and node.get("where_clause") is not None
    )
    if not plain:
        raise RefusedSelection("a selection must be a plain SQL condition on the plays columns")
    return tree  # type: ignore[no-any-return]


def _check(tree: dict[str, Any]) -> dict[str, Any]:
    _walk(tree["statements"][0]["node"]["where_clause"])
    return tree


def _walk(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item)
        return
    if not isinstance(node, dict):
        return
    if "node" in node or node.get("type") in ("SELECT_NODE", "SET_OPERATION_NODE"):
        raise RefusedSelection("a selection may not contain a query (no SELECT inside it)")
    kind = node.get("class")
    if kind is not None:
        _check_expression(kind, node)
    for value in node.values():
        _walk(value)


def _check_expression(kind: str, node: dict[str, Any]) -> None:
    if kind == "SUBQUERY":
        raise RefusedSelection("a selection may not contain a query (no SELECT inside it)")
    if kind not in CLASSES:
        raise RefusedSelection(f"a selection may not use {_shown(kind.lower().replace('_', ' '))} expressions")
    if kind == "OPERATOR" and node.get("type") not in OPERATORS:
        raise RefusedSelection("a selection may not use this operator")
    if kind == "COLUMN_REF":
        names = node.get("column_names") or []
        if len(names) != 1:
            raise RefusedSelection("a selection names plays columns alone (artist, not t.artist)")
        if names[0].lower() not in PLAYS_COLUMNS | CLOCK_NAMES:
            raise RefusedSelection(f"{_shown(names[0])} is not a column of plays")
    if kind == "FUNCTION":
        name = str(node.get("function_name") or "").lower()
        qualified = node.get("schema") or node.get("catalog")
        extras = node.get("filter") is not None or node.get("distinct") or node.get("export_state") or (
            (node.get("order_bys") or {}).get("orders"))
        if qualified or name not in FUNCTIONS:
            raise RefusedSelection(f"a selection may not use the function {_shown(name)}")
        if extras:
            raise RefusedSelection("a selection may not use FILTER, DISTINCT or ORDER BY in a function")


def _render(tree: dict[str, Any]) -> str:
    with _SANDBOX_LOCK:
        sql = _sandbox_connection().execute("SELECT json_deserialize_sql(?::JSON)", [json.dumps(tree)]).fetchall()
    text = str(sql[0][0])
    if not text.startswith(_PREFIX):
        raise RefusedSelection("a selection must be a plain SQL condition on the plays columns")
    return text[len(_PREFIX):]


def _shown(name: str) -> str:
    """A name from the person's own text, repeated only when it is a plain identifier."""
    return repr(name) if _NAME.fullmatch(name.replace(" ", "_")) else "this"


def _sandbox_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that can read no file and change no setting: it only parses and renders."""
    global _sandbox
    if _sandbox is None:
        _sandbox = duckdb.connect(":memory:", config={"enable_external_access": False, **DUCKDB_OFFLINE,
                                                      "lock_configuration": True, "threads": 1})
    return _sandbox
