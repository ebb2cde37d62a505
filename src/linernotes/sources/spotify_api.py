"""Spotify Web API ``GET /v1/me/player/recently-played`` items → staged plays (``linernotes sync spotify``).

An item is ``{"track": {...}, "played_at": "2024-05-01T12:34:56.789Z", "context": {...}}``. What a play
becomes, and why:

- ``ts_end`` is ``played_at``. Spotify documents it only as "the date and time the track was played"; its
  older reference says a track "will not be visible in play history until it has completed", and the people who
  compared it with their clocks and scrobbles found it is when the track *ended*, now and then when it started
  (github.com/spotify/web-api issues 613, 1083, 1199; multi-scrobbler issue 167). The end is also what an
  Extended Streaming History export's ``ts`` holds, so the two copies of a listen meet on it.
- ``ts_start`` is ``played_at`` less the track's catalogue length (``duration_ms``): the list holds mostly
  tracks that reached their end (web-api issues 954, 1017, 1441). It is an estimate, blind to pauses and
  skips; the store's cross-source rule allows for exactly that (store.dedupe).
- ``ms_played`` is NULL: the API does not say how long the person listened, and insights sum ``ms_played`` as
  listening time, so the catalogue length (kept in ``duration_ms``, as ListenBrainz's is) must not stand in for
  it. A play of this source counts as one play under every policy, like a scrobble.
- No ``skipped``, ``reason_*``, ``shuffle``, platform or country: the API does not give them (never invented).
- Episodes (the reference says the list does not hold them, but the item type allows them) are kept like the
  exports' episodes: ``episode`` and ``show_name``, the episode URI. A local file (``is_local``) keeps its
  names and no URI: ``spotify:local:…`` is not a catalogue id (it is the file's tags) and would split one local
  file's plays from its other copies.

Raw JSON stays in this module. The account's identity is not in the items and nothing else is read.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from linernotes.schema import Kind, Source, conform
from linernotes.sources.base import MAX_TEXT_BYTES, Parsed

FORMAT = "spotify_api"
MIN_TIME = datetime(2006, 1, 1, tzinfo=UTC)  # before Spotify existed: a corrupt value, as in the exports
MAX_DURATION_MS = 48 * 3600 * 1000  # as the exports' bound on one stream (sources.spotify.MAX_MS_PLAYED)


def parse_recently_played(items: list[Any], now: datetime | None = None) -> Parsed:
    """Staged rows for the ``items`` of one recently-played page (already decoded), with named drop reasons.

    >>> parse_recently_played([{"played_at": "2024-05-01T12:00:00.000Z", "track": {"type": "track",
    ...     "name": "T", "artists": [{"name": "A"}], "duration_ms": 180000, "uri": "spotify:track:x"}}]).table.num_rows
    1
    """
    now = now or datetime.now(UTC)
    columns: dict[str, list[Any]] = {name: [] for name in _COLUMNS}
    dropped: Counter[str] = Counter()
    for item in items:
        row, why = _row(item, now)
        if row is None:
            dropped[why] += 1
            continue
        for name in _COLUMNS:
            columns[name].append(row.get(name))
    n = len(columns["ts_end"])
    table = conform({"source": [Source.SPOTIFY_API.value] * n, "format": [FORMAT] * n,
                     "fuzzy_time": [False] * n, **columns}, n)
    return Parsed(FORMAT, table, len(items), dropped)


_COLUMNS = ("kind", "ts_start", "ts_end", "track", "artist", "album", "show_name", "episode", "uri", "duration_ms")


def _row(item: Any, now: datetime) -> tuple[dict[str, Any] | None, str]:
    if not isinstance(item, dict):
        return None, "not_an_object"
    played_at = item.get("played_at")
    if not isinstance(played_at, str) or not played_at:
        return None, "missing_time"
    end = _time(played_at)
    if end is None:
        return None, "bad_time"
    if end < MIN_TIME or end > now + timedelta(days=1):
        return None, "time_out_of_range"
    what = item.get("track")
    if not isinstance(what, dict):
        return None, "no_item"  # Spotify answers null for an item it can no longer show
    duration = what.get("duration_ms")
    length = int(duration) if isinstance(duration, int | float) and not isinstance(duration, bool) \
        and 0 < duration <= MAX_DURATION_MS else None
    name = _text(what.get("name"))
    row: dict[str, Any] = {"ts_end": end, "ts_start": end - timedelta(milliseconds=length or 0),
                           "duration_ms": length}
    uri = _text(what.get("uri"))
    if what.get("type") == "episode":
        show = what.get("show")
        row.update(kind=Kind.EPISODE.value, episode=name,
                   show_name=_text(show.get("name")) if isinstance(show, dict) else None,
                   uri=uri if uri and uri.startswith("spotify:episode:") else None)
    else:
        artists = what.get("artists")
        first = artists[0] if isinstance(artists, list) and artists and isinstance(artists[0], dict) else {}
        album = what.get("album")
        local = what.get("is_local") is True or (uri or "").startswith("spotify:local:")
        row.update(kind=Kind.TRACK.value if name else Kind.UNKNOWN.value, track=name, artist=_text(first.get("name")),
                   album=_text(album.get("name")) if isinstance(album, dict) else None,
                   uri=None if local or not uri or not uri.startswith("spotify:track:") else uri)
    if any(isinstance(v, str) and len(v.encode("utf-8")) > MAX_TEXT_BYTES for v in row.values()):
        return None, "long_text"
    return row, ""


def _time(value: str) -> datetime | None:
    """``2024-05-01T12:34:56.789Z`` (or without the fraction) as an aware UTC datetime; anything else None."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None  # a time without its zone is not the documented UTC
    return moment.astimezone(UTC)


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None
