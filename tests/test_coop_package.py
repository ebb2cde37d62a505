"""Contribution packages: built from the library with nothing that identifies a person or a moment, and
checked strictly (the same check the server applies)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import orjson
import pytest

from linernotes.coop import contract, wire
from linernotes.coop.client import package
from linernotes.coop.client.api import Preview, check_url
from linernotes.errors import UsageError
from linernotes.library import Library, open_library
from tests.support.exports import TEST_IP, imported_history, play, write_extended

SECRET_ARTIST = "Whisper Incognito Ensemble"
SECRET_TRACK = "Only In Private Mode"
USERNAME = "kim.private.username.7731"
DEVICE = "Linux;Toaster-Fridge-9000 XYZ"
COUNTRY = "NZ"


def _hostile_library(tmp: Path) -> Library:
    """Plays with distinctive usernames, IPs, devices and countries, and a lot of incognito listening to
    one artist that would top every chart if it were counted."""
    records = []
    for day in range(1, 28):
        for i in range(12):
            hour = (i * 2) % 24
            records.append(play(f"2024-03-{day:02d}T{hour:02d}:{i:02d}:00Z", track=f"Song {i}", artist=f"Band {i % 7}",
                                username=USERNAME, platform=DEVICE, conn_country=COUNTRY, ip_addr=TEST_IP,
                                skipped=i % 5 == 0, reason_end="fwdbtn" if i % 5 == 0 else "trackdone"))
        for j in range(6):
            records.append(play(f"2024-03-{day:02d}T23:{10 + j * 5:02d}:00Z", track=SECRET_TRACK, artist=SECRET_ARTIST,
                                ms=3_000_000, username=USERNAME, platform=DEVICE, conn_country=COUNTRY,
                                ip_addr=TEST_IP, incognito_mode=True))
    records.append(play("2024-03-05T12:00:00Z", track=None, artist=None, ms=1_800_000, spotify_track_uri=None,
                        episode_name="Episode 1", episode_show_name="A Show", spotify_episode_uri="spotify:episode:x1",
                        username=USERNAME, platform=DEVICE, conn_country=COUNTRY))
    export = write_extended(tmp / "Streaming_History_Audio_2024.json", records)
    lib = open_library(tmp / "hostile.duckdb")
    lib.import_paths([export])
    return lib


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Library:
    lib = _hostile_library(tmp_path_factory.mktemp("hostile"))
    yield lib
    lib.close()


def _forbidden_values(lib: Library) -> set[str]:
    """Every country, device, platform string and incognito-only name in the library."""
    values = {USERNAME, TEST_IP, DEVICE, SECRET_ARTIST, SECRET_TRACK, "synth-user"}
    for col in ("country", "platform", "device"):
        values |= {v for (v,) in lib.con.execute(f"SELECT DISTINCT {col} FROM all_plays WHERE {col} IS NOT NULL "
                                                 "AND length(" + col + ") > 1").fetchall()}
    values |= {v for (v,) in lib.con.execute(
        "SELECT artist FROM all_plays WHERE artist IS NOT NULL GROUP BY 1 HAVING bool_and(incognito)").fetchall()}
    return values


TIMESTAMP = re.compile(rb"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}|1[5-9]\d{8}")


def _assert_clean(body: bytes, lib: Library, scope: str) -> None:
    doc = orjson.loads(body)
    names = doc["top_artists"] if scope == "benchmarks" else doc["artists"]
    for value in _forbidden_values(lib):
        assert value not in names, value
        if len(value) > 6:  # short ones (device families like "cast", countries) are words inside keys
            assert value.encode() not in body, value
    assert TEST_IP.encode() not in body and USERNAME.encode() not in body
    assert not TIMESTAMP.search(body), TIMESTAMP.search(body)
    keys = set(doc)
    assert keys == (set(contract.METRIC_NAMES) | {"top_artists"} if scope == "benchmarks" else {"artists", "affinity"})
    wire.check(scope, body)


@pytest.mark.parametrize("scope", contract.SCOPES)
def test_hostile_library_packages_hold_nothing_identifying(hostile: Library, scope: str) -> None:
    assert hostile.status()["incognito_plays"] > 100  # the incognito plays are in the library...
    body = wire.encode(package.build(hostile, scope))
    _assert_clean(body, hostile, scope)  # ...and not in the package
    if scope == "benchmarks":
        doc = orjson.loads(body)
        assert doc["top_artists"][0].startswith("Band ")
        # 23:xx UTC incognito plays would make night listening large; the counted plays are spread over the day.
        assert doc["night_share"] < 0.4
        assert 0 < doc["podcast_share"] < 0.2


@pytest.mark.parametrize("scope", contract.SCOPES)
def test_synthetic_history_packages_hold_nothing_identifying(tmp_path: Path, scope: str) -> None:
    _, lib = imported_history(tmp_path, 4000, seed=11, start="2022-01-01", end="2023-12-31")
    try:
        assert lib.status()["incognito_plays"] > 0
        lib.set_setting("include_incognito", "true")  # the person's insights setting never widens a package
        body = wire.encode(package.build(lib, scope))
        _assert_clean(body, lib, scope)
        doc = orjson.loads(body)
        if scope == "benchmarks":
            for m in contract.METRICS:
                assert m.lower <= doc[m.name] <= m.upper and math.isfinite(doc[m.name])
            assert len(doc["top_artists"]) == contract.TOP_ARTISTS_BENCHMARKS
        else:
            assert doc["affinity"][0] == contract.AFFINITY_MAX
            assert len(doc["artists"]) == len(doc["affinity"]) <= contract.TOP_ARTISTS_TASTE
    finally:
        lib.close()


def test_metrics_are_what_they_say(tmp_path: Path) -> None:
    # One week: 2 h of one artist at 02:00 UTC (home zone UTC: no conn_country), 1 h of a podcast at noon.
    records = [play(f"2024-01-0{d}T02:{m:02d}:00Z", track=f"T{d}{m}", artist="Solo", ms=600_000, conn_country=None)
               for d in (1, 2) for m in (10, 20, 30, 40, 50, 59)]
    records.append(play("2024-01-03T13:00:00Z", track=None, artist=None, ms=3_600_000, spotify_track_uri=None,
                        episode_name="E", episode_show_name="S", spotify_episode_uri="spotify:episode:e",
                        conn_country=None))
    lib = open_library(tmp_path / "m.duckdb")
    lib.import_paths([write_extended(tmp_path / "Streaming_History_Audio_2024.json", records)])
    m = package.metrics(lib)
    lib.close()
    assert m["weekly_hours"] == 3.0
    assert m["podcast_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["night_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["loyalty"] == 1.0 and m["diversity"] == 0.0
    assert m["discovery_rate"] == 1.0  # every track first heard within the last 30 days
    assert m["skip_rate"] == 0.0


def test_values_are_clipped_to_published_bounds() -> None:
    assert contract.metric("weekly_hours").clip(500) == 80.0
    assert contract.metric("skip_rate").clip(-1) == 0.0


def test_names_are_cleaned_on_the_device() -> None:
    assert wire.clean_name("  Evil\u202eBand\x00\n ") == "EvilBand"
    assert len(wire.clean_name("é" * 500)) == contract.MAX_NAME_CHARS
    assert wire.clean_name("\u200f\u2066") == ""
    assert wire.inert("a\x1b[2Jb\u202ec\nd") == "a?[2Jb?c?d"


HOSTILE_BODIES = {
    "not json": b"{nope",
    "not utf-8": b'{"artists": ["\xff"], "affinity": [1]}',
    "not an object": b"[1, 2]",
    "bool as number": orjson.dumps({"artists": ["A"], "affinity": [True]}),
    "affinity out of range": orjson.dumps({"artists": ["A"], "affinity": [9]}),
    "affinity length": orjson.dumps({"artists": ["A", "B"], "affinity": [1]}),
    "extra field": orjson.dumps({"artists": ["A"], "affinity": [1], "ts": "2024-01-01"}),
    "missing field": orjson.dumps({"artists": ["A"]}),
    "too many names": orjson.dumps({"artists": [f"A{i}" for i in range(501)], "affinity": [1] * 501}),
    "long name": orjson.dumps({"artists": ["x" * 201], "affinity": [1]}),
    "empty name": orjson.dumps({"artists": [""], "affinity": [1]}),
    "NUL": orjson.dumps({"artists": ["a\x00b"], "affinity": [1]}),
    "RTL override": orjson.dumps({"artists": ["abc\u202egnp.exe"], "affinity": [1]}),
    "duplicates": orjson.dumps({"artists": ["A", "A"], "affinity": [1, 2]}),
    "lone surrogate": b'{"artists": ["\\ud800"], "affinity": [1]}',
    "huge integer": b'{"artists": ["A"], "affinity": [100000000000000000000000000]}',
}


@pytest.mark.parametrize("name", HOSTILE_BODIES)
def test_the_check_refuses_malformed_taste_packages(name: str) -> None:
    with pytest.raises(wire.PackageError):
        wire.check("taste", HOSTILE_BODIES[name])


@pytest.mark.parametrize("changes", [{"weekly_hours": 80.0001}, {"skip_rate": -0.1}, {"loyalty": "0.5"},
                                     {"diversity": None}, {"top_artists": "A"}, {"top_artists": [1]},
                                     {"top_artists": [f"A{i}" for i in range(51)]}])
def test_the_check_refuses_out_of_bound_benchmarks(changes: dict) -> None:
    from tests.support.coop_fixtures import benchmarks_body

    with pytest.raises(wire.PackageError):
        wire.check("benchmarks", orjson.dumps(benchmarks_body(**changes)))
    with pytest.raises(wire.PackageError):
        wire.check("benchmarks", b'{"weekly_hours": NaN}')


def test_a_checked_package_becomes_one_row_of_the_contract_schema() -> None:
    from tests.support.coop_fixtures import benchmarks_body

    doc = wire.check("benchmarks", orjson.dumps(benchmarks_body(weekly_hours=5)))
    table = wire.to_table("benchmarks", doc)
    assert table.schema == contract.benchmarks_schema() and table.num_rows == 1
    assert table.column("weekly_hours")[0].as_py() == 5.0


def test_preview_is_the_exact_body(hostile: Library, tmp_path: Path) -> None:
    from linernotes.coop.client import api

    shown = api.preview(hostile, tmp_path / "none.coop.json", "benchmarks")
    assert isinstance(shown, Preview)
    assert shown.body == wire.encode(package.build(hostile, "benchmarks"))
    assert set(shown.fields) == set(orjson.loads(shown.body))
    assert shown.headers["Authorization"] == "Bearer <your token>"


def test_only_https_or_loopback_servers() -> None:
    assert check_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    assert check_url("https://coop.example.org") == "https://coop.example.org"
    for bad in ("http://coop.example.org", "ftp://x", "not a url"):
        with pytest.raises(UsageError):
            check_url(bad)


def test_unknown_scope_is_a_usage_error(hostile: Library) -> None:
    with pytest.raises(UsageError, match="unknown scope"):
        package.build(hostile, "everything")


def test_an_empty_library_has_nothing_to_share(tmp_path: Path) -> None:
    lib = open_library(tmp_path / "empty.duckdb")
    try:
        with pytest.raises(UsageError, match="no plays"):
            package.build(lib, "benchmarks")
    finally:
        lib.close()


def test_exclusion_rules_keep_listening_that_is_not_yours_out(tmp_path: Path) -> None:
    records = [play(f"2024-02-{d:02d}T10:00:00Z", track=f"Mine {d}", artist="My Band") for d in range(1, 20)]
    records += [play(f"2024-02-{d:02d}T16:{m:02d}:00Z", track=f"Kids {m}", artist="Kinderlieder Crew",
                     platform="Sonos speaker") for d in range(1, 20) for m in range(0, 50, 5)]
    lib = open_library(tmp_path / "x.duckdb")
    try:
        lib.import_paths([write_extended(tmp_path / "Streaming_History_Audio_2024.json", records)])
        assert package.build(lib, "benchmarks")["top_artists"][0] == "Kinderlieder Crew"
        lib.exclude(artist="Kinderlieder Crew", note="the kids")
        for scope in contract.SCOPES:
            body = wire.encode(package.build(lib, scope))
            assert b"Kinderlieder" not in body
        assert package.build(lib, "benchmarks")["top_artists"] == ["My Band"]
    finally:
        lib.close()
