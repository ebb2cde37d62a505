"""Tests for linernotes.devices: raw Spotify platform strings of both eras → device family."""

from __future__ import annotations

import doctest

import duckdb
import pyarrow as pa
import pytest

import linernotes.devices as devmod
from linernotes.devices import DeviceFamily, device_family, device_family_table

# (raw platform string, expected family). The first block is every example in docs/formats.md §1.5 and the brief.
CASES: list[tuple[str | None, str]] = [
    # Detailed era (≤ 2022-10)
    ("Android OS 12 API 31 (samsung, SM-A000U)", "phone_android"),
    ("Android OS 9 API 28 (samsung, SM-G950F)", "phone_android"),
    ("iOS 14.7.1 (iPhone10,3)", "phone_ios"),
    ("iOS 14.3 (iPad11,3)", "tablet"),
    ("iOS 12.4.5 (iPhone7,2)", "phone_ios"),
    ("iOS 9.3.1 (iPhone5,3)", "phone_ios"),
    ("Windows 10 (10.0.19999; x64; AppX)", "desktop_windows"),
    ("Windows 10 (10.0.16299; x64)", "desktop_windows"),
    ("Windows 10 (10.0.22621; x64; AppX)", "desktop_windows"),
    ("web_player windows 10;chrome 76.0.3809.132;desktop", "web"),
    ("Partner google cast_tv;Chromecast;;", "cast"),
    ("Partner google cast_tv;Chromecast_Tv_Gen1;;2.0.0-551-fb8ab0b--1.32.124602", "cast"),
    ("Partner android_tv Amazon;AFTJMST12;9f3c0a1b2c3d4e5f;;tpapi", "tv"),
    ("OS X 10.15.7 [x86 8]", "desktop_mac"),
    ("OS X 11.2.3 [arm 2]", "desktop_mac"),
    ("Linux [x86-64 0]", "desktop_linux"),
    # Normalised era (≥ 2022-10)
    ("android", "phone_android"),
    ("ios", "phone_ios"),
    ("windows", "desktop_windows"),
    ("osx", "desktop_mac"),
    ("linux", "desktop_linux"),
    ("cast", "cast"),
    ("playstation", "console"),
    ("xbox", "console"),
    ("web_player", "web"),
    ("tv", "tv"),
    ("sonos", "speaker"),
    ("alexa", "speaker"),
    ("android_tv", "tv"),
    # Likely variants of the same devices
    ("web_player linux ;firefox 91.0;desktop", "web"),
    ("web_player osx 10.15.7;safari 14.1;desktop", "web"),
    ("Partner sonos_one Sonos;One;;", "speaker"),
    ("Partner amazon_echo Amazon;Echo Dot;;", "speaker"),
    ("Partner google cast_audio;Google Home Mini;;", "speaker"),
    ("Partner google cast_audio;Chromecast Audio;;", "cast"),
    ("Partner bose speaker;SoundTouch 10;;", "speaker"),
    ("Partner ps4 sony;PS4;;", "console"),
    ("Partner xboxone microsoft;Xbox One;;", "console"),
    ("ps5", "console"),
    ("Partner samsung_tv Samsung;QN65Q80T;;tizen", "tv"),
    ("Partner webos_tv LG;OLED55CX;;", "tv"),
    ("Android OS 9 API 28 (Sony, BRAVIA 4K GB)", "tv"),
    ("Android OS 7.1.2 API 25 (Amazon, AFTMM)", "tv"),
    ("Android OS 9 API 28 (Xiaomi, MIBOX4)", "tv"),
    ("tvOS 14.4 (AppleTV5,3)", "tv"),
    ("smart_tv", "tv"),
    ("Android OS 11 API 30 (samsung, SM-T510)", "tablet"),
    ("Android OS 12 API 32 (samsung, SM-X700)", "tablet"),
    ("Android OS 9 API 28 (Amazon, KFMUWI)", "tablet"),
    ("Android OS 10 API 29 (LENOVO, Lenovo TB-X606F)", "tablet"),
    ("ipados", "tablet"),
    ("Android Auto", "car"),
    ("android_auto", "car"),
    ("carplay", "car"),
    ("car", "car"),
    ("Partner android_automotive Volvo;XC40;;", "car"),
    ("Partner spotify car_thing;superbird;;", "car"),
    ("wear_os", "watch"),
    ("Wear OS 3 (Google, Pixel Watch)", "watch"),
    ("watchOS 7.3 (Watch5,4)", "watch"),
    ("watchos", "watch"),
    ("Windows Phone 8.10 (NOKIA, Lumia 930)", "other"),
    # Nothing recognisable, but present
    ("Partner spotify_connect Acme;Thing;;", "other"),
    ("toaster", "other"),
    ("podcast", "other"),  # "cast" only as a whole token
    ("broadcast", "other"),
    # Missing
    (None, "unknown"),
    ("", "unknown"),
    ("   ", "unknown"),
]


@pytest.mark.parametrize(("platform", "expected"), CASES)
def test_device_family(platform: str | None, expected: str) -> None:
    assert device_family(platform) == expected


@pytest.mark.parametrize(("platform", "expected"), [c for c in CASES if c[0] and c[0].strip()])
def test_case_and_blank_insensitive(platform: str, expected: str) -> None:
    assert device_family(platform.upper()) == expected
    assert device_family(platform.lower()) == expected
    assert device_family(f"  {platform}\t") == expected


def test_results_are_in_the_vocabulary() -> None:
    vocabulary = {f.value for f in DeviceFamily}
    assert {expected for _, expected in CASES} <= vocabulary
    assert vocabulary == {expected for _, expected in CASES}  # the cases exercise every family
    assert all(type(device_family(p)) is str for p, _ in CASES)


def test_table_maps_each_distinct_string_once() -> None:
    raw = ["ios", "Android OS 9 API 28 (samsung, SM-G950F)", "ios", None, "osx", None, "ios"]
    table = device_family_table(raw)
    assert table.schema == pa.schema([("platform", pa.string()), ("device", pa.string())])
    assert table.to_pydict() == {
        "platform": ["ios", "Android OS 9 API 28 (samsung, SM-G950F)", None, "osx"],
        "device": ["phone_ios", "phone_android", "unknown", "desktop_mac"],
    }


def test_table_accepts_arrow_arrays() -> None:
    chunked = pa.chunked_array([["ios", "cast"], ["cast", None]], type=pa.string())
    assert device_family_table(chunked).to_pydict() == {
        "platform": ["ios", "cast", None],
        "device": ["phone_ios", "cast", "unknown"],
    }
    assert device_family_table(pa.array([], type=pa.string())).num_rows == 0


def test_table_joins_in_duckdb() -> None:
    plays = pa.table({"platform": ["ios", "xbox", None, "ios", "Linux [x86-64 0]"]})
    devices = device_family_table(plays.column("platform"))
    con = duckdb.connect()
    con.register("plays", plays)
    con.register("devices", devices)
    got = con.sql(
        "SELECT coalesce(d.device, 'unknown') FROM plays p "
        "LEFT JOIN devices d ON d.platform IS NOT DISTINCT FROM p.platform"
    ).fetchall()
    assert sorted(r[0] for r in got) == sorted(
        ["phone_ios", "console", "unknown", "phone_ios", "desktop_linux"]
    )


def test_docstring_examples() -> None:
    failures, _ = doctest.testmod(devmod)
    assert failures == 0
