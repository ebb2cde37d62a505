"""The story mode's endpoints: ``/api/story`` (the period's slides as JSON) and ``/api/story/card`` (one slide
as a share card, a PNG). Both are answered from the dashboard's cache, so stepping through a story and
exporting its cards computes each answer once per state of the library."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from linernotes.engine.scope import Scope
from linernotes.library import Library
from linernotes.report.story import Story, tell
from linernotes.web.access import LibraryAccess
from linernotes.web.query import SCOPE_KEYS, scope_query, shown

Answer = Callable[[Request, Callable[[Library], Any]], Response]


def add_story_routes(api: APIRouter, access: LibraryAccess, answer: Answer) -> None:
    """Add the story's routes to the ``/api`` router (``answer``: its cached JSON answer)."""

    @api.get("/story")
    def story(request: Request, scope: Annotated[Scope, Depends(scope_query)]) -> Response:
        return answer(request, lambda lib: tell(lib, scope).to_dict())

    @api.get("/story/card")
    def story_card(request: Request, scope: Annotated[Scope, Depends(scope_query)],
                   slide: str = Query(max_length=100), theme: Literal["light", "dark"] = "light",
                   size: Literal["square", "story"] = "square") -> Response:
        from linernotes.report.cards import render_slide

        # The story as /api/story answered it for this period (from the cache when the page asked first).
        asked = sorted((k, v) for k, v in request.query_params.multi_items() if k in SCOPE_KEYS)
        story_json = access.cached(f"/api/story?{asked}", lambda lib: orjson.dumps(tell(lib, scope).to_dict()))

        def draw(lib: Library) -> bytes:
            told = Story.from_dict(orjson.loads(story_json))
            chosen = told.slide(slide)
            if chosen is None:
                known = ", ".join(s.id for s in told.slides) or "none"
                raise HTTPException(404, f"no slide {shown(slide)} in this period's story (its slides: {known})")
            return render_slide(told, chosen, size, theme).png

        key = f"{request.url.path}?{sorted(request.query_params.multi_items())}"
        png = access.cached(key, draw)
        # A name for the saved file that says what it is; the period and the slide are all it holds.
        period = "-".join(v for v in (request.query_params.get("from"), request.query_params.get("to")) if v)
        filename = "-".join(p for p in ("linernotes-story", period, slide, size, theme) if p)
        return Response(png, media_type="image/png",
                        headers={"Content-Disposition": f'attachment; filename="{_safe(filename)}.png"'})


def _safe(name: str) -> str:
    """``name`` with only the characters a file name and a header may always hold."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in name)[:120]
