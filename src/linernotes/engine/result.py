"""What an insight returns: a typed dataclass that turns into plain JSON.

Every result carries :class:`Meta` (which insight, over which plays, which exclusion rules changed it)
next to its own fields. Results hold the numbers a chart needs — series, bins, tables — not only prose;
``summary`` is the one place an insight speaks in sentences.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime as dt
import enum
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ExclusionEffect:
    """One exclusion rule that removed plays from this result's selection."""

    rule_id: int
    rule: str
    plays_excluded: int
    ms_excluded: int


@dataclass(frozen=True)
class Meta:
    """The scope an insight ran over, resolved: open period ends become the first or last day with plays."""

    insight: str
    title: str
    start: dt.date | None
    end: dt.date | None
    policy: str
    kinds: tuple[str, ...] | None
    include_incognito: bool
    params: dict[str, Any]
    exclusions: tuple[ExclusionEffect, ...] = ()
    plays: int = 0
    sources: tuple[str, ...] | None = None  # None: every source (then left out of the JSON)


@dataclass(kw_only=True)
class Result:
    """Base class of every insight result. Subclasses are dataclasses with their own typed fields."""

    meta: Meta | None = field(default=None, repr=False)

    def summary(self) -> list[str]:
        """A few plain sentences for people (the CLI prints them above the numbers)."""
        return []

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only: dates as ISO strings, floats rounded to 6 significant decimals."""
        body = {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self) if f.name != "meta"}
        out: dict[str, Any] = {}
        if self.meta is not None:
            out["meta"] = jsonable(self.meta)
            if self.meta.sources is None:  # the whole timeline, as every result said before --source existed
                del out["meta"]["sources"]
        out["summary"] = self.summary()
        out["result"] = body
        return out


def jsonable(value: Any) -> Any:
    """Convert dataclasses, dates, enums, numpy scalars and tuples to JSON-ready Python values.

    >>> jsonable({"d": dt.date(2024, 1, 2), "x": (1.23456789, None)})
    {'d': '2024-01-02', 'x': [1.234568, None]}
    """
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else round(f, 6)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return [jsonable(v) for v in value]
    raise TypeError(f"cannot turn {type(value).__name__} into JSON")


def from_jsonable(tp: Any, value: Any) -> Any:
    """Rebuild a value of type ``tp`` from what :func:`jsonable` made of it (dataclasses, dates, enums,
    tuples, lists, dicts, optionals), so a cached result comes back as the same typed object.

    >>> from_jsonable(ExclusionEffect, {"rule_id": 1, "rule": "x", "plays_excluded": 2, "ms_excluded": 3})
    ExclusionEffect(rule_id=1, rule='x', plays_excluded=2, ms_excluded=3)
    """
    if value is None or tp is Any:
        return value
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:
            return from_jsonable(options[0], value)
        for option in options:  # e.g. float | str: the first that takes the value
            if isinstance(option, type) and isinstance(value, option):
                return value
        return value
    if origin is typing.Literal:
        return value
    if origin in (list, collections.abc.Sequence):
        return [from_jsonable(args[0] if args else Any, v) for v in value]
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_jsonable(args[0], v) for v in value)
        return tuple(from_jsonable(a, v) for a, v in zip(args or [Any] * len(value), value, strict=False))
    if origin is dict:
        key_type, value_type = args if args else (Any, Any)
        return {_key(key_type, k): from_jsonable(value_type, v) for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        fields = {f.name: f for f in dataclasses.fields(tp) if f.init}
        kwargs = {name: from_jsonable(hints.get(name, Any), value[name]) for name in fields if name in value}
        return tp(**kwargs)
    if tp is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if tp is dt.date:
        return dt.date.fromisoformat(value)
    if tp is float and isinstance(value, int):
        return float(value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    return value


def _key(tp: Any, key: str) -> Any:
    if tp is int:
        return int(key)
    return key


def result_from_dict(result_type: type[Result], data: dict[str, Any]) -> Result:
    """The inverse of :meth:`Result.to_dict`: the typed result with its meta."""
    result = from_jsonable(result_type, data["result"])
    if data.get("meta") is not None:
        result.meta = from_jsonable(Meta, data["meta"])
    return typing.cast(Result, result)
