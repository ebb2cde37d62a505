"""Last.fm's ``user.getRecentTracks``, page by page (docs/formats.md §3.3).

The answers are the pages a lastfm.ghan.nl JSON export holds, so :func:`linernotes.sources.lastfm.parse_api_pages`
reads them with the export's rules (the now-playing item has no date and is dropped as ``now_playing``). ``to``
is fixed when the sync starts, so pages do not shift under the paging while the person keeps scrobbling;
``from`` is inclusive, hence the stored cursor plus one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from linernotes.sources.base import Parsed
from linernotes.sources.lastfm import parse_api_pages
from linernotes.sync.http import Client, Retry, SyncError

NAME = "Last.fm"
SOURCE = "lastfm"
FORMAT = "lastfm_api"
DEFAULT_URL = "https://ws.audioscrobbler.com/2.0"
ENV_URL = "LINERNOTES_LASTFM_URL"
ENV_KEY = "LASTFM_API_KEY"
PAGE_SIZE = 200  # the API's maximum

# Last.fm's error codes (https://www.last.fm/api/errorcodes), in our words: its messages are not repeated.
_RETRYABLE = {8: "the service failed (error 8)", 11: "the service is offline (error 11)",
              16: "the service is temporarily unavailable (error 16)", 29: "rate limited (error 29)"}
_FATAL = {6: "no user by that name (error 6)", 10: "the API key is not valid (error 10)",
          26: "the API key is suspended (error 26)", 17: "this user's listening is private (error 17)",
          4: "authentication failed (error 4)", 9: "invalid session (error 9)"}


def client(base_url: str, api_key: str) -> Client:
    del api_key  # sent as a query parameter (the API's only way), see fetch
    return Client(NAME, base_url, refusal=_refusal)


def fetch(http: Client, user: str, api_key: str, since: int | None, until: int) -> Iterator[tuple[Parsed, int]]:
    """Every scrobble after ``since`` (epoch seconds; None: all) and before ``until``, a page at a time, newest
    first, with the total the service announced (0 when it did not say)."""
    page, pages = 1, 1
    while page <= pages:
        params = {"method": "user.getrecenttracks", "user": user, "api_key": api_key, "format": "json",
                  "limit": str(PAGE_SIZE), "page": str(page), "to": str(until)}
        if since is not None:
            params["from"] = str(since + 1)
        doc = http.get_json("/", params, check=_check)
        tracks = doc["recenttracks"]
        attr = tracks.get("@attr") if isinstance(tracks.get("@attr"), dict) else {}
        pages = max(_int(attr.get("totalPages")), page)
        yield parse_api_pages([tracks], FORMAT), _int(attr.get("total"))
        page += 1


def _check(doc: Any) -> None:
    """Last.fm reports some errors inside an answer: retry the passing ones, stop on the others."""
    if isinstance(doc, dict) and "error" in doc:
        code = _int(doc.get("error"))
        if code in _RETRYABLE:
            raise Retry(_RETRYABLE[code])
        raise SyncError(f"{NAME} refused the request ({_FATAL.get(code, f'error {code}')})")
    if not isinstance(doc, dict) or not isinstance(doc.get("recenttracks"), dict):
        raise SyncError(f"{NAME} sent an answer that is not a page of recent tracks")


def _refusal(status: int, doc: Any) -> str:
    if isinstance(doc, dict) and "error" in doc:
        code = _int(doc.get("error"))
        return _FATAL.get(code) or _RETRYABLE.get(code) or f"error {code}"
    return ""


def _int(value: object) -> int:
    """Last.fm writes every number as a string; anything else counts as 0."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return 0
