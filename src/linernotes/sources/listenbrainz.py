"""ListenBrainz exports: the current zip's ``listens/<YYYY>/<M>.jsonl`` members and the older JSON array.

The zip itself is expanded by the archive layer; this module only ever sees member files. ``user.json``,
``feedback.jsonl`` and ``pinned_recording.jsonl`` share the zip but are not listens: sniffing rejects them on
raw bytes, before any parse, so the username in ``user.json`` is never read into memory as a value.

A listen's ``listened_at`` is when playback started. The export has no listening time, so ``ms_played`` stays
NULL; ``duration_ms`` is the catalogue length the client reported, and ``ts_end = ts_start + duration``.

Example::

    from linernotes.sources.listenbrainz import FORMATS
    parsed = FORMATS[0].parse(member_bytes, "listenbrainz_me_1748964422.zip:listens/2025/6.jsonl")
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from linernotes.errors import InputError
from linernotes.schema import Source
from linernotes.sources._scrobble import build_scrobbles, utf8_error_offset, utf8_error_offset_of
from linernotes.sources._stream import (
    SPLIT_MAX_OBJECT_BYTES,
    WHOLE_MAX_BYTES,
    NotStreamable,
    array_batches,
    array_texts,
    line_batches,
    numbered_line_batches,
)
from linernotes.sources.base import Format, Parsed, Pieces, bom_length, loads_json

# Keys of a listen object. Checked on raw bytes first: cheap, and it never materialises foreign files.
_LISTENED_AT_RE = re.compile(rb'"listened_at"\s*:')
_TRACK_METADATA_RE = re.compile(rb'"track_metadata"\s*:')
_ARRAY_START_RE = re.compile(rb"^\s*\[\s*\{")
# A Spotify track id is 22 base-62 characters; share links may carry /intl-xx/ and ?si= decorations.
_SPOTIFY_TRACK_RE = (
    r"^(?:spotify:track:|https?://open\.spotify\.com/(?:intl-[A-Za-z-]+/)?track/)"
    r"([0-9A-Za-z]{22})(?:[/?#].*)?$"
)

_OK, _MALFORMED, _NO_TIME, _BAD_TIME = 0, 1, 2, 3

_ListenRow = tuple[
    int,  # state
    float | None,  # listened_at, seconds
    str | None,  # track
    str | None,  # artist
    str | None,  # album
    float | None,  # duration in ms
    str | None,  # recording_mbid
    str | None,  # artist_mbid
    str | None,  # release_mbid
    str | None,  # spotify_id
    str | None,  # origin_url
]
_MALFORMED_ROW: _ListenRow = (_MALFORMED, None, None, None, None, None, None, None, None, None, None)


def _number(value: object) -> float | None:
    """A JSON number, or a numeric string (clients are loose with additional_info), as a float."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _first_str(value: object) -> str | None:
    # A multi-artist credit lists several MBIDs; the first is the primary credit, which is what the
    # single artist_mbid column means for every other source.
    return value[0] if isinstance(value, list) and value and isinstance(value[0], str) else None


def _listen_row(obj: object) -> _ListenRow:
    """One listen → a flat tuple. Reads only the fields the staged table needs (never ``user_name``)."""
    if not isinstance(obj, dict):
        return _MALFORMED_ROW
    meta = obj.get("track_metadata")
    if not isinstance(meta, dict):
        return _MALFORMED_ROW
    raw_time = obj.get("listened_at")
    seconds = _number(raw_time)
    state = _OK if seconds is not None else (_NO_TIME if raw_time is None else _BAD_TIME)
    info = meta.get("additional_info")
    info = info if isinstance(info, dict) else {}
    mapping = meta.get("mbid_mapping")  # null when ListenBrainz could not map the listen
    mapping = mapping if isinstance(mapping, dict) else {}
    duration_ms = _number(info.get("duration_ms"))
    if duration_ms is None:
        seconds_long = _number(info.get("duration"))
        duration_ms = seconds_long * 1000 if seconds_long is not None else None
    # The server-side mapping comes first: it is what ListenBrainz itself shows and includes the person's
    # own "link with MusicBrainz" fixes; the client-submitted ids in additional_info fill the gaps.
    return (
        state,
        seconds,
        _str(meta.get("track_name")),
        _str(meta.get("artist_name")),
        _str(meta.get("release_name")),
        duration_ms,
        _str(mapping.get("recording_mbid")) or _str(info.get("recording_mbid")),
        _first_str(mapping.get("artist_mbids")) or _first_str(info.get("artist_mbids")),
        _str(mapping.get("release_mbid")) or _str(info.get("release_mbid")),
        _str(info.get("spotify_id")),
        _str(info.get("origin_url")),
    )


_COLUMN_TYPES = [pa.int8(), pa.float64(), pa.string(), pa.string(), pa.string(), pa.float64(),
                 pa.string(), pa.string(), pa.string(), pa.string(), pa.string()]


def _arrow_batch(rows: list[_ListenRow]) -> list[pa.Array]:
    """One batch of listens as Arrow columns: Arrow holds them in a fraction of the tuples' memory."""
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(_COLUMN_TYPES)
    return [pa.array(c, t) for c, t in zip(cols, _COLUMN_TYPES, strict=True)]


def _build(batches: list[list[pa.Array]], fmt: str) -> Parsed:
    """Build the staged table from batches of columns; empties ``batches`` (each column is held once)."""
    batches.append(_arrow_batch([]))
    cols = []
    for _ in _COLUMN_TYPES:
        cols.append(pa.concat_arrays([b.pop(0) for b in batches]))
    batches.clear()
    state = cols[0]
    seconds = cols[1]
    rows_read = len(state)

    def strings(i: int) -> pa.Array:
        return cols[i]

    duration = cols[5]
    # Bound before the cast: a garbage 1e300 must become NULL (build_scrobbles drops > 1 day), not overflow.
    sane = pc.fill_null(pc.and_(pc.greater(duration, 0), pc.less(duration, 1e12)), False)
    duration_ms = pc.cast(pc.round(pc.if_else(sane, duration, pa.scalar(None, pa.float64()))), pa.int64())
    spotify = pc.coalesce(_spotify_uri(strings(9)), _spotify_uri(strings(10)))
    return build_scrobbles(
        fmt=fmt,
        source=Source.LISTENBRAINZ,
        seconds=seconds,
        reasons=[
            ("malformed", pc.equal(state, _MALFORMED)),
            ("missing_time", pc.equal(state, _NO_TIME)),
            ("bad_time", pc.equal(state, _BAD_TIME)),
        ],
        track=strings(2),
        artist=strings(3),
        album=strings(4),
        rows_read=rows_read,
        duration_ms=duration_ms,
        extra={
            "recording_mbid": strings(6),
            "artist_mbid": strings(7),
            "release_mbid": strings(8),
            "uri": spotify,
        },
    )


def parse_api_listens(listens: list[object], fmt: str = "listenbrainz_api") -> Parsed:
    """The listens of a ``GET /1/user/<name>/listens`` page already decoded (``linernotes sync
    listenbrainz``): the same objects as the export's JSONL lines, so the same rows and drop reasons."""
    return _build([_arrow_batch([_listen_row(obj) for obj in listens])], fmt)


def _spotify_uri(urls: pa.Array) -> pa.Array:
    """An open.spotify.com/track/<id> URL or spotify:track:<id> → ``spotify:track:<id>``; else NULL."""
    ok = pc.fill_null(pc.match_substring_regex(urls, _SPOTIFY_TRACK_RE), False)
    uri = pc.replace_substring_regex(urls, _SPOTIFY_TRACK_RE, r"spotify:track:\1")
    return pc.if_else(ok, uri, pa.scalar(None, pa.string()))


def _bad_utf8(data: bytes, name: str, offset: int) -> InputError | None:
    bad = utf8_error_offset(data)
    return None if bad is None else InputError(name, "not UTF-8 text", where=f"byte {bad + offset}")


# ------------------------------------------------------------------------------------------------------------
# listens/<YYYY>/<M>.jsonl


def sniff_jsonl(head: bytes) -> bool:
    """The first non-blank line is one JSON object with ``listened_at`` and ``track_metadata`` keys."""
    for line in head.split(b"\n", 20)[:20]:
        line = line.strip()
        if not line:
            continue
        if not (line.startswith(b"{") and _LISTENED_AT_RE.search(line) and _TRACK_METADATA_RE.search(line)):
            return False
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            return False
        return isinstance(obj, dict) and "listened_at" in obj and "track_metadata" in obj
    return False


def parse_jsonl(data: bytes, name: str) -> Parsed:
    offset = bom_length(data)
    data = data[offset:]
    batches: list[list[pa.Array]] = []
    try:
        for lines in line_batches(data):
            batches.append(_arrow_batch([_listen_row(loads_json(line)) for line in lines]))
    except orjson.JSONDecodeError as exc:
        error = _bad_utf8(data, name, offset)
        if error is not None:
            raise error from None
        raise _jsonl_error(data, name, exc) from None
    return _build(batches, "listenbrainz_jsonl")


def parse_jsonl_batches(pieces: Pieces, name: str, path: str | None) -> Iterator[Parsed]:
    """:func:`parse_jsonl` a batch of lines at a time, reading ``pieces`` as they come (``path`` unused)."""
    for numbers, lines in numbered_line_batches(pieces()):
        try:
            rows = [_listen_row(loads_json(line)) for line in lines]
        except orjson.JSONDecodeError:
            bad = utf8_error_offset_of(pieces())
            if bad is not None:
                raise InputError(name, "not UTF-8 text", where=f"byte {bad}") from None
            for number, line in zip(numbers, lines, strict=True):
                try:
                    orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise InputError(name, f"not valid JSON Lines ({exc.msg}; truncated?)",
                                     where=f"line {number}, column {exc.colno}") from None
            raise
        yield _build([_arrow_batch(rows)], "listenbrainz_jsonl")


def _jsonl_error(data: bytes, name: str, exc: orjson.JSONDecodeError) -> InputError:
    """Find the bad line again (error path only) so the message can name its number."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            orjson.loads(line)
        except orjson.JSONDecodeError as line_exc:
            return InputError(
                name,
                f"not valid JSON Lines ({line_exc.msg}; truncated?)",
                where=f"line {number}, column {line_exc.colno}",
            )
    return InputError(name, f"not valid JSON Lines ({exc.msg})")


# ------------------------------------------------------------------------------------------------------------
# <user>_lb-YYYY-MM-DD.json (older single-array export)


def sniff_json(head: bytes) -> bool:
    """A JSON array whose first object has ``listened_at`` and ``track_metadata`` keys."""
    if not _ARRAY_START_RE.match(head):
        return False
    first = _first_object(head)
    if first is not None:
        return _LISTENED_AT_RE.search(first) is not None and _TRACK_METADATA_RE.search(first) is not None
    # First object longer than the head: the keys must at least appear in what we have.
    return _LISTENED_AT_RE.search(head) is not None and _TRACK_METADATA_RE.search(head) is not None


def _first_object(head: bytes) -> bytes | None:
    """Bytes of the array's first top-level object, found by brace depth (strings respected), or None."""
    start = head.index(b"{")
    depth = 0
    in_string = escaped = False
    for i in range(start, len(head)):  # sniffing only: bounded by the 64 KiB head
        c = head[i]
        if in_string:
            if escaped:
                escaped = False
            elif c == 0x5C:  # backslash
                escaped = True
            elif c == 0x22:  # quote
                in_string = False
        elif c == 0x22:
            in_string = True
        elif c == 0x7B:  # {
            depth += 1
        elif c == 0x7D:  # }
            depth -= 1
            if depth == 0:
                return head[start : i + 1]
    return None


def parse_json(data: bytes, name: str) -> Parsed:
    offset = bom_length(data)
    data = data[offset:]
    try:
        batches = [_arrow_batch([_listen_row(obj) for obj in objs]) for objs in array_batches(data)]
        return _build(batches, "listenbrainz_json")
    except NotStreamable:
        pass  # not a well-formed array: the whole-document path says precisely what is wrong
    if len(data) > WHOLE_MAX_BYTES:
        raise InputError(name, "not valid JSON (truncated or corrupt), or a record over "
                               f"{SPLIT_MAX_OBJECT_BYTES >> 20} MB") from None
    try:
        doc = loads_json(data)
    except orjson.JSONDecodeError as exc:
        error = _bad_utf8(data, name, offset)
        if error is not None:
            raise error from None
        raise InputError(
            name, f"not valid JSON ({exc.msg}; truncated?)", where=f"line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(doc, list):
        raise InputError(name, "not a ListenBrainz export (expected a JSON array of listens)")
    return _build([_arrow_batch([_listen_row(obj) for obj in doc])], "listenbrainz_json")


def parse_json_batches(pieces: Pieces, name: str, path: str | None) -> Iterator[Parsed]:
    """:func:`parse_json` a batch of listens at a time, split by DuckDB's streaming reader."""
    try:
        for texts in array_texts(pieces(), path):
            yield _build([_arrow_batch([_listen_row(loads_json(text)) for text in texts])], "listenbrainz_json")
    except NotStreamable:
        raise _too_broken(pieces, name) from None


def _too_broken(pieces: Pieces, name: str) -> InputError:
    """Why a file too large for the whole-document path is refused, in one line."""
    bad = utf8_error_offset_of(pieces())
    if bad is not None:
        return InputError(name, "not UTF-8 text", where=f"byte {bad}")
    return InputError(name, "not valid JSON (truncated or corrupt), or a record over "
                            f"{SPLIT_MAX_OBJECT_BYTES >> 20} MB")


FORMATS: list[Format] = [
    Format(
        name="listenbrainz_jsonl",
        source=Source.LISTENBRAINZ,
        sniff=sniff_jsonl,
        parse=parse_jsonl,
        parse_batches=parse_jsonl_batches,
        name_hint=re.compile(r"^\d{1,2}\.jsonl$"),
        description="ListenBrainz export: listens/<YYYY>/<M>.jsonl, one listen per line",
    ),
    Format(
        name="listenbrainz_json",
        source=Source.LISTENBRAINZ,
        sniff=sniff_json,
        parse=parse_json,
        parse_batches=parse_json_batches,
        name_hint=re.compile(r"_lb-\d{4}-\d{2}-\d{2}\.json$"),
        description="ListenBrainz export (older): <user>_lb-YYYY-MM-DD.json, one JSON array of listens",
    ),
]
