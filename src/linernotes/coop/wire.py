"""The wire form of a contribution: the exact JSON the device sends and the server checks.

The device sends canonical JSON (sorted keys, no whitespace, UTF-8) so ``coop preview`` can print the very
bytes that will leave the machine; the server checks them strictly (:func:`check`) and stores them as the
one-row Parquet file of :mod:`contract` (:func:`to_table`).

    benchmarks: {"discovery_rate": 0.12, ..., "top_artists": ["A", "B", ...], "weekly_hours": 9.5}
    taste:      {"affinity": [5, 4, ...], "artists": ["A", "B", ...]}

Names are strings of 1..MAX_NAME_CHARS characters with no control or bidirectional-override characters,
unique within a package. Anything else is refused with a one-line reason.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

import orjson

from linernotes.coop import contract
from linernotes.coop.canonical import canonical_json
from linernotes.errors import LinernotesError
from linernotes.terminal import inert as inert  # the package checks and messages print with it

# C0/C1 controls, DEL, and the bidi embeddings/overrides/isolates that can make a name display as another.
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
NAME_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069\\ufeff]+$"


class PackageError(LinernotesError):
    """A package that does not meet its scope's schema or bounds; the message says what, on one line."""


def encode(package: dict[str, Any]) -> bytes:
    """The canonical bytes of a package: what is sent, shown by preview, and hashed in receipts."""
    return canonical_json(package)


def clean_name(name: str) -> str:
    """A name as the device sends it: NFC, forbidden characters removed, trimmed, cut to MAX_NAME_CHARS."""
    text = _FORBIDDEN.sub("", unicodedata.normalize("NFC", name)).strip()
    return text[: contract.MAX_NAME_CHARS].strip()


def _names(value: Any, field: str, limit: int) -> list[str]:
    if not isinstance(value, list):
        raise PackageError(f"{field}: expected a list of names")
    if len(value) > limit:
        raise PackageError(f"{field}: {len(value)} names, at most {limit} allowed")
    for i, name in enumerate(value):
        if not isinstance(name, str):
            raise PackageError(f"{field}[{i}]: expected a string")
        if not 1 <= len(name) <= contract.MAX_NAME_CHARS:
            raise PackageError(f"{field}[{i}]: a name has 1 to {contract.MAX_NAME_CHARS} characters")
        if _FORBIDDEN.search(name):
            raise PackageError(f"{field}[{i}]: control or bidirectional-override character")
        if name != name.strip():
            raise PackageError(f"{field}[{i}]: leading or trailing whitespace")
    if len(set(value)) != len(value):
        raise PackageError(f"{field}: names must be unique")
    return value


def check(scope: str, body: bytes) -> dict[str, Any]:
    """The package in ``body`` if it is exactly what ``scope`` allows; :class:`PackageError` if not."""
    if scope not in contract.SCOPES:
        raise PackageError(f"unknown scope {scope!r}")
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise PackageError("the body is not valid UTF-8 JSON") from None
    if not isinstance(doc, dict):
        raise PackageError("the body must be a JSON object")
    expected = (set(contract.METRIC_NAMES) | {"top_artists"}) if scope == "benchmarks" else {"artists", "affinity"}
    if set(doc) != expected:
        extra, missing = sorted(set(doc) - expected), sorted(expected - set(doc))
        raise PackageError("fields do not match the scope: "
                           + "; ".join(p for p in (f"unexpected {', '.join(extra)}" if extra else "",
                                                   f"missing {', '.join(missing)}" if missing else "") if p))
    if scope == "benchmarks":
        for m in contract.METRICS:
            value = doc[m.name]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise PackageError(f"{m.name}: expected a number")
            if not math.isfinite(value) or not m.lower <= value <= m.upper:
                raise PackageError(f"{m.name}: {value!r} is outside its published bounds [{m.lower}, {m.upper}]")
            doc[m.name] = float(value)
        _names(doc["top_artists"], "top_artists", contract.TOP_ARTISTS_BENCHMARKS)
    else:
        artists = _names(doc["artists"], "artists", contract.TOP_ARTISTS_TASTE)
        affinity = doc["affinity"]
        if not isinstance(affinity, list) or len(affinity) != len(artists):
            raise PackageError("affinity: expected one integer per artist")
        for i, a in enumerate(affinity):
            if isinstance(a, bool) or not isinstance(a, int) or not contract.AFFINITY_MIN <= a <= contract.AFFINITY_MAX:
                raise PackageError(f"affinity[{i}]: expected an integer in "
                                   f"{contract.AFFINITY_MIN}..{contract.AFFINITY_MAX}")
    return doc


def to_table(scope: str, doc: dict[str, Any]):  # -> pyarrow.Table, one row, the contract's schema
    """The one-row Arrow table of a checked package, in the contract's schema."""
    import pyarrow as pa

    if scope == "benchmarks":
        schema = contract.benchmarks_schema()
        columns = [pa.array([doc[n]], pa.float64()) for n in contract.METRIC_NAMES]
        columns.append(pa.array([doc["top_artists"]], pa.list_(pa.string())))
    else:
        schema = contract.taste_schema()
        columns = [pa.array([doc["artists"]], pa.list_(pa.string())),
                   pa.array([doc["affinity"]], pa.list_(pa.int8()))]
    return pa.Table.from_arrays(columns, schema=schema)


def json_schema(scope: str) -> dict[str, Any]:
    """The JSON Schema of a scope's package (published in the server's OpenAPI document)."""
    name = {"type": "string", "minLength": 1, "maxLength": contract.MAX_NAME_CHARS, "pattern": NAME_PATTERN}
    if scope == "benchmarks":
        props: dict[str, Any] = {m.name: {"type": "number", "minimum": m.lower, "maximum": m.upper,
                                          "description": f"{m.meaning} ({m.unit})"} for m in contract.METRICS}
        props["top_artists"] = {"type": "array", "items": name, "maxItems": contract.TOP_ARTISTS_BENCHMARKS,
                                "uniqueItems": True, "description": "most listened artists first, no counts"}
    else:
        props = {"artists": {"type": "array", "items": name, "maxItems": contract.TOP_ARTISTS_TASTE,
                             "uniqueItems": True},
                 "affinity": {"type": "array", "maxItems": contract.TOP_ARTISTS_TASTE,
                              "items": {"type": "integer", "minimum": contract.AFFINITY_MIN,
                                        "maximum": contract.AFFINITY_MAX}}}
    return {"type": "object", "properties": props, "required": sorted(props), "additionalProperties": False}
