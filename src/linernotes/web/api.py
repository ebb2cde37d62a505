"""The dashboard's JSON endpoints (``/api/...``): thin calls into the library API.

Every insight answer is ``lib.insight(...).to_dict()`` serialised as the CLI serialises it, so
``GET /api/insights/top?from=2023-01-01`` is byte-for-byte the data of ``linernotes insights top --json
--from 2023-01-01``. Endpoints are sync functions (FastAPI runs them in its threadpool); each borrows a
read-only library from :class:`~linernotes.web.access.LibraryAccess` for its duration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from linernotes.engine import registry
from linernotes.engine.result import jsonable
from linernotes.engine.scope import Scope
from linernotes.errors import LinernotesError, UsageError
from linernotes.library import Library
from linernotes.sources.inputs import InMemory
from linernotes.web.access import LibraryAccess
from linernotes.web.query import (
    SCOPE_KEYS,
    CheckedRoute,
    check_keys,
    one_line,
    open_query,
    scope_args,
    scope_query,
)
from linernotes.web.story import add_story_routes
from linernotes.web.uploads import (
    RETRY_AFTER_SECONDS,
    ImportProgress,
    UploadBudget,
    UploadBusy,
    UploadStalled,
    UploadTooLarge,
    read_upload,
    safe_name,
)

RULE_FIELDS = ("artist", "track", "album", "show", "audiobook", "device", "platform", "country", "hours", "where",
               "note")


class JSON(Response):
    """orjson with the CLI's options, so the API's JSON is the CLI's JSON."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS, default=_default)


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def make_router(access: LibraryAccess, progress: ImportProgress, max_upload: int,
                budget: UploadBudget | None = None) -> APIRouter:
    """The ``/api`` routes over one library. ``budget``: the bytes all uploads in flight may hold together
    (default: one upload's cap)."""
    budget = budget or UploadBudget(max_upload)
    api = APIRouter(prefix="/api", default_response_class=JSON, route_class=CheckedRoute)

    def answer(request: Request, compute: Callable[[Library], Any], extra: str = "") -> Response:
        """The JSON of ``compute(lib)``, from the cache when this exact request was answered before."""
        key = f"{request.url.path}?{sorted(request.query_params.multi_items())}{extra}"
        body = access.cached(key, lambda lib: JSON(None).render(compute(lib)))
        return Response(body, media_type=JSON.media_type)

    @api.get("/status")
    def status(request: Request) -> Response:
        return answer(request, lambda lib: lib.status())

    @api.get("/insights")
    def insight_list() -> JSON:
        return JSON([{"name": s.name, "title": s.title, "model": s.model,
                      "options": [{"name": p.name, "type": p.type.__name__, "default": jsonable(p.default),
                                   "choices": p.choices, "help": p.help} for p in s.params]}
                     for s in registry.all_insights()])

    @api.get("/insights/{name}")
    @open_query
    def insight(name: str, request: Request) -> Response:
        spec = registry.get(name)
        # An insight's own options, as the CLI spells them (--gap-minutes) or as Python does (gap_minutes).
        options = {p.name: p for p in spec.params} | {p.name.replace("_", "-"): p for p in spec.params}
        check_keys(request, (*SCOPE_KEYS, *options), f"insight {name!r}",
                   listed=(*SCOPE_KEYS, *(p.name.replace("_", "-") for p in spec.params)))
        query = dict(request.query_params)
        scope = scope_args(query)
        Scope.make(**scope)  # a bad period or policy fails here, before the cache or a reader is taken
        params = {options[k].name: options[k].convert(v) for k, v in query.items() if k in options}
        return answer(request, lambda lib: lib.insight(name, **scope, **params).to_dict())

    add_story_routes(api, access, answer)

    @api.get("/crowd")
    def crowd(request: Request, recommend: int = Query(10, ge=0, le=100)) -> Response:
        """You vs. the crowd: exactly ``linernotes crowd --json --recommend N``."""
        from linernotes.coop.crowd.compare import compare, verified_release
        from linernotes.coop.crowd.verify import MalformedRelease, ReleaseError

        def compute(lib: Library) -> dict[str, Any]:
            try:
                return compare(lib, verified_release(lib.path), recommendations=recommend).as_dict()
            except MalformedRelease as exc:  # signed, but not of a release's shapes
                raise HTTPException(422, str(exc)) from None
            except ReleaseError as exc:
                raise HTTPException(404, str(exc)) from None

        # A release synced while the dashboard runs is a new answer: the file's identity is part of the key.
        from linernotes.coop.sidecars import key_path, release_path

        stamp = "".join(f"{p.stat().st_mtime_ns}:{p.stat().st_size};" if p.exists() else "-;"
                        for p in (release_path(access.path), key_path(access.path)))
        return answer(request, compute, extra=stamp)

    @api.get("/entity/{kind}")
    def entity(kind: str, request: Request, scope: Annotated[Scope, Depends(scope_query)], name: str,
               by: str | None = None) -> Response:
        from linernotes.web.entity import entity_detail

        return answer(request, lambda lib: entity_detail(lib, kind, name, by or None, scope))

    @api.get("/search")
    def search(request: Request, q: str = "", limit: int = Query(30, ge=1, le=100)) -> Response:
        from linernotes.web.search import search as find

        return answer(request, lambda lib: {"query": q, "results": find(lib, q, limit)})

    @api.get("/ask")
    def ask(request: Request, q: str) -> Response:
        from linernotes.ask import ask as run

        if not q.strip():
            raise UsageError("ask a question, e.g. “top 5 artists last year”")
        # Never a language model here: the dashboard sends nothing anywhere. "Last summer" depends on
        # the day, so the day is part of the cache key.
        def compute(lib: Library) -> dict[str, Any]:
            try:
                return run(lib, q, llm=False).to_dict()
            except (ValueError, OverflowError):
                # The question's planner builds dates from what was typed ("2023-02-30", "year 99999") and
                # may not check each one: an impossible date in a question is the question's fault.
                raise UsageError("the question names a date that does not exist") from None

        return answer(request, compute, extra=dt.date.today().isoformat())

    @api.get("/exclusions")
    def exclusions() -> JSON:
        with access.read() as lib:
            return JSON([_rule(r) for r in lib.exclusions()])

    @api.post("/exclusions")
    def add_exclusion(body: dict[str, Any]) -> JSON:
        unknown = set(body) - set(RULE_FIELDS)
        if unknown:
            raise UsageError(f"unknown rule condition {', '.join(sorted(unknown))}")
        conditions: dict[str, Any] = {k: (str(v).strip() or None) if v is not None else None for k, v in body.items()}
        with access.write() as lib:
            rule = lib.exclude(**conditions)
            total, affected = lib.con.execute(
                f"SELECT count(*), count(*) FILTER (WHERE {rule.predicate()}) FROM plays").fetchall()[0]
        return JSON({**_rule(rule), "plays": int(total), "plays_excluded": int(affected)})

    @api.delete("/exclusions/{rule_id}")
    def remove_exclusion(rule_id: int = Path(ge=1, le=2**63 - 1)) -> JSON:
        with access.write() as lib:
            return JSON(_rule(lib.remove_exclusion(rule_id)))

    @api.get("/import/progress")
    def import_progress() -> JSON:
        return JSON(progress.snapshot())

    @api.post("/import")
    async def upload(request: Request, filename: str = Query("upload.zip", max_length=1000)) -> JSON:
        too_large = HTTPException(413, f"the file is larger than the {_size(max_upload)} upload limit")
        busy = HTTPException(503, "other uploads are being received or imported; try again in a minute",
                             headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_upload:
            raise too_large
        if access.writing:
            raise HTTPException(409, "an import or rule change is running; try again when it finishes")
        with budget.holding() as tally:
            try:
                if declared is not None and declared.isdigit():
                    tally.cover(int(declared))  # refused before a byte of the body is read
                data = await read_upload(request.stream(), max_upload, tally)
            except UploadTooLarge:
                raise too_large from None
            except UploadBusy:
                raise busy from None
            except UploadStalled:
                raise HTTPException(408, "the upload stopped arriving; try again") from None
            # The bytes stay counted until the import that reads them is over.
            return JSON(await run_in_threadpool(_import, access, progress, InMemory(safe_name(filename), data)))

    return api


def _import(access: LibraryAccess, progress: ImportProgress, upload: InMemory) -> dict[str, Any]:
    progress.start()
    try:
        with access.write() as lib:
            return lib.import_paths([upload], progress=progress.update).to_dict()
    finally:
        progress.finish()


def _rule(rule: Any) -> dict[str, Any]:
    return {**jsonable(rule), "description": rule.describe()}


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= scale:
            return f"{n / scale:g} {unit}"
    return f"{n} bytes"


def error_response(exc: LinernotesError) -> JSON:
    """A person's mistake (bad date, unknown insight, a file that is not an export): 400 and one line."""
    return JSON({"error": one_line(str(exc))}, status_code=400)
