"""Loopback stand-ins for Last.fm's and ListenBrainz's listening-history APIs, for `linernotes sync`'s tests.

Each is a real HTTP server on 127.0.0.1 in a thread, answering as the service documents it:

- Last.fm ``GET /2.0/?method=user.getrecenttracks&user=&api_key=&format=json&limit=&page=&from=&to=``
  (https://www.last.fm/api/show/user.getRecentTracks; docs/formats.md §3.3): every number a string, newest first,
  ``from`` inclusive and ``to`` exclusive, the now-playing track first on page 1 with ``@attr.nowplaying`` and no
  ``date``; errors as ``{"error": code, "message": ...}`` (6 unknown user, 10 invalid key).
- ListenBrainz ``GET /1/user/<name>/listens?max_ts=|min_ts=&count=`` (listenbrainz-server's api.get_listens):
  ``max_ts`` or ``min_ts``, never both (400), both exclusive, newest first, ``{"payload": {"count", "listens",
  "user_id", "latest_listen_ts", "oldest_listen_ts"}}``; a wrong ``Authorization: Token`` is a 401
  ``{"code": 401, "error": "Invalid authorization token."}``.

A test queues faults (a 429 with ``Retry-After``, a 503, a body that is not JSON) with :meth:`Stub.fail`; every
request is logged with its query, headers and arrival time. All names are invented.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

BASE_TS = 1_700_000_000  # 14 Nov 2023


@dataclass
class Listen:
    ts: int
    track: str
    artist: str
    album: str = "Invented Album"


@dataclass
class Fault:
    status: int
    body: bytes
    headers: dict[str, str]
    after: int  # normal answers still to give before this fault
    times: int


@dataclass
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float


@dataclass
class Stub:
    user: str
    secret: str  # the Last.fm API key or the ListenBrainz token the stub accepts
    listens: list[Listen] = field(default_factory=list)
    now_playing: Listen | None = None
    log: list[Request] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    url: str = ""

    def fail(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, *, after: int = 0,
             times: int = 1) -> None:
        """Answer ``times`` requests with this status, body and headers, after ``after`` normal answers."""
        self.faults.append(Fault(status, body, headers or {}, after, times))

    def fault_for_next(self) -> Fault | None:
        if not self.faults:
            return None
        fault = self.faults[0]
        if fault.after > 0:
            fault.after -= 1
            return None
        fault.times -= 1
        if fault.times <= 0:
            self.faults.pop(0)
        return fault

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        raise NotImplementedError


class LastfmStub(Stub):
    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        if not path.startswith("/2.0"):
            return 404, {"error": 3, "message": "Invalid Method - No method with that name in this package"}
        if query.get("api_key") != self.secret:
            return 403, {"error": 10, "message": "Invalid API key - You must be granted a valid key by last.fm"}
        if query.get("method", "").lower() != "user.getrecenttracks":
            return 400, {"error": 3, "message": "Invalid Method - No method with that name in this package"}
        if query.get("user") != self.user:
            return 404, {"error": 6, "message": "User not found"}
        low = int(query.get("from", "0"))
        high = int(query.get("to", str(2**40)))
        limit = min(int(query.get("limit", "50")), 200)
        page = int(query.get("page", "1"))
        matching = sorted((x for x in self.listens if low <= x.ts < high), key=lambda x: -x.ts)
        pages = max(1, -(-len(matching) // limit))
        tracks = [self._track(x) for x in matching[(page - 1) * limit: page * limit]]
        if page == 1 and self.now_playing is not None:
            tracks.insert(0, {**self._track(self.now_playing, dated=False), "@attr": {"nowplaying": "true"}})
        attr = {"user": self.user, "totalPages": str(pages), "page": str(page), "perPage": str(limit),
                "total": str(len(matching))}
        return 200, {"recenttracks": {"track": tracks, "@attr": attr}}

    @staticmethod
    def _track(x: Listen, dated: bool = True) -> dict[str, Any]:
        track: dict[str, Any] = {
            "artist": {"mbid": "", "#text": x.artist}, "streamable": "0",
            "image": [{"size": "small", "#text": "https://lastfm.example/i/34s/x.png"}],
            "mbid": "", "album": {"mbid": "", "#text": x.album}, "name": x.track,
            "url": "https://www.last.fm/music/x/_/y",
        }
        if dated:
            track["date"] = {"uts": str(x.ts), "#text": time.strftime("%d %b %Y, %H:%M", time.gmtime(x.ts))}
        return track


class ListenBrainzStub(Stub):
    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        auth = headers.get("authorization")
        if auth is not None and auth != f"Token {self.secret}":
            return 401, {"code": 401, "error": "Invalid authorization token."}
        parts = path.strip("/").split("/")
        if len(parts) != 4 or parts[:2] != ["1", "user"] or parts[3] != "listens":
            return 404, {"code": 404, "error": "Not found"}
        if urllib.parse.unquote(parts[2]) != self.user:
            return 404, {"code": 404, "error": f"Cannot find user: {urllib.parse.unquote(parts[2])}"}
        if "max_ts" in query and "min_ts" in query:
            return 400, {"code": 400, "error": "You may only specify max_ts or min_ts, not both."}
        count = min(int(query.get("count", "25")), 1000)
        ordered = sorted(self.listens, key=lambda x: -x.ts)
        if "max_ts" in query:
            ordered = [x for x in ordered if x.ts < int(query["max_ts"])]
        if "min_ts" in query:
            ordered = [x for x in ordered if x.ts > int(query["min_ts"])][-count:]
        listens = [self._listen(x) for x in ordered[:count]]
        return 200, {"payload": {
            "count": len(listens), "listens": listens, "user_id": self.user,
            "latest_listen_ts": max((x.ts for x in self.listens), default=0),
            "oldest_listen_ts": min((x.ts for x in self.listens), default=0)}}

    def _listen(self, x: Listen) -> dict[str, Any]:
        return {
            "inserted_at": x.ts + 5, "listened_at": x.ts, "user_name": self.user,
            "recording_msid": f"00000000-0000-4000-8000-{x.ts:012d}",
            "track_metadata": {
                "track_name": x.track, "artist_name": x.artist, "release_name": x.album,
                "additional_info": {"duration_ms": 180_000, "submission_client": "invented player"},
                "mbid_mapping": None,
            },
        }


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    stub: Any  # the stub the handler answers for (each service's stub class)


class JsonHandler(http.server.BaseHTTPRequestHandler):
    """What every stub's handler shares: JSON answers, and no log lines in the test output."""

    server: _Server

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet tests


class _Handler(JsonHandler):
    def do_GET(self) -> None:
        stub = self.server.stub
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        headers = {k.lower(): v for k, v in self.headers.items()}
        stub.log.append(Request(parts.path, query, headers, time.monotonic()))
        fault = stub.fault_for_next()
        if fault is not None:
            self._send(fault.status, fault.body, fault.headers)
            return
        status, doc = stub.answer(parts.path, query, headers)
        self._send(status, json.dumps(doc).encode(), {})


class Running:
    """A stub serving on 127.0.0.1 until :meth:`close`, answered by ``handler`` (Last.fm's and ListenBrainz's by
    default)."""

    def __init__(self, stub: Any, handler: type[JsonHandler] = _Handler) -> None:
        self.stub = stub
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.httpd.stub = stub
        stub.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def library_state(db: Path) -> dict[str, Any]:
    """Everything a sync may change in the library at ``db``: the plays, the ledger and the cursors."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "plays": con.execute("SELECT * EXCLUDE (import_id) FROM play_rows ORDER BY play_id").fetchall(),
            "imports": con.execute("SELECT import_id, inputs, stored FROM imports ORDER BY 1").fetchall(),
            "files": con.execute("SELECT * FROM import_files ORDER BY 1").fetchall(),
            "cursor": con.execute("SELECT source, cursor_ts FROM sync_state ORDER BY 1").fetchall(),
        }
    finally:
        con.close()
