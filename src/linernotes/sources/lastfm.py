"""Last.fm scrobble exports: lastfm.ghan.nl CSV and JSON, and benjaminbenben's lastfm-to-csv.

A scrobble records when a track *started* (Last.fm stamps the start of playback) and nothing about how long it
played, so ``ts_end == ts_start`` and ``ms_played`` is NULL: inventing a listening time would poison every
"minutes listened" insight downstream.

The drop rules, time bounds and NULL conventions shared with the other scrobble-like sources live in
:mod:`linernotes.sources._scrobble`.

Example::

    from linernotes.sources.lastfm import FORMATS
    fmt = next(f for f in FORMATS if f.sniff(head))
    parsed = fmt.parse(data, "recenttracks-me-1720688852.csv")
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from linernotes.errors import InputError
from linernotes.schema import Source
from linernotes.sources._scrobble import (
    build_scrobbles,
    epoch_text_to_seconds,
    plain,
    utf8_error_offset,
    utf8_error_offset_of,
)
from linernotes.sources._stream import (
    SPLIT_MAX_OBJECT_BYTES,
    NotStreamable,
    PiecesReader,
    array_texts,
    stream_hook,
)
from linernotes.sources.base import HEAD_BYTES, UTF8_BOM, Format, Parsed, Pieces, bom_length, loads_json

_BENBEN_DATE_RE = re.compile(
    r"^(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2})$"
)
_BENBEN_COLUMNS = ["artist", "album", "track", "date"]
_BENBEN_FORMAT = "%d %b %Y %H:%M"

# ghan JSON sniffing works on a possibly cut 64 KiB head, so it looks for the API's fingerprints rather than
# parsing: a `"track":` list/object and the `#text` wrapper Last.fm puts around artist and album names.
_GHAN_JSON_TRACK_RE = re.compile(rb'"track"\s*:\s*[\[{]')
_GHAN_JSON_FINGERPRINT_RE = re.compile(rb'"(#text|uts|nowplaying)"\s*:')
_GHAN_JSON_FOREIGN_RE = re.compile(rb'"(listened_at|track_metadata|ms_played|msPlayed)"\s*:')


# ------------------------------------------------------------------------------------------------------------
# CSV plumbing


def _complete_lines(head: bytes, limit: int) -> list[str]:
    """Up to ``limit`` lines of the head that are certainly whole (the head may stop mid-line)."""
    text = head.decode("utf-8", errors="replace")
    lines = text.splitlines()
    if len(head) >= HEAD_BYTES - len(UTF8_BOM) and not text.endswith(("\n", "\r")):
        lines = lines[:-1]
    return [line for line in lines[: limit + 1] if line.strip()][:limit]


def _read_csv(data: bytes, name: str, columns: list[str], skip_rows: int, offset: int) -> pa.Table:
    """Read a CSV with every column as a string; whole-file problems become InputError.

    ``offset`` is how many bytes (a BOM) were removed before ``data``, so byte positions match the file.
    """
    # Checked up front (about 1.5 ms per MB): pyarrow decodes a bad row's text before handing it to
    # `on_invalid`, so a row that is both mis-shaped and not UTF-8 would otherwise lose its diagnosis.
    bad_utf8 = utf8_error_offset(data)
    if bad_utf8 is not None:
        raise InputError(name, "not UTF-8 text", where=f"byte {bad_utf8 + offset}")
    bad_rows: list[pcsv.InvalidRow] = []

    def on_invalid(row: pcsv.InvalidRow) -> str:
        bad_rows.append(row)
        return "error"

    try:
        return pcsv.read_csv(
            pa.py_buffer(data),
            # One thread: then pyarrow knows the row number of a bad row; still ~60 ms per 100k rows.
            read_options=pcsv.ReadOptions(use_threads=False, column_names=columns, skip_rows=skip_rows),
            parse_options=pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(columns, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowException as exc:
        if bad_rows:
            row = bad_rows[0]
            raise InputError(
                name,
                f"expected {row.expected_columns} columns, found {row.actual_columns} "
                "(broken or truncated CSV)",
                where=_csv_line_of(data, row),
            ) from None
        if "Empty CSV" in str(exc):
            return pa.table({c: pa.array([], pa.string()) for c in columns})
        raise InputError(name, f"not a readable CSV file ({type(exc).__name__})") from None


def _csv_line_of(data: bytes, row: pcsv.InvalidRow) -> str:
    """The 1-based line of a bad row. pyarrow counts rows, which differ from lines after a quoted newline."""
    if row.number is None:
        return "unknown line"
    needle = row.text.encode("utf-8", errors="replace")
    pos = data.find(needle)
    while pos != -1:
        at_line_start = pos == 0 or data[pos - 1 : pos] in (b"\n", b"\r")
        line = data.count(b"\n", 0, pos) + 1
        if at_line_start and line >= row.number:  # multi-line rows only ever push lines later than rows
            return f"line {line}"
        pos = data.find(needle, pos + 1)
    return f"line {row.number}"


# ------------------------------------------------------------------------------------------------------------
# lastfm.ghan.nl CSV


def _ghan_header(line: str) -> list[str]:
    try:
        fields = next(csv.reader([line]), [])
    except csv.Error:  # a stray CR or NUL: not a header we know, and the caller says so
        return []
    return [f.strip().lower() for f in fields]


def sniff_ghan_csv(head: bytes) -> bool:
    """The header starts with ``uts,utc_time,artist`` (quoted or not)."""
    lines = _complete_lines(head, 1)
    return bool(lines) and _ghan_header(lines[0])[:3] == ["uts", "utc_time", "artist"]


def _ghan_columns(first_line: bytes, name: str, offset: int) -> list[str]:
    """The CSV's column names from its header line; a header without the needed columns is refused."""
    try:
        header = _ghan_header(first_line.decode("utf-8").rstrip("\r"))
    except UnicodeDecodeError as exc:
        raise InputError(name, "not UTF-8 text", where=f"byte {exc.start + offset}") from None
    missing = [c for c in ("uts", "artist", "track") if c not in header]
    if missing:
        raise InputError(name, f"not a Last.fm (ghan) CSV: header lacks {', '.join(missing)}", where="line 1")
    # Unique names so a repeated header cell cannot confuse pyarrow; only the first of each is used.
    return [h if h not in header[:i] else f"{h}#{i}" for i, h in enumerate(header)]


def parse_ghan_csv(data: bytes, name: str) -> Parsed:
    offset = bom_length(data)
    data = data[offset:]
    columns = _ghan_columns(data.split(b"\n", 1)[0], name, offset)
    return _ghan_csv_rows(_read_csv(data, name, columns, skip_rows=1, offset=offset))


def _ghan_csv_rows(table: pa.Table) -> Parsed:
    def col(c: str) -> pa.Array:
        if c in table.column_names:
            return plain(table.column(c))
        return pa.array([""] * table.num_rows, pa.string())

    seconds, missing_time, bad_time = epoch_text_to_seconds(col("uts"))
    return build_scrobbles(
        fmt="lastfm_ghan_csv",
        source=Source.LASTFM,
        seconds=seconds,
        reasons=[("missing_time", missing_time), ("bad_time", bad_time)],
        track=col("track"),
        artist=col("artist"),
        album=col("album"),
        rows_read=table.num_rows,
        extra={
            "recording_mbid": col("track_mbid"),
            "artist_mbid": col("artist_mbid"),
            "release_mbid": col("album_mbid"),
        },
    )


# Bytes of CSV per streamed batch (~14k scrobbles). pyarrow reads several blocks ahead: at 8 MB a block that
# alone cost ~200 MB; below 1 MB the per-batch costs start to show.
CSV_BLOCK_BYTES = 2 * 1024 * 1024


def parse_ghan_csv_batches(pieces: Pieces, name: str, path: str | None) -> Iterator[Parsed]:
    """:func:`parse_ghan_csv` a block of rows at a time with pyarrow's streaming reader, which holds a few
    blocks of the file, never the whole of it; it reads ``path`` in place when given (a plain file)."""
    head = b""
    for piece in pieces():
        head += piece
        if b"\n" in head or len(head) >= HEAD_BYTES:
            break
    offset = bom_length(head)
    head = head[offset:]
    columns = _ghan_columns(head.split(b"\n", 1)[0], name, offset)
    bad_rows: list[pcsv.InvalidRow] = []

    def on_invalid(row: pcsv.InvalidRow) -> str:
        bad_rows.append(row)
        return "error"

    reader = None
    try:
        reader = pcsv.open_csv(
            path if path is not None else io.BufferedReader(PiecesReader(pieces), CSV_BLOCK_BYTES),
            read_options=pcsv.ReadOptions(use_threads=False, column_names=columns, skip_rows=1,
                                          block_size=CSV_BLOCK_BYTES),
            parse_options=pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(columns, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        for batch in reader:
            stream_hook(batch.num_rows, batch.nbytes)
            yield _ghan_csv_rows(pa.Table.from_batches([batch]))
    except pa.ArrowException as exc:
        if bad_rows:
            row = bad_rows[0]
            where = f"row {row.number}" if row.number is not None else "unknown line"
            raise InputError(name, f"expected {row.expected_columns} columns, found {row.actual_columns} "
                                   "(broken or truncated CSV)", where=where) from None
        bad = utf8_error_offset_of(pieces())
        if bad is not None:
            raise InputError(name, "not UTF-8 text", where=f"byte {bad}") from None
        if "Empty CSV" in str(exc):
            return
        raise InputError(name, f"not a readable CSV file ({type(exc).__name__})") from None
    finally:
        if reader is not None:
            reader.close()  # its read-ahead thread must not outlive an abandoned read


# ------------------------------------------------------------------------------------------------------------
# lastfm.ghan.nl JSON (raw user.getRecentTracks pages)


def sniff_ghan_json(head: bytes) -> bool:
    """A JSON list of API pages (or one page / ``{"recenttracks": ...}``) with Last.fm's fingerprints."""
    start = head.lstrip()[:1]
    if start not in (b"[", b"{"):
        return False
    return (
        _GHAN_JSON_TRACK_RE.search(head) is not None
        and _GHAN_JSON_FINGERPRINT_RE.search(head) is not None
        and _GHAN_JSON_FOREIGN_RE.search(head) is None
    )


def _text(value: object) -> str | None:
    """Last.fm wraps names as ``{"#text": ...}``, or ``{"name": ...}`` with extended=1; plain strings pass."""
    if isinstance(value, dict):
        value = value.get("#text", value.get("name"))
    return value if isinstance(value, str) else None


def _mbid(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("mbid")
    return value if isinstance(value, str) else None


# Row states, checked in this order; one small int per row is cheaper than a Python list per reason.
_OK, _BAD_PAGE, _MALFORMED, _NOW_PLAYING, _NO_TIME = 0, 1, 2, 3, 4

_GhanRow = tuple[int, str | None, str | None, str | None, str | None, str | None, str | None, str | None]
_BAD_PAGE_ROW: _GhanRow = (_BAD_PAGE, None, None, None, None, None, None, None)
_MALFORMED_ROW: _GhanRow = (_MALFORMED, None, None, None, None, None, None, None)


def _ghan_track_row(t: object) -> _GhanRow:
    if not isinstance(t, dict):
        return _MALFORMED_ROW
    attr = t.get("@attr")
    state = _NOW_PLAYING if isinstance(attr, dict) and attr.get("nowplaying") in ("true", True) else _OK
    date = t.get("date")
    uts = date.get("uts") if isinstance(date, dict) else None
    if isinstance(uts, int | float) and not isinstance(uts, bool):
        uts = str(uts)
    if not isinstance(uts, str):
        uts = None
        state = state or _NO_TIME
    name = t.get("name")
    artist, album = t.get("artist"), t.get("album")
    return (
        state,
        uts,
        name if isinstance(name, str) else None,
        _text(artist),
        _text(album),
        _mbid(t),
        _mbid(artist),
        _mbid(album),
    )


def parse_ghan_json(data: bytes, name: str) -> Parsed:
    # Parsed whole (files up to WHOLE_MAX_BYTES): orjson names a broken document's line and column.
    return _ghan_json_rows(_ghan_batch(_ghan_pages(data, name)))


def parse_ghan_json_batches(pieces: Pieces, name: str, path: str | None) -> Iterator[Parsed]:
    """:func:`parse_ghan_json` a batch of pages at a time, split by DuckDB's streaming reader."""
    try:
        for texts in array_texts(pieces(), path):
            yield _ghan_json_rows(_ghan_batch([loads_json(text) for text in texts]))
    except NotStreamable:
        bad = utf8_error_offset_of(pieces())
        if bad is not None:
            raise InputError(name, "not UTF-8 text", where=f"byte {bad}") from None
        raise InputError(name, "not a valid JSON list of Last.fm pages (truncated or corrupt, or a page over "
                               f"{SPLIT_MAX_OBJECT_BYTES >> 20} MB)") from None


def parse_api_pages(pages: list[Any], fmt: str = "lastfm_api") -> Parsed:
    """The scrobbles of ``user.getRecentTracks`` pages already decoded (``linernotes sync lastfm``): the same
    rows and drop reasons as a ghan JSON export of those pages, under the format name ``fmt``."""
    return _ghan_json_rows(_ghan_batch(pages), fmt)


def _ghan_json_rows(cols: list[pa.Array], fmt: str = "lastfm_ghan_json") -> Parsed:
    state = cols[0]
    rows_read = len(state)
    seconds, missing_time, bad_time = epoch_text_to_seconds(cols[1])

    def strings(i: int) -> pa.Array:
        return cols[i]

    return build_scrobbles(
        fmt=fmt,
        source=Source.LASTFM,
        seconds=seconds,
        reasons=[
            ("bad_page", pc.equal(state, _BAD_PAGE)),
            ("malformed", pc.equal(state, _MALFORMED)),
            ("now_playing", pc.equal(state, _NOW_PLAYING)),
            ("missing_time", pc.or_(pc.equal(state, _NO_TIME), missing_time)),
            ("bad_time", bad_time),
        ],
        track=strings(2),
        artist=strings(3),
        album=strings(4),
        rows_read=rows_read,
        extra={"recording_mbid": strings(5), "artist_mbid": strings(6), "release_mbid": strings(7)},
    )


_GHAN_TYPES = [pa.int8(), *[pa.string()] * 7]


def _ghan_pages(data: bytes, name: str) -> list[Any]:
    """The whole document's pages."""
    doc = _load_json(data, name)
    if isinstance(doc, dict) and not ("recenttracks" in doc or "track" in doc):
        raise InputError(name, "not a Last.fm recent-tracks export (no 'recenttracks' or 'track' key)")
    if not isinstance(doc, dict | list):
        raise InputError(name, "not a Last.fm recent-tracks export (expected a JSON list or object)")
    return doc if isinstance(doc, list) else [doc]


def _ghan_batch(pages: list[Any]) -> list[pa.Array]:
    """The pages' tracks as Arrow columns."""
    rows: list[_GhanRow] = []
    for page in pages:  # one iteration per API page (<= 200 tracks)
        if isinstance(page, dict) and isinstance(page.get("recenttracks"), dict):
            page = page["recenttracks"]
        items = page.get("track") if isinstance(page, dict) else None
        if isinstance(items, dict):  # some API responses give a lone track as an object, not a list
            items = [items]
        if isinstance(items, list):
            rows.extend([_ghan_track_row(t) for t in items])
        else:
            # e.g. a saved `{"error": 29, "message": "Rate limit exceeded"}` response: its tracks are lost,
            # so the page is counted as one dropped row rather than skipped quietly.
            rows.append(_BAD_PAGE_ROW)
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(_GHAN_TYPES)
    return [pa.array(c, t) for c, t in zip(cols, _GHAN_TYPES, strict=True)]


def _load_json(data: bytes, name: str) -> object:
    offset = bom_length(data)
    data = data[offset:]
    try:
        return loads_json(data)
    except orjson.JSONDecodeError as exc:
        bad_utf8 = utf8_error_offset(data)
        if bad_utf8 is not None:
            raise InputError(name, "not UTF-8 text", where=f"byte {bad_utf8 + offset}") from None
        raise InputError(
            name, f"not valid JSON ({exc.msg}; truncated?)", where=f"line {exc.lineno}, column {exc.colno}"
        ) from None


# ------------------------------------------------------------------------------------------------------------
# benjaminbenben lastfm-to-csv (no header: artist,album,track,date)


def sniff_benjaminbenben(head: bytes) -> bool:
    """Every sampled record has 4 fields and a ``DD Mon YYYY HH:MM`` last field (or none: now playing)."""
    lines = _complete_lines(head, 20)
    if not lines:
        return False
    try:
        records = list(csv.reader(io.StringIO("\n".join(lines))))
    except csv.Error:
        return False
    dated = 0
    for record in records:
        if len(record) != 4:
            return False
        when = record[3].strip()
        if _BENBEN_DATE_RE.match(when):
            dated += 1
        elif when:
            return False
    return dated > 0


def parse_benjaminbenben(data: bytes, name: str) -> Parsed:
    offset = bom_length(data)
    data = data[offset:]
    table = _read_csv(data, name, _BENBEN_COLUMNS, skip_rows=0, offset=offset)
    when = pc.utf8_trim_whitespace(plain(table.column("date")))
    now_playing = pc.equal(when, "")
    parsed = pc.strptime(when, format=_BENBEN_FORMAT, unit="s", error_is_null=True)
    # strptime rolls "29 Feb 2021" over to 1 March; printing it back and comparing rejects such dates.
    padded = pc.replace_substring_regex(when, r"^(\d) ", r"0\1 ")
    same = pc.equal(pc.utf8_lower(pc.strftime(parsed, format=_BENBEN_FORMAT)), pc.utf8_lower(padded))
    valid = pc.fill_null(same, False)
    seconds = pc.cast(
        pc.cast(pc.if_else(valid, parsed, pa.scalar(None, parsed.type)), pa.int64()), pa.float64()
    )
    return build_scrobbles(
        fmt="lastfm_benjaminbenben_csv",
        source=Source.LASTFM,
        seconds=plain(seconds),
        reasons=[("now_playing", now_playing)],  # unparseable dates fall to the shared bad_time
        track=plain(table.column("track")),
        artist=plain(table.column("artist")),
        album=plain(table.column("album")),
        rows_read=table.num_rows,
        fuzzy_time=True,  # the export keeps only the minute
    )


FORMATS: list[Format] = [
    Format(
        name="lastfm_ghan_csv",
        source=Source.LASTFM,
        sniff=sniff_ghan_csv,
        parse=parse_ghan_csv,
        parse_batches=parse_ghan_csv_batches,
        name_hint=re.compile(r"(recenttracks|scrobbles)-.*\.csv$", re.IGNORECASE),
        description="Last.fm scrobbles exported by lastfm.ghan.nl (CSV, uts,utc_time,artist,... header)",
    ),
    Format(
        name="lastfm_ghan_json",
        source=Source.LASTFM,
        sniff=sniff_ghan_json,
        parse=parse_ghan_json,
        parse_batches=parse_ghan_json_batches,
        name_hint=re.compile(r"(recenttracks|scrobbles)-.*\.json$", re.IGNORECASE),
        description="Last.fm scrobbles exported by lastfm.ghan.nl (JSON list of user.getRecentTracks pages)",
    ),
    Format(
        name="lastfm_benjaminbenben_csv",
        source=Source.LASTFM,
        sniff=sniff_benjaminbenben,
        parse=parse_benjaminbenben,
        name_hint=None,
        description="Last.fm scrobbles from benjaminbenben's lastfm-to-csv (artist,album,track,date)",
    ),
]
