"""Who may talk to the dashboard.

- Every request needs the access token, on loopback too (as Jupyter does): 127.0.0.1 is shared by every
  user of the machine, and the dashboard reads and changes the owner's library. ``linernotes serve``
  prints the URL with ``?token=TOKEN`` once; that first visit sets an HttpOnly, SameSite=Strict cookie and
  a page is redirected to its URL without the token (so it stays out of history). Scripts send
  ``Authorization: Bearer TOKEN``. Without it every route — pages, API, static files, uploads — is 401.
- On loopback the ``Host`` header must also name this machine: a web page elsewhere cannot reach the
  dashboard through a DNS name that rebinds to 127.0.0.1.
- Requests that change something (POST, DELETE) must carry ``X-Linernotes: 1``: a custom header that a
  page on another origin cannot send without a CORS preflight the app never grants, so no cross-site form
  can import files or edit rules.

Nothing here logs or stores a client address.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from linernotes.errors import UsageError
from linernotes.loopback import is_loopback

COOKIE = "linernotes_token"
CHANGE_HEADER = "x-linernotes"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def check_binding(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without an access token."""
    if not is_loopback(host) and not token:
        raise UsageError(f"--host {host} makes the dashboard reachable from other machines: it needs an access token")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def cookie_name(port: int | None) -> str:
    """The cookie of the dashboard on ``port``: browsers share cookies across a host's ports, so two
    dashboards on one machine each keep their own."""
    return f"{COOKIE}_{port}" if port else COOKIE


def guard(token: str, *, local_only: bool = True
          ) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """An HTTP middleware enforcing the rules above (``local_only``: the server listens on loopback)."""
    if not token:
        raise ValueError("the dashboard needs an access token")
    expected = token.encode()

    async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if local_only and _hostname(request.headers.get("host") or "") not in LOCAL_HOSTS:
            return JSONResponse({"error": "this dashboard answers only on localhost"}, status_code=403)
        cookie = cookie_name(request.url.port)
        from_query = request.query_params.get("token")
        # Any of the three may hold it: a cookie left by an earlier server on this port must not stop the
        # freshly printed URL from letting the person in.
        given = [g for g in (_bearer(request), request.cookies.get(cookie), from_query) if g]
        if not any(secrets.compare_digest(g.encode(), expected) for g in given):
            return JSONResponse({"error": "an access token is needed: open the URL `linernotes serve` printed"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.headers.get(CHANGE_HEADER) != "1":
            return JSONResponse({"error": f"changes need the {CHANGE_HEADER} header"}, status_code=403)
        if from_query is not None and request.method == "GET" and not request.url.path.startswith("/api/"):
            # A page opened with ?token=: the cookie from now on, and the URL without the token.
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            path = "/" + request.url.path.lstrip("/")  # never "//host": that would leave this server
            response: Response = RedirectResponse(path + _query(rest), status_code=303)
        else:
            response = await call_next(request)
        if from_query is not None:
            response.set_cookie(cookie, token, httponly=True, samesite="strict")
        response.headers["Referrer-Policy"] = "no-referrer"  # the token may be in the URL
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'")
        return response

    return middleware


def _query(items: list[tuple[str, str]]) -> str:
    return "?" + urlencode(items) if items else ""


def _hostname(value: str) -> str:
    """The host part of a ``Host`` header (``[::1]:8000`` → ``[::1]``, ``localhost:80`` → ``localhost``)."""
    if value.startswith("["):
        return value.split("]")[0] + "]"
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization") or ""
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None
