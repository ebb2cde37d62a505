"""Spotify exports: Extended streaming history (Gen A/B/C) and Account data (docs/formats.md §1, §2).

Only the fields a play needs are read. ``username``, ``ip_addr``/``ip_addr_decrypted`` and
``user_agent_decrypted`` are never looked at, so they cannot reach the table or a message.
"""

from __future__ import annotations

import re

from linernotes.schema import Kind, Source
from linernotes.sources._careful import parse_records
from linernotes.sources._duckjson import JsonPlan
from linernotes.sources.base import HEAD_BYTES, MAX_TEXT_BYTES, Format, Parsed, json_first_keys

EXTENDED_KEYS = [
    "ts", "platform", "ms_played", "conn_country",
    "master_metadata_track_name", "master_metadata_album_artist_name", "master_metadata_album_album_name",
    "spotify_track_uri", "episode_name", "episode_show_name", "spotify_episode_uri",
    "audiobook_title", "audiobook_uri", "audiobook_chapter_uri", "audiobook_chapter_title",
    "reason_start", "reason_end", "shuffle", "skipped", "offline", "offline_timestamp", "incognito_mode",
]  # fmt: skip

# offline_timestamp is the play's start (docs/formats.md §1.6.3). It is trusted when it lands before the end of
# playback (`ts`) by at most ms_played plus a bounded pause; a start after the end (beyond clock jitter) or
# further back is not plausible, and the start falls back to ts - ms_played. The exception is a play made
# offline: it is logged when the app next syncs, and plays synced together share one `ts` (the sync time,
# hours or days later) and differ in offline_timestamp. Its start is trusted however long before the sync
# it lies (up to OFFLINE_MAX_AGE_S) and, when the sync came after the bounded pause, its end is
# start + ms_played (the sync time says nothing of when it ended). So no stored play spans more than
# ms_played + OFFLINE_TS_MAX_PAUSE_S; the play id of an offline play includes its start (store.dedupe).
OFFLINE_TS_MAX_EARLY_S = 10
OFFLINE_TS_MAX_PAUSE_S = 3600
OFFLINE_MAX_AGE_S = 366 * 24 * 3600
# Plays before Spotify existed or in the future are corrupt rows, not history.
MIN_TS = "2006-01-01 00:00:00+00"
# One stream longer than two days is a corrupt value, not a play: ms_played counts only audible time, the
# longest real items (audiobook chapters, marathon podcasts, ambient "10 hours of rain") stay under a day,
# and the bound keeps `ts_end - ms_played` a real date instead of an overflow or the year 1706.
MAX_MS_PLAYED = 48 * 3600 * 1000
# offline_timestamp is trusted only between these (seconds): beyond them it is garbage, and ignoring it
# (the start then comes from ts - ms_played) keeps the play.
_OFFLINE_MIN_S, _OFFLINE_MAX_S = 1e8, 1e11


# Durations are read as DOUBLE: any JSON number (1e30, 2^64) then reaches the drop rules instead of failing
# the whole file; a fraction of a millisecond is rounded.
_RAW_TYPES = {key: "VARCHAR" for key in EXTENDED_KEYS} | {
    "ms_played": "DOUBLE", "offline_timestamp": "DOUBLE",
    "shuffle": "BOOLEAN", "skipped": "BOOLEAN", "offline": "BOOLEAN", "incognito_mode": "BOOLEAN",
}  # fmt: skip
# Text that is stored (ts is parsed, and a long one simply fails to parse).
_TEXT_KEYS = [k for k, v in _RAW_TYPES.items() if v == "VARCHAR" and k != "ts"]


# Row-level reasons in order: a dropped row is counted once, under the first that applies. `ms` is the raw
# DOUBLE duration; NaN compares above every number in DuckDB, so it lands in bad_ms_played.
_DROP_REASON = """
    CASE
        WHEN _not_object THEN 'not_an_object'
        WHEN {long_text} THEN 'long_text'
        WHEN {ts} IS NULL THEN 'missing_time'
        WHEN ts_end IS NULL THEN 'bad_time'
        WHEN ts_end < TIMESTAMPTZ '{min_ts}' OR ts_end > now() + INTERVAL 1 DAY THEN 'time_out_of_range'
        WHEN _bad_number THEN 'bad_ms_played'
        WHEN {ms} IS NULL THEN 'missing_ms_played'
        WHEN {ms} < 0 THEN 'negative_ms_played'
        WHEN NOT {ms} <= {max_ms} THEN 'bad_ms_played'
    END
"""


def _drop_reason(ts: str, ms: str, texts: list[str]) -> str:
    # strlen counts bytes, cheaper than characters, and the cap is about memory and sanity, not display.
    long_text = " OR ".join(f'coalesce(strlen("{c}"), 0) > {MAX_TEXT_BYTES}' for c in texts) or "false"
    return _DROP_REASON.format(ts=ts, ms=ms, min_ts=MIN_TS, max_ms=MAX_MS_PLAYED, long_text=long_text)


def _safe_ms(ms: str) -> str:
    """The duration as BIGINT when it is within bounds, else NULL: the row is dropped, but every expression
    is evaluated for it first, and an absurd value must not overflow an interval on the way."""
    return f"CASE WHEN {ms} BETWEEN 0 AND {MAX_MS_PLAYED} THEN round({ms})::BIGINT END"


def _nullif_blank(column: str) -> str:
    # Exports write "" for "not recorded". (trim() on every string would double the transform's cost.)
    return f"nullif(\"{column}\", '')"


def parse_extended(data: bytes, name: str) -> Parsed:
    """Parse one Extended streaming history file (any generation, Audio or Video)."""
    return parse_records(data, name, plan_extended(data[:HEAD_BYTES], name))


def plan_extended(head: bytes, name: str) -> JsonPlan:
    """How an Extended streaming history file (its first bytes and name) becomes staged rows."""
    found = json_first_keys(head)
    keys = set(found[1]) if found else set()
    generation = "a" if ("username" in keys or "ip_addr_decrypted" in keys) else (
        "c" if "audiobook_title" in keys else "b")
    fmt = f"spotify_extended_gen_{generation}"
    # The kind comes from which URI is set, never from the file name (docs/formats.md §1.6.5): an episode in a
    # Video file is a (video) podcast episode like any other, and a track in it stays a track.
    episode_kind = Kind.EPISODE.value
    sql = f"""
        WITH r AS (
            SELECT *,
                   coalesce(try_strptime(ts, '%Y-%m-%dT%H:%M:%SZ'),
                            try_strptime(ts, '%Y-%m-%dT%H:%M:%S.%fZ'))::TIMESTAMPTZ AS ts_end,
                   -- offline_timestamp: ms in Gen A, s later; 0 and null mean "no start known".
                   CASE WHEN offline_timestamp BETWEEN {_OFFLINE_MAX_S} AND {_OFFLINE_MAX_S * 1000}
                        THEN offline_timestamp / 1000.0
                        WHEN offline_timestamp BETWEEN {_OFFLINE_MIN_S} AND {_OFFLINE_MAX_S}
                        THEN offline_timestamp END AS off_s,
                   {_safe_ms("ms_played")} AS ms
            FROM raw),
        p AS (
            SELECT *, epoch(ts_end) - off_s - ms / 1000.0 AS pause_s,
                   -- an offline play: its start is trusted however long before the sync (ts) it lies
                   coalesce(offline, false) AND off_s IS NOT NULL
                       AND off_s >= epoch(TIMESTAMPTZ '{MIN_TS}')
                       AND epoch(ts_end) - off_s - ms / 1000.0 > {OFFLINE_TS_MAX_PAUSE_S}
                       AND off_s >= epoch(ts_end) - {OFFLINE_MAX_AGE_S} AS synced_later FROM r),
        q AS (
            SELECT *,
                   CASE WHEN synced_later OR pause_s BETWEEN -{OFFLINE_TS_MAX_EARLY_S} AND {OFFLINE_TS_MAX_PAUSE_S}
                        THEN to_timestamp(off_s)
                        ELSE ts_end - to_milliseconds(ms) END AS start_at
            FROM p)
        SELECT
            '{Source.SPOTIFY_EXTENDED.value}' AS source,
            '{fmt}' AS format,
            -- Old Gen A files have no URIs at all: then the names say what was played.
            CASE WHEN {_nullif_blank("spotify_track_uri")} IS NOT NULL THEN 'track'
                 WHEN {_nullif_blank("spotify_episode_uri")} IS NOT NULL THEN '{episode_kind}'
                 WHEN {_nullif_blank("master_metadata_track_name")} IS NOT NULL THEN 'track'
                 WHEN coalesce({_nullif_blank("episode_name")}, nullif(trim(episode_show_name), '')) IS NOT NULL
                 THEN '{episode_kind}'
                 WHEN coalesce({_nullif_blank("audiobook_chapter_uri")}, {_nullif_blank("audiobook_uri")},
                               {_nullif_blank("audiobook_title")}) IS NOT NULL THEN 'audiobook'
                 ELSE 'unknown' END AS kind,
            start_at AS ts_start,
            CASE WHEN synced_later THEN start_at + to_milliseconds(ms) ELSE ts_end END AS ts_end,
            ms AS ms_played,
            {_nullif_blank("master_metadata_track_name")} AS track,
            {_nullif_blank("master_metadata_album_artist_name")} AS artist,
            {_nullif_blank("master_metadata_album_album_name")} AS album,
            nullif(trim(episode_show_name), '') AS show_name,  -- shows can carry trailing spaces
            {_nullif_blank("episode_name")} AS episode,
            {_nullif_blank("audiobook_title")} AS audiobook,
            {_nullif_blank("audiobook_chapter_title")} AS chapter,
            coalesce({_nullif_blank("spotify_track_uri")}, {_nullif_blank("spotify_episode_uri")},
                     {_nullif_blank("audiobook_chapter_uri")}, {_nullif_blank("audiobook_uri")}) AS uri,
            {_nullif_blank("platform")} AS platform,
            upper({_nullif_blank("conn_country")}) AS country,
            {_nullif_blank("reason_start")} AS reason_start,
            {_nullif_blank("reason_end")} AS reason_end,
            shuffle, skipped, offline, incognito_mode AS incognito,
            NULL::BIGINT AS duration_ms, NULL AS recording_mbid, NULL AS artist_mbid, NULL AS release_mbid,
            -- Gen A writes offline_timestamp 0 when it knows no start: fuzzy dedup (Maloja's rule).
            coalesce(offline_timestamp = 0, false) AS fuzzy_time,
            NULL::VARCHAR AS genre, NULL::BIGINT AS utc_offset_min,
            _file,
            {_drop_reason("ts", "ms_played", _TEXT_KEYS)} AS _drop
        FROM q
    """
    return JsonPlan(fmt, tuple(_RAW_TYPES.items()), sql, checked=("ms_played",))


def sniff_extended(head: bytes) -> bool:
    found = json_first_keys(head)
    return found is not None and found[0] == "array" and {"ts", "ms_played"} <= set(found[1])


# --- Account data -----------------------------------------------------------------------------------

ACCOUNT_VARIANTS: dict[str, tuple[str, str, str | None]] = {
    # variant: (name key, title key, extra key)  → mapped below
    "music": ("artistName", "trackName", None),
    "podcast": ("podcastName", "episodeName", None),
    "audiobook": ("audiobookName", "chapterName", "authorName"),
}
PLACEHOLDER_ARTIST = "Unknown Artist"
PLACEHOLDER_TRACK = "Unknown Track"
LEGACY_NAME = re.compile(r"^StreamingHistory\d+\.json$")


def _account_variant(keys: set[str]) -> str | None:
    for variant, (a, b, _) in ACCOUNT_VARIANTS.items():
        if a in keys or b in keys:
            return variant
    return None


def parse_account(data: bytes, name: str) -> Parsed:
    """Parse one Account-data streaming history file (music, podcast, audiobook, or the old mixed file)."""
    return parse_records(data, name, plan_account(data[:HEAD_BYTES], name))


def plan_account(head: bytes, name: str) -> JsonPlan:
    """How an Account-data streaming history file (its first bytes and name) becomes staged rows."""
    found = json_first_keys(head)
    variant = _account_variant(set(found[1]) if found else set()) or "music"
    who, what, author = ACCOUNT_VARIANTS[variant]
    types = {"endTime": "VARCHAR", "msPlayed": "DOUBLE", who: "VARCHAR", what: "VARCHAR"}
    if author:
        types[author] = "VARCHAR"
    legacy = bool(LEGACY_NAME.match(name.replace(":", "/").rsplit("/", 1)[-1]))
    fmt = "spotify_account_legacy" if legacy else f"spotify_account_{variant}"
    who_sql, what_sql = _nullif_blank(who), _nullif_blank(what)
    if variant == "music":
        # Placeholder rows are local files or unavailable tracks: keep the play, not the fake names.
        placeholder = f"({who_sql} = '{PLACEHOLDER_ARTIST}' AND {what_sql} = '{PLACEHOLDER_TRACK}')"
        names = f"""CASE WHEN {placeholder} THEN 'unknown' ELSE 'track' END AS kind,
                    CASE WHEN {placeholder} THEN NULL ELSE {what_sql} END AS track,
                    CASE WHEN {placeholder} THEN NULL ELSE {who_sql} END AS artist,
                    NULL AS show_name, NULL AS episode, NULL AS audiobook, NULL AS chapter"""
    elif variant == "podcast":
        names = f"""'episode' AS kind, NULL AS track, NULL AS artist,
                    {who_sql} AS show_name, {what_sql} AS episode, NULL AS audiobook, NULL AS chapter"""
    else:
        names = f"""'audiobook' AS kind, NULL AS track, {_nullif_blank(author or "")} AS artist,
                    NULL AS show_name, NULL AS episode, {who_sql} AS audiobook, {what_sql} AS chapter"""
    # endTime is UTC truncated to the minute (docs/formats.md §2.3, proved by a paired export).
    sql = f"""
        WITH r AS (SELECT *, try_strptime("endTime", '%Y-%m-%d %H:%M')::TIMESTAMPTZ AS ts_end,
                          {_safe_ms('"msPlayed"')} AS ms FROM raw),
        n AS (SELECT *, {names} FROM r)
        SELECT
            '{Source.SPOTIFY_ACCOUNT.value}' AS source, '{fmt}' AS format, kind,
            ts_end - to_milliseconds(coalesce(ms, 0)) AS ts_start,
            ts_end,
            ms AS ms_played,
            track, artist, NULL AS album, show_name, episode, audiobook, chapter,
            NULL AS uri, NULL AS platform, NULL AS country, NULL AS reason_start, NULL AS reason_end,
            NULL::BOOLEAN AS shuffle, NULL::BOOLEAN AS skipped, NULL::BOOLEAN AS offline,
            NULL::BOOLEAN AS incognito, NULL::BIGINT AS duration_ms,
            NULL AS recording_mbid, NULL AS artist_mbid, NULL AS release_mbid,
            true AS fuzzy_time,
            NULL::VARCHAR AS genre, NULL::BIGINT AS utc_offset_min,
            _file,
            {_drop_reason('"endTime"', '"msPlayed"', [who, what, *([author] if author else [])])} AS _drop
        FROM n
    """
    return JsonPlan(fmt, tuple(types.items()), sql, checked=("msPlayed",))


def sniff_account(head: bytes) -> bool:
    found = json_first_keys(head)
    return found is not None and found[0] == "array" and {"endTime", "msPlayed"} <= set(found[1])


FORMATS = [
    Format(
        name="spotify_extended",
        source=Source.SPOTIFY_EXTENDED,
        sniff=sniff_extended,
        parse=parse_extended,
        json_plan=plan_extended,
        name_hint=re.compile(r"^(endsong(_\d+)?|Streaming_History_(Audio|Video)_.*)\.json$", re.IGNORECASE),
        description="Spotify Extended streaming history (endsong_*.json, Streaming_History_*.json)",
    ),
    Format(
        name="spotify_account",
        source=Source.SPOTIFY_ACCOUNT,
        sniff=sniff_account,
        parse=parse_account,
        json_plan=plan_account,
        name_hint=re.compile(r"^StreamingHistory(_(music|podcast|audiobook)_)?\d+\.json$", re.IGNORECASE),
        description="Spotify Account data (StreamingHistory*.json)",
    ),
]
