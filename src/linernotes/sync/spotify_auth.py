"""Spotify's login for ``linernotes sync spotify``: OAuth 2 authorization code with PKCE, and the saved tokens.

The flow (developer.spotify.com/documentation/web-api/tutorials/code-pkce-flow; RFC 7636): a fresh
``code_verifier`` from :mod:`secrets` and its S256 challenge, a random ``state``; the person opens the authorize
address in a browser, allows the one scope ``user-read-recently-played``, and Spotify sends the browser back to
a listener on this machine with a one-use code, which is exchanged (with the verifier, so no client secret
exists) for an access token (an hour) and a refresh token.

The redirect address is ``http://127.0.0.1:PORT/callback``. Spotify's rules (developer.spotify.com/
documentation/web-api/concepts/redirect_uri, enforced for apps created since 9 April 2025 and for all apps
since November 2025): https, except for a loopback *IP literal* (``http://127.0.0.1:PORT`` or
``http://[::1]:PORT``), where plain http is allowed; ``localhost`` is not allowed; the URI must match the one
registered in the app's settings exactly, except that a loopback literal registered without a port accepts any
port. So the default is the fixed :data:`DEFAULT_PORT` the person registers as
``http://127.0.0.1:8888/callback``; ``--port 0`` takes any free port for an app registered without one.

The listener binds 127.0.0.1 only, answers the one ``/callback`` request with a plain page and stops. Another
local user can reach it too: the ``state`` (compared in constant time) tells Spotify's answer from a forged
one, and a code is worthless without the verifier, which never leaves this process.

Tokens are saved in a JSON file beside the library (:func:`token_path`), created 0600 in one rename
(:mod:`linernotes.atomicfile`), never printed or logged. A file that is a symbolic link, not a regular file,
owned by someone else, or open to others is refused: another user could have planted it (their own tokens,
to make this library sync their account into yours) or read it. Spotify has no public endpoint to revoke a
token: ``--logout`` deletes the file, and the person removes the app's access at spotify.com/account/apps
(Spotify's 2016 announcement of revocation names that page; a revoked refresh token is then refused with
``400 {"error": "invalid_grant"}``).
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import http.server
import os
import re
import secrets
import stat
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from linernotes.atomicfile import PRIVATE, write_atomic
from linernotes.errors import UsageError
from linernotes.sync.http import Client, Refused, SyncError

NAME = "Spotify"
SCOPE = "user-read-recently-played"
DEFAULT_PORT = 8888
CALLBACK = "/callback"
LOGIN_WAIT_S = 300.0  # the browser round trip: a person reading a consent page, not a machine
TOKEN_SUFFIX = ".spotify-token.json"
REFRESH_MARGIN_S = 60  # an access token this close to its end is refreshed before use
MAX_TOKEN_FILE = 64 * 1024
APPS_PAGE = "https://www.spotify.com/account/apps/"
_ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")

PAGE_DONE = b"linernotes: Spotify login received. You can close this tab and go back to the terminal.\n"
PAGE_REFUSED = b"linernotes: this login was not completed. You can close this tab; the terminal says why.\n"


class LoginExpired(SyncError):
    """The saved refresh token was refused (revoked or expired): the person has to log in again."""


@dataclass(frozen=True)
class Tokens:
    client_id: str
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds

    def __repr__(self) -> str:  # a stray repr in a log or traceback shows no secret
        return "Tokens(…)"

    def expired(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) >= self.expires_at - REFRESH_MARGIN_S


def token_path(library: Path) -> Path:
    """Where the tokens of the library at ``library`` are kept: ``music.duckdb.spotify-token.json``."""
    return library.with_name(library.name + TOKEN_SUFFIX)


# --------------------------------------------------------------------------------------------------------------
# The saved tokens


def load(path: Path) -> Tokens | None:
    """The tokens saved at ``path``, or None when there are none; a file that is not safely this user's own is
    refused with a one-line message naming the file."""
    shown = path.name
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SyncError(f"{shown} is a symbolic link: refused (the Spotify login file must be a plain file "
                            "of your own)") from None
        raise SyncError(f"cannot read {shown} ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SyncError(f"{shown} is not a regular file: refused")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise SyncError(f"{shown} belongs to another user: refused (delete it and log in again)")
        if info.st_mode & 0o077:
            raise SyncError(f"{shown} can be read or changed by other users (mode {stat.S_IMODE(info.st_mode):o}): "
                            f"refused; run `chmod 600` on it, or `linernotes sync spotify --logout` and log in again")
        data = os.read(fd, MAX_TOKEN_FILE + 1)
    finally:
        os.close(fd)
    try:
        doc = orjson.loads(data) if len(data) <= MAX_TOKEN_FILE else None
    except orjson.JSONDecodeError:
        doc = None
    fields = ("client_id", "access_token", "refresh_token")
    if not (isinstance(doc, dict) and all(isinstance(doc.get(k), str) and doc[k] for k in fields)
            and isinstance(doc.get("expires_at"), int | float)):
        raise SyncError(f"{shown} is damaged: run `linernotes sync spotify --logout` and log in again")
    return Tokens(doc["client_id"], doc["access_token"], doc["refresh_token"], float(doc["expires_at"]))


def save(path: Path, tokens: Tokens) -> None:
    """Write ``tokens`` to ``path``: a new 0600 file (O_CREAT|O_EXCL) renamed over the old one."""
    try:
        write_atomic(path, orjson.dumps(asdict(tokens)), mode=PRIVATE)
    except OSError as exc:
        raise SyncError(f"cannot save the Spotify login in {path.name} ({exc.strerror})") from None


def logout(path: Path) -> bool:
    """Delete the saved tokens; whether there were any."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


# --------------------------------------------------------------------------------------------------------------
# The accounts service


def accounts_client(base_url: str) -> Client:
    return Client(NAME, base_url, refusal=_refusal)


def _refusal(status: int, doc: Any) -> str:
    """A token endpoint's refusal in our words: its ``error`` code (RFC 6749 §5.2), never its description."""
    code = doc.get("error") if isinstance(doc, dict) else None
    if isinstance(code, str) and _ERROR_CODE.match(code):
        return {"invalid_grant": "the login code or refresh token is not valid (invalid_grant)",
                "invalid_client": "the client id is not valid (invalid_client)"}.get(code, code)
    return ""


def _check_tokens(doc: Any) -> None:
    if not (isinstance(doc, dict) and isinstance(doc.get("access_token"), str) and doc["access_token"]):
        raise SyncError(f"{NAME} sent a token answer without an access token")


def _tokens(doc: dict[str, Any], client_id: str, previous_refresh: str | None) -> Tokens:
    lifetime = doc.get("expires_in")
    seconds = float(lifetime) if isinstance(lifetime, int | float) and 0 < lifetime < 10**7 else 3600.0
    refresh = doc.get("refresh_token")
    # Spotify rotates the refresh token; when an answer carries none, the one used stays valid.
    refresh = refresh if isinstance(refresh, str) and refresh else previous_refresh
    if not refresh:
        raise SyncError(f"{NAME} sent a token answer without a refresh token")
    return Tokens(client_id, doc["access_token"], refresh, time.time() + seconds)


def refresh(accounts: Client, tokens: Tokens) -> Tokens:
    """New tokens for ``tokens``' refresh token; :class:`LoginExpired` when Spotify no longer accepts it."""
    try:
        doc = accounts.post_form("/api/token", {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token,
                                                "client_id": tokens.client_id}, check=_check_tokens)
    except Refused as exc:
        if exc.status in (400, 401) and isinstance(exc.doc, dict) and exc.doc.get("error") in (
                "invalid_grant", "invalid_client"):
            raise LoginExpired(f"{NAME} no longer accepts the saved login (access removed, or expired): log in "
                               "again by running `linernotes sync spotify` in a terminal") from None
        raise
    return _tokens(doc, tokens.client_id, tokens.refresh_token)


# --------------------------------------------------------------------------------------------------------------
# The login


def pkce_pair() -> tuple[str, str]:
    """A fresh ``code_verifier`` (86 characters of the RFC 7636 alphabet, 512 random bits) and its S256
    ``code_challenge``: BASE64URL(SHA256(verifier)) without padding."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class _Answer:
    params: dict[str, str]


class _Listener(http.server.HTTPServer):
    expected_state: str
    answer: _Answer | None = None
    arrived: threading.Event


class _CallbackHandler(http.server.BaseHTTPRequestHandler):
    server: _Listener

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        if parts.path != CALLBACK or self.server.answer is not None:
            self._send(404, b"Not found.\n")
            return
        params = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        self.server.answer = _Answer(params)
        good = "code" in params and secrets.compare_digest(params.get("state", "").encode(),
                                                            self.server.expected_state.encode())
        self._send(200, PAGE_DONE if good else PAGE_REFUSED)
        self.server.arrived.set()

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request line holds the code: never logged


def login(accounts: Client, client_id: str, *, port: int = DEFAULT_PORT, open_browser: bool = True,
          say: Callable[[str], None] = print, wait_s: float = LOGIN_WAIT_S) -> Tokens:
    """Run the authorization code flow with PKCE and return the tokens. ``say`` shows the person the address to
    open; a refusal, a wrong ``state``, Ctrl-C or no answer within ``wait_s`` is a one-line error."""
    if not client_id.strip():
        raise UsageError(f"{NAME} needs your app's client id: --client-id or $SPOTIFY_CLIENT_ID")
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    try:
        listener = _Listener(("127.0.0.1", port), _CallbackHandler)
    except OSError as exc:
        why = "it is in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or "refused")
        raise SyncError(f"cannot listen for Spotify's answer on 127.0.0.1 port {port} ({why}); pass another "
                        "--port and register its redirect address in your app's settings") from None
    listener.expected_state = state
    listener.arrived = threading.Event()
    redirect_uri = f"http://127.0.0.1:{listener.server_address[1]}{CALLBACK}"
    query = urllib.parse.urlencode({
        "client_id": client_id.strip(), "response_type": "code", "redirect_uri": redirect_uri, "scope": SCOPE,
        "state": state, "code_challenge_method": "S256", "code_challenge": challenge})
    url = f"{accounts.base_url}/authorize?{query}"
    thread = threading.Thread(target=listener.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        say(f"Log in to Spotify and allow linernotes to read your recently played tracks (redirect address "
            f"{redirect_uri}, which your app's settings must list). Open:")
        say(url)
        if open_browser:
            import webbrowser

            with contextlib.suppress(Exception):  # no browser here: the address printed above is enough
                webbrowser.open(url)
        deadline = time.monotonic() + wait_s
        # Short waits, so Ctrl-C is seen at once.
        while not listener.arrived.wait(0.2):
            if time.monotonic() > deadline:
                raise SyncError(f"no answer from the Spotify login within {wait_s / 60:.0f} min; run the command "
                                "again to retry")
    finally:
        listener.shutdown()
        listener.server_close()
    assert listener.answer is not None
    params = listener.answer.params
    if not secrets.compare_digest(params.get("state", "").encode(), state.encode()):
        raise SyncError("the answer to the Spotify login did not carry this login's state (an old tab, or "
                        "another program): refused, nothing was saved")
    error = params.get("error")
    if error is not None or not params.get("code"):
        why = error if error and _ERROR_CODE.match(error) else "no code"
        if why == "access_denied":
            raise SyncError(f"{NAME}: access was not allowed (access_denied); nothing was saved")
        raise SyncError(f"{NAME} did not complete the login ({why}); nothing was saved")
    doc = accounts.post_form("/api/token", {
        "grant_type": "authorization_code", "code": params["code"], "redirect_uri": redirect_uri,
        "client_id": client_id.strip(), "code_verifier": verifier}, check=_check_tokens)
    return _tokens(doc, client_id.strip(), None)
