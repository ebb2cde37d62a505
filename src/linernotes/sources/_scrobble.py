"""Helpers shared by the scrobble-like sources (Last.fm, ListenBrainz, YouTube Music): the same drop rules,
time bounds and NULL conventions, vectorised with pyarrow.

A scrobble records when a track *started* and nothing about how long it played, so ``ms_played`` is NULL
(never invented) and ``ts_end`` is ``ts_start`` plus the catalogue length when one is known.
"""

from __future__ import annotations

import codecs
import time
from collections import Counter
from collections.abc import Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from linernotes.schema import UTC_TS, Kind, Source, conform
from linernotes.sources.base import MAX_TEXT_BYTES, Parsed

# Last.fm (Audioscrobbler) started in 2002: an earlier scrobble is a clock or parsing error.
MIN_EPOCH_S = 1_009_843_200  # 2002-01-01T00:00:00Z
# A day of slack for devices whose clock runs ahead; anything later is not a real play.
FUTURE_SLACK_S = 86_400
# A catalogue length above a day is a client bug, and capping it keeps `ms * 1000` far from int64 overflow.
MAX_DURATION_MS = 86_400_000

_MBID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# At most 12 digits keeps the string→int cast from overflowing on garbage; real values have 10.
_EPOCH_TEXT_RE = r"^-?[0-9]{1,12}(\.[0-9]*)?$"




# UTF-8 is checked this many bytes at a time: decoding a whole large file at once would build a text copy of it
# (up to four times its size) only to throw it away.
_UTF8_STEP = 16 * 1024 * 1024


def utf8_error_offset_of(pieces: Iterable[bytes | memoryview]) -> int | None:
    r"""Byte offset (from the file's start, BOM included) of the first invalid UTF-8 sequence in the file
    ``pieces`` make up, or None when it is valid UTF-8.

    >>> utf8_error_offset_of([b"ab\xc3", b"\xa9 \xff"])
    5
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    pos = 0
    for piece in pieces:
        pending = len(decoder.getstate()[0])  # bytes of a sequence cut by the previous piece
        try:
            decoder.decode(piece)
        except UnicodeDecodeError as exc:
            return pos - pending + exc.start
        pos += len(piece)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return pos - len(decoder.getstate()[0])
    return None


def utf8_error_offset(data: bytes) -> int | None:
    """:func:`utf8_error_offset_of` over one file in memory, checked a piece at a time."""
    view = memoryview(data)
    return utf8_error_offset_of(view[pos:pos + _UTF8_STEP] for pos in range(0, len(data), _UTF8_STEP))


def epoch_text_to_seconds(text: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Epoch seconds written as text → (float64 seconds, missing mask, bad mask), vectorised.

    Example: ``["1720688852", "", "abc"]`` → ``([1720688852.0, null, null], [F, T, F], [F, F, T])``.
    """
    trimmed = pc.utf8_trim_whitespace(text)
    missing = pc.fill_null(pc.equal(trimmed, ""), True)
    good = pc.fill_null(pc.match_substring_regex(trimmed, _EPOCH_TEXT_RE), False)
    bad = pc.and_(pc.invert(missing), pc.invert(good))
    # Casting only the rows that passed the regex keeps one bad value from failing the whole column.
    seconds = pc.cast(pc.if_else(good, trimmed, pa.scalar(None, pa.string())), pa.float64())
    return plain(seconds), plain(missing), plain(bad)


def apply_drops(n: int, ordered: list[tuple[str, pa.Array]]) -> tuple[pa.Array, Counter[str]]:
    """The keep mask of ``n`` rows and the dropped rows by reason: each row counted once, under the first
    reason (in ``ordered``) whose mask is true for it; a null in a mask means "no" for that reason."""
    dropped: Counter[str] = Counter()
    taken = pa.repeat(pa.scalar(False), n)
    for reason, mask in ordered:
        fresh = pc.and_kleene(pc.fill_null(mask, False), pc.invert(taken))
        count = pc.sum(fresh).as_py() or 0
        if count:
            dropped[reason] += count
            taken = pc.or_kleene(taken, fresh)
    return pc.invert(taken), dropped


def build_scrobbles(
    *,
    fmt: str,
    source: Source,
    seconds: pa.Array,
    reasons: Sequence[tuple[str, pa.Array]],
    track: pa.Array,
    artist: pa.Array,
    album: pa.Array,
    rows_read: int,
    duration_ms: pa.Array | None = None,
    extra: dict[str, pa.Array] | None = None,
    fuzzy_time: bool = False,
    ms_played: pa.Array | None = None,
) -> Parsed:
    """Apply the drop rules shared by scrobble sources and build the staged table.

    ``seconds`` is float64 epoch seconds of playback start (NULL where the row has no usable time).
    ``reasons`` are the source's own row checks in priority order; each dropped row is counted once, under
    the first reason that applies, then ``time_out_of_range``, ``missing_artist`` and ``missing_track``
    follow, after ``long_text`` (a text field over MAX_TEXT_BYTES). A NULL time that no reason explained
    is counted as ``bad_time``: no row can vanish uncounted.
    ``extra`` holds string columns (MBIDs, uri) where "" means unknown.
    ``ms_played`` (int64, NULL = unknown) is for a source that records how long each play lasted *and* stamps
    its end (Deezer): ``seconds`` is then the end, and ``ts_start`` is the end less the time played.
    """
    n = len(seconds)
    now = time.time()
    # NaN and infinities ("nan" is a valid float string) would break the int64 cast below.
    seconds = pc.if_else(pc.is_finite(seconds), seconds, pa.scalar(None, pa.float64()))
    out_of_range = pc.or_(
        pc.less(seconds, MIN_EPOCH_S), pc.greater(seconds, now + FUTURE_SLACK_S)
    )  # NULL for NULL seconds: those are some other reason's rows
    texts = [track, artist, album, *(extra or {}).values()]
    long_text = pc.or_kleene(*[pc.greater(pc.binary_length(t), MAX_TEXT_BYTES) for t in texts[:2]]) \
        if n else pa.array([], pa.bool_())
    for values in texts[2:]:
        long_text = pc.or_kleene(long_text, pc.greater(pc.binary_length(values), MAX_TEXT_BYTES))
    ordered: list[tuple[str, pa.Array]] = [
        *reasons,
        ("long_text", long_text),
        ("bad_time", pc.is_null(seconds)),
        ("time_out_of_range", out_of_range),
        ("missing_artist", is_blank(artist)),
        ("missing_track", is_blank(track)),
    ]
    keep, dropped = apply_drops(n, ordered)
    kept = n - sum(dropped.values())

    def kept_only(values: pa.Array) -> pa.Array:
        # Most files drop nothing: then a filter would only copy every column (memory on large files).
        return values if kept == n else pc.filter(values, keep)

    secs = kept_only(seconds)
    # floor: ListenBrainz stores listened_at as a Postgres epoch that can carry a fraction; the store's
    # natural key wants whole seconds, exactly as the export's integer form.
    start_us = pc.multiply(pc.cast(pc.floor(secs), pa.int64()), 1_000_000)
    ts_start = pc.cast(start_us, UTC_TS)
    columns: dict[str, pa.Array | list[object] | None] = {
        "source": pa.repeat(pa.scalar(source.value), kept),
        "format": pa.repeat(pa.scalar(fmt), kept),
        "kind": pa.repeat(pa.scalar(Kind.TRACK.value), kept),
        "ts_start": ts_start,
        "ts_end": ts_start,
        "track": kept_only(track),
        "artist": kept_only(artist),
        "album": blank_to_null(kept_only(album)),
        "fuzzy_time": pa.repeat(pa.scalar(fuzzy_time), kept),
    }
    if duration_ms is not None:
        dur = kept_only(duration_ms)
        dur = pc.if_else(
            pc.and_(pc.greater(dur, 0), pc.less_equal(dur, MAX_DURATION_MS)), dur, pa.scalar(None, pa.int64())
        )
        columns["duration_ms"] = dur
        end_us = pc.add(start_us, pc.multiply(pc.fill_null(dur, 0), 1000))
        columns["ts_end"] = pc.cast(end_us, UTC_TS)
    if ms_played is not None:
        played = kept_only(ms_played)
        columns["ms_played"] = played
        columns["ts_start"] = pc.cast(pc.subtract(start_us, pc.multiply(pc.fill_null(played, 0), 1000)), UTC_TS)
    for name, values in (extra or {}).items():
        values = blank_to_null(kept_only(values))
        if name.endswith("_mbid"):
            # A malformed MBID would never join MusicBrainz data; NULL says "unknown" honestly.
            ok = pc.fill_null(pc.match_substring_regex(values, _MBID_RE), False)
            values = pc.utf8_lower(pc.if_else(ok, values, pa.scalar(None, pa.string())))
        columns[name] = values
    table = conform({k: plain(v) for k, v in columns.items()}, kept)
    return Parsed(format=fmt, table=table, rows_read=rows_read, dropped=dropped)


def plain(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def is_blank(values: pa.Array) -> pa.Array:
    return pc.fill_null(pc.equal(pc.utf8_trim_whitespace(values), ""), True)


def blank_to_null(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)


