"""The canonical play record: one row per stream, whatever the source.

This module is a long-lived contract. Source modules produce Arrow tables with :data:`STAGED_SCHEMA`;
the store adds the columns it derives (``play_id``, ``import_id``, ``device``, ``tz``) and exposes the
result as the ``plays`` view documented in the README. Change it only through a store migration.

Never stored, in any form: IP address, user agent, username, e-mail.
"""

from __future__ import annotations

from enum import StrEnum

import pyarrow as pa


class Kind(StrEnum):
    """What was played."""

    TRACK = "track"
    EPISODE = "episode"
    AUDIOBOOK = "audiobook"
    VIDEO = "video"
    UNKNOWN = "unknown"  # Spotify "no-metadata" rows: local files, ads, removed tracks


class Source(StrEnum):
    """Where a play came from, richest first (the order decides which row wins a cross-source merge)."""

    SPOTIFY_EXTENDED = "spotify_extended"
    SPOTIFY_ACCOUNT = "spotify_account"
    # `linernotes sync spotify` (the Web API's recently played): names, URI and the moment, no listening time.
    # Poorer than both exports, so an export of the same listen wins the merge.
    SPOTIFY_API = "spotify_api"
    APPLE_MUSIC = "apple_music"
    DEEZER = "deezer"
    TIDAL = "tidal"
    LISTENBRAINZ = "listenbrainz"
    LASTFM = "lastfm"
    YOUTUBE_MUSIC = "youtube_music"

    @property
    def richness(self) -> int:
        """Lower is richer."""
        return list(Source).index(self)


UTC_TS = pa.timestamp("us", tz="UTC")

# What a source module emits, one row per play it kept. Every column is nullable unless noted.
STAGED_FIELDS: list[tuple[str, pa.DataType, str]] = [
    ("source", pa.string(), "Source enum value (not null)."),
    ("format", pa.string(), "Exact export format, e.g. spotify_extended_gen_a (not null)."),
    ("kind", pa.string(), "Kind enum value (not null)."),
    ("ts_start", UTC_TS, "Start of playback, UTC (not null)."),
    ("ts_end", UTC_TS, "End of playback, UTC (not null). Spotify's `ts`."),
    ("ms_played", pa.int64(), "Milliseconds actually played; NULL when the source does not say (scrobbles)."),
    ("track", pa.string(), "Track title."),
    ("artist", pa.string(), "Primary artist (Spotify) or the artist credit (scrobbles); author for audiobooks."),
    ("album", pa.string(), "Album title."),
    ("show_name", pa.string(), "Podcast show (trailing spaces trimmed). Not `show`: a reserved word in DuckDB SQL."),
    ("episode", pa.string(), "Podcast episode title."),
    ("audiobook", pa.string(), "Audiobook title."),
    ("chapter", pa.string(), "Audiobook chapter title."),
    ("uri", pa.string(), "Spotify URI of the track, episode or audiobook chapter, when known."),
    ("platform", pa.string(), "Raw platform string as exported."),
    ("country", pa.string(), "ISO 3166-1 alpha-2 country of the connection (Spotify conn_country)."),
    ("reason_start", pa.string(), "Why playback started (Spotify), NULL when not recorded or empty."),
    ("reason_end", pa.string(), "Why playback ended (Spotify), NULL when not recorded or empty."),
    ("shuffle", pa.bool_(), "Shuffle mode on."),
    ("skipped", pa.bool_(), "Skipped per the export; NULL when the export does not record it (never invented)."),
    ("offline", pa.bool_(), "Played in offline mode."),
    ("incognito", pa.bool_(), "Private session. Stored, but excluded downstream unless the person opts in."),
    ("duration_ms", pa.int64(), "Catalogue length when the source gives it (ListenBrainz); not listening time."),
    ("recording_mbid", pa.string(), "MusicBrainz recording id when known."),
    ("artist_mbid", pa.string(), "MusicBrainz artist id when known."),
    ("release_mbid", pa.string(), "MusicBrainz release id when known."),
    ("fuzzy_time", pa.bool_(), "True when ts is imprecise (minute-truncated, or Gen A offline_timestamp == 0)."),
    ("genre", pa.string(), "Genre as the export names it (Apple Music); NULL when the export has none."),
    ("utc_offset_min", pa.int64(),
     "The device's offset from UTC at the play, in minutes, when the export records it (Apple Music); the "
     "play's local time then comes from it."),
]

STAGED_SCHEMA = pa.schema([pa.field(name, dtype) for name, dtype, _ in STAGED_FIELDS])


def conform(columns: dict[str, pa.Array | list[object] | None], n_rows: int) -> pa.Table:
    """Build a staged table from the columns a source knows; missing columns become NULL.

    Example::

        conform({"source": ["lastfm"] * 2, ...}, 2)
    """
    arrays = []
    for field in STAGED_SCHEMA:
        value = columns.get(field.name)
        if value is None:
            arrays.append(pa.nulls(n_rows, field.type))
        elif isinstance(value, pa.Array | pa.ChunkedArray):
            arrays.append(value.cast(field.type) if value.type != field.type else value)
        else:
            arrays.append(pa.array(value, type=field.type))
    return pa.Table.from_arrays(arrays, schema=STAGED_SCHEMA)
