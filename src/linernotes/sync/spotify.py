"""Spotify's ``GET /v1/me/player/recently-played``, since the stored cursor, for ``linernotes sync spotify``.

Spotify keeps only the last :data:`WINDOW` plays of an account there (developer.spotify.com/documentation/
web-api/reference/get-recently-played: "Returns the most recent 50 tracks played by a user"). Fifty plays
are about 2½ to 3 hours of listening to 3–4 minute tracks, less with skips (a play is listed after about
30 s), so the sync must run at least every ~2 hours of listening — hourly from cron or a timer is safe — and
the Extended Streaming History export fills anything older. When every play the service returned came after
the stored cursor and the window was full, plays in between may have been missed: the sync says so.

The first request asks for what came ``after`` the cursor (ms, exclusive); the answer is newest first. When it
carries a ``next`` link, older pages are asked with ``before`` = the page's ``cursors.before`` (the link itself is
never followed: it is the server's address, and the access token goes only where the person said). Paging
stops at the cursor, at an empty page, at a cursor that does not move back, or after :data:`MAX_PAGES`.

The access token is refreshed before a request when its time is up, and once when the API answers 401 (expired
or otherwise refused); the rotated tokens are saved at once, since the old refresh token may no longer work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from linernotes.sources.base import Parsed
from linernotes.sources.spotify_api import FORMAT, parse_recently_played
from linernotes.sync import spotify_auth
from linernotes.sync.http import Client, Refused, SyncError

NAME = "Spotify"
SOURCE = "spotify_api"
DEFAULT_API_URL = "https://api.spotify.com"
DEFAULT_ACCOUNTS_URL = "https://accounts.spotify.com"
ENV_API_URL = "LINERNOTES_SPOTIFY_API_URL"
ENV_ACCOUNTS_URL = "LINERNOTES_SPOTIFY_ACCOUNTS_URL"
ENV_CLIENT_ID = "SPOTIFY_CLIENT_ID"
PATH = "/v1/me/player/recently-played"
WINDOW = 50  # the endpoint's maximum `limit`, and all it keeps
MAX_PAGES = 10  # the window is 50 plays: a server still paging after 10 requests is not Spotify's
HOW_OFTEN = ("Spotify keeps only your last 50 plays (about 2½ to 3 hours of listening, less when you skip): "
             "sync at least every 2 hours of listening, e.g. hourly from cron or a timer; your Extended "
             "Streaming History export fills in anything older")

_REFUSALS = {
    401: "the access token was refused",
    403: "the login does not allow reading recently played tracks; log out and log in again",
    400: "the service found the request malformed",
}


@dataclass
class Session:
    """An authorized API client: the tokens, where they are saved, and the accounts service to refresh them."""

    api: Client
    accounts: Client
    tokens: spotify_auth.Tokens
    token_file: Path
    refreshed: int = 0

    def get(self, params: dict[str, str]) -> Any:
        if self.tokens.expired():
            self._refresh()
        try:
            return self._get(params)
        except Refused as exc:
            if exc.status != 401 or self.refreshed:
                raise
        self._refresh()
        return self._get(params)

    def _get(self, params: dict[str, str]) -> Any:
        return self.api.get_json(PATH, params, check=_check,
                                 headers={"Authorization": f"Bearer {self.tokens.access_token}"})

    def _refresh(self) -> None:
        try:
            self.tokens = spotify_auth.refresh(self.accounts, self.tokens)
        except spotify_auth.LoginExpired:
            spotify_auth.logout(self.token_file)  # a dead refresh token: the next run logs in afresh
            raise
        spotify_auth.save(self.token_file, self.tokens)
        self.refreshed += 1

    @property
    def requests(self) -> int:
        return self.api.requests + self.accounts.requests


def api_client(base_url: str) -> Client:
    return Client(NAME, base_url, refusal=lambda status, _doc: _REFUSALS.get(status, ""))


@dataclass
class Window:
    """What the service's pages said about the window, for the warning about a possible gap."""

    returned: int = 0  # items the service returned after the cursor, all pages together
    oldest_ms: int | None = None
    notes: list[str] = field(default_factory=list)


def fetch(session: Session, since: int | None, window: Window) -> Iterator[tuple[Parsed, int]]:
    """The plays after ``since`` (epoch seconds of the newest play synced; None: all the service keeps), a page
    at a time, newest first. ``window`` is filled as the pages come."""
    # The cursor is whole seconds; two plays cannot end in one second, so the rest of that second is skipped.
    floor_ms = (since * 1000 + 999) if since is not None else None
    params = {"limit": str(WINDOW)}
    if floor_ms is not None:
        params["after"] = str(floor_ms)
    for _ in range(MAX_PAGES):
        doc = session.get(params)
        items = [x for x in doc["items"] if floor_ms is None or (_ms(x) or 0) > floor_ms]
        window.returned += len(items)
        times = [t for t in (_ms(x) for x in items) if t is not None]
        if times:
            window.oldest_ms = min(times + ([window.oldest_ms] if window.oldest_ms is not None else []))
        if items:
            yield parse_recently_played(items), 0
        before = _int((doc.get("cursors") or {}).get("before")) if isinstance(doc.get("cursors"), dict) else None
        if before is None and times:
            before = min(times)
        if (not doc.get("next") or not items or before is None
                or (floor_ms is not None and before <= floor_ms)
                or ("before" in params and before >= int(params["before"]))):
            break
        params = {"limit": str(WINDOW), "before": str(before)}
    if since is not None and window.returned >= WINDOW and window.oldest_ms is not None:
        window.notes.append(
            f"All {window.returned} plays Spotify returned came after the last sync, so plays between "
            f"{_moment(since * 1000)} and {_moment(window.oldest_ms)} may be missing (it keeps only the last 50): "
            "sync more often, and import your Extended Streaming History export for the gap")
    elif since is None:
        window.notes.append(HOW_OFTEN)


def plan(session: Session, since: int | None, announce: Callable[[str], None] | None) -> tuple[
        Iterator[tuple[Parsed, int]], Window]:
    """The pages to load and the window they describe, after saying what is asked of whom."""
    if announce is not None:
        from linernotes.sync.http import host_of

        period = f"since {_moment(since * 1000)}" if since is not None else "(it keeps the last 50)"
        announce(f"Asking Spotify ({host_of(session.api.base_url)}) for your recently played tracks {period}; "
                 "only your access token and this time bound are sent.")
    window = Window()
    return fetch(session, since, window), window


def _check(doc: Any) -> None:
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise SyncError(f"{NAME} sent an answer without a list of recently played tracks")


def _ms(item: Any) -> int | None:
    """``played_at`` in epoch milliseconds, or None when it is missing or does not parse (the parser counts it)."""
    value = item.get("played_at") if isinstance(item, dict) else None
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return int(moment.timestamp() * 1000) if moment.tzinfo is not None else None


def _int(value: Any) -> int | None:
    """Spotify writes the cursors as strings of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _moment(ms: int) -> str:
    from linernotes.formatting import format_date

    at = datetime.fromtimestamp(ms / 1000, UTC)
    return f"{format_date(at)} {at:%H:%M} UTC"


__all__ = ["FORMAT", "NAME", "SOURCE", "Session", "Window", "fetch", "plan"]
