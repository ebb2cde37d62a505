"""Every quirk of docs/formats.md as a small synthetic fixture, through the real import into a real DuckDB file."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

from linernotes.library import Library
from tests.support.exports import play, track_uri, write_account, write_extended

UTC = dt.UTC


def rows(lib: Library, sql: str) -> list[tuple[object, ...]]:
    return lib.con.execute(sql).fetchall()


def test_offline_timestamp_units_and_plausibility(lib: Library, tmp_path: Path) -> None:
    end = dt.datetime(2022, 9, 3, 20, 3, 9, tzinfo=UTC)
    end_s = int(end.timestamp())
    records_a = [
        # Gen A: milliseconds, 1.5 s of clock difference beyond ms_played → trusted as the start.
        play("2022-09-03T20:03:09Z", "A1", ms=6_244, offline_timestamp=(end_s - 6_244 // 1000 - 2) * 1000 + 756),
        # Gen A: 0 means no start known → ts_end − ms_played, and the row is time-fuzzy.
        play("2022-09-03T21:00:00Z", "A2", ms=60_000, offline_timestamp=0),
        # A start weeks before the end is not plausible.
        play("2022-09-03T22:00:00Z", "A3", ms=60_000, offline_timestamp=(end_s - 40 * 86400) * 1000),
    ]
    records_c = [
        # Gen C: seconds; null → ts_end − ms_played.
        play("2023-02-19T09:44:16Z", "C1", ms=23_857, offline_timestamp=1676799832),
        play("2023-02-19T10:00:00Z", "C2", ms=30_000, offline_timestamp=None),
        # A start after the end (beyond clock jitter) is not plausible.
        play("2023-02-19T11:00:00Z", "C3", ms=30_000, offline_timestamp=1676804400 + 600),
    ]
    lib.import_paths([write_extended(tmp_path / "endsong_0.json", records_a, "A"),
                      write_extended(tmp_path / "Streaming_History_Audio_2023.json", records_c, "C")])
    got = {t: (s, e, f) for t, s, e, f in rows(lib, "SELECT track, ts_start, ts_end, fuzzy_time FROM play_rows")}
    assert got["A1"][0] == dt.datetime.fromtimestamp(end_s - 8 + 0.756, UTC)
    assert got["A2"][0] == dt.datetime(2022, 9, 3, 20, 59, tzinfo=UTC) and got["A2"][2] is True
    assert got["A3"][0] == dt.datetime(2022, 9, 3, 21, 59, tzinfo=UTC)
    assert got["C1"][0] == dt.datetime.fromtimestamp(1676799832, UTC)
    assert got["C2"][0] == dt.datetime(2023, 2, 19, 9, 59, 30, tzinfo=UTC)
    assert got["C3"][0] == dt.datetime(2023, 2, 19, 10, 59, 30, tzinfo=UTC)
    assert all(e > s for s, e, _ in got.values())


def test_zero_ms_kept_and_marked_skipped_null_kept(lib: Library, tmp_path: Path) -> None:
    records = [play("2022-12-01T17:11:24Z", "Zero", ms=0, skipped=None),
               play("2022-12-01T17:20:00Z", "Played", ms=90_000, skipped=None, reason_end="fwdbtn")]
    lib.import_paths([write_extended(tmp_path / "endsong_0.json", records, "A")])
    assert rows(lib, "SELECT track, zero_play, skipped FROM plays ORDER BY track") == [
        ("Played", False, None), ("Zero", True, None)]


def test_duplicates_within_across_files_and_reimport(lib: Library, tmp_path: Path) -> None:
    base = [play(f"2023-01-0{d}T12:00:00Z", f"T{d}") for d in range(1, 6)]
    first = write_extended(tmp_path / "Streaming_History_Audio_2023_0.json", [*base, base[0]], "C")
    # A re-downloaded export: the same plays in another generation's layout, reordered, plus one new play.
    second = write_extended(tmp_path / "endsong_1.json", [base[3], base[1], play("2023-01-09T12:00:00Z", "T9")], "A")
    report = lib.import_paths([first, second])
    files = {Path(f.file).name: f for f in report.files}
    assert report.plays_after == 6
    assert files["Streaming_History_Audio_2023_0.json"].duplicates == 1
    assert files["endsong_1.json"].duplicates == 2
    again = lib.import_paths([first, second])
    assert again.plays_after == again.plays_before == 6
    assert again.total("stored") == 0 and again.total("unchanged") == 6 and again.total("duplicates") == 3


def test_near_duplicates_and_remote_control_storms(lib: Library, tmp_path: Path) -> None:
    uri = track_uri("NEL", "Band")
    storm = [play(f"2024-11-06T20:{m:02d}:{s:02d}Z", "NEL", ms=149_073, uri=uri, reason_start="remote",
                  reason_end="remote") for m, s in [(0, 13), (0, 21), (0, 30), (0, 38), (0, 47), (0, 55), (1, 3)]]
    near = [play("2022-12-01T17:11:24Z", "Partner", ms=333), play("2022-12-01T17:11:24Z", "Partner", ms=0)]
    # On repeat: the same track played through twice is two plays, not an echo.
    repeat = [play("2023-05-01T10:00:00Z", "Loop", ms=180_000), play("2023-05-01T10:03:01Z", "Loop", ms=180_000)]
    report = lib.import_paths([write_extended(tmp_path / "Streaming_History_Audio_2024.json",
                                              storm + near + repeat, "C")])
    assert report.total("near_duplicates") == 6 + 1
    assert rows(lib, "SELECT track, count(*), max(ms_played) FROM play_rows GROUP BY 1 ORDER BY 1") == [
        ("Loop", 2, 180_000), ("NEL", 1, 149_073), ("Partner", 1, 333)]
    # The same storm arriving again in a later import is recognised against the stored play.
    again = lib.import_paths([write_extended(tmp_path / "endsong_storm.json", storm[2:], "A")])
    assert again.plays_after == again.plays_before


def test_routing_by_uri_not_file_name(lib: Library, tmp_path: Path) -> None:
    episode = play("2023-02-19T09:44:16Z", None, None, ms=23_857, episode_name="Welcome",
                   episode_show_name="Mythical Monsters ", spotify_episode_uri="spotify:episode:3KUKIjACVZd7VvkjWcE4rL")
    video_track = play("2022-12-01T17:01:57Z", "Partner", "有華", ms=854, reason_start="unknown",
                       reason_end="endplay", skipped=True, offline=None)
    video_episode = {**episode, "ts": "2022-12-02T10:00:00Z"}
    audiobook = play("2023-03-01T08:00:00Z", None, None, ms=600_000, audiobook_title="Book",
                     audiobook_uri="spotify:show:b", audiobook_chapter_uri="spotify:episode:c1",
                     audiobook_chapter_title="Chapter 1")
    no_metadata = play("2022-12-26T08:24:17Z", None, None, ms=166_781, reason_start="", reason_end="")
    lib.import_paths([
        write_extended(tmp_path / "Streaming_History_Audio_2023.json", [episode, audiobook, no_metadata], "C"),
        write_extended(tmp_path / "Streaming_History_Video_2022.json", [video_track, video_episode], "C"),
    ])
    got = rows(lib, "SELECT kind, coalesce(track, episode, chapter), show_name, artist, reason_start "
                    "FROM play_rows ORDER BY ts_end")
    assert got == [
        ("track", "Partner", None, "有華", "unknown"),
        ("episode", "Welcome", "Mythical Monsters", None, "trackdone"),
        ("unknown", None, None, None, None),
        ("episode", "Welcome", "Mythical Monsters", None, "trackdone"),
        ("audiobook", "Chapter 1", None, None, "trackdone"),
    ]


def test_account_and_extended_merge_either_order(lib: Library, tmp_path: Path) -> None:
    ext = [play(f"2024-11-06T20:00:{s:02d}Z", "NEL", "Band", ms=149_073) for s in (13,)] + \
          [play("2024-11-06T22:29:24Z", "Other", "Band", ms=61_000)]
    account = [{"endTime": "2024-11-06 20:00", "artistName": "Band", "trackName": "NEL", "msPlayed": 149_073},
               {"endTime": "2024-11-06 22:29", "artistName": "Band", "trackName": "Other", "msPlayed": 61_000},
               {"endTime": "2024-11-07 09:00", "artistName": "Band", "trackName": "Only here", "msPlayed": 5_000}]
    acc_path = write_account(tmp_path / "StreamingHistory_music_0.json", account)
    ext_path = write_extended(tmp_path / "Streaming_History_Audio_2024.json", ext, "C")
    first = lib.import_paths([acc_path])
    assert first.plays_after == 3
    second = lib.import_paths([ext_path])
    assert second.total("replaced") == 2
    assert rows(lib, "SELECT source, count(*) FROM play_rows GROUP BY 1 ORDER BY 1") == [
        ("spotify_account", 1), ("spotify_extended", 2)]
    # And the other way round, in one import: the account rows are merged into the richer rows.
    other = Library(tmp_path / "other.duckdb")
    both = other.import_paths([ext_path, acc_path])
    files = {Path(f.file).name: f for f in both.files}
    assert files["StreamingHistory_music_0.json"].merged == 2 and both.plays_after == 3
    other.close()


def test_scrobbles_merge_into_spotify_plays(lib: Library, tmp_path: Path) -> None:
    ext = [play("2024-03-01T10:03:20Z", "Primrose", "The Lantern Rooms", ms=200_000),
           play("2024-03-01T10:30:00Z", "Faithwell", "The Lantern Rooms", ms=20_000)]
    start = int(dt.datetime(2024, 3, 1, 10, 0, 5, tzinfo=UTC).timestamp())
    ghan = ('uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\r\n'
            f'"{start}","01 Mar 2024, 10:00","The Lantern Rooms","","Faithwell","","Primrose",""\r\n'
            f'"{start + 7200}","01 Mar 2024, 12:00","The Lantern Rooms","","Faithwell","","Primrose",""\r\n')
    csv_path = tmp_path / "scrobbles-someone-1719997652.csv"
    csv_path.write_bytes(ghan.encode())
    report = lib.import_paths([write_extended(tmp_path / "endsong_0.json", ext, "A"), csv_path])
    files = {Path(f.file).name: f for f in report.files}
    assert files["scrobbles-<user>-1719997652.csv"].merged == 1
    assert files["scrobbles-<user>-1719997652.csv"].stored == 1
    assert report.plays_after == 3


def test_incognito_stored_but_hidden_until_opted_in(lib: Library, tmp_path: Path) -> None:
    records = [play("2023-01-01T10:00:00Z", "Public"), play("2023-01-01T11:00:00Z", "Private", incognito_mode=True)]
    lib.import_paths([write_extended(tmp_path / "h.json", records)])
    assert rows(lib, "SELECT count(*) FROM all_plays") == [(2,)]
    assert rows(lib, "SELECT track FROM plays") == [("Public",)]
    assert lib.status()["incognito_plays"] == 1
    lib.set_setting("include_incognito", "true")
    assert rows(lib, "SELECT count(*) FROM plays") == [(2,)]


def test_local_time_home_zone_and_travel(lib: Library, tmp_path: Path) -> None:
    records = [play(f"2023-07-0{d}T12:00:00Z", f"Home{d}", conn_country="DE", offline_timestamp=None, ms=60_000)
               for d in range(1, 4)]
    records += [play("2023-07-10T12:00:00Z", "Trip", conn_country="US", ms=60_000),
                play("2023-07-11T12:00:00Z", "Tokyo", conn_country="JP", ms=60_000)]
    lib.import_paths([write_extended(tmp_path / "history.dat", records)])  # any name: detected by content
    got = dict((t, (tz, str(local))) for t, tz, local in rows(lib, "SELECT track, tz, ts_local FROM plays"))
    assert got["Home1"] == ("Europe/Berlin", "2023-07-01 13:59:00")
    assert got["Trip"] == ("America/New_York", "2023-07-10 07:59:00")
    assert got["Tokyo"] == ("Asia/Tokyo", "2023-07-11 20:59:00")
    lib.set_setting("home_zone", "America/Los_Angeles")
    home = rows(lib, "SELECT tz, ts_local FROM plays WHERE track = 'Home1'")[0]
    assert home[0] == "America/Los_Angeles" and str(home[1]) == "2023-07-01 04:59:00"


def test_zip_with_other_files_and_unordered_rows(lib: Library, tmp_path: Path) -> None:
    records = [play("2025-12-31T16:55:46Z", "NewYear"), play("2024-01-01T00:00:00Z", "Earlier"),
               play("2025-01-01T00:00:00Z", "Middle")]
    archive = tmp_path / "my_spotify_data.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Spotify Extended Streaming History/Streaming_History_Audio_2026.json",
                    json.dumps([{k: r.get(k) for k in r} for r in records], indent=2))
        zf.writestr("Spotify Extended Streaming History/ReadMeFirst_ExtendedStreamingHistory.pdf", b"%PDF-1.4 x")
        zf.writestr("Spotify Account Data/Userdata.json", json.dumps({"username": "someone", "email": "a@b.c"}))
        zf.writestr("Spotify Account Data/UserAddress.json", "List(Map(city -> X, street -> Y))")
        zf.writestr("Spotify Account Data/Playlist1.json", json.dumps({"playlists": []}))
    report = lib.import_paths([archive])
    assert report.plays_after == 3 and len(report.ignored) == 4
    with_names = rows(lib, "SELECT string_agg(coalesce(track, ''), ',') FROM play_rows")[0][0]
    assert "someone" not in with_names


def test_old_account_data_podcasts_become_episodes(lib: Library, tmp_path: Path) -> None:
    episode = play("2019-10-01T08:00:00Z", None, None, ms=1_800_000, spotify_track_uri=None,
                   master_metadata_album_album_name=None, episode_name="S01E01 - La PREMIÈRE",
                   episode_show_name="Popcorn", spotify_episode_uri="spotify:episode:p1")
    legacy = [{"endTime": "2019-11-01 20:00", "artistName": "Popcorn", "trackName": "S01E01 - La PREMIÈRE",
               "msPlayed": 3_561_330},
              {"endTime": "2019-11-02 20:00", "artistName": "Band", "trackName": "Song", "msPlayed": 200_000}]
    lib.import_paths([write_extended(tmp_path / "endsong_0.json", [episode], "A"),
                      write_account(tmp_path / "StreamingHistory0.json", legacy)])
    got = rows(lib, "SELECT kind, show_name, episode, artist, track FROM play_rows "
                    "WHERE format = 'spotify_account_legacy' ORDER BY ts_end")
    assert got == [("episode", "Popcorn", "S01E01 - La PREMIÈRE", None, None), ("track", None, None, "Band", "Song")]


def test_play_ids_are_recomputed_when_the_hash_changes(tmp_path: Path) -> None:
    """play_id uses DuckDB's hash(); if an upgrade changed it, the ids are rebuilt on open so that a
    re-import still recognises every stored play."""
    path = write_extended(tmp_path / "h.json", [play(f"2023-01-0{d}T12:00:00Z", f"T{d}") for d in range(1, 6)])
    db = tmp_path / "lib.duckdb"
    with Library(db) as lib:
        lib.import_paths([path])
        expected = rows(lib, "SELECT play_id FROM play_rows ORDER BY play_id")
        # Pretend the ids were made by a DuckDB whose hash() differed.
        lib.con.execute("UPDATE play_rows SET play_id = play_id + 1")
        lib.con.execute("UPDATE settings SET value = 'stale' WHERE key = 'play_id_canary'")
    with Library(db) as lib:
        assert rows(lib, "SELECT play_id FROM play_rows ORDER BY play_id") == expected
        again = lib.import_paths([path])
        assert again.total("unchanged") == 5 and again.plays_after == 5
