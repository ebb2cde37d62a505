"""Strict query strings for the dashboard's API: an odd request is a 400 with one line, never a 500.

Every ``/api`` route uses :class:`CheckedRoute`, which

- refuses query parameters the route does not take (``?start=`` or ``?self=`` used to reach an insight's
  keyword arguments and fail there with a traceback) and parameters given twice;
- turns FastAPI's validation errors (a missing ``name``, ``limit=abc``, ``limit=-1``) into the API's one error
  shape, ``{"error": "one line"}`` with status 400, instead of FastAPI's nested 422 list.

A route whose parameters depend on its path (``/api/insights/{name}``: each insight has its own options)
is marked with :func:`open_query` and checks its query itself.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

from fastapi import HTTPException, Query
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from linernotes.engine.scope import Scope
from linernotes.errors import UsageError

# Accepted by every route: the access token (security.py reads ``?token=`` before any route) and a cache
# buster a browser or script may add.
ALWAYS_ALLOWED = frozenset({"token", "_"})
# The period and selection every insight (and an entity page) takes: the CLI's --from/--to/... options.
SCOPE_KEYS = ("from", "to", "policy", "kinds", "source", "include_incognito", "no_exclusions")
SHOWN_CHARS = 40
# A JSON body (an exclusion rule) is a few hundred bytes: FastAPI would read any size into memory.
MAX_JSON_BODY = 64 * 1024

F = TypeVar("F", bound=Callable[..., Any])


def open_query(endpoint: F) -> F:
    """Mark ``endpoint`` as checking its own query parameters (its allowed names depend on the path)."""
    endpoint.open_query = True  # type: ignore[attr-defined]
    return endpoint


def check_keys(request: Request, allowed: Iterable[str], what: str = "this endpoint",
               listed: Iterable[str] | None = None) -> None:
    """Raise a :class:`UsageError` for a parameter not in ``allowed`` or given more than once (the message
    lists ``listed``, by default the allowed names)."""
    allowed = set(allowed) | ALWAYS_ALLOWED
    seen: set[str] = set()
    for key, _ in request.query_params.multi_items():
        if key not in allowed:
            takes = ", ".join(sorted(set(listed) if listed is not None else allowed - ALWAYS_ALLOWED)) or "none"
            raise UsageError(f"unknown query parameter {shown(key)} ({what} takes: {takes})")
        if key in seen:
            raise UsageError(f"query parameter {shown(key)} is given more than once")
        seen.add(key)


def shown(value: object) -> str:
    """``value`` quoted and cut short, so that an error stays one readable line whatever was sent."""
    text = str(value)
    return repr(text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…")


def one_line(message: str) -> str:
    """``message`` on one line, each overlong word (an echoed 2,000-character value) cut short."""
    return " ".join(w if len(w) <= SHOWN_CHARS + 10 else w[:SHOWN_CHARS] + "…" for w in message.split())


def validation_message(exc: RequestValidationError) -> str:
    """FastAPI's first validation error as one line: ``limit: Input should be greater than or equal to 1``."""
    for error in exc.errors():
        where = [str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body")]
        message = " ".join(str(error.get("msg", "invalid value")).split())
        return f"{'.'.join(where) or 'request'}: {message}"
    return "the request is not valid"


class CheckedRoute(APIRoute):
    """An API route that refuses unknown query parameters and answers bad ones with a one-line 400."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        declared = _query_names(self.dependant)
        checks_itself = getattr(self.endpoint, "open_query", False)
        parses_body = self.body_field is not None

        async def checked(request: Request) -> Response:
            try:
                if not checks_itself:
                    check_keys(request, declared)
                if parses_body:
                    await read_small_body(request)
                return await handler(request)
            except RequestValidationError as exc:
                return JSONResponse({"error": validation_message(exc)}, status_code=400)

        return checked


async def read_small_body(request: Request) -> None:
    """Read the body of a JSON request, refusing it (413) as soon as it passes :data:`MAX_JSON_BODY`; the
    route then parses the body read here (Starlette keeps it on the request)."""
    too_large = HTTPException(413, f"the request body is larger than {MAX_JSON_BODY // 1024} KiB")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_JSON_BODY:
        raise too_large
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_JSON_BODY:
            raise too_large
        parts.append(chunk)
    request._body = b"".join(parts)  # what Request.body() returns from now on


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route declares, its dependencies' (the scope's ``from``, ``to``...) included."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def flag(raw: str | None, name: str) -> bool | None:
    """A yes/no query value; anything but the usual words is refused (not silently read as "no")."""
    if raw is None or raw == "":
        return None
    text = raw.lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise UsageError(f"{name} must be true or false (not {shown(raw)})")


def scope_args(query: dict[str, str]) -> dict[str, Any]:
    """``lib.insight`` keyword arguments for the common scope, from query parameters."""
    return {
        "start": query.get("from") or None,
        "end": query.get("to") or None,
        "policy": query.get("policy") or "spotify",
        "kinds": query.get("kinds") or None,
        "sources": query.get("source") or None,
        "include_incognito": flag(query.get("include_incognito"), "include_incognito"),
        "apply_exclusions": not flag(query.get("no_exclusions"), "no_exclusions"),
    }


def scope_query(
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    policy: str | None = None,
    kinds: str | None = None,
    source: str | None = None,
    include_incognito: str | None = None,
    no_exclusions: str | None = None,
) -> Scope:
    """The scope of a request, as a FastAPI dependency (its parameters count as the route's own)."""
    query = {"from": start, "to": end, "policy": policy, "kinds": kinds, "source": source,
             "include_incognito": include_incognito, "no_exclusions": no_exclusions}
    return Scope.make(**scope_args({k: v for k, v in query.items() if v is not None}))
