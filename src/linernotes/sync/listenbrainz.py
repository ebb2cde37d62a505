"""ListenBrainz's ``GET /1/user/<name>/listens``, paged backwards in time with ``max_ts``.

The service takes ``max_ts`` or ``min_ts``, not both, and always answers newest first; so the sync pages down
from the moment it started with ``max_ts`` and stops at the stored cursor, which plays the part of ``min_ts``.
``max_ts`` is exclusive: the next page starts at the second of the page's oldest listen, and the listens of that
second already read are skipped, so listens sharing a second across a page boundary are neither lost nor read
twice. The listens are the export's JSONL objects (docs/formats.md §4.1), read by
:func:`linernotes.sources.listenbrainz.parse_api_listens`. The token is optional: listens are public; with it the
service allows more requests.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Iterator
from typing import Any

import orjson

from linernotes.sources.base import Parsed
from linernotes.sources.listenbrainz import parse_api_listens
from linernotes.sync.http import Client, SyncError

NAME = "ListenBrainz"
SOURCE = "listenbrainz"
FORMAT = "listenbrainz_api"
DEFAULT_URL = "https://api.listenbrainz.org"
ENV_URL = "LINERNOTES_LISTENBRAINZ_URL"
ENV_TOKEN = "LISTENBRAINZ_TOKEN"
PAGE_SIZE = 1000  # the API's MAX_ITEMS_PER_GET

_REFUSALS = {
    401: "the token was refused: expired or revoked? Copy the current one from your ListenBrainz settings, or "
         "leave the token out (listens are public)",
    403: "the token does not allow this",
    404: "no user by that name",
    400: "the service found the request malformed",
}


def client(base_url: str, token: str | None) -> Client:
    headers = {"Authorization": f"Token {token}"} if token else {}
    return Client(NAME, base_url, headers=headers, refusal=lambda status, _doc: _REFUSALS.get(status, ""))


def fetch(http: Client, user: str, since: int | None, until: int) -> Iterator[tuple[Parsed, int]]:
    """Every listen after ``since`` (epoch seconds; None: all) and before ``until``, a page at a time, newest
    first; the total is unknown to the service's answer (0)."""
    path = f"/1/user/{urllib.parse.quote(user, safe='')}/listens"
    max_ts = until
    boundary: set[bytes] = set()  # the listens of the second the next page starts at, already read
    while True:
        doc = http.get_json(path, {"max_ts": str(max_ts), "count": str(PAGE_SIZE)}, check=_check)
        listens: list[Any] = doc["payload"]["listens"]
        times = [_when(listen) for listen in listens]
        oldest = min((t for t in times if t is not None), default=None)
        fresh = [listen for listen, t in zip(listens, times, strict=True)
                 if (t is None or since is None or math.floor(t) > since)
                 and not (boundary and _key(listen) in boundary)]
        if fresh:
            yield parse_api_listens(fresh, FORMAT), 0
        if oldest is None or (since is not None and math.floor(oldest) <= since):
            return
        second = math.floor(oldest)
        # A page all in one second (1,000 listens in it) would page forever: step past that second.
        next_max = second + 1 if second + 1 < max_ts else second
        boundary = {_key(listen) for listen, t in zip(listens, times, strict=True)
                    if t is not None and math.floor(t) == second} if next_max > second else set()
        max_ts = next_max


def _check(doc: Any) -> None:
    payload = doc.get("payload") if isinstance(doc, dict) else None
    if not isinstance(payload, dict) or not isinstance(payload.get("listens"), list):
        raise SyncError(f"{NAME} sent an answer without a list of listens")


def _when(listen: Any) -> float | None:
    value = listen.get("listened_at") if isinstance(listen, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _key(listen: Any) -> bytes:
    return orjson.dumps(listen, option=orjson.OPT_SORT_KEYS)
