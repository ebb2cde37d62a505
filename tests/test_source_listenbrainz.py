"""ListenBrainz exports: listens/<YYYY>/<M>.jsonl zip members and the older single JSON array."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linernotes.errors import InputError
from linernotes.sources.base import HEAD_BYTES, Format, Parsed, strip_bom
from linernotes.sources.listenbrainz import FORMATS
from tests.support.parser_checks import (
    check_scrobbles,
    foreign_samples,
    garble,
    parse_or_input_error,
    sniff_expectations,
)
from tests.support.parser_checks import sniffed as shared_sniffed

FIXTURES = Path(__file__).parent / "fixtures"
LB = FIXTURES / "listenbrainz"
SAMPLES = Path(__file__).parents[1].parent / "shared" / "samples"
BY_NAME: dict[str, Format] = {f.name: f for f in FORMATS}
JSONL, JSON = BY_NAME["listenbrainz_jsonl"], BY_NAME["listenbrainz_json"]


def head(data: bytes) -> bytes:
    return strip_bom(data[:HEAD_BYTES])


def sniffed(data: bytes) -> set[str]:
    return shared_sniffed(FORMATS, data)


def check(parsed: Parsed) -> Parsed:
    return check_scrobbles(parsed, "listenbrainz")


def parse(fmt: Format, filename: str) -> Parsed:
    return check(fmt.parse((LB / filename).read_bytes(), filename))


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_float_listened_at_is_floored() -> None:
    p = parse(JSONL, "float_listened_at.jsonl")
    assert p.table.column("ts_start").to_pylist() == [at(1748100167), at(1748103954)]
    assert p.format == "listenbrainz_jsonl"
    assert not any(p.table.column("fuzzy_time").to_pylist())


def test_first_listen_fields_from_mbid_mapping() -> None:
    row = parse(JSONL, "float_listened_at.jsonl").table.to_pylist()[0]
    assert (row["track"], row["artist"], row["album"]) == ("Amber Tide", "Velvet Harbour", "Le Phare")
    assert row["recording_mbid"] == "4a930e37-bd2b-5673-8f7a-a5428a52bd6a"
    assert row["artist_mbid"] == "a8b99ec1-0c9f-5532-ba48-1d11eb7b16b7"
    assert row["release_mbid"] == "dac1ab5a-c70d-5215-9bb2-30c2c042b2fa"


def test_null_mbid_mapping_falls_back_to_additional_info() -> None:
    rows = parse(JSONL, "unmapped.jsonl").table.to_pylist()
    assert rows[0]["recording_mbid"] == "11111111-2222-4333-8444-555555555555"
    assert rows[0]["release_mbid"] == "66666666-7777-4888-9999-aaaaaaaaaaaa"
    assert rows[0]["artist_mbid"] == "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff"  # first of several: the primary
    assert (rows[0]["artist"], rows[0]["track"], rows[0]["album"]) == ("Sólvik Rós", "Hoppíbrekka", None)
    assert rows[1]["artist"] == "Ashby, Kell, Moor & Vane"
    assert rows[1]["album"] is None  # release_name "" → NULL
    assert (rows[1]["recording_mbid"], rows[1]["artist_mbid"], rows[1]["release_mbid"]) == (None, None, None)


def test_duration_ms_and_seconds() -> None:
    rows = parse(JSONL, "durations.jsonl").table.to_pylist()
    assert [r["duration_ms"] for r in rows] == [206760, 162000, None, None, 181500]
    assert [r["ts_end"] - r["ts_start"] for r in rows] == [
        timedelta(milliseconds=206760),
        timedelta(seconds=162),
        timedelta(0),  # no duration: the end is unknown, so it equals the start
        timedelta(0),  # a negative duration is a client bug, not a length
        timedelta(milliseconds=181500),
    ]


def test_spotify_uri_from_spotify_id_or_origin_url() -> None:
    uris = parse(JSONL, "spotify_uri.jsonl").table.column("uri").to_pylist()
    assert uris == [
        "spotify:track:0InventedTrackId0000xT",
        "spotify:track:4s6LhHAV5SEsOV0lC2tjvJ",  # /intl-de/ and ?si= decorations
        None,  # a YouTube origin
        None,  # an album link is not a track
    ]


def test_bom_and_non_ascii() -> None:
    data = (LB / "bom.jsonl").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert sniffed(data) == {"listenbrainz_jsonl"}
    p = check(JSONL.parse(data, "bom.jsonl"))
    assert (p.table.column("artist").to_pylist(), p.table.column("track").to_pylist()) == (
        ["YOASOBI"],
        ["たぶん"],
    )


def test_drop_reasons() -> None:
    p = parse(JSONL, "bad_rows.jsonl")
    assert p.rows_read == 8  # the trailing blank line is not a row
    assert dict(p.dropped) == {
        "malformed": 2,
        "missing_time": 1,
        "bad_time": 1,
        "time_out_of_range": 1,
        "missing_artist": 1,
        "missing_track": 1,
    }
    assert p.table.num_rows == 1


def test_older_json_array_never_copies_user_name() -> None:
    data = (LB / "old_lb-2020-05-10.json").read_bytes()
    assert sniffed(data) == {"listenbrainz_json"}
    p = check(JSON.parse(data, "old_lb-2020-05-10.json"))
    assert p.format == "listenbrainz_json"
    rows = p.table.to_pylist()
    assert [(r["artist"], r["ts_start"]) for r in rows] == [
        ("Velvet Harbour", at(1589110000)),
        ("Portishead", at(1589110300)),
    ]
    assert rows[0]["duration_ms"] == 206760
    assert "fixture-user" not in json.dumps(rows, default=str)


def test_user_json_is_never_a_listen_and_its_username_never_surfaces() -> None:
    data = (LB / "user.json").read_bytes()
    assert sniffed(data) == set()
    p = check(JSONL.parse(data, "user.json"))  # even when forced, it yields nothing and says why
    assert (p.table.num_rows, dict(p.dropped)) == (0, {"malformed": 1})


def test_broken_jsonl_names_the_line() -> None:
    data = (LB / "durations.jsonl").read_bytes()
    cut = data[: data.index(b"\n", data.index(b"\n") + 1) + 40]  # third line truncated
    with pytest.raises(InputError) as err:
        JSONL.parse(cut, "listens/2025/6.jsonl")
    assert err.value.where is not None and err.value.where.startswith("line 3,")
    assert err.value.path == "listens/2025/6.jsonl"


def test_not_utf8_names_the_byte() -> None:
    data = (LB / "bom.jsonl").read_bytes()
    offset = data.index("たぶん".encode())
    broken = data[:offset] + b"\xff" + data[offset + 1 :]
    for fmt in (JSONL, JSON):
        with pytest.raises(InputError) as err:
            fmt.parse(broken, "x")
        assert (err.value.message, err.value.where) == ("not UTF-8 text", f"byte {offset}")


def test_broken_json_array() -> None:
    data = (LB / "old_lb-2020-05-10.json").read_bytes()
    with pytest.raises(InputError) as err:
        JSON.parse(data[:-20], "x.json")
    assert err.value.where is not None and err.value.where.startswith("line ")
    with pytest.raises(InputError):
        JSON.parse(b'{"listened_at": 1589110000, "track_metadata": {}}', "x.json")


def test_empty_files() -> None:
    assert check(JSONL.parse(b"", "1.jsonl")).rows_read == 0
    assert check(JSONL.parse(b"\n\n", "1.jsonl")).rows_read == 0
    assert check(JSON.parse(b"[]", "x_lb-2020-01-01.json")).rows_read == 0


def test_name_hints() -> None:
    assert JSONL.name_hint is not None and JSONL.name_hint.search("6.jsonl")
    assert not JSONL.name_hint.search("feedback.jsonl")
    assert JSON.name_hint is not None and JSON.name_hint.search("someone_lb-2020-05-10.json")


# ------------------------------------------------------------------------------------------ sniffing

FOREIGN: dict[str, bytes] = {
    "spotify_extended": b'[{"ts":"2023-01-01T10:00:00Z","platform":"ios","ms_played":1000}]',
    "spotify_account": b'[\n  {\n    "endTime" : "2023-01-01 10:00",\n    "msPlayed" : 1000\n  }\n]',
    "userdata": b'{"username": "someone", "email": "a@example.org", "country": "SE"}',
    "youtube_watch": b'[{"header": "YouTube Music", "title": "Watched x", '
    b'"time": "2023-01-01T10:00:00.000Z"}]',
    "pano_scrobbler": b'{"timeHuman":"November 12, 2025","timeMs":1762957898933,"artist":"a","track":"b",'
    b'"event":"scrobble"}\n',
    "lastfm_api": b'{"recenttracks":{"track":[{"artist":{"mbid":"","#text":"A"},"name":"T",'
    b'"date":{"uts":"1589110000"}}]}}',
    "keys_only_in_a_string": b'{"note": "\\"listened_at\\": 1, \\"track_metadata\\": {}"}\n',
    "listen_keys_nested": b'{"wrapper": {"listened_at": 1589110000, "track_metadata": {}}}\n',
    "array_keys_in_second_object": b'[{"a": 1}, {"listened_at": 1589110000, "track_metadata": {}}]',
    "csv": b"listened_at,track_metadata\n1,2\n",
    "empty": b"",
    "binary": bytes(range(256)),
}

EXPECTED_FIXTURES = sniff_expectations(FORMATS)


@pytest.mark.parametrize("path", sorted(EXPECTED_FIXTURES))
def test_sniff_fixtures(path: str) -> None:
    assert sniffed((FIXTURES / path).read_bytes()) == EXPECTED_FIXTURES[path]


@pytest.mark.parametrize("name", sorted(FOREIGN))
def test_sniff_rejects_foreign_files(name: str) -> None:
    assert sniffed(FOREIGN[name]) == set()


def test_json_sniff_when_first_object_exceeds_the_head() -> None:
    listen = json.loads((LB / "old_lb-2020-05-10.json").read_bytes())[0]
    listen["track_metadata"]["additional_info"]["padding"] = "x" * HEAD_BYTES
    assert sniffed(json.dumps([listen]).encode()) == {"listenbrainz_json"}


# ------------------------------------------------------------------------------------------ real sample

needs_samples = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"real redacted samples not available at {SAMPLES} (shared folder absent)"
)


@needs_samples
def test_real_listenbrainz_sample() -> None:
    data = (SAMPLES / "listenbrainz_listens.jsonl").read_bytes()
    assert sniffed(data) == {"listenbrainz_jsonl"}
    p = check(JSONL.parse(data, "listenbrainz_listens.jsonl"))
    assert (p.rows_read, p.table.num_rows, dict(p.dropped)) == (2, 2, {})
    rows = p.table.to_pylist()
    assert [r["track"] for r in rows] == ["Golden Brown", "California Dreamin'"]
    assert rows[0]["ts_start"] == at(1748964167)
    assert rows[0]["ts_end"] == at(1748964167) + timedelta(milliseconds=206760)
    assert rows[0]["uri"] == "spotify:track:2AX5E86cn9n2dgioZEjirI"
    assert rows[1]["release_mbid"] == "db289a18-7f23-40bc-bdb4-9786ef85a083"


@needs_samples
@pytest.mark.parametrize("sample", foreign_samples("listenbrainz_listens.jsonl"))
def test_real_foreign_samples_do_not_sniff(sample: str) -> None:
    assert sniffed((SAMPLES / sample).read_bytes()) == set()


# ------------------------------------------------------------------------------------------ garbled input

SEEDS = [
    (JSONL, "float_listened_at.jsonl"),
    (JSONL, "bad_rows.jsonl"),
    (JSONL, "spotify_uri.jsonl"),
    (JSON, "old_lb-2020-05-10.json"),
]




@pytest.mark.parametrize(("fmt", "filename"), SEEDS, ids=[f"{f.name}-{n}" for f, n in SEEDS])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_garbled_input_parses_or_raises_input_error(fmt: Format, filename: str, data: st.DataObject) -> None:
    valid = (LB / filename).read_bytes()
    garbled = garble(valid, data)
    parse_or_input_error(fmt, garbled, check)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=80, deadline=None)
@given(
    listens=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "listened_at": _JSON_VALUES,
                "track_metadata": st.fixed_dictionaries(
                    {},
                    optional={
                        "track_name": _JSON_VALUES,
                        "artist_name": _JSON_VALUES,
                        "release_name": _JSON_VALUES,
                        "mbid_mapping": _JSON_VALUES,
                        "additional_info": st.dictionaries(
                            st.sampled_from(
                                ["duration_ms", "duration", "spotify_id", "origin_url", "artist_mbids"]
                            ),
                            _JSON_VALUES,
                        ),
                    },
                ),
            },
        ),
        max_size=6,
    )
)
def test_wrong_types_in_valid_json_are_row_problems(listens: list[dict[str, object]]) -> None:
    data = b"".join(json.dumps(listen).encode() + b"\n" for listen in listens)
    p = check(JSONL.parse(data, "1.jsonl"))
    assert p.rows_read == len(listens)
