"""Spotify exports: Extended streaming history (Gen A/B/C) and Account data (FORMATS.md §1, §2).

Only the fields a play needs are read. ``username``, ``ip_addr``/``ip_addr_decrypted`` and
``user_agent_decrypted`` are never looked at, so they cannot reach the table or a message.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from linernotes.errors import InputError
from linernotes.schema import UTC_TS, Kind, Source, conform
from linernotes.sources._columns import columns_of, empty_to_null, typed_array
from linernotes.sources.base import Format, Parsed, json_first_keys, strip_bom

EXTENDED_KEYS = [
    "ts", "platform", "ms_played", "conn_country",
    "master_metadata_track_name", "master_metadata_album_artist_name", "master_metadata_album_album_name",
    "spotify_track_uri", "episode_name", "episode_show_name", "spotify_episode_uri",
    "audiobook_title", "audiobook_uri", "audiobook_chapter_uri", "audiobook_chapter_title",
    "reason_start", "reason_end", "shuffle", "skipped", "offline", "offline_timestamp", "incognito_mode",
]  # fmt: skip

# offline_timestamp is the play's start (FORMATS.md §1.6.3): trust it only when it lands just before the
# end of playback. The tail allows long pauses; a start after the end (beyond clock jitter) is not plausible.
OFFLINE_TS_MAX_EARLY_S = 10
OFFLINE_TS_MAX_PAUSE_S = 24 * 3600
# Plays before Spotify existed or in the future are corrupt rows, not history.
MIN_TS = np.datetime64("2006-01-01T00:00:00", "us")


def load_json_array(data: bytes, name: str) -> list[Any]:
    """Parse a whole JSON array, turning every failure into a one-line InputError."""
    try:
        text = strip_bom(data)
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}" if exc.lineno else f"byte {exc.pos}"
        reason = "not valid UTF-8" if "utf-8" in str(exc).lower() else "not valid JSON (truncated or corrupt)"
        raise InputError(name, reason, where=where) from None
    if not isinstance(value, list):
        raise InputError(name, "expected a JSON array of plays")
    return value


def _to_utc(ts_text: pa.Array, fmt: str) -> pa.Array:
    parsed = pc.strptime(ts_text, format=fmt, unit="us", error_is_null=True)
    return parsed.cast(UTC_TS)


def _in_range(ts: pa.Array) -> np.ndarray:
    values = ts.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)
    now = np.datetime64("now", "us") + np.timedelta64(1, "D")
    with np.errstate(invalid="ignore"):
        return (values >= MIN_TS) & (values <= now)


def _start_from_offline(ts_end: pa.Array, ms_played: pa.Array, offline_ts: pa.Array) -> pa.Array:
    """ts_start: offline_timestamp when plausible (ms or s by magnitude), else ts_end − ms_played."""
    end_us = ts_end.cast(pa.int64()).to_numpy(zero_copy_only=False).astype("float64")
    played_us = ms_played.to_numpy(zero_copy_only=False).astype("float64") * 1000.0
    off = offline_ts.to_numpy(zero_copy_only=False).astype("float64")  # nulls → nan
    with np.errstate(invalid="ignore"):
        off_us = np.where(off > 1e11, off * 1e3, np.where(off > 1e8, off * 1e6, np.nan))
        pause_s = (end_us - off_us - played_us) / 1e6
        plausible = (pause_s >= -OFFLINE_TS_MAX_EARLY_S) & (pause_s <= OFFLINE_TS_MAX_PAUSE_S)
        start_us = np.where(plausible, off_us, end_us - played_us)
    start = np.where(np.isnan(start_us), 0, start_us).astype("int64")
    return pa.array(start, type=pa.int64(), mask=np.isnan(start_us)).cast(UTC_TS)


def _kind(track_uri: pa.Array, episode_uri: pa.Array, audiobook: pa.Array, video_file: bool) -> pa.Array:
    episode_kind = Kind.VIDEO.value if video_file else Kind.EPISODE.value
    return pc.case_when(
        pc.make_struct(pc.is_valid(track_uri), pc.is_valid(episode_uri), pc.is_valid(audiobook)),
        Kind.TRACK.value,
        episode_kind,
        Kind.AUDIOBOOK.value,
        Kind.UNKNOWN.value,
    )


def _coalesce_str(*arrays: pa.Array) -> pa.Array:
    return pc.coalesce(*arrays)


def parse_extended(data: bytes, name: str) -> Parsed:
    """Parse one Extended streaming history file (any generation, Audio or Video)."""
    records = load_json_array(data, name)
    n = len(records)
    first = next((r for r in records if isinstance(r, dict)), {})
    generation = (
        "a"
        if ("username" in first or "ip_addr_decrypted" in first)
        else ("c" if "audiobook_title" in first else "b")
    )
    cols, is_obj = columns_of(records, EXTENDED_KEYS)
    del records
    dropped: Counter[str] = Counter()
    s: dict[str, pa.Array] = {}
    ts_raw = _string_column(cols["ts"])
    ms_played, ms_bad = typed_array(cols["ms_played"], pa.int64())
    offline_ts, _ = typed_array(cols["offline_timestamp"], pa.float64())
    bools = {
        k: typed_array(cols[k], pa.bool_())[0] for k in ("shuffle", "skipped", "offline", "incognito_mode")
    }
    for key in _STRING_KEYS:
        s[key] = _string_column(cols[key])
    del cols

    ts_end = _to_utc(ts_raw, "%Y-%m-%dT%H:%M:%SZ")
    if ts_end.null_count > ts_raw.null_count:
        # Rare variants seen in re-saved files: fractional seconds.
        alt = _to_utc(ts_raw, "%Y-%m-%dT%H:%M:%S.%fZ")
        ts_end = pc.coalesce(ts_end, alt)

    # Row-level reasons, first match wins so every dropped row is counted once.
    keep = np.ones(n, dtype=bool)
    ts_null = ts_end.is_null().to_numpy(zero_copy_only=False)
    ts_raw_null = ts_raw.is_null().to_numpy(zero_copy_only=False)
    ms_np = ms_played.to_numpy(zero_copy_only=False)
    reasons = [
        ("not_an_object", ~is_obj),
        ("missing_time", ts_raw_null),
        ("bad_time", ts_null & ~ts_raw_null),
        ("time_out_of_range", ~ts_null & ~_in_range(ts_end)),
        ("bad_ms_played", ms_bad),
        ("missing_ms_played", ms_played.is_null().to_numpy(zero_copy_only=False) & ~ms_bad),
        ("negative_ms_played", np.nan_to_num(ms_np.astype("float64"), nan=0.0) < 0),
    ]
    for reason, mask in reasons:
        hit = keep & mask
        count = int(hit.sum())
        if count:
            dropped[reason] += count
            keep &= ~hit

    audiobook_any = _coalesce_str(s["audiobook_chapter_uri"], s["audiobook_uri"], s["audiobook_title"])
    video_file = "video" in name.rsplit("/", 1)[-1].lower()
    table = conform(
        {
            "source": pa.array([Source.SPOTIFY_EXTENDED.value] * n, pa.string()),
            "format": pa.array([f"spotify_extended_gen_{generation}"] * n, pa.string()),
            "kind": _kind(s["spotify_track_uri"], s["spotify_episode_uri"], audiobook_any, video_file),
            "ts_start": _start_from_offline(ts_end, ms_played, offline_ts),
            "ts_end": ts_end,
            "ms_played": ms_played,
            "track": s["master_metadata_track_name"],
            "artist": s["master_metadata_album_artist_name"],
            "album": s["master_metadata_album_album_name"],
            "show_name": pc.utf8_trim_whitespace(s["episode_show_name"]),
            "episode": s["episode_name"],
            "audiobook": s["audiobook_title"],
            "chapter": s["audiobook_chapter_title"],
            "uri": _coalesce_str(
                s["spotify_track_uri"],
                s["spotify_episode_uri"],
                s["audiobook_chapter_uri"],
                s["audiobook_uri"],
            ),
            "platform": s["platform"],
            "country": pc.utf8_upper(s["conn_country"]),
            "reason_start": s["reason_start"],
            "reason_end": s["reason_end"],
            "shuffle": bools["shuffle"],
            "skipped": bools["skipped"],
            "offline": bools["offline"],
            "incognito": bools["incognito_mode"],
            # Gen A writes offline_timestamp 0 when it has no start; such rows get fuzzy dedup (Maloja's rule).
            "fuzzy_time": pc.equal(pc.fill_null(offline_ts, -1.0), 0.0),
        },
        n,
    )
    if not keep.all():
        table = table.filter(pa.array(keep))
    return Parsed(format=f"spotify_extended_gen_{generation}", table=table, rows_read=n, dropped=dropped)


_STRING_KEYS = [
    "platform", "conn_country", "master_metadata_track_name", "master_metadata_album_artist_name",
    "master_metadata_album_album_name", "spotify_track_uri", "episode_name", "episode_show_name",
    "spotify_episode_uri", "audiobook_title", "audiobook_uri", "audiobook_chapter_uri",
    "audiobook_chapter_title", "reason_start", "reason_end",
]  # fmt: skip


def _string_column(values: list[Any]) -> pa.Array:
    """A string column; non-string values (numbers where text belongs) are nulled; "" becomes null."""
    arr, _ = typed_array(values, pa.string())
    return empty_to_null(arr)


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
    records = load_json_array(data, name)
    n = len(records)
    first = next((r for r in records if isinstance(r, dict)), {})
    variant = _account_variant(set(first)) or "music"
    name_key, title_key, extra_key = ACCOUNT_VARIANTS[variant]
    keys = ["endTime", "msPlayed", name_key, title_key] + ([extra_key] if extra_key else [])
    cols, is_obj = columns_of(records, keys)
    del records
    end_raw = _string_column(cols["endTime"])
    ms_played, ms_bad = typed_array(cols["msPlayed"], pa.int64())
    who = _string_column(cols[name_key])
    what = _string_column(cols[title_key])
    author = _string_column(cols[extra_key]) if extra_key else None
    del cols

    # endTime is UTC truncated to the minute (FORMATS.md §2.3, proved by a paired export).
    ts_end = _to_utc(end_raw, "%Y-%m-%d %H:%M")
    ts_null = ts_end.is_null().to_numpy(zero_copy_only=False)
    raw_null = end_raw.is_null().to_numpy(zero_copy_only=False)
    ms_np = ms_played.to_numpy(zero_copy_only=False)
    dropped: Counter[str] = Counter()
    keep = np.ones(n, dtype=bool)
    for reason, mask in [
        ("not_an_object", ~is_obj),
        ("missing_time", raw_null),
        ("bad_time", ts_null & ~raw_null),
        ("time_out_of_range", ~ts_null & ~_in_range(ts_end)),
        ("bad_ms_played", ms_bad),
        ("missing_ms_played", ms_played.is_null().to_numpy(zero_copy_only=False) & ~ms_bad),
        ("negative_ms_played", np.nan_to_num(ms_np.astype("float64"), nan=0.0) < 0),
    ]:
        hit = keep & mask
        if hit.any():
            dropped[reason] += int(hit.sum())
            keep &= ~hit

    ms_us = pc.multiply(pc.fill_null(ms_played, 0), 1000)
    ts_start = pc.subtract(ts_end.cast(pa.int64()), ms_us).cast(UTC_TS)
    legacy = bool(LEGACY_NAME.match(name.rsplit("/", 1)[-1].rsplit(":", 1)[-1]))
    fmt = "spotify_account_legacy" if legacy else f"spotify_account_{variant}"
    columns: dict[str, Any] = {
        "source": pa.array([Source.SPOTIFY_ACCOUNT.value] * n, pa.string()),
        "format": pa.array([fmt] * n, pa.string()),
        "ts_start": ts_start,
        "ts_end": ts_end,
        "ms_played": ms_played,
        "fuzzy_time": pa.array(np.ones(n, dtype=bool)),
    }
    if variant == "music":
        # Placeholder rows are local files or unavailable tracks: keep the play, not the fake names.
        placeholder = pc.and_(
            pc.equal(pc.fill_null(who, ""), PLACEHOLDER_ARTIST),
            pc.equal(pc.fill_null(what, ""), PLACEHOLDER_TRACK),
        )
        null = pa.scalar(None, pa.string())
        columns["artist"] = pc.if_else(placeholder, null, who)
        columns["track"] = pc.if_else(placeholder, null, what)
        columns["kind"] = pc.if_else(placeholder, Kind.UNKNOWN.value, Kind.TRACK.value)
    elif variant == "podcast":
        columns["show_name"] = pc.utf8_trim_whitespace(who)
        columns["episode"] = what
        columns["kind"] = pa.array([Kind.EPISODE.value] * n, pa.string())
    else:
        columns["audiobook"] = who
        columns["chapter"] = what
        columns["artist"] = author
        columns["kind"] = pa.array([Kind.AUDIOBOOK.value] * n, pa.string())
    table = conform(columns, n)
    if not keep.all():
        table = table.filter(pa.array(keep))
    return Parsed(format=fmt, table=table, rows_read=n, dropped=dropped)


def sniff_account(head: bytes) -> bool:
    found = json_first_keys(head)
    return found is not None and found[0] == "array" and {"endTime", "msPlayed"} <= set(found[1])


FORMATS = [
    Format(
        name="spotify_extended",
        source=Source.SPOTIFY_EXTENDED,
        sniff=sniff_extended,
        parse=parse_extended,
        name_hint=re.compile(r"^(endsong(_\d+)?|Streaming_History_(Audio|Video)_.*)\.json$", re.IGNORECASE),
        description="Spotify Extended streaming history (endsong_*.json, Streaming_History_*.json)",
    ),
    Format(
        name="spotify_account",
        source=Source.SPOTIFY_ACCOUNT,
        sniff=sniff_account,
        parse=parse_account,
        name_hint=re.compile(r"^StreamingHistory(_(music|podcast|audiobook)_)?\d+\.json$", re.IGNORECASE),
        description="Spotify Account data (StreamingHistory*.json)",
    ),
]
