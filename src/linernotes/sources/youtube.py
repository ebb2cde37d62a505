"""YouTube Music plays from a Google Takeout ``watch-history.json`` (docs/formats.md §6).

The file mixes ordinary YouTube videos with YouTube Music plays; only entries whose ``header`` is
"YouTube Music" are listening history, the rest are counted as dropped (``not_youtube_music``). Each entry
marks when a video *started*; there is no duration, so ``ms_played`` stays NULL as for scrobbles.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from linernotes.errors import InputError
from linernotes.schema import Source
from linernotes.sources._duckjson import MAX_OBJECT_BYTES
from linernotes.sources._scrobble import build_scrobbles, utf8_error_offset
from linernotes.sources._stream import WHOLE_MAX_BYTES, NotStreamable, array_batches
from linernotes.sources.base import Format, Parsed, json_first_keys, loads_json, strip_bom

MUSIC_HEADER = "YouTube Music"
# The title carries a localised verb ("Watched X", "Angesehen: X"...); English is the one we can strip
# reliably. Other languages keep the prefix rather than risk cutting a real title.
_WATCHED = re.compile(r"^Watched\s+")
_TOPIC = re.compile(r"\s+-\s+Topic$")


def sniff(head: bytes) -> bool:
    found = json_first_keys(head)
    return found is not None and found[0] == "array" and {"header", "time", "title"} <= set(found[1])


def parse(data: bytes, name: str) -> Parsed:
    data = strip_bom(data)
    batches: list[dict[str, pa.Array]] = []
    try:
        # A batch of entries at a time: the whole document as Python objects would cost ~10x the file.
        for entries in array_batches(data):
            batches.append(_batch(entries))
    except NotStreamable:
        batches = [_batch(_whole(data, name))]
    cols = {k: pa.concat_arrays([b[k] for b in batches]) if batches else pa.array([], t)
            for k, t in _TYPES.items()}
    del batches
    n = len(cols["time"])
    seconds = _iso_seconds(cols["time"])
    return build_scrobbles(
        fmt="youtube_music_takeout",
        source=Source.YOUTUBE_MUSIC,
        seconds=seconds,
        reasons=[
            ("malformed", cols["malformed"]),
            ("not_youtube_music", cols["not_music"]),
            ("ad", cols["ad"]),
            ("removed_video", cols["removed"]),
            ("missing_time", pc.is_null(cols["time"])),
        ],
        track=cols["title"],
        artist=cols["artist"],
        album=pa.nulls(n, pa.string()),
        rows_read=n,
    )


_TYPES = {"time": pa.string(), "title": pa.string(), "artist": pa.string(), "malformed": pa.bool_(),
          "not_music": pa.bool_(), "ad": pa.bool_(), "removed": pa.bool_()}


def _whole(data: bytes, name: str) -> list[Any]:
    """The whole document's entries (the precise-error path, for what the streaming reader refused)."""
    if len(data) > WHOLE_MAX_BYTES:
        raise InputError(name, "not valid JSON (truncated or corrupt), or a record over "
                               f"{MAX_OBJECT_BYTES >> 20} MB")
    try:
        entries = loads_json(data)
    except orjson.JSONDecodeError as exc:
        bad = utf8_error_offset(data)
        if bad is not None:
            raise InputError(name, "not valid UTF-8", where=f"byte {bad}") from None
        raise InputError(name, "not valid JSON (truncated or corrupt)",
                         where=f"line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(entries, list):
        raise InputError(name, "expected a JSON array of watch-history entries")
    return entries


def _batch(entries: list[Any]) -> dict[str, pa.Array]:
    """Some entries as Arrow columns; nested, irregular objects need per-entry logic."""
    times: list[str | None] = []
    titles: list[str | None] = []
    artists: list[str | None] = []
    malformed: list[bool] = []
    not_music: list[bool] = []
    ad: list[bool] = []
    removed: list[bool] = []
    for e in entries:
        ok = isinstance(e, dict)
        e = e if ok else {}
        title = e.get("title") if isinstance(e.get("title"), str) else None
        subtitles = e.get("subtitles")
        channel = subtitles[0].get("name") if isinstance(subtitles, list) and subtitles and \
            isinstance(subtitles[0], dict) and isinstance(subtitles[0].get("name"), str) else None
        malformed.append(not ok)
        not_music.append(e.get("header") != MUSIC_HEADER)
        ad.append(any(isinstance(d, dict) and d.get("name") == "From Google Ads" for d in e.get("details") or []))
        removed.append(not e.get("titleUrl") or title is None or title.startswith("Watched https://"))
        times.append(e.get("time") if isinstance(e.get("time"), str) else None)
        titles.append(_WATCHED.sub("", title) if title else None)
        artists.append(_TOPIC.sub("", channel) if channel else None)
    values = {"time": times, "title": titles, "artist": artists, "malformed": malformed, "not_music": not_music,
              "ad": ad, "removed": removed}
    return {k: pa.array(values[k], t) for k, t in _TYPES.items()}


def _iso_seconds(times: pa.Array) -> pa.Array:
    """``2020-08-17T03:14:48.672Z`` or ``…:48Z`` → float epoch seconds (NULL when it does not parse).
    Fractions are cut: the store keys scrobble-like plays on whole seconds."""
    whole = pc.replace_substring_regex(times, pattern=r"\.\d+Z$", replacement="Z")
    parsed = pc.strptime(whole, format="%Y-%m-%dT%H:%M:%SZ", unit="s", error_is_null=True)
    return pc.cast(pc.cast(parsed, pa.int64()), pa.float64())


FORMATS = [
    Format(
        name="youtube_music_takeout",
        source=Source.YOUTUBE_MUSIC,
        sniff=sniff,
        parse=parse,
        name_hint=re.compile(r"^watch-history\.json$", re.IGNORECASE),
        description="Google Takeout YouTube watch history (watch-history.json)",
    ),
]
