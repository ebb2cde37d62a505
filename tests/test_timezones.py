"""Tests for linernotes.timezones: the country → zone table, home inference and local time in DuckDB."""

from __future__ import annotations

import doctest
import os
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

import linernotes.timezones as tzmod
from linernotes.timezones import (
    MOST_POPULOUS_ZONE,
    country_zone_table,
    country_zones,
    infer_home_zone,
    system_zone,
    valid_zone,
    zone_for_country,
    zone_for_play,
)

# The overrides the spec names, plus the ones where zone.tab's first entry is known to be wrong.
EXPECTED_MULTI_ZONE = {
    "US": "America/New_York",
    "CA": "America/Toronto",
    "BR": "America/Sao_Paulo",
    "RU": "Europe/Moscow",
    "AU": "Australia/Sydney",
    "MX": "America/Mexico_City",
    "ID": "Asia/Jakarta",
    "KZ": "Asia/Almaty",
    "AR": "America/Argentina/Buenos_Aires",
    "CL": "America/Santiago",
    "CN": "Asia/Shanghai",
    "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon",
    "DE": "Europe/Berlin",
    "NZ": "Pacific/Auckland",
    "EC": "America/Guayaquil",
    "CD": "Africa/Kinshasa",
    "MN": "Asia/Ulaanbaatar",
    "UA": "Europe/Kyiv",
    "UZ": "Asia/Tashkent",
    "PF": "Pacific/Tahiti",
    "KI": "Pacific/Tarawa",
    "MY": "Asia/Kuala_Lumpur",
    "GL": "America/Nuuk",
}


@pytest.mark.parametrize(("country", "zone"), sorted(EXPECTED_MULTI_ZONE.items()))
def test_multi_zone_countries_use_the_most_populous_zone(country: str, zone: str) -> None:
    assert zone_for_country(country) == zone


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("JP", "Asia/Tokyo"),
        ("GB", "Europe/London"),
        ("IN", "Asia/Kolkata"),
        ("SG", "Asia/Singapore"),
        ("NL", "Europe/Amsterdam"),
        ("LI", "Europe/Vaduz"),
        ("XK", "Europe/Belgrade"),
    ],
)
def test_single_zone_countries(country: str, zone: str) -> None:
    assert zone_for_country(country) == zone


def test_every_multi_zone_country_is_decided_explicitly() -> None:
    # A tzdata upgrade that splits a country must come with a decision, not zone.tab's order by default.
    multi = {code for code, zones in country_zones().items() if len(zones) > 1}
    assert multi == set(MOST_POPULOUS_ZONE)


@pytest.mark.parametrize(("country", "zone"), sorted(MOST_POPULOUS_ZONE.items()))
def test_each_override_is_one_of_the_countrys_own_zones(country: str, zone: str) -> None:
    assert zone in country_zones()[country]
    assert valid_zone(zone)


@pytest.mark.parametrize("code", [None, "", "  ", "ZZ", "zz", "XX", "QQ", "USA", "1"])
def test_unknown_codes_mean_home(code: str | None) -> None:
    assert zone_for_country(code) is None


def test_codes_are_case_and_blank_insensitive() -> None:
    assert zone_for_country(" de ") == zone_for_country("DE") == "Europe/Berlin"


def test_table_covers_every_iso_country_with_valid_zones() -> None:
    table = country_zone_table()
    assert table.schema == pa.schema([("country", pa.string()), ("zone", pa.string())])
    rows = dict(zip(table.column("country").to_pylist(), table.column("zone").to_pylist(), strict=True))
    assert len(rows) == table.num_rows >= 249  # ISO 3166-1 has 249 codes, plus XK
    assert all(len(code) == 2 and code.isupper() for code in rows)
    for code, zone in rows.items():
        if zone is not None:
            assert valid_zone(zone), (code, zone)
    # Uninhabited territories with no zone of their own fall back to home via a NULL zone.
    assert {code for code, zone in rows.items() if zone is None} <= {"BV", "HM"}
    assert "ZZ" not in rows


def test_every_zone_is_known_to_duckdb_icu() -> None:
    # DuckDB's ICU carries its own copy of the tz database; a zone it lacks would make the store's
    # timezone() call fail for every play from that country.
    con = duckdb.connect()
    known = {name for (name,) in con.sql("SELECT name FROM pg_timezone_names()").fetchall()}
    zones = {z for z in country_zone_table().column("zone").to_pylist() if z is not None}
    assert zones - known == set()


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("Europe/Berlin", True),
        ("UTC", True),
        ("America/Argentina/Buenos_Aires", True),
        ("Europe/Kyiv", True),
        ("Mars/Olympus_Mons", False),
        ("", False),
        ("America", False),
        ("/etc/passwd", False),
        ("../../etc/passwd", False),
        (None, False),
        (3, False),
    ],
)
def test_valid_zone(name: object, ok: bool) -> None:
    assert valid_zone(name) is ok


def test_infer_home_most_frequent_country() -> None:
    assert infer_home_zone({"DE": 900, "US": 40, "JP": 3}) == ("DE", "Europe/Berlin")


def test_infer_home_ignores_unknown_codes_and_non_positive_counts() -> None:
    assert infer_home_zone({"ZZ": 10_000, "": 500, "QQ": 400, "BV": 300, "FR": 0, "GB": 2}) == (
        "GB",
        "Europe/London",
    )


def test_infer_home_ties_are_deterministic() -> None:
    assert infer_home_zone({"US": 5, "CA": 5}) == ("CA", "America/Toronto")
    assert infer_home_zone({"CA": 5, "US": 5}) == ("CA", "America/Toronto")


def test_infer_home_merges_case_variants() -> None:
    # 3 + 3 "se" beat 5 "NO".
    assert infer_home_zone({"se": 3, "SE": 3, "NO": 5}) == ("SE", "Europe/Stockholm")


def test_infer_home_without_countries_uses_the_system_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert infer_home_zone({}) == (None, "Asia/Tokyo")
    assert infer_home_zone({"ZZ": 10}) == (None, "Asia/Tokyo")


def test_system_zone_from_tz_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/Chicago")
    assert system_zone() == "America/Chicago"
    monkeypatch.setenv("TZ", ":Europe/Paris")
    assert system_zone() == "Europe/Paris"
    monkeypatch.setenv("TZ", "/usr/share/zoneinfo/posix/Australia/Perth")
    assert system_zone() == "Australia/Perth"


def test_system_zone_from_localtime_link(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TZ", raising=False)
    link = tmp_path / "localtime"
    os.symlink("../usr/share/zoneinfo/Pacific/Auckland", link)
    monkeypatch.setattr(tzmod, "_LOCALTIME", link)
    monkeypatch.setattr(tzmod, "_TIMEZONE_FILE", tmp_path / "missing")
    assert system_zone() == "Pacific/Auckland"


def test_system_zone_from_timezone_file_then_utc(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # An invalid TZ (a POSIX rule string ZoneInfo can't name) is skipped, not trusted.
    monkeypatch.setenv("TZ", "CET-1CEST-not-a-key")
    regular = tmp_path / "localtime"
    regular.write_bytes(b"TZif not a link")
    tz_file = tmp_path / "timezone"
    tz_file.write_text("Europe/Lisbon\n")
    monkeypatch.setattr(tzmod, "_LOCALTIME", regular)
    monkeypatch.setattr(tzmod, "_TIMEZONE_FILE", tz_file)
    assert system_zone() == "Europe/Lisbon"
    tz_file.write_text("Nowhere/Special\n")
    assert system_zone() == "UTC"


@pytest.mark.parametrize(
    ("country", "home_country", "home_zone", "expected"),
    [
        ("US", "US", "America/Los_Angeles", "America/Los_Angeles"),  # at home: the chosen zone, not New York
        ("us", "US", "America/Los_Angeles", "America/Los_Angeles"),
        ("JP", "US", "America/Los_Angeles", "Asia/Tokyo"),
        ("US", "DE", "Europe/Berlin", "America/New_York"),
        (None, "DE", "Europe/Berlin", "Europe/Berlin"),
        ("ZZ", "DE", "Europe/Berlin", "Europe/Berlin"),
        ("BV", "DE", "Europe/Berlin", "Europe/Berlin"),
        ("FR", None, "Asia/Tokyo", "Europe/Paris"),
    ],
)
def test_zone_for_play(country: str | None, home_country: str | None, home_zone: str, expected: str) -> None:
    assert zone_for_play(country, home_country, home_zone) == expected


def test_traveller_local_times_in_duckdb() -> None:
    """Home DE; plays at home, in the US in and out of US DST (incl. the weeks the two DSTs differ), in JP."""
    home_country, home_zone = infer_home_zone({"DE": 100, "US": 3, "JP": 1})
    assert (home_country, home_zone) == ("DE", "Europe/Berlin")
    plays = pa.table(
        {
            "id": [1, 2, 3, 4, 5, 6, 7],
            "country": ["DE", "US", "US", "US", "JP", "ZZ", None],
            "ts_end": pa.array(
                [
                    datetime(2023, 7, 1, 12, 0),  # DE summer: CEST, UTC+2
                    datetime(2023, 7, 1, 12, 0),  # US summer: EDT, UTC-4
                    datetime(2023, 1, 15, 12, 0),  # US winter: EST, UTC-5
                    datetime(2023, 3, 20, 12, 0),  # US already on DST (since 12 Mar), Europe not yet
                    datetime(2023, 7, 1, 12, 0),  # JP: UTC+9, no DST
                    datetime(2023, 1, 15, 12, 0),  # unknown country: home, CET UTC+1
                    datetime(2023, 1, 15, 23, 30),  # no country: home, crosses midnight
                ],
                type=pa.timestamp("us", tz="UTC"),
            ),
        }
    )
    zones = country_zone_table()
    con = duckdb.connect()
    con.register("plays", plays)
    con.register("country_zones", zones)
    rows = con.execute(
        """
        SELECT p.id,
               CASE WHEN p.country IS NULL OR p.country = $home_country OR z.zone IS NULL
                    THEN $home_zone ELSE z.zone END AS tz,
               timezone(tz, p.ts_end) AS local
        FROM plays p LEFT JOIN country_zones z ON z.country = p.country
        ORDER BY p.id
        """,
        {"home_country": home_country, "home_zone": home_zone},
    ).fetchall()
    assert rows == [
        (1, "Europe/Berlin", datetime(2023, 7, 1, 14, 0)),
        (2, "America/New_York", datetime(2023, 7, 1, 8, 0)),
        (3, "America/New_York", datetime(2023, 1, 15, 7, 0)),
        (4, "America/New_York", datetime(2023, 3, 20, 8, 0)),
        (5, "Asia/Tokyo", datetime(2023, 7, 1, 21, 0)),
        (6, "Europe/Berlin", datetime(2023, 1, 15, 13, 0)),
        (7, "Europe/Berlin", datetime(2023, 1, 16, 0, 30)),
    ]
    # The SQL rule and the Python rule agree row by row.
    for (play_id, tz, _), country in zip(rows, plays.column("country").to_pylist(), strict=True):
        assert zone_for_play(country, home_country, home_zone) == tz, play_id


def test_docstring_examples() -> None:
    failures, _ = doctest.testmod(tzmod)
    assert failures == 0
