"""The figures each insight declares for `ask` (FIGURES at the end of its module) point at real fields.

A declared path is walked through the type annotations of the insight's result dataclass, so renaming a
field of a result (or a typo in a declaration) fails here instead of silently turning an answer into
"no plays matched"; the planner's intents each have figures to choose from.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from linernotes.ask.answer import COMPUTED, EDGE_PLAYS, UNITS
from linernotes.ask.intents import PSEUDO, RULES, figures_of
from linernotes.engine import registry
from linernotes.engine.figures import ALL, ANY_NAME, DECADE, GENRE, Figure

NUMBER_TRANSFORMS = {"hours", "minutes", "smin", "pct", "round1", "round2", "weekday"}


def _options(tp: Any) -> list[Any]:
    """The types a value annotated ``tp`` can have (an optional or a union gives several)."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(tp) if a is not type(None)]
    return [tp]


def leaf_types(tp: Any, keys: list[str]) -> list[Any]:
    """The types found at ``keys`` (field names and list indexes) inside a value of type ``tp``; [] when the
    path does not exist in that type."""
    if not keys:
        return _options(tp)
    key, rest = keys[0], keys[1:]
    found: list[Any] = []
    for option in _options(tp):
        origin, args = typing.get_origin(option), typing.get_args(option)
        if option is Any:
            found.append(Any)
        elif origin in (list, Sequence) and key.isdigit():
            found += leaf_types(args[0] if args else Any, rest)
        elif origin is tuple and key.isdigit():
            item = args[0] if len(args) == 2 and args[1] is Ellipsis else (
                args[int(key)] if int(key) < len(args) else None)
            if item is not None:
                found += leaf_types(item, rest)
        elif origin is dict:
            found += leaf_types(args[1] if args else Any, rest)
        elif isinstance(option, type) and dataclasses.is_dataclass(option):
            hints = typing.get_type_hints(option)
            names = {f.name for f in dataclasses.fields(option)} - {"meta"}  # what Result.to_dict writes
            if key in names:
                found += leaf_types(hints[key], rest)
    return found


def path_problem(result_type: type, figure: Figure) -> str | None:
    """Why ``figure`` cannot be read from a result of ``result_type`` (None when it can)."""
    if figure.path.startswith("@"):
        if figure.path in EDGE_PLAYS:
            return None  # read from the plays themselves, not from the result
        if figure.path not in COMPUTED:
            return f"{figure.path} is not a figure linernotes.ask.answer computes"
        if not figure.reads:
            return f"{figure.path} does not say which part of the result it is computed from"
        keys, transform = figure.reads, ""
    else:
        keys, _, transform = figure.path.partition("|")
    leaves = leaf_types(result_type, keys.split("."))
    if not leaves:
        return f"{keys} is not a field path of {result_type.__name__}"
    if transform and transform not in UNITS:
        return f"unknown transform |{transform}"
    numbers = [t for t in leaves if t is Any or (isinstance(t, type) and issubclass(t, int | float))]
    if transform in NUMBER_TRANSFORMS and not numbers:
        return f"|{transform} needs a number, but {keys} is {leaves}"
    many = [t for t in leaves if t is Any or typing.get_origin(t) in (list, tuple, dict, Sequence)]
    if transform == "len" and not many:
        return f"|len needs a list, but {keys} is {leaves}"
    return None


def declarations() -> list[tuple[str, type, Figure]]:
    """(insight, its result type, figure) for every figure declared by an insight or by a pseudo intent."""
    out = [(spec.name, spec.result_type, f) for spec in registry.all_insights() for f in figures_of(spec.name)]
    for insight, figures in PSEUDO.values():
        out += [(insight, registry.get(insight).result_type, f) for f in figures]
    return out


@pytest.mark.parametrize(("insight", "result_type", "figure"), declarations(),
                         ids=lambda v: v.path if isinstance(v, Figure) else str(getattr(v, "__name__", v)))
def test_every_declared_figure_exists_in_its_result_type(insight: str, result_type: type, figure: Figure) -> None:
    assert path_problem(result_type, figure) is None, (insight, figure.name, path_problem(result_type, figure))


@dataclass
class Row:
    name: str
    plays: int


@dataclass
class Renamed:
    rows: list[Row]
    totals: dict[str, float | None]
    share: float | None


def test_a_renamed_field_is_caught() -> None:
    assert path_problem(Renamed, Figure("top", None, "", "rows.0.name")) is None
    assert path_problem(Renamed, Figure("share", "%", "", "share|pct")) is None
    assert path_problem(Renamed, Figure("time", "hours", "", "totals.anything|hours")) is None
    assert path_problem(Renamed, Figure("top", None, "", "rows.0.title")) is not None  # the field is "name"
    assert path_problem(Renamed, Figure("top", None, "", "rows.name")) is not None  # a list needs an index
    assert path_problem(Renamed, Figure("top", None, "", "row.0.name")) is not None
    assert path_problem(Renamed, Figure("top", None, "", "rows.0.name|hours")) is not None  # a name is no number
    assert path_problem(Renamed, Figure("n", None, "", "rows|len")) is None
    assert path_problem(Renamed, Figure("n", None, "", "share|len")) is not None
    assert path_problem(Renamed, Figure("n", None, "", "share|percent")) is not None
    assert path_problem(Renamed, Figure("d", None, "", "@biggest_day", reads="days")) is not None
    assert path_problem(Renamed, Figure("d", None, "", "@biggest_day")) is not None
    assert path_problem(Renamed, Figure("d", None, "", "@unknown", reads="rows")) is not None


def test_every_intent_has_figures_to_choose_from() -> None:
    for intent, _pattern, _weight in RULES:
        figures = PSEUDO[intent][1] if intent in PSEUDO else figures_of(intent)
        assert figures, f"intent {intent!r}: its insight declares no FIGURES"
        # a question about all the listening always gets a figure: the last one it can reach has no words
        general = [f for f in figures if ALL in f.about]
        assert general and not general[-1].words and not general[-1].unless, intent


def test_declarations_are_well_formed() -> None:
    for insight, _result_type, figure in declarations():
        assert figure.name and set(figure.about) <= {ALL, *ANY_NAME, GENRE, DECADE}, (insight, figure)
        transform = figure.path.partition("|")[2]
        if UNITS.get(transform):  # hours, minutes, %: the declared unit is the one the answer shows
            assert figure.unit == UNITS[transform], (insight, figure)
    for spec in registry.all_insights():  # the planner looks some up by name
        names = [f.name for f in figures_of(spec.name)]
        assert len(names) == len(set(names)), f"two figures of {spec.name} share a name"


def test_the_first_figure_asked_for_wins() -> None:
    night = Figure("night share", "%", r"\bnight\b", "night_share|pct")
    hour = Figure("peak hour", None, "", "peak_hour")
    assert night.asked_by("how much at night") and not night.asked_by("what hour")
    assert hour.asked_by("anything at all") and not hour.asked_by("anything", "artist")
    song = Figure("first song", None, r"\bsongs?\b", "@first_song", unless=r"\bwhen\b")
    assert song.asked_by("first song") and not song.asked_by("when was my first song")
