"""Tidal's streaming.csv (docs/formats.md §8, low confidence): fixtures for every reported quirk, strictness,
bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from linernotes.errors import InputError
from linernotes.library import open_library
from linernotes.sources import detect, tidal

UTC = dt.UTC
BOM = b"\xef\xbb\xbf"


def test_bom_preamble_and_minute_dates() -> None:
    data = BOM + (b"Your TIDAL streaming history\r\nExported 2024-06-01\r\n"
                  b"artist_name,track_title,entry_date,album_id,stream_quality\r\n"
                  b"Band,Song,31/05/2024 21:07,123,HI_RES\r\n"
                  b'"Band, The",Other,01/01/2024 00:00,,\r\n'
                  b",No artist,01/01/2024 00:01,,\r\n"
                  b"Band,Bad date,2024-01-01 00:02,,\r\n")
    assert detect.detect(data[3:]) is tidal.FORMATS[0]
    parsed = tidal.parse(data, "streaming.csv")
    assert parsed.rows_read == 4 and dict(parsed.dropped) == {"missing_artist": 1, "bad_time": 1}
    rows = parsed.table.to_pylist()
    assert [(r["artist"], r["track"], r["ts_start"]) for r in rows] == [
        ("Band", "Song", dt.datetime(2024, 5, 31, 21, 7, tzinfo=UTC)),
        ("Band, The", "Other", dt.datetime(2024, 1, 1, tzinfo=UTC))]
    assert all(r["fuzzy_time"] and r["ms_played"] is None and r["ts_end"] == r["ts_start"] for r in rows)
    assert parsed.notes == ["columns not understood and left out: album_id, stream_quality",
                            "no usable time-zone column: times read as UTC"]


def test_zone_column_used_only_when_every_value_is_a_zone() -> None:
    good = (b"artist_name,track_title,entry_date,time_zone\n"
            b"A,T,15/07/2024 12:00,Europe/Oslo\nA,U,15/01/2024 12:00,+05:30\nA,V,15/01/2024 12:00,UTC\n")
    rows = tidal.parse(good, "streaming.csv")
    assert [r["ts_start"] for r in rows.table.to_pylist()] == [
        dt.datetime(2024, 7, 15, 10, 0, tzinfo=UTC), dt.datetime(2024, 1, 15, 6, 30, tzinfo=UTC),
        dt.datetime(2024, 1, 15, 12, 0, tzinfo=UTC)]
    assert rows.notes == []
    bad = good + b"A,W,16/01/2024 12:00,somewhere\n"
    parsed = tidal.parse(bad, "streaming.csv")
    assert parsed.table.to_pylist()[0]["ts_start"] == dt.datetime(2024, 7, 15, 12, 0, tzinfo=UTC)  # as UTC
    assert parsed.notes[0] == "columns not understood and left out: time_zone"


def test_strictness_and_bad_input(tmp_path: Path) -> None:
    # Not Tidal: a header lacking one of the three names, or the names only after the preamble allowance.
    assert detect.detect(b"artist_name,track_title,date\nA,T,01/01/2024 00:00\n") is None
    late = b"x\n" * (tidal.MAX_PREAMBLE_LINES + 1) + b"artist_name,track_title,entry_date\nA,T,01/01/2024 00:00\n"
    assert detect.detect(late) is None
    with pytest.raises(InputError, match=r"not a Tidal streaming\.csv"):
        tidal.parse(late, "streaming.csv")
    # Wrong encoding: UTF-16 is named as such; Latin-1 bytes are not UTF-8.
    utf16 = tmp_path / "streaming.csv"
    utf16.write_bytes("artist_name,track_title,entry_date\nA,T,01/01/2024 00:00\n".encode("utf-16"))
    with open_library(tmp_path / "a.duckdb") as lib, pytest.raises(InputError, match="UTF-16"):
        lib.import_paths([utf16])
    with pytest.raises(InputError, match="not UTF-8"):
        tidal.parse(b"artist_name,track_title,entry_date\nBj\xf6rk,T,01/01/2024 00:00\n", "streaming.csv")
    # A file named streaming.csv that is something else, and a truncated row.
    other = tmp_path / "x" / "streaming.csv"
    other.parent.mkdir()
    other.write_bytes(b"id,name\n1,2\n")
    with open_library(tmp_path / "b.duckdb") as lib, pytest.raises(InputError, match="named like Tidal"):
        lib.import_paths([other])
    with pytest.raises(InputError, match="columns"):
        tidal.parse(b"artist_name,track_title,entry_date\nA,T,01/01/2024 00:00,extra,more\n", "streaming.csv")


def test_a_scrobble_of_a_tidal_listen_merges_but_other_services_do_not(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "streaming.csv").write_bytes(b"artist_name,track_title,entry_date\nBand,Song,01/03/2024 10:00\n"
                                           b"Band,Song,01/03/2024 18:00\n")
    # The Last.fm scrobble of the first listen (30 s into the minute), and one of a listen Tidal does not have.
    (folder / "scrobbles.csv").write_bytes(
        b'uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\r\n'
        b'"1709287230","01 Mar 2024, 10:00","Band","","","","Song",""\r\n'
        b'"1709251200","01 Mar 2024, 00:00","Band","","","","Song",""\r\n')
    with open_library(tmp_path / "lib.duckdb") as lib:
        report = lib.import_paths([folder])
        sources = lib.con.execute("SELECT source, count(*) FROM play_rows GROUP BY ALL ORDER BY 1").fetchall()
    assert report.total("merged") == 1
    assert sources == [("lastfm", 1), ("tidal", 2)]
