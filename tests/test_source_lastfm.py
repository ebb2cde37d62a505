"""Last.fm scrobble exports: ghan CSV/JSON and benjaminbenben's lastfm-to-csv."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linernotes.errors import InputError
from linernotes.sources.base import HEAD_BYTES, Format, Parsed, strip_bom
from linernotes.sources.lastfm import FORMATS
from tests.support.parser_checks import (
    check_scrobbles,
    fixtures_on_disk,
    foreign_samples,
    garble,
    parse_or_input_error,
    sniff_expectations,
)
from tests.support.parser_checks import sniffed as shared_sniffed

FIXTURES = Path(__file__).parent / "fixtures"
LASTFM = FIXTURES / "lastfm"
SAMPLES = Path(__file__).parents[1].parent / "shared" / "samples"
BY_NAME: dict[str, Format] = {f.name: f for f in FORMATS}
GHAN_CSV, GHAN_JSON, BENBEN = (
    BY_NAME[n] for n in ("lastfm_ghan_csv", "lastfm_ghan_json", "lastfm_benjaminbenben_csv")
)


def head(data: bytes) -> bytes:
    return strip_bom(data[:HEAD_BYTES])


def sniffed(data: bytes) -> set[str]:
    return shared_sniffed(FORMATS, data)


def check(parsed: Parsed) -> Parsed:
    return check_scrobbles(parsed, "lastfm")


def parse(fmt: Format, filename: str) -> Parsed:
    return check(fmt.parse((LASTFM / filename).read_bytes(), filename))


def epoch(ts: datetime) -> int:
    return int(ts.timestamp())


# ------------------------------------------------------------------------------------------ ghan CSV


def test_ghan_crlf_quoted_empty_mbids_empty_album_duplicate_uts() -> None:
    p = parse(GHAN_CSV, "ghan_crlf_quoted.csv")
    rows = p.table.to_pylist()
    assert (p.rows_read, p.table.num_rows, dict(p.dropped)) == (5, 5, {})
    assert p.format == "lastfm_ghan_csv"
    assert [epoch(r["ts_start"]) for r in rows] == [
        1719997652,
        1719997456,
        1719997300,
        1719997300,
        1719997100,
    ]
    assert rows[2] == rows[3]  # the duplicate is kept: deduplication is the store's job
    assert all(r["ts_end"] == r["ts_start"] for r in rows)
    assert rows[0]["recording_mbid"] == "58fe1b90-93bc-5d69-9bfc-85763e674e58"
    assert rows[0]["artist_mbid"] == "cda5b70c-9a85-5ea0-82d5-6c73e28cef0e"
    assert rows[0]["release_mbid"] == "341dbb43-adde-5b5e-95a5-e3c130b49f9f"
    assert rows[1]["artist"] == "Ashby, Kell, Moor & Vane"
    assert (rows[1]["recording_mbid"], rows[1]["artist_mbid"], rows[1]["release_mbid"]) == (None, None, None)
    assert rows[2]["album"] is None and rows[2]["track"] == "Hoppíbrekka"
    assert (rows[4]["artist"], rows[4]["track"]) == ("YOASOBI", "たぶん")
    assert not any(r["fuzzy_time"] for r in rows)
    assert all(r["uri"] is None and r["duration_ms"] is None for r in rows)


def test_ghan_unquoted_lf() -> None:
    p = parse(GHAN_CSV, "ghan_unquoted_lf.csv")
    rows = p.table.to_pylist()
    assert [(r["artist"], r["album"], r["track"]) for r in rows] == [
        ("Björk", "Homogenic", "Jóga"),
        ("Portishead", "Dummy", "Roads"),
    ]
    assert rows[0]["ts_start"] == datetime(2020, 5, 10, 11, 26, 40, tzinfo=UTC)
    assert rows[0]["artist_mbid"] == "87c5dedd-371d-4a53-9f7f-80522fb7f3cb"


def test_ghan_bom() -> None:
    data = (LASTFM / "ghan_bom.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert sniffed(data) == {"lastfm_ghan_csv"}
    p = check(GHAN_CSV.parse(data, "ghan_bom.csv"))
    assert p.table.column("artist").to_pylist() == ["Björk"]


def test_ghan_drop_reasons_and_mbid_cleaning() -> None:
    p = parse(GHAN_CSV, "ghan_bad_rows.csv")
    assert dict(p.dropped) == {
        "missing_time": 1,
        "bad_time": 1,
        "time_out_of_range": 2,
        "missing_artist": 1,
        "missing_track": 1,
    }
    rows = p.table.to_pylist()
    assert [r["artist"] for r in rows] == ["Good", "Bad Mbid"]
    assert rows[1]["artist_mbid"] is None  # not an MBID → unknown, the row is kept
    assert rows[1]["recording_mbid"] == "58fe1b90-93bc-5d69-9bfc-85763e674e58"  # canonical lower case


def test_ghan_wrong_column_count_names_the_line() -> None:
    with pytest.raises(InputError) as err:
        GHAN_CSV.parse((LASTFM / "ghan_wrong_columns.csv").read_bytes(), "scrobbles-x.csv")
    assert err.value.where == "line 4"
    assert err.value.path == "scrobbles-x.csv"
    assert "expected 8 columns, found 5" in err.value.message


def test_ghan_line_number_counts_quoted_newlines() -> None:
    data = (
        b'uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\r\n"1589110000","","A","","B","","two\r\n'
        b'lines",""\r\n"1589110001","","A"\r\n'
    )
    with pytest.raises(InputError) as err:
        GHAN_CSV.parse(data, "x.csv")
    assert err.value.where == "line 4"


def test_ghan_not_utf8_names_the_byte() -> None:
    data = (LASTFM / "ghan_crlf_quoted.csv").read_bytes()
    offset = data.index("Sólvik".encode())
    broken = data[:offset] + b"\xff" + data[offset + 1 :]
    with pytest.raises(InputError) as err:
        GHAN_CSV.parse(broken, "x.csv")
    assert (err.value.message, err.value.where) == ("not UTF-8 text", f"byte {offset}")
    with pytest.raises(InputError) as err:  # the BOM is counted: offsets are the file's
        GHAN_CSV.parse(b"\xef\xbb\xbf" + broken, "x.csv")
    assert err.value.where == f"byte {offset + 3}"


def test_ghan_header_problems() -> None:
    with pytest.raises(InputError) as err:
        GHAN_CSV.parse(b"uts,utc_time,artist,album\r\n", "x.csv")
    assert err.value.where == "line 1" and "track" in err.value.message
    with pytest.raises(InputError):
        GHAN_CSV.parse(b"", "x.csv")
    p = check(
        GHAN_CSV.parse(b"uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\r\n", "x.csv")
    )
    assert p.rows_read == 0


def test_ghan_csv_100k_rows_all_kept() -> None:
    data = (LASTFM / "ghan_crlf_quoted.csv").read_bytes()
    header, body = data.split(b"\r\n", 1)
    big = header + b"\r\n" + body * 20_000
    p = GHAN_CSV.parse(big, "big.csv")
    assert p.rows_read == p.table.num_rows == 100_000


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(
        st.tuples(
            st.text(st.characters(codec="utf-8"), min_size=1).filter(str.strip),
            st.text(st.characters(codec="utf-8"), min_size=1).filter(str.strip),
        ),
        max_size=8,
    )
)
def test_ghan_csv_round_trips_any_names(names: list[tuple[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(
        ["uts", "utc_time", "artist", "artist_mbid", "album", "album_mbid", "track", "track_mbid"]
    )
    for i, (artist, track) in enumerate(names):
        writer.writerow([str(1_600_000_000 + i), "", artist, "", "", "", track, ""])
    p = check(GHAN_CSV.parse(out.getvalue().encode(), "x.csv"))
    assert list(
        zip(p.table.column("artist").to_pylist(), p.table.column("track").to_pylist(), strict=True)
    ) == [(a, t) for a, t in names]


# ------------------------------------------------------------------------------------------ ghan JSON


def test_ghan_json_pages_now_playing() -> None:
    p = parse(GHAN_JSON, "ghan_pages.json")
    assert (p.rows_read, p.table.num_rows, dict(p.dropped)) == (4, 3, {"now_playing": 1})
    rows = p.table.to_pylist()
    assert [(r["artist"], r["track"], epoch(r["ts_start"])) for r in rows] == [
        ("The Lantern Rooms", "Primrose", 1719997652),
        ("Sólvik Rós", "Hoppíbrekka", 1719997300),
        ("Ashby, Kell, Moor & Vane", "Teach the Tide", 1719997100),
    ]
    assert rows[0]["recording_mbid"] == "58fe1b90-93bc-5d69-9bfc-85763e674e58"
    assert rows[0]["artist_mbid"] == "cda5b70c-9a85-5ea0-82d5-6c73e28cef0e"
    assert rows[0]["release_mbid"] == "341dbb43-adde-5b5e-95a5-e3c130b49f9f"
    assert rows[1]["album"] is None and rows[1]["recording_mbid"] is None
    assert p.format == "lastfm_ghan_json"


def test_ghan_json_extended_artist_name() -> None:
    p = parse(GHAN_JSON, "ghan_extended.json")
    assert p.table.column("artist").to_pylist() == ["Björk", "Portishead"]
    assert p.table.column("artist_mbid").to_pylist() == ["87c5dedd-371d-4a53-9f7f-80522fb7f3cb", None]


def test_ghan_json_single_object_track() -> None:
    p = parse(GHAN_JSON, "ghan_single_track.json")
    assert p.table.column("track").to_pylist() == ["Primrose"]


def test_ghan_json_error_page_is_counted() -> None:
    pages = (LASTFM / "ghan_pages.json").read_bytes()
    data = pages[:-1] + b', {"error": 29, "message": "Rate limit exceeded"}]'
    p = check(GHAN_JSON.parse(data, "x.json"))
    assert dict(p.dropped) == {"now_playing": 1, "bad_page": 1}


def test_ghan_json_broken_files() -> None:
    data = (LASTFM / "ghan_extended.json").read_bytes()
    with pytest.raises(InputError) as err:
        GHAN_JSON.parse(data[: len(data) // 2], "x.json")
    assert err.value.where is not None and err.value.where.startswith("line ")
    with pytest.raises(InputError):
        GHAN_JSON.parse(b'{"playlists": []}', "x.json")
    with pytest.raises(InputError):
        GHAN_JSON.parse(b'"just a string"', "x.json")


# ------------------------------------------------------------------------------------------ benjaminbenben


def test_benjaminbenben() -> None:
    p = parse(BENBEN, "benjaminbenben.csv")
    assert (p.rows_read, p.table.num_rows, dict(p.dropped)) == (5, 4, {"now_playing": 1})
    rows = p.table.to_pylist()
    assert rows[0]["ts_start"] == datetime(2022, 3, 22, 17, 55, tzinfo=UTC)
    assert (rows[0]["artist"], rows[0]["album"], rows[0]["track"]) == (
        "Kairo Vance",
        "303s & Afterglow",
        "Harbourless",
    )
    assert rows[1]["artist"] == "Ashby, Kell, Moor & Vane" and rows[1]["album"] == "Déjà Là"
    assert rows[2]["ts_start"] == datetime(2022, 3, 2, 7, 5, tzinfo=UTC)  # one-digit day
    assert rows[2]["album"] is None
    assert rows[3]["artist"] == 'The "Quoted" Band'
    assert all(r["fuzzy_time"] for r in rows)  # minute precision
    assert p.format == "lastfm_benjaminbenben_csv"


def test_benjaminbenben_impossible_dates() -> None:
    p = parse(BENBEN, "benjaminbenben_bad_dates.csv")
    assert dict(p.dropped) == {"bad_time": 2, "time_out_of_range": 1, "missing_artist": 1}
    assert p.table.column("artist").to_pylist() == ["Good"]


def test_benjaminbenben_wrong_column_count() -> None:
    with pytest.raises(InputError) as err:
        BENBEN.parse(b"A,B,C,22 Mar 2022 17:55\nA,B,22 Mar 2022 17:55\n", "me.csv")
    assert err.value.where == "line 2"
    assert check(BENBEN.parse(b"", "me.csv")).rows_read == 0


# ------------------------------------------------------------------------------------------ sniffing

FOREIGN: dict[str, bytes] = {
    "spotify_extended": b'[{"ts":"2023-01-01T10:00:00Z","platform":"ios","ms_played":1000,'
    b'"master_metadata_track_name":"a","master_metadata_album_artist_name":"b"}]',
    "spotify_account": b'[\n  {\n    "endTime" : "2023-01-01 10:00",\n    "artistName" : "a",\n'
    b'    "trackName" : "b",\n    "msPlayed" : 1000\n  }\n]',
    "userdata": b'{"username": "someone", "email": "a@example.org", "country": "SE", '
    b'"birthdate": "1990-01-01"}',
    "playlist": b'{"playlists": [{"name": "x", "lastModifiedDate": "2023-01-01", "items": [{"track": '
    b'{"trackName": "a", "artistName": "b", "albumName": "c", "trackUri": "spotify:track:x"}}]}]}',
    "youtube_watch": b'[{"header": "YouTube Music", "title": "Watched x", "titleUrl": "https://music.youtube.com/'
    b'watch?v=x", "subtitles": [{"name": "x - Topic"}], "time": "2023-01-01T10:00:00.000Z", '
    b'"products": ["YouTube"]}]',
    "random_4col_csv": b"a,b,c,d\n1,2,3,4\nx,y,z,2022-03-22 17:55\n",
    "date_not_last": b"22 Mar 2022 17:55,Artist,Album,Track\n",
    "apple_csv": b"Apple Id Number,Event Start Timestamp,Song Name,Play Duration Milliseconds\n"
    b"1,2020-01-01T00:00:00Z,a,1\n",
    "libre_fm": b"+ACM- Data export from Libre.fm,,,\nArtist,Track,Album,Time\nA,B,C,1589110000\n",
    "maloja": b'{"maloja": {"export_time": 1}, "scrobbles": [{"time": 1589110000, "track": {"title": "a"}}]}',
    "empty": b"",
    "binary": bytes(range(256)),
}

EXPECTED_FIXTURES = sniff_expectations(FORMATS)


def test_every_fixture_is_in_the_sniff_matrix() -> None:
    assert fixtures_on_disk() == set(EXPECTED_FIXTURES)


@pytest.mark.parametrize("path", sorted(EXPECTED_FIXTURES))
def test_sniff_fixtures(path: str) -> None:
    assert sniffed((FIXTURES / path).read_bytes()) == EXPECTED_FIXTURES[path]


@pytest.mark.parametrize("name", sorted(FOREIGN))
def test_sniff_rejects_foreign_files(name: str) -> None:
    assert sniffed(FOREIGN[name]) == set()


def test_benjaminbenben_sniff_survives_a_cut_head() -> None:
    line = b'"Ashby, Kell, Moor & Vane",Deja Vu,Teach the Tide,22 Mar 2022 17:51\n'
    data = line * (HEAD_BYTES // len(line) + 10)
    assert sniffed(data) == {"lastfm_benjaminbenben_csv"}  # the last, cut line of the head is ignored


def test_name_hints() -> None:
    assert GHAN_CSV.name_hint is not None and GHAN_CSV.name_hint.search("recenttracks-me-1719997652.csv")
    assert GHAN_JSON.name_hint is not None and GHAN_JSON.name_hint.search("scrobbles-me.json")
    assert not GHAN_CSV.name_hint.search("endsong_0.json")
    assert BENBEN.name_hint is None


# ------------------------------------------------------------------------------------------ real sample

needs_samples = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"real redacted samples not available at {SAMPLES} (shared folder absent)"
)


@needs_samples
def test_real_ghan_sample() -> None:
    data = (SAMPLES / "lastfm-ghan_scrobbles.csv").read_bytes()
    assert sniffed(data) == {"lastfm_ghan_csv"}
    p = check(GHAN_CSV.parse(data, "lastfm-ghan_scrobbles.csv"))
    assert (p.rows_read, p.table.num_rows, dict(p.dropped)) == (11_622, 11_622, {})
    uts = [int(row["uts"]) for row in csv.DictReader(io.StringIO(data.decode("utf-8")))]
    assert [epoch(t) for t in p.table.column("ts_start").to_pylist()] == uts
    assert p.table.column("album").null_count == 39


@needs_samples
@pytest.mark.parametrize("sample", foreign_samples("lastfm-ghan_scrobbles.csv"))
def test_real_foreign_samples_do_not_sniff(sample: str) -> None:
    assert sniffed((SAMPLES / sample).read_bytes()) == set()


# ------------------------------------------------------------------------------------------ garbled input

SEEDS = [
    (GHAN_CSV, "ghan_crlf_quoted.csv"),
    (GHAN_CSV, "ghan_bad_rows.csv"),
    (GHAN_JSON, "ghan_pages.json"),
    (GHAN_JSON, "ghan_single_track.json"),
    (BENBEN, "benjaminbenben.csv"),
]




@pytest.mark.parametrize(("fmt", "filename"), SEEDS, ids=[f"{f.name}-{n}" for f, n in SEEDS])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_garbled_input_parses_or_raises_input_error(fmt: Format, filename: str, data: st.DataObject) -> None:
    valid = (LASTFM / filename).read_bytes()
    garbled = garble(valid, data)
    parse_or_input_error(fmt, garbled, check)
