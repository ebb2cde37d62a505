"""Checks shared by the parsers' tests: the invariants of a parse result, ways to damage a valid file, and
the real samples a format must not claim."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from hypothesis import strategies as st

from linernotes.errors import InputError
from linernotes.schema import STAGED_SCHEMA
from linernotes.sources.base import HEAD_BYTES, Format, Parsed, strip_bom

# Every file in ../shared/samples; a format's tests check it claims none but its own.
SAMPLE_NAMES = [
    "lastfm-ghan_scrobbles.csv",
    "listenbrainz_listens.jsonl",
    "spotify-account_StreamingHistory_audiobook_0.json",
    "spotify-account_StreamingHistory_music_0.json",
    "spotify-account_StreamingHistory_podcast_0.json",
    "spotify-extended-genA_endsong.json",
    "spotify-extended-genC_Streaming_History_Audio_2023.json",
    "youtube-music_watch-history.json",
]


FIXTURES = Path(__file__).parents[1] / "fixtures"

# Every scrobble fixture and the formats whose sniffer must accept it (all others must refuse it).
SNIFF_MATRIX: dict[str, set[str]] = {
    "lastfm/benjaminbenben.csv": {"lastfm_benjaminbenben_csv"},
    "lastfm/benjaminbenben_bad_dates.csv": {"lastfm_benjaminbenben_csv"},
    "lastfm/ghan_bad_rows.csv": {"lastfm_ghan_csv"},
    "lastfm/ghan_bom.csv": {"lastfm_ghan_csv"},
    "lastfm/ghan_crlf_quoted.csv": {"lastfm_ghan_csv"},
    "lastfm/ghan_extended.json": {"lastfm_ghan_json"},
    "lastfm/ghan_pages.json": {"lastfm_ghan_json"},
    "lastfm/ghan_single_track.json": {"lastfm_ghan_json"},
    "lastfm/ghan_unquoted_lf.csv": {"lastfm_ghan_csv"},
    "lastfm/ghan_wrong_columns.csv": {"lastfm_ghan_csv"},
    "lastfm/not_benjaminbenben.csv": set(),
    "listenbrainz/bad_rows.jsonl": {"listenbrainz_jsonl"},
    "listenbrainz/bom.jsonl": {"listenbrainz_jsonl"},
    "listenbrainz/durations.jsonl": {"listenbrainz_jsonl"},
    "listenbrainz/feedback.jsonl": set(),
    "listenbrainz/float_listened_at.jsonl": {"listenbrainz_jsonl"},
    "listenbrainz/old_lb-2020-05-10.json": {"listenbrainz_json"},
    "listenbrainz/pinned_recording.jsonl": set(),
    "listenbrainz/spotify_uri.jsonl": {"listenbrainz_jsonl"},
    "listenbrainz/unmapped.jsonl": {"listenbrainz_jsonl"},
    "listenbrainz/user.json": set(),
}


def sniff_expectations(formats: Sequence[Format]) -> dict[str, set[str]]:
    """:data:`SNIFF_MATRIX` seen by ``formats``: each fixture with those of them that must accept it."""
    names = {f.name for f in formats}
    return {path: accepted & names for path, accepted in SNIFF_MATRIX.items()}


def fixtures_on_disk() -> set[str]:
    return {p.relative_to(FIXTURES).as_posix() for d in ("lastfm", "listenbrainz") for p in (FIXTURES / d).iterdir()}


def foreign_samples(own: str) -> list[str]:
    return [name for name in SAMPLE_NAMES if name != own]


def sniffed(formats: Sequence[Format], data: bytes) -> set[str]:
    """The names of the formats whose sniffer accepts ``data``."""
    head = strip_bom(data[:HEAD_BYTES])
    return {f.name for f in formats if f.sniff(head)}


def check_scrobbles(parsed: Parsed, source: str) -> Parsed:
    """The invariants every scrobble-source parse result must hold."""
    assert parsed.table.schema == STAGED_SCHEMA
    assert parsed.rows_read == parsed.table.num_rows + sum(parsed.dropped.values())
    assert all(count > 0 for count in parsed.dropped.values())
    table = parsed.table
    if table.num_rows:
        assert table.column("ts_start").null_count == 0
        assert table.column("ts_end").null_count == 0
        assert table.column("ms_played").null_count == table.num_rows  # scrobbles never know listening time
        assert set(table.column("source").to_pylist()) == {source}
        assert set(table.column("kind").to_pylist()) == {"track"}
        starts, ends = table.column("ts_start").to_pylist(), table.column("ts_end").to_pylist()
        assert all(end >= start for start, end in zip(starts, ends, strict=True))
    return parsed


def parse_or_input_error(fmt: Format, data: bytes, check: Callable[[Parsed], Parsed]) -> None:
    """A damaged file either parses (and the result holds its invariants) or raises InputError."""
    try:
        parsed = fmt.parse(data, "garbled")
    except InputError as err:
        assert err.path == "garbled"
        return
    check(parsed)


def garble(valid: bytes, data: st.DataObject) -> bytes:
    """Random bytes, a truncation, a few bit flips, or random bytes spliced in — drawn by hypothesis."""
    how = data.draw(st.sampled_from(["random", "truncate", "flip", "splice"]))
    if how == "random":
        return data.draw(st.binary(max_size=600))
    if how == "truncate":
        return valid[: data.draw(st.integers(0, len(valid)))]
    if how == "flip":
        flipped = bytearray(valid)
        for pos in data.draw(st.lists(st.integers(0, len(valid) - 1), min_size=1, max_size=6)):
            flipped[pos] ^= 1 << data.draw(st.integers(0, 7))
        return bytes(flipped)
    at = data.draw(st.integers(0, len(valid)))
    return valid[:at] + data.draw(st.binary(max_size=40)) + valid[at:]
