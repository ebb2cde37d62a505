"""A loopback stand-in for Spotify's accounts service and Web API, for `linernotes sync spotify`'s tests.

One real HTTP server on 127.0.0.1 in a thread, answering as Spotify documents it:

- ``GET /authorize?client_id&response_type=code&redirect_uri&scope&state&code_challenge_method=S256&code_challenge``
  (developer.spotify.com/documentation/web-api/tutorials/code-pkce-flow): a known client id and a loopback
  ``http://127.0.0.1:PORT/callback`` redirect address get a 302 to it with ``code`` and ``state`` (or
  ``error=access_denied`` when :attr:`SpotifyStub.deny` is set; the person clicking "Cancel").
- ``POST /api/token`` (form-encoded): ``grant_type=authorization_code`` checks the code (one use), the
  redirect address, the client id and the PKCE verifier against the S256 challenge; ``grant_type=refresh_token``
  checks the refresh token and the client id, and rotates the refresh token (the old one stops working). Both
  answer ``{"access_token", "token_type": "Bearer", "scope", "expires_in", "refresh_token"}``; a bad grant is
  ``400 {"error": "invalid_grant", "error_description": ...}``.
- ``GET /v1/me/player/recently-played?limit=&after=|before=`` with ``Authorization: Bearer``: the last 50
  plays (Spotify keeps no more), newest first, ``after``/``before`` exclusive in ms, ``{"href", "limit", "next",
  "cursors": {"after", "before"}, "total", "items": [{"track": {...}, "played_at", "context"}]}`` shaped from
  the Web API reference; an expired access token is ``401 {"error": {"status": 401, "message": "The access token
  expired"}}``. :attr:`SpotifyStub.page_size` (default 50) makes it page with ``next``.

Faults are queued per path prefix (:meth:`SpotifyStub.fail`); every request is logged. All names are invented.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.support.sync_stubs import Fault, JsonHandler, Request, Running

BASE_MS = 1_700_000_000_000  # 14 Nov 2023
KEEP = 50


@dataclass
class Play:
    played_at_ms: int
    track: str
    artist: str
    album: str = "Invented Album"
    duration_ms: int = 200_000
    uri: str = ""
    kind: str = "track"
    is_local: bool = False


@dataclass
class Grant:
    code: str
    client_id: str
    redirect_uri: str
    challenge: str


@dataclass
class SpotifyStub:
    client_id: str
    plays: list[Play] = field(default_factory=list)
    page_size: int = KEEP
    token_lifetime_s: int = 3600
    deny: bool = False
    log: list[Request] = field(default_factory=list)
    faults: list[tuple[str, Fault]] = field(default_factory=list)
    grants: dict[str, Grant] = field(default_factory=dict)
    access: dict[str, float] = field(default_factory=dict)  # access token -> expiry (epoch s)
    refresh_tokens: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)  # every token handed out, to look for in outputs
    url: str = ""

    def fail(self, prefix: str, status: int, body: bytes = b"", headers: dict[str, str] | None = None, *,
             after: int = 0, times: int = 1) -> None:
        """Answer ``times`` requests whose path starts with ``prefix`` this way, after ``after`` normal ones."""
        self.faults.append((prefix, Fault(status, body, headers or {}, after, times)))

    def fault_for(self, path: str) -> Fault | None:
        for n, (prefix, fault) in enumerate(self.faults):
            if not path.startswith(prefix):
                continue
            if fault.after > 0:
                fault.after -= 1
                return None
            fault.times -= 1
            if fault.times <= 0:
                self.faults.pop(n)
            return fault
        return None

    def issue(self) -> dict[str, Any]:
        """A fresh access token and refresh token, as the token endpoint answers."""
        access, refresh = "acc-" + secrets.token_hex(16), "ref-" + secrets.token_hex(16)
        self.access[access] = time.time() + self.token_lifetime_s
        self.refresh_tokens.add(refresh)
        self.issued += [access, refresh]
        return {"access_token": access, "token_type": "Bearer", "scope": "user-read-recently-played",
                "expires_in": self.token_lifetime_s, "refresh_token": refresh}

    def expire_access_tokens(self) -> None:
        self.access = {token: 0.0 for token in self.access}

    def revoke(self) -> None:
        """The person removed the app's access at spotify.com/account/apps."""
        self.refresh_tokens.clear()
        self.access.clear()

    # --- endpoints ---------------------------------------------------------------------------------------------

    def authorize(self, q: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        redirect = q.get("redirect_uri", "")
        if q.get("client_id") != self.client_id:
            return 400, {"error": "invalid_client"}, {}
        if not redirect.startswith("http://127.0.0.1:") or not redirect.endswith("/callback"):
            return 400, {"error": "invalid_request", "error_description": "Invalid redirect URI"}, {}
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256" \
                or len(q.get("code_challenge", "")) != 43 or q.get("scope") != "user-read-recently-played":
            return 400, {"error": "invalid_request"}, {}
        if self.deny:
            where = redirect + "?" + urllib.parse.urlencode({"error": "access_denied", "state": q.get("state", "")})
            return 302, None, {"Location": where}
        code = "code-" + secrets.token_hex(12)
        self.grants[code] = Grant(code, self.client_id, redirect, q["code_challenge"])
        where = redirect + "?" + urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
        return 302, None, {"Location": where}

    def token(self, form: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        if "application/x-www-form-urlencoded" not in headers.get("content-type", ""):
            return 400, {"error": "invalid_request"}
        if form.get("client_id") != self.client_id:
            return 400, {"error": "invalid_client", "error_description": "Invalid client"}
        if form.get("grant_type") == "authorization_code":
            grant = self.grants.pop(form.get("code", ""), None)  # one use
            if grant is None or grant.redirect_uri != form.get("redirect_uri"):
                return 400, {"error": "invalid_grant", "error_description": "Invalid authorization code"}
            digest = hashlib.sha256(form.get("code_verifier", "").encode("ascii")).digest()
            verifier_ok = 43 <= len(form.get("code_verifier", "")) <= 128
            if not verifier_ok or base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
                return 400, {"error": "invalid_grant", "error_description": "code_verifier was incorrect"}
            return 200, self.issue()
        if form.get("grant_type") == "refresh_token":
            old = form.get("refresh_token", "")
            if old not in self.refresh_tokens:
                return 400, {"error": "invalid_grant", "error_description": "Refresh token revoked"}
            self.refresh_tokens.discard(old)  # rotated
            return 200, self.issue()
        return 400, {"error": "unsupported_grant_type"}

    def recently_played(self, q: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        auth = headers.get("authorization", "")
        token = auth.removeprefix("Bearer ")
        if not auth.startswith("Bearer ") or token not in self.access:
            return 401, {"error": {"status": 401, "message": "Invalid access token"}}
        if self.access[token] <= time.time():
            return 401, {"error": {"status": 401, "message": "The access token expired"}}
        if "after" in q and "before" in q:
            return 400, {"error": {"status": 400, "message": "Only one of after and before may be given"}}
        limit = min(int(q.get("limit", "20")), 50)
        kept = sorted(self.plays, key=lambda p: -p.played_at_ms)[:KEEP]
        if "after" in q:
            kept = [p for p in kept if p.played_at_ms > int(q["after"])]
        if "before" in q:
            kept = [p for p in kept if p.played_at_ms < int(q["before"])]
        size = min(limit, self.page_size)
        page = kept[:size]
        more = len(kept) > size
        base = f"{self.url}/v1/me/player/recently-played"
        oldest = min((p.played_at_ms for p in page), default=None)
        return 200, {
            "href": f"{base}?{urllib.parse.urlencode(q)}", "limit": limit,
            "next": f"{base}?before={oldest}&limit={limit}" if more and oldest is not None else None,
            "cursors": None if not page else {"after": str(max(p.played_at_ms for p in page)),
                                              "before": str(oldest)},
            "total": len(kept), "items": [self._item(p) for p in page],
        }

    @staticmethod
    def _item(p: Play) -> dict[str, Any]:
        at = datetime.fromtimestamp(p.played_at_ms / 1000, UTC)
        played_at = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{p.played_at_ms % 1000:03d}Z"
        ident = hashlib.sha1(f"{p.artist}/{p.track}".encode()).hexdigest()[:22]
        uri = p.uri or (f"spotify:local:{urllib.parse.quote_plus(p.artist)}::{urllib.parse.quote_plus(p.track)}:"
                        f"{p.duration_ms // 1000}" if p.is_local else f"spotify:{p.kind}:{ident}")
        artist = {"external_urls": {"spotify": f"https://open.spotify.com/artist/{ident}"},
                  "href": f"https://api.spotify.com/v1/artists/{ident}", "id": ident, "name": p.artist,
                  "type": "artist", "uri": f"spotify:artist:{ident}"}
        track: dict[str, Any] = {
            "album": {"album_type": "album", "artists": [artist], "id": ident, "name": p.album,
                      "release_date": "2020-01-01", "release_date_precision": "day", "total_tracks": 9,
                      "type": "album", "uri": f"spotify:album:{ident}", "images": []},
            "artists": [artist], "disc_number": 1, "duration_ms": p.duration_ms, "explicit": False,
            "external_ids": {"isrc": "XX0000000000"}, "href": f"https://api.spotify.com/v1/tracks/{ident}",
            "id": None if p.is_local else ident, "is_local": p.is_local, "name": p.track, "popularity": 0,
            "preview_url": None, "track_number": 1, "type": p.kind, "uri": uri,
        }
        if p.kind == "episode":
            track["show"] = {"name": p.album, "publisher": "Invented Publisher", "type": "show"}
        return {"track": track, "played_at": played_at,
                "context": {"type": "playlist", "href": "https://api.spotify.com/v1/playlists/x",
                            "external_urls": {"spotify": "https://open.spotify.com/playlist/x"},
                            "uri": "spotify:playlist:x"}}


class _Handler(JsonHandler):
    def _common(self, body: bytes = b"") -> tuple[str, dict[str, str], dict[str, str], Fault | None]:
        stub = self.server.stub
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        if body:
            query.update(urllib.parse.parse_qsl(body.decode("ascii", "replace")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        stub.log.append(Request(parts.path, query, headers, time.monotonic()))
        return parts.path, query, headers, stub.fault_for(parts.path)

    def do_GET(self) -> None:
        path, query, headers, fault = self._common()
        if fault is not None:
            self._send(fault.status, fault.body, fault.headers)
            return
        stub = self.server.stub
        if path == "/authorize":
            status, doc, extra = stub.authorize(query)
            self._send(status, b"" if doc is None else json.dumps(doc).encode(), extra)
        elif path == "/v1/me/player/recently-played":
            status, doc = stub.recently_played(query, headers)
            self._send(status, json.dumps(doc).encode(), {})
        else:
            self._send(404, json.dumps({"error": {"status": 404, "message": "Service not found"}}).encode(), {})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path, form, headers, fault = self._common(body)
        if fault is not None:
            self._send(fault.status, fault.body, fault.headers)
            return
        if path != "/api/token":
            self._send(404, b'{"error": "not_found"}', {})
            return
        status, doc = self.server.stub.token(form, headers)
        self._send(status, json.dumps(doc).encode(), {})


class RunningSpotify(Running):
    """The stub serving on 127.0.0.1 until :meth:`close`."""

    def __init__(self, stub: SpotifyStub) -> None:
        super().__init__(stub, _Handler)
