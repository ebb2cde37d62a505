"""Who may talk to the dashboard.

- On loopback (the default) no token is needed, but the ``Host`` header must name this machine: a web page
  elsewhere cannot reach the dashboard through a DNS name that rebinds to 127.0.0.1.
- Bound to anything else, every request needs the access token: ``Authorization: Bearer TOKEN``, or
  ``?token=TOKEN`` once (which sets an HttpOnly cookie for the pages that follow).
- Requests that change something (POST, DELETE) must carry ``X-Linernotes: 1``: a custom header that a
  page on another origin cannot send without a CORS preflight the app never grants, so no cross-site form
  can import files or edit rules.

Nothing here logs or stores a client address.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from linernotes.errors import UsageError

COOKIE = "linernotes_token"
CHANGE_HEADER = "x-linernotes"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def is_loopback(host: str) -> bool:
    """``host`` only accepts connections from this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0"), is_loopback("localhost")
    (True, False, True)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without an access token."""
    if not is_loopback(host) and not token:
        raise UsageError(f"--host {host} makes the dashboard reachable from other machines: it needs an access token")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def guard(token: str | None) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """An HTTP middleware enforcing the rules above."""

    async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        set_cookie = False
        if token is None:
            if _hostname(request.headers.get("host") or "") not in LOCAL_HOSTS:
                return JSONResponse({"error": "this dashboard answers only on localhost"}, status_code=403)
        else:
            given = _bearer(request) or request.cookies.get(COOKIE)
            from_query = request.query_params.get("token")
            if given is None and from_query is not None:
                given, set_cookie = from_query, True
            if given is None or not secrets.compare_digest(given.encode(), token.encode()):
                return JSONResponse({"error": "an access token is needed (see the terminal running `serve`)"},
                                    status_code=401, headers={"WWW-Authenticate": "Bearer"})
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.headers.get(CHANGE_HEADER) != "1":
            return JSONResponse({"error": f"changes need the {CHANGE_HEADER} header"}, status_code=403)
        response = await call_next(request)
        if set_cookie and token is not None:
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        response.headers["Referrer-Policy"] = "no-referrer"  # the token may be in the URL
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'")
        return response

    return middleware


def _hostname(value: str) -> str:
    """The host part of a ``Host`` header (``[::1]:8000`` → ``[::1]``, ``localhost:80`` → ``localhost``)."""
    if value.startswith("["):
        return value.split("]")[0] + "]"
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization") or ""
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None
