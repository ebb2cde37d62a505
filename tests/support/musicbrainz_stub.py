"""A MusicBrainz web service stand-in on 127.0.0.1: real HTTP, the ``/ws/2`` JSON shapes of MusicBrainz's
documentation (artist lookup with ``inc=genres+tags``, artist search with ``score``/``count``/``offset`` and
``limit``/``offset`` paging, recording lookup with ``inc=releases``, recording search by ``recording:"…" AND
artist:"…"`` over the recordings' ``title`` and ``artist-credit``), 404 ``{"error": ...}`` for unknown ids, and
faults on demand: 429/503 with ``Retry-After``, 500, malformed JSON.

Every request is recorded (time, path, query, headers) so tests can check what left the "machine".
The catalogue is invented: no real artist is named.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson

from linernotes.enrich.musicbrainz import fold_name
from tests.support.sync_stubs import JsonHandler, Running


def mbid_for(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "stub-artist:" + name))


@dataclass
class StubArtist:
    name: str
    country: str | None = "DE"
    type: str | None = "Group"
    begin: str | None = "1999-04"
    genres: list[str] = field(default_factory=lambda: ["synthpop"])
    tags: list[str] = field(default_factory=lambda: ["electronic"])
    mbid: str = ""

    def __post_init__(self) -> None:
        self.mbid = self.mbid or mbid_for(self.name)

    def doc(self) -> dict[str, Any]:
        return {"id": self.mbid, "name": self.name, "sort-name": self.name, "type": self.type,
                "country": self.country, "disambiguation": "",
                "life-span": {"begin": self.begin, "end": None, "ended": False},
                "genres": [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, g)), "name": g, "count": 3,
                            "disambiguation": ""} for g in self.genres],
                "tags": [{"name": t, "count": 2} for t in self.tags]}


@dataclass
class Seen:
    at: float
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw: str


class Stub:
    def __init__(self, artists: list[StubArtist], recordings: dict[str, dict[str, Any]] | None = None) -> None:
        self.artists = {a.mbid: a for a in artists}
        self.recordings = recordings or {}
        self.seen: list[Seen] = []
        self.faults: list[tuple[int, dict[str, str], bytes]] = []  # served first, one per request
        self.always: tuple[int, dict[str, str], bytes] | None = None
        self.lock = threading.Lock()
        self.url = ""

    # -- faults ----------------------------------------------------------------------------------------
    def fail_next(self, status: int, *, retry_after: str | None = None, times: int = 1) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        body = orjson.dumps({"error": "Your requests are exceeding the allowable rate limit."})
        self.faults += [(status, headers, body)] * times

    def fail_always(self, status: int, body: bytes = b'{"error": "Internal Server Error"}') -> None:
        self.always = (status, {}, body)

    # -- answers ---------------------------------------------------------------------------------------
    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            if self.faults:
                return self.faults.pop(0)
        if self.always is not None:
            return self.always
        if query.get("fmt") != ["json"]:
            return 400, {}, orjson.dumps({"error": "only fmt=json here"})
        parts = path.strip("/").split("/")
        if parts[:2] != ["ws", "2"] or len(parts) not in (3, 4):
            return 404, {}, orjson.dumps({"error": "Not Found"})
        entity = parts[2]
        if entity == "artist" and len(parts) == 4:
            found = self.artists.get(parts[3])
            return (200, {}, orjson.dumps(found.doc())) if found else (404, {}, orjson.dumps({"error": "Not Found"}))
        if entity == "artist":
            return 200, {}, orjson.dumps(self.search(query))
        if entity == "recording" and len(parts) == 4:
            rec = self.recordings.get(parts[3])
            return (200, {}, orjson.dumps(rec)) if rec else (404, {}, orjson.dumps({"error": "Not Found"}))
        if entity == "recording":
            return 200, {}, orjson.dumps(self.search_recordings(query))
        return 404, {}, orjson.dumps({"error": "Not Found"})

    def search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """Lucene-ish: ``artist:"phrase"``; an exact name scores 100, a folded one 95, containing it 60."""
        q = query.get("query", [""])[0]
        phrase = q.removeprefix("artist:").strip('"').replace('\\"', '"').replace("\\\\", "\\")
        want = fold_name(phrase)
        hits = []
        for a in self.artists.values():
            score = (100 if a.name == phrase else 95 if fold_name(a.name) == want
                     else 60 if want and want in fold_name(a.name) else 0)
            if score:
                hits.append((score, a))
        hits.sort(key=lambda sa: (-sa[0], sa[1].name))
        offset = int(query.get("offset", ["0"])[0])
        limit = min(int(query.get("limit", ["25"])[0]), 100)
        page = hits[offset:offset + limit]
        return {"created": "2026-01-01T00:00:00.000Z", "count": len(hits), "offset": offset,
                "artists": [{**{k: v for k, v in a.doc().items() if k not in ("genres",)}, "score": s}
                            for s, a in page]}


    def search_recordings(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """``recording:"title" AND artist:"name"``: a recording whose title and a credited name are the phrases
        scores 100, folded 95; the artist must be credited."""
        q = query.get("query", [""])[0]
        found = re.fullmatch(r'recording:"((?:[^"\\]|\\.)*)" AND artist:"((?:[^"\\]|\\.)*)"', q)
        if found is None:
            return {"created": "2026-01-01T00:00:00.000Z", "count": 0, "offset": 0, "recordings": []}
        title, artist = (re.sub(r"\\(.)", r"\1", g) for g in found.groups())
        hits = []
        for rec in self.recordings.values():
            credited = [c.get("name", "") for c in rec.get("artist-credit", [])]
            if fold_name(artist) not in {fold_name(n) for n in credited}:
                continue
            score = (100 if rec.get("title") == title and artist in credited
                     else 95 if fold_name(rec.get("title", "")) == fold_name(title) else 0)
            if score:
                hits.append((score, rec))
        hits.sort(key=lambda sr: (-sr[0], sr[1]["id"]))
        limit = min(int(query.get("limit", ["25"])[0]), 100)
        return {"created": "2026-01-01T00:00:00.000Z", "count": len(hits), "offset": 0,
                "recordings": [{**rec, "score": s} for s, rec in hits[:limit]]}


class _Handler(JsonHandler):
    def do_GET(self) -> None:
        stub: Stub = self.server.stub
        parts = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parts.query)
        stub.seen.append(Seen(time.monotonic(), parts.path, query, dict(self.headers.items()), self.path))
        status, headers, body = stub.answer(parts.path, query)
        self._send(status, body, headers)


@contextmanager
def serve(stub: Stub) -> Iterator[Stub]:
    """``stub`` answering on 127.0.0.1 for the duration of the block (its ``url`` set)."""
    running = Running(stub, _Handler)
    try:
        yield stub
    finally:
        running.close()
