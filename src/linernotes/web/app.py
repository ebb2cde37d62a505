"""The dashboard's ASGI app: ``create_app(path)`` serves one library on this machine.

    import uvicorn
    from linernotes.web import create_app
    app = create_app("my.duckdb")  # every request needs app.state.token (see ``web.security``)
    print(f"http://127.0.0.1:8000/?token={app.state.token}")
    uvicorn.run(app, host="127.0.0.1", port=8000, access_log=False)
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from linernotes.errors import LinernotesError
from linernotes.identity import css_variables
from linernotes.web import api, pages
from linernotes.web.access import LibraryAccess
from linernotes.web.security import guard, new_token
from linernotes.web.uploads import DEFAULT_MAX_UPLOAD, ImportProgress

STATIC = Path(__file__).parent / "static"


def create_app(lib_path: str | os.PathLike[str], token: str | None = None, *, local_only: bool = True,
               max_upload: int = DEFAULT_MAX_UPLOAD, readers: int = 2, prepare: bool = False) -> FastAPI:
    """The dashboard over the library at ``lib_path`` (created when missing).

    ``token``: what every request must present (``app.state.token``; a new random one when not given);
    ``local_only``: the server listens on loopback, so requests must name this machine in ``Host``;
    ``max_upload``: the largest export accepted from the browser, in bytes; ``readers``: read-only
    connections serving requests in parallel; ``prepare``: build each reader's caches for new periods in
    the background as it opens (``linernotes serve`` does; tests need not wait for it).
    """
    from linernotes.web.entity import prepare as prepare_reader

    access = LibraryAccess(lib_path, readers=readers, prepare=prepare_reader if prepare else None)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            access.close()

    app = FastAPI(title="linernotes", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.access = access
    app.state.token = token or new_token()
    app.middleware("http")(guard(app.state.token, local_only=local_only))

    @app.exception_handler(LinernotesError)
    async def person_error(_: Request, exc: LinernotesError) -> api.JSON:
        return api.error_response(exc)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> api.JSON:
        # One shape for every error the pages show: {"error": "one line"}.
        return api.JSON({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    app.include_router(api.make_router(access, ImportProgress(), max_upload))
    # The identity's colours and type scale, as CSS variables that style.css uses (generated once: the
    # identity is code, so the dashboard never spells a colour of its own). Before the mount, so it wins.
    identity_css = css_variables().encode()

    @app.get("/static/identity.css", include_in_schema=False)
    def identity() -> Response:
        return Response(identity_css, media_type="text/css", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.make_router())
    return app
