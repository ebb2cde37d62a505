"""Issue 13 (hardening): extreme values cost only their own row, long text is capped, big files are streamed.

Every case hides one hostile value among 1,000 normal rows: exactly that row must be dropped under a named
reason, the other 999 stored, and the import must succeed without a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from linernotes.errors import InputError
from linernotes.library import Library
from linernotes.sources import _careful, _scrobble, _stream, listenbrainz, spotify
from linernotes.sources.base import MAX_TEXT_BYTES
from linernotes.sources.inputs import Entry
from linernotes.sources.lastfm import FORMATS as LASTFM_FORMATS
from linernotes.sources.listenbrainz import FORMATS as LB_FORMATS
from linernotes.sources.youtube import FORMATS as YT_FORMATS
from tests.support.exports import play

ROWS = 1000
HOSTILE = 500  # the row that carries the hostile value
MARK = "@@HOSTILE@@"  # replaced by raw JSON text, so values like 1e400 reach the file as written
START_2006 = datetime(2006, 1, 1, tzinfo=UTC)


def extended_records(n: int = ROWS) -> list[dict[str, Any]]:
    return [play(f"2021-03-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{i // 60 % 60:02d}Z", track=f"Song {i}")
            for i in range(n)]


def extended_bytes(field: str, raw: str, records: list[dict[str, Any]] | None = None) -> bytes:
    records = records if records is not None else extended_records()
    records[HOSTILE][field] = MARK
    return json.dumps(records, indent=1).replace(f'"{MARK}"', raw).encode()


def import_one(lib: Library, path: Path) -> tuple[int, int, dict[str, int]]:
    report = lib.import_paths([path])
    (f,) = report.files
    return f.rows_read, f.stored, dict(f.dropped)


def earliest_start(lib: Library) -> datetime:
    return lib.con.execute("SELECT min(ts_start) FROM play_rows").fetchall()[0][0]


# --- Spotify Extended: ms_played --------------------------------------------------------------------------

EXTREME_MS = {
    "int64_max": (str(2**63 - 1), "bad_ms_played"),
    "1e15": (str(10**15), "bad_ms_played"),
    "1e17": (str(10**17), "bad_ms_played"),
    "1e19": (str(10**19), "bad_ms_played"),  # beyond int64
    "1e30": ("1e30", "bad_ms_played"),
    "1e13_year_1706": (str(10**13), "bad_ms_played"),  # 317 years: stored with a start in 1706 before
    "beyond_double": ("1e400", "bad_ms_played"),  # orjson refuses the whole document for this
    "beyond_uint64": (str(10**25), "bad_ms_played"),
    "negative": ("-1", "negative_ms_played"),
    "negative_huge": (str(-(2**63)), "negative_ms_played"),
    "text": ('"lots"', "bad_ms_played"),
}


@pytest.mark.parametrize("raw, reason", EXTREME_MS.values(), ids=EXTREME_MS.keys())
def test_extreme_ms_played_drops_only_its_row(lib: Library, tmp_path: Path, raw: str, reason: str) -> None:
    path = tmp_path / "Streaming_History_Audio_2021.json"
    path.write_bytes(extended_bytes("ms_played", raw))
    assert import_one(lib, path) == (ROWS, ROWS - 1, {reason: 1})
    assert earliest_start(lib) > START_2006
    assert lib.con.execute("SELECT max(ms_played) FROM play_rows").fetchall()[0][0] < spotify.MAX_MS_PLAYED


@pytest.mark.parametrize("raw, expected", [("1.5", 2), ('"123"', 123), ("12345.0", 12345), ("true", 1),
                                           (str(spotify.MAX_MS_PLAYED), spotify.MAX_MS_PLAYED)])
def test_unusual_but_sane_ms_played_is_kept(lib: Library, tmp_path: Path, raw: str, expected: int) -> None:
    path = tmp_path / "Streaming_History_Audio_2021.json"
    path.write_bytes(extended_bytes("ms_played", raw))
    assert import_one(lib, path) == (ROWS, ROWS, {})
    stored = lib.con.execute("SELECT ms_played FROM play_rows WHERE track = ?", [f"Song {HOSTILE}"]).fetchall()
    assert stored == [(expected,)]


@pytest.mark.parametrize("raw, reason", [
    ('"0001-01-01T00:00:00Z"', "time_out_of_range"),
    ('"9999-12-31T23:59:59Z"', "time_out_of_range"),
    ('"2021-13-45T99:00:00Z"', "bad_time"),
    ('"99999-01-01T00:00:00Z"', "bad_time"),
    ("1614556800", "bad_time"),  # an epoch number where an ISO string belongs
    ('"' + "2" * 100_000 + '"', "bad_time"),
])
def test_extreme_ts_drops_only_its_row(lib: Library, tmp_path: Path, raw: str, reason: str) -> None:
    path = tmp_path / "Streaming_History_Audio_2021.json"
    path.write_bytes(extended_bytes("ts", raw))
    assert import_one(lib, path) == (ROWS, ROWS - 1, {reason: 1})


@pytest.mark.parametrize("raw", ["1e20", str(10**25), "-1", "1e300", "1e400", '"soon"', "1.5"])
def test_absurd_offline_timestamp_is_ignored_not_fatal(lib: Library, tmp_path: Path, raw: str) -> None:
    """offline_timestamp only refines the start: garbage there falls back to ts - ms_played, play kept."""
    path = tmp_path / "Streaming_History_Audio_2021.json"
    path.write_bytes(extended_bytes("offline_timestamp", raw))
    assert import_one(lib, path) == (ROWS, ROWS, {})
    start, end, ms = lib.con.execute("SELECT ts_start, ts_end, ms_played FROM play_rows WHERE track = ?",
                                     [f"Song {HOSTILE}"]).fetchall()[0]
    assert (end - start).total_seconds() * 1000 == ms


def test_extreme_values_on_the_careful_paths_match(monkeypatch: pytest.MonkeyPatch) -> None:
    """A record that is not an object sends the file to the careful path (orjson, or DuckDB's tolerant
    reader for large files): the same extreme values cost the same rows on both."""
    records: list[Any] = extended_records(30)
    raws = ["1e400", str(10**25), str(2**63 - 1), '"lots"', "-5", str(10**13), "1.5", "true", '"42"']
    text = json.dumps([*records, 7], indent=1)
    for i, raw in enumerate(raws):
        text = text.replace(f'"ms_played": 200000,\n  "conn_country": "DE",\n  "ip_addr": "198.51.100.77",\n'
                            f'  "ip_addr_decrypted": "198.51.100.77",\n  "user_agent_decrypted": "unknown",\n'
                            f'  "master_metadata_track_name": "Song {i}"',
                            f'"ms_played": {raw},\n  "master_metadata_track_name": "Song {i}"')
    data = text.encode()
    expected = {"not_an_object": 1, "bad_ms_played": 5, "negative_ms_played": 1}
    in_memory = spotify.parse_extended(data, "Streaming_History_Audio_2021.json")
    assert (in_memory.rows_read, dict(in_memory.dropped)) == (31, expected)
    monkeypatch.setattr(_careful, "IN_MEMORY_MAX_BYTES", 0)
    streamed = spotify.parse_extended(data, "Streaming_History_Audio_2021.json")
    assert (streamed.rows_read, dict(streamed.dropped)) == (31, expected)
    assert streamed.table.equals(in_memory.table)


@pytest.mark.parametrize("raw, reason", [(str(2**63 - 1), "bad_ms_played"), ("1e30", "bad_ms_played"),
                                         (str(10**13), "bad_ms_played"), ("-1", "negative_ms_played")])
def test_extreme_ms_played_account_data(lib: Library, tmp_path: Path, raw: str, reason: str) -> None:
    records = [{"endTime": f"2024-08-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}", "artistName": f"Band {i}",
                "trackName": "Song", "msPlayed": MARK if i == HOSTILE else 1000 + i} for i in range(ROWS)]
    path = tmp_path / "StreamingHistory_music_0.json"
    path.write_bytes(json.dumps(records).replace(f'"{MARK}"', raw).encode())
    assert import_one(lib, path) == (ROWS, ROWS - 1, {reason: 1})
    assert earliest_start(lib) > START_2006


def test_cli_imports_int64_max_ms_played_without_traceback(tmp_path: Path) -> None:
    """The case that crashed with a traceback and exit 1."""
    path = tmp_path / "Streaming_History_Audio_2021.json"
    path.write_bytes(extended_bytes("ms_played", str(2**63 - 1)))
    db = tmp_path / "lib.duckdb"
    cli = [sys.executable, "-m", "linernotes"]
    result = subprocess.run([*cli, "import", str(path), "--db", str(db), "--json"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    totals = json.loads(result.stdout)["totals"]
    assert (totals["rows_read"], totals["stored"], totals["dropped"]) == (ROWS, ROWS - 1, 1)
    imports = subprocess.run([*cli, "imports", "--json", "--db", str(db)], capture_output=True, text=True,
                             timeout=120)
    assert imports.returncode == 0, imports.stderr
    assert "bad_ms_played" in imports.stdout


# --- Scrobble sources ---------------------------------------------------------------------------------------

GHAN_HEADER = '"uts","utc_time","artist","artist_mbid","album","album_mbid","track","track_mbid"'


def ghan_csv(uts: str) -> bytes:
    lines = [GHAN_HEADER]
    for i in range(ROWS):
        value = uts if i == HOSTILE else str(1_600_000_000 + 60 * i)
        lines.append(f'"{value}","","Band {i}","","Album","","Song {i}",""')
    return ("\n".join(lines) + "\n").encode()


def lb_listen(i: int, listened_at: str) -> str:
    meta = {"track_name": f"Song {i}", "artist_name": f"Band {i}", "release_name": "Album",
            "additional_info": {"duration_ms": 200000}}
    return '{"listened_at": ' + listened_at + ', "track_metadata": ' + json.dumps(meta) + "}"


def lb_lines(raw: str) -> list[str]:
    return [lb_listen(i, raw if i == HOSTILE else str(1_600_000_000 + 60 * i)) for i in range(ROWS)]


def ghan_json(uts: str) -> bytes:
    tracks = []
    for i in range(ROWS):
        value = uts if i == HOSTILE else f'"{1_600_000_000 + 60 * i}"'
        tracks.append(f'{{"name": "Song {i}", "artist": {{"#text": "Band {i}", "mbid": ""}}, '
                      f'"album": {{"#text": "A"}}, "date": {{"uts": {value}, "#text": ""}}}}')
    return ('[{"recenttracks": {"track": [' + ", ".join(tracks) + "]}}]").encode()


def youtube(time: str) -> bytes:
    entries = [{"header": "YouTube Music", "title": f"Watched Song {i}", "titleUrl": "https://music.youtube.com/x",
                "subtitles": [{"name": f"Band {i} - Topic"}],
                "time": time if i == HOSTILE else f"2021-03-01T{i % 24:02d}:{i % 60:02d}:{i // 60 % 60:02d}Z"}
               for i in range(ROWS)]
    return json.dumps(entries).encode()


def by_name(formats: list[Any], name: str) -> Any:
    return next(f for f in formats if f.name == name)


SCROBBLE_CASES: dict[str, tuple[Any, str, bytes, str]] = {
    "ghan_csv_1e20": (LASTFM_FORMATS, "lastfm_ghan_csv", ghan_csv(str(10**20)), "bad_time"),
    "ghan_csv_negative": (LASTFM_FORMATS, "lastfm_ghan_csv", ghan_csv("-1"), "time_out_of_range"),
    "ghan_csv_exponent": (LASTFM_FORMATS, "lastfm_ghan_csv", ghan_csv("1e400"), "bad_time"),
    "ghan_csv_text": (LASTFM_FORMATS, "lastfm_ghan_csv", ghan_csv("soon"), "bad_time"),
    "ghan_json_1e20": (LASTFM_FORMATS, "lastfm_ghan_json", ghan_json(str(10**20)), "bad_time"),
    "ghan_json_1e400": (LASTFM_FORMATS, "lastfm_ghan_json", ghan_json("1e400"), "bad_time"),
    "ghan_json_negative": (LASTFM_FORMATS, "lastfm_ghan_json", ghan_json("-5"), "time_out_of_range"),
    "lb_jsonl_1e20": (LB_FORMATS, "listenbrainz_jsonl", "\n".join(lb_lines(str(10**20))).encode(),
                      "time_out_of_range"),
    "lb_jsonl_1e400": (LB_FORMATS, "listenbrainz_jsonl", "\n".join(lb_lines("1e400")).encode(), "bad_time"),
    "lb_jsonl_negative": (LB_FORMATS, "listenbrainz_jsonl", "\n".join(lb_lines("-1")).encode(),
                          "time_out_of_range"),
    "lb_jsonl_text": (LB_FORMATS, "listenbrainz_jsonl", "\n".join(lb_lines('"abc"')).encode(), "bad_time"),
    "lb_json_1e25": (LB_FORMATS, "listenbrainz_json", ("[" + ",".join(lb_lines(str(10**25))) + "]").encode(),
                     "time_out_of_range"),
    "lb_json_1e400": (LB_FORMATS, "listenbrainz_json", ("[" + ",".join(lb_lines("1e400")) + "]").encode(),
                      "bad_time"),
    "youtube_year_1": (YT_FORMATS, "youtube_music_takeout", youtube("0001-01-01T00:00:00Z"), "time_out_of_range"),
    "youtube_year_9999": (YT_FORMATS, "youtube_music_takeout", youtube("9999-12-31T23:59:59Z"),
                          "time_out_of_range"),
    "youtube_year_99999": (YT_FORMATS, "youtube_music_takeout", youtube("99999-01-01T00:00:00Z"), "bad_time"),
}


@pytest.mark.parametrize("formats, name, data, reason", SCROBBLE_CASES.values(), ids=SCROBBLE_CASES.keys())
def test_extreme_times_in_scrobble_sources(formats: list[Any], name: str, data: bytes, reason: str) -> None:
    parsed = by_name(formats, name).parse(data, "x")
    assert (parsed.rows_read, parsed.table.num_rows, dict(parsed.dropped)) == (ROWS, ROWS - 1, {reason: 1})
    assert min(parsed.table.column("ts_start").to_pylist()) > START_2006


def test_extreme_listenbrainz_time_imports_through_the_library(lib: Library, tmp_path: Path) -> None:
    path = tmp_path / "3.jsonl"
    path.write_bytes("\n".join(lb_lines(str(10**20))).encode())
    assert import_one(lib, path) == (ROWS, ROWS - 1, {"time_out_of_range": 1})


# --- Long text ------------------------------------------------------------------------------------------------

LONG = "x" * (MAX_TEXT_BYTES + 1)


@pytest.mark.parametrize("field", ["master_metadata_track_name", "master_metadata_album_artist_name",
                                   "episode_show_name", "platform", "spotify_track_uri"])
def test_long_text_drops_its_row_and_is_reported(lib: Library, tmp_path: Path, field: str) -> None:
    path = tmp_path / "Streaming_History_Audio_2021.json"
    path.write_bytes(extended_bytes(field, json.dumps(LONG)))
    assert import_one(lib, path) == (ROWS, ROWS - 1, {"long_text": 1})
    longest = lib.con.execute("SELECT max(greatest(strlen(track), strlen(artist), strlen(platform), "
                              "strlen(uri))) FROM play_rows").fetchall()[0][0]
    assert longest <= MAX_TEXT_BYTES
    recorded = lib.con.execute("SELECT dropped FROM import_files").fetchall()[0][0]
    assert recorded == {"long_text": 1}


def test_text_at_the_cap_is_kept(lib: Library, tmp_path: Path) -> None:
    path = tmp_path / "Streaming_History_Audio_2021.json"
    path.write_bytes(extended_bytes("master_metadata_track_name", json.dumps("é" * (MAX_TEXT_BYTES // 2))))
    assert import_one(lib, path) == (ROWS, ROWS, {})


def test_long_text_in_scrobble_and_account_sources() -> None:
    lb = "\n".join(lb_listen(i, str(1_600_000_000 + 60 * i)) for i in range(10)).replace("Song 3", LONG)
    parsed = by_name(LB_FORMATS, "listenbrainz_jsonl").parse(lb.encode(), "x")
    assert (parsed.table.num_rows, dict(parsed.dropped)) == (9, {"long_text": 1})
    csv = ghan_csv("1600000000").replace(b'"Band 7"', f'"{LONG}"'.encode())
    parsed = by_name(LASTFM_FORMATS, "lastfm_ghan_csv").parse(csv, "x")
    assert (parsed.table.num_rows, dict(parsed.dropped)) == (ROWS - 1, {"long_text": 1})
    account = [{"endTime": "2024-08-01 10:00", "artistName": LONG, "trackName": "Song", "msPlayed": 1000},
               {"endTime": "2024-08-01 11:00", "artistName": "Band", "trackName": "Song", "msPlayed": 1000}]
    parsed = spotify.parse_account(json.dumps(account).encode(), "StreamingHistory_music_0.json")
    assert (parsed.table.num_rows, dict(parsed.dropped)) == (1, {"long_text": 1})


# --- Bounded memory: the careful path streams ------------------------------------------------------------------


@pytest.fixture
def no_whole_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Entry.read() loads a whole file; files with a DuckDB plan must never need it."""

    def refuse(self: Entry) -> bytes:
        raise AssertionError(f"{self.basename} was read whole")

    monkeypatch.setattr(Entry, "read", refuse)
    monkeypatch.setattr(_careful, "IN_MEMORY_MAX_BYTES", 0)  # every refused file counts as large
    yield


def test_a_refused_file_is_streamed_not_read_whole(lib: Library, tmp_path: Path, no_whole_reads: None) -> None:
    records: list[Any] = extended_records()
    records[10] = "not an object"
    records[20]["ms_played"] = "lots"
    path = tmp_path / "Streaming_History_Audio_2021.json"
    path.write_text(json.dumps(records))
    assert import_one(lib, path) == (ROWS, ROWS - 2, {"not_an_object": 1, "bad_ms_played": 1})


def test_a_broken_large_file_is_one_clear_error(lib: Library, tmp_path: Path, no_whole_reads: None) -> None:
    path = tmp_path / "Streaming_History_Audio_2021.json"
    path.write_text(json.dumps(extended_records())[:-5000])
    with pytest.raises(InputError, match=r"Streaming_History_Audio_2021\.json: not valid JSON"):
        lib.import_paths([path])
    assert lib.con.execute("SELECT count(*) FROM play_rows").fetchall()[0][0] == 0


def test_listenbrainz_is_parsed_in_batches_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """ListenBrainz files are split into values (DuckDB for the array, Python for lines) and parsed a batch
    at a time: the result must not depend on the batch size."""
    lines = lb_lines(str(10**20))
    lines[7] = "5"  # not an object
    array = ("[" + ",".join(lines) + "]").encode()
    jsonl = "\n".join(lines).encode()
    json_fmt, jsonl_fmt = by_name(LB_FORMATS, "listenbrainz_json"), by_name(LB_FORMATS, "listenbrainz_jsonl")
    whole = json_fmt.parse(array, "x"), jsonl_fmt.parse(jsonl, "x")
    monkeypatch.setattr(_stream, "BATCH", 7)
    batched = json_fmt.parse(array, "x"), jsonl_fmt.parse(jsonl, "x")
    for one, other in zip(whole, batched, strict=True):
        assert other.table.equals(one.table)
        assert dict(other.dropped) == dict(one.dropped) == {"malformed": 1, "time_out_of_range": 1}


def test_broken_large_listenbrainz_json_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listenbrainz, "WHOLE_MAX_BYTES", 0)  # too large to load whole for a precise error
    data = ("[" + ",".join(lb_lines("1600000000")) + "]").encode()[:-100]
    with pytest.raises(InputError, match=r"^x: not valid JSON \(truncated or corrupt\)"):
        by_name(LB_FORMATS, "listenbrainz_json").parse(data, "x")


@pytest.mark.parametrize("formats, name", [(YT_FORMATS, "youtube_music_takeout"), (LB_FORMATS, "listenbrainz_json"),
                                           (LASTFM_FORMATS, "lastfm_ghan_json")])
def test_an_empty_array_is_an_empty_file_not_a_crash(formats: list[Any], name: str) -> None:
    """An empty watch-history.json raised ArrowInvalid (a traceback) before."""
    parsed = by_name(formats, name).parse(b"[]", "x")
    assert (parsed.rows_read, parsed.table.num_rows, dict(parsed.dropped)) == (0, 0, {})


def test_youtube_is_parsed_in_batches_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(youtube("0001-01-01T00:00:00Z"))
    data[3] = 5
    raw = json.dumps(data).encode()
    fmt = by_name(YT_FORMATS, "youtube_music_takeout")
    whole = fmt.parse(raw, "x")
    monkeypatch.setattr(_stream, "BATCH", 7)
    batched = fmt.parse(raw, "x")
    assert batched.table.equals(whole.table)
    assert dict(batched.dropped) == dict(whole.dropped) == {"malformed": 1, "time_out_of_range": 1}


def test_utf8_check_in_pieces_finds_the_same_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    """The UTF-8 check runs a piece at a time (no text copy of a large file); a sequence cut between pieces
    must still be judged whole and the offset be the file's."""
    monkeypatch.setattr(_scrobble, "_UTF8_STEP", 3)
    text = "aé€😀" * 5
    for cut in range(len(text.encode())):
        for bad in (b"\xff", b"\x80", b"\xc3", b"\xe2\x82"):
            data = text.encode()[:cut] + bad + text.encode()[cut:]
            try:
                data.decode("utf-8")
                expected = None
            except UnicodeDecodeError as exc:
                expected = exc.start
            assert _scrobble.utf8_error_offset(data) == expected
    assert _scrobble.utf8_error_offset(text.encode()) is None
    assert _scrobble.utf8_error_offset("é".encode()[:1]) == 0
