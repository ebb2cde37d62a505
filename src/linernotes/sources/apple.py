"""Apple Music, from Apple's privacy export "Apple Media Services information" (docs/formats.md §5).

Three CSV files of ``Apple_Media_Services/Apple Music Activity/`` are recognised by their header, whatever
their name:

* ``Apple Music Play Activity.csv``: one row per playback event, the listening history. Only the columns a
  play needs are read (pyarrow's reader with ``include_columns``): ``Apple Id Number``, ``Device
  Identifier``, ``Metrics Client Id``, the ``IP …`` columns and the rest are never parsed, so they cannot
  reach the library, a message or a log.
* ``Apple Music - Play History Daily Tracks.csv``: a track's listening on one day (``Date Played``), one row
  each; day precision (``fuzzy_time``). The store merges such a row into the Play Activity plays of the same
  track and day when it has them (:mod:`linernotes.store.dedupe`), so a day is never counted twice.
* ``Apple Music - Recently Played Tracks.csv``: per-track summaries (first and last event, total plays and
  time), no time per play. It is recognised and read, and every row is counted as dropped under
  ``summary_without_play_times``: it is not a history, and saying so beats passing it over in silence.

A Play Activity row is a play when its ``Event Type`` is empty (most rows of older exports) or
``PLAY_END``; ``ms_played`` is ``Play Duration Milliseconds``, so the 30 s rule counts plays as for Spotify.
Rows of ``Item Type`` ``AGGREGATE_NON_CATALOG_PLAY_TIME`` carry no title, artist or genre: they are kept as
listening time of an unknown item (kind ``unknown``), never as music plays. The start is ``Event Start
Timestamp`` or, when it is missing, ``Event End Timestamp`` minus the duration. ``UTC Offset In Seconds``
becomes ``utc_offset_min``, from which the library derives the play's local time.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections import Counter
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from linernotes.errors import InputError
from linernotes.schema import UTC_TS, Kind, Source, conform
from linernotes.sources._scrobble import apply_drops, is_blank, plain, utf8_error_offset, utf8_error_offset_of
from linernotes.sources._stream import PiecesReader, read_ahead, stream_hook
from linernotes.sources.base import HEAD_BYTES, MAX_TEXT_BYTES, UTF8_BOM, Format, Parsed, Pieces, bom_length
from linernotes.units import MS_PER_HOUR

PLAY_ACTIVITY = "apple_music_play_activity"
DAILY_TRACKS = "apple_music_daily_tracks"
RECENTLY_PLAYED = "apple_music_recently_played"

# Apple Music opened in June 2015; iTunes Radio streams logged in the same file go back to 2013. Earlier
# times are clock or parsing errors.
MIN_EPOCH_S = 1_356_998_400  # 2013-01-01T00:00:00Z
FUTURE_SLACK_S = 86_400
# As for Spotify: one stream longer than two days is a corrupt value, not a play.
MAX_MS_PLAYED = 48 * MS_PER_HOUR
# An end more than this after start + duration is not this play's end (pauses are allowed up to it).
MAX_PAUSE_MS = MS_PER_HOUR
# Real UTC offsets lie within ±14 h and are whole quarter hours.
MAX_OFFSET_S = 14 * 3600
# Bytes of CSV per streamed batch: Play Activity rows are ~0.4 KB with ~100 columns, so ~9k rows a block, of
# which only the ~15 columns read are kept. Measured on 1M rows (440 MB): pyarrow reads them in 0.47 s in 4 MB
# blocks, 0.58 s in 8 MB and 0.83 s in 16 MB (a block that fits the CPU's cache parses faster); the per-batch
# compute that smaller blocks add runs in the read-ahead thread, beside the reading.
CSV_BLOCK_BYTES = 4 * 1024 * 1024

# What each part of a play is called in the header, first match wins (the header drifts between exports).
PLAY_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("Song Name", "Content Name"),
    "artist": ("Artist Name",),
    "container_artist": ("Container Artist Name",),
    "album": ("Album Name",),
    "container_album": ("Container Album Name",),
    "start": ("Event Start Timestamp",),
    "end": ("Event End Timestamp",),
    "event": ("Event Type",),
    "end_reason": ("End Reason Type",),
    "item": ("Item Type",),
    "ms": ("Play Duration Milliseconds",),
    "media_ms": ("Media Duration In Milliseconds",),
    "offset": ("UTC Offset In Seconds",),
    "offline": ("Offline",),
    "shuffle": ("Shuffle Play",),
    "genre": ("Genre",),
    # A model class ("iPhone"), not an identifier; `Device Identifier` is never read.
    "platform": ("Device Type",),
}
DAILY_COLUMNS: dict[str, tuple[str, ...]] = {
    "description": ("Track Description",),
    "date": ("Date Played",),
    "hours": ("Hours",),
    "ms": ("Play Duration Milliseconds",),
}

# Apple's end reasons in the canonical (Spotify) vocabulary the insights read; `skipped` only where the
# reason itself says whether the track was skipped. Other reasons are kept lower-cased as exported.
END_REASONS: dict[str, str | None] = {
    "NATURAL_END_OF_TRACK": "trackdone",
    "TRACK_SKIPPED_FORWARDS": "fwdbtn",
    "TRACK_SKIPPED_BACKWARDS": "backbtn",
    "MANUALLY_SELECTED_PLAYBACK_OF_A_DIFF_ITEM": "clickrow",
    "PLAYBACK_MANUALLY_PAUSED": "endplay",
    "FAILED_TO_LOAD": "trackerror",
    "NOT_APPLICABLE": None,  # says nothing about how the play ended
}
SKIPPED_REASONS = {"TRACK_SKIPPED_FORWARDS": True, "NATURAL_END_OF_TRACK": False}

AGGREGATE_ITEM = "AGGREGATE_NON_CATALOG_PLAY_TIME"
_PLAYBACK_EVENTS = ("", "PLAY_END")


# ------------------------------------------------------------------------------------------------------------
# detection


def header_fields(head: bytes) -> list[str] | None:
    """The first line of a CSV head as column names (BOM removed, trimmed), or None when it is not one."""
    if head.startswith(UTF8_BOM):
        head = head[len(UTF8_BOM):]
    end = head.find(b"\n")
    if end < 0 and len(head) >= HEAD_BYTES - len(UTF8_BOM):
        return None  # a first line longer than the head is not a header we know
    line = head[: end if end >= 0 else len(head)].rstrip(b"\r")
    try:
        fields = next(csv.reader([line.decode("utf-8")]), [])
    except (UnicodeDecodeError, csv.Error):
        return None
    return [f.strip() for f in fields]


def _sniff_play_activity(head: bytes) -> bool:
    cols = set(header_fields(head) or ())
    return ("Event Start Timestamp" in cols or "Event End Timestamp" in cols) \
        and bool(cols & {"Song Name", "Content Name"}) and "Play Duration Milliseconds" in cols


def _sniff_daily(head: bytes) -> bool:
    cols = set(header_fields(head) or ())
    return {"Track Description", "Date Played"} <= cols


def _sniff_recently_played(head: bytes) -> bool:
    cols = set(header_fields(head) or ())
    return "Track Description" in cols and "Date Played" not in cols \
        and bool(cols & {"Last Event End Timestamp", "Last End Reason Tyoe", "Total plays", "Container Description"})


# ------------------------------------------------------------------------------------------------------------
# reading


def _chosen(header: list[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Which header column (exact name) gives each part; parts the file lacks are left out."""
    present = set(header)
    return {part: next(n for n in names if n in present) for part, names in wanted.items()
            if any(n in present for n in names)}


def _options(header: list[str], chosen: dict[str, str], block: int | None) -> tuple[
        pcsv.ReadOptions, pcsv.ParseOptions, pcsv.ConvertOptions]:
    # Unique names for pyarrow (a repeated cell would confuse it); only the first of each is read.
    names = [h if h not in header[:i] else f"{h}#{i}" for i, h in enumerate(header)]
    read = pcsv.ReadOptions(column_names=names, skip_rows=1, **({"block_size": block} if block else {}))
    parse = pcsv.ParseOptions(newlines_in_values=True)
    convert = pcsv.ConvertOptions(
        include_columns=list(dict.fromkeys(chosen.values())),
        column_types=dict.fromkeys(chosen.values(), pa.string()),
        # Only the empty field is "no value": a song may well be called "NA" or "null".
        null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True,
    )
    return read, parse, convert


def _header_of(data: bytes, name: str, offset: int) -> list[str]:
    line = data.split(b"\n", 1)[0]
    fields = header_fields(line + b"\n")
    if fields is None:
        bad = utf8_error_offset(line)
        raise InputError(name, "not UTF-8 text" if bad is not None else "not a readable CSV header",
                         where=f"byte {(bad or 0) + offset}" if bad is not None else "line 1")
    return fields


def _read_whole(data: bytes, name: str, wanted: dict[str, tuple[str, ...]]) -> tuple[pa.Table, dict[str, str]]:
    offset = bom_length(data)
    data = data[offset:]
    header = _header_of(data, name, offset)
    chosen = _chosen(header, wanted)
    read, parse, convert = _options(header, chosen, None)
    try:
        # pyarrow checks the UTF-8 of the columns it reads; a bad byte elsewhere harms nothing.
        table = pcsv.read_csv(pa.py_buffer(data), read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        if "Empty CSV" in str(exc):
            return pa.table({c: pa.array([], pa.string()) for c in dict.fromkeys(chosen.values())}), chosen
        bad = utf8_error_offset(data)
        if bad is not None:
            raise InputError(name, "not UTF-8 text", where=f"byte {bad + offset}") from None
        raise InputError(name, _csv_problem(exc)) from None
    except pa.ArrowException as exc:
        raise InputError(name, f"not a readable CSV file ({type(exc).__name__})") from None
    return table, chosen


def _csv_problem(exc: Exception) -> str:
    """pyarrow's complaint in words, without the row's text (it may hold personal data)."""
    m = re.search(r"Expected (\d+) columns, got (\d+)", str(exc))
    if m:
        return f"expected {m.group(1)} columns, found {m.group(2)} (broken or truncated CSV)"
    return "not a readable CSV file (broken or truncated)"


def _read_batches(pieces: Pieces, name: str, path: str | None,
                  wanted: dict[str, tuple[str, ...]]) -> Iterator[tuple[pa.Table, dict[str, str]]]:
    """The file's needed columns a block at a time (pyarrow's streaming reader holds a few blocks)."""
    head = b""
    for piece in pieces():
        head += piece
        if b"\n" in head or len(head) >= HEAD_BYTES:
            break
    offset = bom_length(head)
    header = _header_of(head[offset:], name, offset)
    chosen = _chosen(header, wanted)
    read, parse, convert = _options(header, chosen, CSV_BLOCK_BYTES)
    reader = None
    try:
        reader = pcsv.open_csv(path if path is not None else io.BufferedReader(PiecesReader(pieces), CSV_BLOCK_BYTES),
                               read_options=read, parse_options=parse, convert_options=convert)
        for batch in reader:
            stream_hook(batch.num_rows, batch.nbytes)
            yield pa.Table.from_batches([batch]), chosen
    except pa.ArrowException as exc:
        bad = utf8_error_offset_of(pieces())
        if bad is not None:
            raise InputError(name, "not UTF-8 text", where=f"byte {bad}") from None
        if "Empty CSV" in str(exc):
            return
        raise InputError(name, _csv_problem(exc)) from None
    finally:
        if reader is not None:
            reader.close()


def _column(table: pa.Table, chosen: dict[str, str], part: str) -> pa.Array:
    """A part's strings (NULL where empty), or all NULL when the file has no such column."""
    if part not in chosen:
        return pa.nulls(table.num_rows, pa.string())
    return plain(table.column(chosen[part]))


def _number(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Float strings ("186000.0", "-14400", "") → (float64, NULL where empty or unreadable; bad mask).

    The whole column is cast at once; only a column holding some non-number pays for the careful path."""
    try:
        values = pc.cast(text, pa.float64())
        return values, pa.repeat(pa.scalar(False), len(text))
    except pa.ArrowInvalid:
        trimmed = pc.utf8_trim_whitespace(text)
        ok = pc.fill_null(pc.match_substring_regex(trimmed, r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$"),
                          False)
        values = pc.cast(pc.if_else(ok, trimmed, pa.scalar(None, pa.string())), pa.float64())
        return values, pc.and_kleene(pc.invert(ok), pc.invert(pc.is_null(text)))


def _instant_ms(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    """ISO-8601 ``Z`` times ("2016-05-29T01:24:23.210Z", with or without milliseconds) → (epoch ms as
    int64, NULL where empty or unreadable; bad mask)."""
    ts_type = pa.timestamp("ms", tz="UTC")
    try:
        return pc.cast(pc.cast(text, ts_type), pa.int64()), pa.repeat(pa.scalar(False), len(text))
    except pa.ArrowInvalid:
        ok = pc.fill_null(pc.match_substring_regex(
            text, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:?\d\d)$"), False)
        kept = pc.if_else(ok, text, pa.scalar(None, pa.string()))
        try:
            values = pc.cast(pc.cast(kept, ts_type), pa.int64())
        except pa.ArrowInvalid:  # a shape the regex let through but the calendar refuses (month 13)
            values = pa.array([_one_instant(v) for v in kept.to_pylist()], pa.int64())
        bad = pc.or_kleene(pc.and_kleene(pc.invert(ok), pc.invert(pc.is_null(text))),
                     pc.and_kleene(ok, pc.is_null(values)))
        return values, bad


def _one_instant(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(pc.cast(pa.array([value]), pa.timestamp("ms", tz="UTC")).cast(pa.int64())[0].as_py())
    except pa.ArrowInvalid:
        return None


def _flag(text: pa.Array) -> pa.Array:
    """``True`` / ``False`` (any case) → bool; anything else NULL (not recorded)."""
    upper = pc.utf8_upper(pc.utf8_trim_whitespace(text))
    yes = pc.equal(upper, "TRUE")
    no = pc.equal(upper, "FALSE")
    return pc.if_else(yes, True, pc.if_else(no, False, pa.scalar(None, pa.bool_())))


def _upper(text: pa.Array) -> pa.Array:
    return pc.fill_null(pc.utf8_upper(pc.utf8_trim_whitespace(text)), "")


def _blank_null(text: pa.Array) -> pa.Array:
    return pc.if_else(is_blank(text), pa.scalar(None, pa.string()), text)


def _long_text(texts: list[pa.Array], n: int) -> pa.Array:
    mask = pa.repeat(pa.scalar(False), n)
    for t in texts:
        mask = pc.or_kleene(mask, pc.fill_null(pc.greater(pc.binary_length(t), MAX_TEXT_BYTES), False))
    return mask


def _time_bounds(ms: pa.Array) -> pa.Array:
    now_ms = int((time.time() + FUTURE_SLACK_S) * 1000)
    return pc.or_kleene(pc.less(ms, MIN_EPOCH_S * 1000), pc.greater(ms, now_ms))


def _mapped(upper: pa.Array, table: dict[str, str | None]) -> pa.Array:
    """Values of ``table`` for the keys in ``upper``; an unknown non-empty value lower-cased, "" NULL."""
    keys = pa.array(list(table), pa.string())
    values = pa.array(list(table.values()), pa.string())
    found = pc.index_in(upper, value_set=keys)
    known = pc.take(values, found)
    other = pc.if_else(pc.equal(upper, ""), pa.scalar(None, pa.string()), pc.utf8_lower(upper))
    return pc.if_else(pc.is_null(found), other, known)


# ------------------------------------------------------------------------------------------------------------
# Play Activity


def _play_rows(table: pa.Table, chosen: dict[str, str]) -> Parsed:
    n = table.num_rows

    def col(part: str) -> pa.Array:
        return _column(table, chosen, part)

    title = col("title")
    artist = pc.coalesce(_blank_null(col("artist")), _blank_null(col("container_artist")))
    album = pc.coalesce(_blank_null(col("album")), _blank_null(col("container_album")))
    genre = _blank_null(col("genre"))
    event = _upper(col("event"))
    item = _upper(col("item"))
    ms_raw, bad_ms = _number(col("ms"))
    start, bad_start = _instant_ms(col("start"))
    end, bad_end = _instant_ms(col("end"))
    finite = pc.fill_null(pc.is_finite(ms_raw), False)
    ms_ok = pc.if_else(finite, ms_raw, pa.scalar(None, pa.float64()))
    ms = pc.cast(pc.round(pc.if_else(pc.and_kleene(pc.greater_equal(ms_ok, 0), pc.less_equal(ms_ok, MAX_MS_PLAYED)),
                                     ms_ok, pa.scalar(None, pa.float64()))), pa.int64())
    # The start: the event's own, else its end minus what was played.
    begin = pc.coalesce(start, pc.subtract(end, ms))
    texts = [title, artist, album, genre, col("platform")]
    keep, dropped = apply_drops(n, [
        ("long_text", _long_text(texts, n)),
        ("lyrics_display", pc.equal(event, "LYRIC_DISPLAY")),
        ("not_a_play_end", pc.invert(pc.is_in(event, value_set=pa.array(_PLAYBACK_EVENTS)))),
        ("ad", pc.equal(item, "AD")),
        ("clip", pc.equal(item, "NON_SONG_CLIP")),
        ("missing_ms_played", pc.and_kleene(pc.is_null(ms_raw), pc.invert(bad_ms))),
        ("bad_ms_played", pc.or_kleene(bad_ms, pc.or_kleene(pc.invert(finite), pc.greater(ms_ok, MAX_MS_PLAYED)))),
        ("negative_ms_played", pc.less(ms_ok, 0)),
        ("zero_ms_played", pc.equal(ms_ok, 0)),
        ("bad_time", pc.and_kleene(pc.is_null(begin), pc.or_kleene(bad_start, bad_end))),
        ("missing_time", pc.is_null(begin)),
        ("time_out_of_range", _time_bounds(begin)),
    ])
    kept = int(pc.sum(keep).as_py() or 0)

    def k(values: pa.Array) -> pa.Array:
        return values if kept == n else pc.filter(values, keep)

    ms_k, begin_k, end_k = k(ms), k(begin), k(end)
    natural_end = pc.add(begin_k, ms_k)
    # Apple's own end when it is this play's (at or after the start, within a pause of start + duration).
    own_end = pc.and_kleene(pc.greater_equal(end_k, begin_k), pc.less_equal(end_k, pc.add(natural_end, MAX_PAUSE_MS)))
    finish = pc.if_else(pc.fill_null(own_end, False), end_k, natural_end)
    unknown = pc.or_kleene(pc.equal(k(item), AGGREGATE_ITEM), is_blank(k(title)))
    no_name = pa.scalar(None, pa.string())

    def named(values: pa.Array) -> pa.Array:
        return pc.if_else(unknown, no_name, values)

    reason = _upper(k(col("end_reason")))
    skipped_keys = pa.array(list(SKIPPED_REASONS), pa.string())
    skipped = pc.take(pa.array(list(SKIPPED_REASONS.values()), pa.bool_()),
                      pc.index_in(reason, value_set=skipped_keys))
    media_ms, _ = _number(k(col("media_ms")))
    media_ok = pc.and_kleene(pc.greater(media_ms, 0), pc.less_equal(media_ms, MAX_MS_PLAYED))
    offset, _ = _number(k(col("offset")))
    columns: dict[str, pa.Array | list[object] | None] = {
        "source": pa.repeat(pa.scalar(Source.APPLE_MUSIC.value), kept),
        "format": pa.repeat(pa.scalar(PLAY_ACTIVITY), kept),
        "kind": pc.if_else(unknown, Kind.UNKNOWN.value, Kind.TRACK.value),
        "ts_start": _timestamps(begin_k),
        "ts_end": _timestamps(finish),
        "ms_played": ms_k,
        "track": named(k(title)),
        "artist": named(k(artist)),
        "album": named(k(album)),
        "genre": named(k(genre)),
        "platform": _blank_null(k(col("platform"))),
        "reason_end": _mapped(reason, END_REASONS),
        "skipped": skipped,
        "offline": _flag(k(col("offline"))),
        "shuffle": _flag(k(col("shuffle"))),
        "duration_ms": pc.cast(pc.round(pc.if_else(pc.fill_null(media_ok, False), media_ms,
                                                   pa.scalar(None, pa.float64()))), pa.int64()),
        "utc_offset_min": _offset_minutes(offset),
        "fuzzy_time": pa.repeat(pa.scalar(False), kept),
    }
    return Parsed(format=PLAY_ACTIVITY, table=conform({c: plain(v) if isinstance(v, pa.ChunkedArray) else v
                                                       for c, v in columns.items()}, kept),
                  rows_read=n, dropped=dropped)


def _timestamps(epoch_ms: pa.Array) -> pa.Array:
    return pc.cast(pc.multiply(epoch_ms, 1000), pa.int64()).cast(UTC_TS)


def _offset_minutes(seconds: pa.Array) -> pa.Array:
    """``UTC Offset In Seconds`` → whole minutes; NULL unless a real offset (within ±14 h, quarter hours)."""
    ok = pc.and_kleene(pc.and_kleene(pc.is_finite(seconds), pc.less_equal(pc.abs(seconds), MAX_OFFSET_S)),
                 pc.equal(pc.subtract(seconds, pc.multiply(pc.floor(pc.divide(seconds, 900.0)), 900.0)), 0.0))
    return pc.cast(pc.if_else(pc.fill_null(ok, False), pc.divide(seconds, 60.0), pa.scalar(None, pa.float64())),
                   pa.int64())


def parse_play_activity(data: bytes, name: str) -> Parsed:
    return _play_rows(*_read_whole(data, name, PLAY_COLUMNS))


def parse_play_activity_batches(pieces: Pieces, name: str, path: str | None) -> Iterator[Parsed]:
    """:func:`parse_play_activity` a block of rows at a time, in bounded memory. The next block is read
    while this one's rows are computed (read_ahead)."""
    for table, chosen in read_ahead(_read_batches(pieces, name, path, PLAY_COLUMNS)):
        yield _play_rows(table, chosen)


# ------------------------------------------------------------------------------------------------------------
# Play History Daily Tracks


def _daily_rows(table: pa.Table, chosen: dict[str, str]) -> Parsed:
    n = table.num_rows

    def col(part: str) -> pa.Array:
        return _column(table, chosen, part)

    description = pc.utf8_trim_whitespace(pc.fill_null(col("description"), ""))
    # "Artist - Title", artist first, split at the first " - " (titles often hold more of them).
    parts = pc.extract_regex(description, r"(?s)^(?P<artist>.*?) - (?P<title>.*)$")
    has_artist = pc.is_valid(parts)
    artist = pc.if_else(has_artist, pc.struct_field(parts, [0]), pa.scalar(None, pa.string()))
    title = pc.if_else(has_artist, pc.struct_field(parts, [1]), description)
    date_text = pc.utf8_trim_whitespace(col("date"))
    day = pc.strptime(date_text, format="%Y%m%d", unit="s", error_is_null=True)
    # strptime would roll 20210229 over to 1 March: print it back to refuse such dates.
    same = pc.fill_null(pc.equal(pc.strftime(day, format="%Y%m%d"), date_text), False)
    day_ms = pc.if_else(same, pc.multiply(pc.cast(pc.cast(day, pa.int64()), pa.int64()), 1000),
                        pa.scalar(None, pa.int64()))
    # The first listed hour ("18" or "18, 19") places the day's listening; 0 when none is given.
    hour_text = pc.extract_regex(pc.fill_null(col("hours"), ""), r"^\s*\"?(?P<h>\d{1,2})")
    hour = pc.cast(pc.fill_null(pc.struct_field(hour_text, [0]), "0"), pa.int64())
    hour = pc.if_else(pc.less(hour, 24), hour, 0)
    ms_raw, bad_ms = _number(col("ms"))
    finite = pc.fill_null(pc.is_finite(ms_raw), False)
    ms_ok = pc.if_else(finite, ms_raw, pa.scalar(None, pa.float64()))
    begin = pc.add(day_ms, pc.multiply(hour, MS_PER_HOUR))
    keep, dropped = apply_drops(n, [
        ("long_text", _long_text([description], n)),
        ("missing_track", pc.equal(description, "")),
        ("missing_ms_played", pc.and_kleene(pc.is_null(ms_raw), pc.invert(bad_ms))),
        ("bad_ms_played", pc.or_kleene(bad_ms, pc.or_kleene(pc.invert(finite), pc.greater(ms_ok, MAX_MS_PLAYED)))),
        ("negative_ms_played", pc.less(ms_ok, 0)),
        ("zero_ms_played", pc.equal(ms_ok, 0)),
        ("missing_time", pc.is_null(date_text)),
        ("bad_time", pc.is_null(day_ms)),
        ("time_out_of_range", _time_bounds(begin)),
    ])
    kept = int(pc.sum(keep).as_py() or 0)

    def k(values: pa.Array) -> pa.Array:
        return values if kept == n else pc.filter(values, keep)

    ms = pc.cast(pc.round(k(ms_ok)), pa.int64())
    begin_k = k(begin)
    columns: dict[str, pa.Array | list[object] | None] = {
        "source": pa.repeat(pa.scalar(Source.APPLE_MUSIC.value), kept),
        "format": pa.repeat(pa.scalar(DAILY_TRACKS), kept),
        "kind": pa.repeat(pa.scalar(Kind.TRACK.value), kept),
        "ts_start": _timestamps(begin_k),
        "ts_end": _timestamps(pc.add(begin_k, ms)),
        "ms_played": ms,
        "track": _blank_null(k(title)),
        "artist": _blank_null(k(artist)),
        "fuzzy_time": pa.repeat(pa.scalar(True), kept),  # the day, and at best the hour
    }
    return Parsed(format=DAILY_TRACKS, table=conform(columns, kept), rows_read=n, dropped=dropped)


def parse_daily_tracks(data: bytes, name: str) -> Parsed:
    return _daily_rows(*_read_whole(data, name, DAILY_COLUMNS))


def parse_daily_tracks_batches(pieces: Pieces, name: str, path: str | None) -> Iterator[Parsed]:
    for table, chosen in _read_batches(pieces, name, path, DAILY_COLUMNS):
        yield _daily_rows(table, chosen)


# ------------------------------------------------------------------------------------------------------------
# Recently Played Tracks: summaries, not a history

SUMMARY_REASON = "summary_without_play_times"
_SUMMARY_COLUMNS: dict[str, tuple[str, ...]] = {"description": ("Track Description",)}


def _summary(rows: int) -> Parsed:
    dropped: Counter[str] = Counter({SUMMARY_REASON: rows} if rows else {})
    return Parsed(format=RECENTLY_PLAYED, table=conform({}, 0), rows_read=rows, dropped=dropped)


def parse_recently_played(data: bytes, name: str) -> Parsed:
    table, _ = _read_whole(data, name, _SUMMARY_COLUMNS)
    return _summary(table.num_rows)


def parse_recently_played_batches(pieces: Pieces, name: str, path: str | None) -> Iterator[Parsed]:
    for table, _ in _read_batches(pieces, name, path, _SUMMARY_COLUMNS):
        yield _summary(table.num_rows)


FORMATS = [
    Format(
        name=PLAY_ACTIVITY,
        source=Source.APPLE_MUSIC,
        sniff=_sniff_play_activity,
        parse=parse_play_activity,
        parse_batches=parse_play_activity_batches,
        name_hint=re.compile(r"^Apple Music Play Activity.*\.csv$", re.IGNORECASE),
        description="Apple Music Play Activity (Apple Media Services, Apple Music Play Activity.csv)",
    ),
    Format(
        name=DAILY_TRACKS,
        source=Source.APPLE_MUSIC,
        sniff=_sniff_daily,
        parse=parse_daily_tracks,
        parse_batches=parse_daily_tracks_batches,
        name_hint=re.compile(r"^Apple Music - Play History Daily Tracks.*\.csv$", re.IGNORECASE),
        description="Apple Music daily tracks (Apple Music - Play History Daily Tracks.csv)",
    ),
    Format(
        name=RECENTLY_PLAYED,
        source=Source.APPLE_MUSIC,
        sniff=_sniff_recently_played,
        parse=parse_recently_played,
        parse_batches=parse_recently_played_batches,
        name_hint=re.compile(r"^Apple Music - Recently Played Tracks.*\.csv$", re.IGNORECASE),
        description="Apple Music recently played tracks (per-track summaries, not a history)",
    ),
]
