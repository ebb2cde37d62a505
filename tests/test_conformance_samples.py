"""Conformance: every real (redacted) sample in ../shared/samples imports with exact, explained counts,
and none of their IP addresses or usernames reaches the library file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from linernotes.library import open_library
from tests.support.samples import SAMPLES, requires_samples

pytestmark = requires_samples()

# How ../shared/samples masks account names (spelled in two parts so no copy of sample data is committed).
REDACTED_USER = "redacted" + "-user"

# file → (format, rows read, stored, exact duplicates, near-duplicates, dropped by reason)
EXPECTED = {
    # 2 rows repeat another's (ts, uri, ms_played) (one identical, one differing only in IP and reason);
    # 2 share (ts, uri) with another but not ms_played (the longer play is kept); 21 are echoes: the same
    # finished play logged again 16-17 s later with the same ms_played.
    "spotify-extended-genA_endsong.json": ("spotify_extended_gen_a", 963, 938, 2, 23, {}),
    "spotify-extended-genC_Streaming_History_Audio_2023.json": ("spotify_extended_gen_c", 1470, 1468, 0, 2, {}),
    "spotify-account_StreamingHistory_music_0.json": ("spotify_account_music", 10000, 10000, 0, 0, {}),
    "spotify-account_StreamingHistory_podcast_0.json": ("spotify_account_podcast", 299, 299, 0, 0, {}),
    "spotify-account_StreamingHistory_audiobook_0.json": ("spotify_account_audiobook", 19, 19, 0, 0, {}),
    # The duplicated uts is two different tracks scrobbled in the same second: both are kept.
    "lastfm-ghan_scrobbles.csv": ("lastfm_ghan_csv", 11622, 11622, 0, 0, {}),
    "listenbrainz_listens.jsonl": ("listenbrainz_jsonl", 2, 2, 0, 0, {}),
    # Every entry of this Takeout is an ordinary YouTube video, none is YouTube Music.
    "youtube-music_watch-history.json": ("youtube_music_takeout", 341, 0, 0, 0, {"not_youtube_music": 341}),
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, object]]]:
    db = tmp_path_factory.mktemp("conformance") / "library.duckdb"
    with open_library(db) as lib:
        report = lib.import_paths(sorted(SAMPLES.iterdir()))
    files = {Path(f.file).name: f.__dict__ for f in report.files}
    return db, files


def test_every_sample_is_recognised(imported: tuple[Path, dict[str, dict[str, object]]]) -> None:
    _, files = imported
    assert set(files) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_counts(imported: tuple[Path, dict[str, dict[str, object]]], name: str) -> None:
    fmt, read, stored, dups, near, dropped = EXPECTED[name]
    f = imported[1][name]
    assert (f["format"], f["rows_read"], f["stored"], f["duplicates"], f["near_duplicates"], f["dropped"]) == (
        fmt, read, stored, dups, near, dropped)
    assert f["merged"] == f["replaced"] == f["unchanged"] == 0
    assert read == stored + dups + near + sum(dropped.values())


def test_sample_library_contents(imported: tuple[Path, dict[str, dict[str, object]]]) -> None:
    db, _ = imported
    with open_library(db, read_only=True) as lib:
        kinds = dict(lib.con.execute(
            "SELECT format || '/' || kind, count(*) FROM play_rows GROUP BY 1").fetchall())
        # Gen C: 13 podcast episodes inside an Audio file are routed by URI; Gen A: 20 no-metadata rows.
        assert kinds["spotify_extended_gen_c/episode"] == 13
        assert kinds["spotify_extended_gen_a/unknown"] == 20
        # Account data "Unknown Artist / Unknown Track" placeholders keep the play, not the fake names.
        assert kinds["spotify_account_music/unknown"] == 78
        assert lib.con.execute("SELECT count(*) FROM play_rows WHERE artist = 'Unknown Artist'").fetchall() == [(0,)]
        # Gen A skipped stays NULL where the export did not record it.
        assert lib.con.execute(
            "SELECT count(*) FROM play_rows WHERE format = 'spotify_extended_gen_a' AND skipped IS NULL"
        ).fetchall()[0][0] > 900
        # Trailing spaces of show names are trimmed.
        assert lib.con.execute(
            "SELECT count(*) FROM play_rows WHERE show_name <> trim(show_name)").fetchall() == [(0,)]


def test_no_ip_or_username_reaches_the_library(imported: tuple[Path, dict[str, dict[str, object]]]) -> None:
    db, _ = imported
    secrets: set[bytes] = set()
    for sample in SAMPLES.iterdir():
        text = sample.read_bytes()
        secrets |= set(re.findall(rb"203\.0\.113\.\d{1,3}", text))
        secrets |= set(re.findall(REDACTED_USER.encode(), text))
    assert secrets, "the samples should contain redacted IPs and usernames to look for"
    raw = db.read_bytes()
    wal = Path(str(db) + ".wal")
    if wal.exists():
        raw += wal.read_bytes()
    assert not [s for s in secrets if s in raw]
    with open_library(db, read_only=True) as lib:
        columns = [r[0] for r in lib.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'play_rows' AND data_type = 'VARCHAR'"
        ).fetchall()]
        hits = lib.con.execute(
            "SELECT count(*) FROM play_rows WHERE "
            + " OR ".join(f"regexp_matches(coalesce({c}, ''), '203\\.0\\.113|{REDACTED_USER}')" for c in columns)
        ).fetchall()[0][0]
        assert hits == 0
