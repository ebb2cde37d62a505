"""The insight registry: every insight, its parameters, and one way to run it.

An insight is a function decorated with :func:`insight`::

    @insight("sessions", "Listening sessions, split by silence")
    def sessions(ctx: Context, *, gap_minutes: Annotated[int, "minutes of silence that end a session"] = 20
                 ) -> SessionsResult:
        '''Precise definition here: the docstring is the insight's documentation.'''

Its keyword-only parameters (with type hints and defaults) become CLI options (``--gap-minutes 30``) and
Python keyword arguments; the scope (period, policy, kinds, incognito, exclusions) is common to all and
arrives through ``ctx``. The CLI, the report, the dashboard and ``ask`` all run insights through
:func:`run`, so their numbers are the same.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import pkgutil
import typing
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, TypeVar, get_args, get_origin

from linernotes.engine.result import Meta, Result, jsonable
from linernotes.engine.scope import Context, Engine, Scope
from linernotes.errors import UsageError

# Every numeric option of an insight is a count, a share, a number of days or a seed: none is negative, and
# none needs more than a million (a top list of a million names is every name). Bounding them here, where the
# CLI's and the dashboard's strings become values, keeps 10**30 or NaN from reaching SQL or date arithmetic.
MAX_NUMBER = 1_000_000


@dataclass(frozen=True)
class Param:
    """A parameter of one insight, beyond the common scope."""

    name: str
    type: type
    default: Any
    help: str
    choices: tuple[str, ...] | None = None

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def convert(self, raw: Any) -> Any:
        """Turn a CLI string (or a Python value) into this parameter's type, or raise UsageError."""
        shown = raw.value if isinstance(raw, Enum) else raw
        if self.choices is not None and str(shown) not in self.choices:
            raise UsageError(f"{self.option} must be one of: {', '.join(self.choices)} (not {_shown(raw)})")
        if isinstance(raw, self.type) and not (self.type is int and isinstance(raw, bool)):
            value = raw
        else:
            try:
                if self.type is bool:
                    text = str(raw).lower()
                    if text not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError
                    value = text in ("true", "1", "yes")
                else:
                    value = self.type(raw)
            except (TypeError, ValueError, OverflowError):  # int("x"), int(float("inf"))
                raise UsageError(f"{self.option} {_shown(raw)} is not a valid {self.type.__name__}") from None
        if isinstance(value, int | float) and not (0 <= value <= MAX_NUMBER):  # NaN fails this too
            raise UsageError(f"{self.option} must be a number from 0 to {MAX_NUMBER:,} (not {_shown(raw)})")
        return value


@dataclass(frozen=True)
class Insight:
    name: str
    title: str
    compute: Callable[..., Result]
    params: tuple[Param, ...]
    doc: str
    model: bool = False  # a learned model (the AI layer), trained and cached, rather than a direct computation
    result_type: type[Result] = Result  # what compute returns (a cached result is rebuilt as this type)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.option for p in self.params) or "none"
        raise UsageError(f"insight {self.name!r} has no option --{name.replace('_', '-')} (its options: {known})")


# Where the insights live. The registry loads them by name, as plugins: the machinery imports no insight's
# code, the insights import the machinery, and the two packages do not depend on each other both ways.
INSIGHTS_PACKAGE = "linernotes.insights"
_REGISTRY: dict[str, Insight] = {}
_LOADED = False
R = TypeVar("R", bound=Result)


def insight(name: str, title: str, *, model: bool = False) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Register ``compute(ctx, **params) -> Result`` under ``name`` with a one-line ``title``; ``model`` marks
    the AI layer's insights (learned from the library, cached between runs)."""

    def register(fn: Callable[..., R]) -> Callable[..., R]:
        if name in _REGISTRY and _REGISTRY[name].compute is not fn:
            raise RuntimeError(f"two insights named {name!r}")
        _REGISTRY[name] = Insight(
            name=name,
            title=title,
            compute=fn,
            params=_params_of(fn),
            doc=inspect.cleandoc(fn.__doc__ or title),
            model=model,
            result_type=typing.get_type_hints(fn).get("return", Result),
        )
        return fn

    return register


def _shown(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 40 else text[:40] + "…"


def _params_of(fn: Callable[..., Any]) -> tuple[Param, ...]:
    hints = typing.get_type_hints(fn, include_extras=True)
    out = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        hint = hints[p.name]
        help_text = ""
        if get_origin(hint) is typing.Annotated:
            hint, *extra = get_args(hint)
            help_text = next((e for e in extra if isinstance(e, str)), "")
        choices = None
        if get_origin(hint) is typing.Literal:
            choices = tuple(str(a) for a in get_args(hint))
            hint = type(get_args(hint)[0])
        elif isinstance(hint, type) and issubclass(hint, Enum):
            choices = tuple(str(m.value) for m in hint)
        if p.default is inspect.Parameter.empty:
            raise RuntimeError(f"insight parameter {fn.__name__}.{p.name} needs a default")
        out.append(Param(name=p.name, type=hint, default=p.default, help=help_text, choices=choices))
    return tuple(out)


def _load() -> None:
    """Import every module of the insights package once, so their @insight decorators run."""
    global _LOADED
    if _LOADED:
        return
    package = importlib.import_module(INSIGHTS_PACKAGE)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{INSIGHTS_PACKAGE}.{module.name}")
    _LOADED = True


def all_insights() -> list[Insight]:
    """Every registered insight, in name order."""
    _load()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def get(name: str) -> Insight:
    module = name.replace("-", "_")
    if name not in _REGISTRY and module.isidentifier():
        # Most insights live in a module of their own name ("skip-model" in skip_model.py): load just that
        # one, for a fast CLI start.
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(f"{INSIGHTS_PACKAGE}.{module}")
    if name not in _REGISTRY:
        _load()
    found = _REGISTRY.get(name)
    if found is None:
        raise UsageError(f"unknown insight {name!r} (see `linernotes insights`: {', '.join(sorted(_REGISTRY))})")
    return found


def run(engine: Engine, name: str, scope: Scope | None = None, **params: Any) -> Result:
    """Run insight ``name`` over ``scope`` with its own ``params`` (strings are converted)."""
    spec = get(name)
    values: dict[str, Any] = {p.name: p.default for p in spec.params}
    for key, raw in params.items():
        values[key] = spec.param(key).convert(raw)
    scope = scope or Scope()
    if spec.model:
        # A model's result depends only on the library and the question: serve it from the cache.
        from linernotes.engine.model_cache import cached_result

        identity = json.dumps([repr(scope), jsonable(values)], sort_keys=True)
        return cached_result(
            engine.con, spec.name, identity, spec.result_type, lambda: _compute(engine, spec, scope, values)
        )
    return _compute(engine, spec, scope, values)


def _compute(engine: Engine, spec: Insight, scope: Scope, values: dict[str, Any]) -> Result:
    ctx = Context(engine, scope)
    result = spec.compute(ctx, **values)
    sel = ctx.selection
    meta = Meta(
        insight=spec.name,
        title=spec.title,
        start=sel.start,
        end=sel.end,
        policy=scope.policy.value,
        kinds=scope.kinds,
        include_incognito=sel.include_incognito,
        params=values,
        exclusions=sel.exclusions,
        plays=sel.plays,
        sources=scope.sources,
    )
    return replace(result, meta=meta)
