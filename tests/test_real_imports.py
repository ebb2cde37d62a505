"""Real exports as the reference (issue 14, "Import fixes").

Every expected value below was written down from reading the raw file (json.load and counting by hand in a
scratch script), before the importer was run on it: rows, the kinds (by which URI or name is set), hours
(sum of ms_played), duplicates (identical records), near-duplicates (docs/formats.md §1.6.4: same ts and item with
another ms_played; echoes of one item and ms_played seconds apart), top artists and shows. The corpus is
read in place from ../shared (never copied into the repo); the tests skip when it is absent.

Each defect also has a small synthetic fixture, so it stays guarded without the corpus.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from linernotes.library import Library, open_library
from tests.support.cli import run_cli
from tests.support.exports import play, write_account, write_extended
from tests.support.samples import SAMPLES

UTC = dt.UTC
CORPUS = SAMPLES.parent / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus not present beside the repo")


def q(lib: Library, sql: str) -> list[tuple[Any, ...]]:
    return lib.con.execute(sql).fetchall()


def hours(lib: Library, where: str = "true") -> float:
    return round(q(lib, f"SELECT coalesce(sum(ms_played), 0) / 3.6e6 FROM play_rows WHERE {where}")[0][0], 2)


def kinds(lib: Library) -> dict[str, int]:
    return dict(q(lib, "SELECT kind, count(*) FROM play_rows GROUP BY 1"))


def top(lib: Library, column: str, kind: str, n: int = 3) -> list[str]:
    return [r[0] for r in q(lib, f"SELECT {column} FROM play_rows WHERE kind = '{kind}' GROUP BY 1 "
                                 f"ORDER BY sum(ms_played) DESC LIMIT {n}")]


def one(tmp_path: Path, name: str) -> Library:
    lib = open_library(tmp_path / "lib.duckdb")
    lib.import_paths([CORPUS / name])
    return lib


def no_long_spans(lib: Library) -> int:
    """Plays lasting longer than their ms_played plus an hour of pause."""
    return q(lib, "SELECT count(*) FROM play_rows WHERE ts_end - ts_start > to_milliseconds(ms_played) "
                  "+ INTERVAL 1 HOUR")[0][0]


# --- the real files, one by one ------------------------------------------------------------------------

# Old Account data, podcasts mixed into music. Read: 9 595 records, 804.78 h. By artistName the largest are
# Dateline NBC 132.9 h (226 plays, 168 titles, median play 36 min), Dungeons and Daddies 69.9 h, Crime Junkie
# 44.6 h, Rotten Mango 28.1 h — all podcasts; the first musicians are Cate Le Bon 6.9 h, Phoebe Bridgers 6.0 h,
# Kate Bush 5.1 h. Supernatural with Ashley Flowers (8.5 h, 19 titles heard in two or three sittings each)
# is a podcast too. Omega Massif, Electric Wizard, Bongripper, Cough, Clouds Taste Satanic are doom/post-metal
# bands with 10-20 minute tracks; Leonard Cohen has "Chelsea Hotel #2", Dr. Dre "The Next Episode".
OHITSM_SHOWS = {"Dateline NBC", "Dungeons and Daddies", "Crime Junkie", "Rotten Mango", "Casefile True Crime",
                "The Adventure Zone", "Supernatural with Ashley Flowers", "Casefile Presents", "Suspect",
                "Stolen: The Search for Jermain", "Culpable", "Over My Dead Body", "Unsolved Mysteries",
                "Morbid: A True Crime Podcast", "Werewolf Ambulance: A Horror Movie Comedy Podcast",
                "Something Was Wrong", "Haileywood", "Killer Role", "Park Predators"}
OHITSM_ARTISTS = {"Cate Le Bon", "Phoebe Bridgers", "Kate Bush", "Waxahatchee", "Omega Massif", "Electric Wizard",
                  "Bongripper", "Cough", "Clouds Taste Satanic", "Leonard Cohen", "Dr. Dre", "Japanese Breakfast",
                  "Deafheaven", "Sleep", "Silver Mt. Zion", "The Microphones", "Genesis", "Elliott Smith"}


@needs_corpus
def test_old_account_file_with_podcasts_ohitsm(tmp_path: Path) -> None:
    with one(tmp_path, "spotify-account_ohitsm_StreamingHistory0.json") as lib:
        assert q(lib, "SELECT count(*) FROM play_rows")[0][0] == 9595
        assert hours(lib) == 804.78
        shows = {r[0] for r in q(lib, "SELECT DISTINCT show_name FROM play_rows WHERE kind = 'episode'")}
        artists = {r[0] for r in q(lib, "SELECT DISTINCT artist FROM play_rows WHERE kind = 'track'")}
        assert shows >= OHITSM_SHOWS
        assert artists >= OHITSM_ARTISTS and not OHITSM_ARTISTS & shows
        assert top(lib, "artist", "track") == ["Cate Le Bon", "Phoebe Bridgers", "Kate Bush"]
        assert top(lib, "show_name", "episode", 4) == ["Dateline NBC", "Dungeons and Daddies", "Crime Junkie",
                                                        "Rotten Mango"]
        # The provenance counts "≥ 38 shows, 803 plays"; the evidence finds most, and nothing musical.
        assert 760 <= kinds(lib)["episode"] <= 830
        assert [r.name for r in lib.top("shows", limit=1)] == ["Dateline NBC"]
        assert [r.name for r in lib.top("artists", limit=1)] == ["Cate Le Bon"]


# Read: 7 137 records, 176.04 h, 787 of 0 ms. Hidden Brain 14.9 h (50 plays, 39 titles) is the top name and a
# podcast; 1619, Citations Needed, This American Life ("694: ..."), Pop Culture Happy Hour and several
# "... Podcast" names too. The music starts with Mac Quayle 4.6 h, Snowmine 4.4 h, Still Woozy 3.4 h.
# Glass Animals ("Season 2 Episode 3"), Vince Staples ("So What? - Episode 01") are musicians.
@needs_corpus
def test_old_account_file_with_podcasts_malvik(tmp_path: Path) -> None:
    with one(tmp_path, "spotify-account_malvik_StreamingHistory1.json") as lib:
        assert q(lib, "SELECT count(*) FROM play_rows")[0][0] == 7137
        assert hours(lib) == 176.04
        assert q(lib, "SELECT count(*) FROM play_rows WHERE ms_played = 0")[0][0] == 787
        shows = {r[0] for r in q(lib, "SELECT DISTINCT show_name FROM play_rows WHERE kind = 'episode'")}
        assert {"Hidden Brain", "1619", "Citations Needed", "This American Life", "Pop Culture Happy Hour",
                "The Michelle Obama Podcast"} <= shows
        assert not {"Glass Animals", "Vince Staples", "Dr. Dre", "Luke Combs", "Pink Floyd", "John Butler",
                    "Mac Quayle", "Kendrick Lamar"} & shows
        assert top(lib, "artist", "track") == ["Mac Quayle", "Snowmine", "Still Woozy"]
        assert top(lib, "show_name", "episode", 1) == ["Hidden Brain"]


# Gen A with location keys and no URIs at all (kinds come from the names). Read: 3 310 records; 3 307 with a
# track name, 2 with an episode name, 1 with neither; 10 records repeated exactly (Wilco storms, a 0 ms row);
# 4 echoes (Wilco "Love Is Everywhere" 9 750 ms 21 s apart, 29 933 ms 27 s apart, 79 089 ms 1 s apart; Column
# "II" 181 744 ms 72 s apart); 72 offline rows, 17 sync groups (up to 6 rows with one ts). The Shins "Those To
# Come" appears twice at 2018-05-24T08:18:53Z, offline, 2 507 ms from 1527145271.089 and 232 942 ms from
# 1527145284.767: a skip, then the whole song — two listens. Top artist by time: Grateful Dead 5.97 h.
@needs_corpus
def test_gen_a_offline_sync_groups_lshatk(tmp_path: Path) -> None:
    with one(tmp_path, "spotify-extended_lshatk_endsong_2.json") as lib:
        report = lib.imports()[0]
        assert (report["rows_read"], report["stored"], report["duplicates"], report["near_duplicates"]) == \
            (3310, 3296, 10, 4)
        assert kinds(lib) == {"track": 3293, "episode": 2, "unknown": 1}
        assert q(lib, "SELECT count(*) FROM play_rows WHERE offline")[0][0] == 72
        shins = q(lib, "SELECT ms_played, epoch_ms(ts_start) FROM play_rows WHERE track = 'Those To Come' "
                       "AND ts_start::DATE = DATE '2018-05-24' ORDER BY ts_start")
        assert shins == [(2507, 1527145271089), (232942, 1527145284767)]
        assert no_long_spans(lib) == 0
        assert top(lib, "artist", "track", 1) == ["Grateful Dead"]


# Read: on 2019-07-25 from 03:29 UTC an Echo Dot logged "Love Is Everywhere (Beware)" again and again, each
# ~10 s ending `unexpected-exit`, a few minutes apart: 49 streams over 3.8 hours, 8 minutes of sound.
@needs_corpus
def test_a_long_session_of_little_listening_says_so_lshatk(tmp_path: Path) -> None:
    with one(tmp_path, "spotify-extended_lshatk_endsong_2.json") as lib:
        result = lib.insight("sessions")
        longest = result.longest[0]
        assert (longest.streams, round(longest.duration_s / 3600, 1), round(longest.ms_played / 60_000)) == \
            (49, 3.8, 8)
        text = " ".join(result.summary())
        assert "The longest ran 3.8 hours from 24 Jul 2019, 23:29 (only 8 minutes of it playing)" in text
        assert "1 plays" not in text and "half are a single play" in text


# Gen A, later layout. Read: 1 350 records, 1 328 tracks and 22 episodes of 17 shows, 89.94 h; 69 offline
# rows; one of them logged twice (spotify:track:4BY4V1T0RJK1HmD2Q0ClyK, same offline_timestamp and ms_played,
# ts 16 s apart: an echo). "Fuck the Police" was played offline from 2020-11-19 12:23:04.513 for 197 578 ms
# and synced 2020-11-21T18:24:06Z, two days later. Top artist The Good The Bad and The Zugly 3.11 h, top
# show Machine Learning Street Talk (MLST) 1.9 h.
@needs_corpus
def test_gen_a_offline_plays_at_their_start_mariov(tmp_path: Path) -> None:
    with one(tmp_path, "spotify-extended_mariov_endsong_4.json") as lib:
        report = lib.imports()[0]
        assert (report["stored"], report["near_duplicates"]) == (1349, 1)
        assert kinds(lib) == {"track": 1327, "episode": 22}
        assert q(lib, "SELECT count(DISTINCT show_name) FROM play_rows WHERE kind = 'episode'")[0][0] == 17
        assert q(lib, "SELECT count(*) FROM play_rows WHERE offline")[0][0] == 68
        start, end = q(lib, "SELECT ts_start, ts_end FROM play_rows WHERE track = 'Fuck the Police' AND offline")[0]
        assert start == dt.datetime(2020, 11, 19, 12, 23, 4, 513000, tzinfo=UTC)
        assert end == start + dt.timedelta(milliseconds=197_578)
        assert no_long_spans(lib) == 0
        assert top(lib, "artist", "track", 1) == ["The Good The Bad and The Zugly"]
        assert top(lib, "show_name", "episode", 1) == ["Machine Learning Street Talk (MLST)"]


# Gen B Video file. Read: 1 116 records: 458 episodes (19 shows), 637 tracks, 21 with neither; 147.37 h;
# 4 records repeated exactly; 4 pairs with one ts and item and another ms_played (370/0, 6 796/0, and two
# rows without metadata 1 424/0, 0/1 716), so 1 108 plays: 458 episodes, 631 tracks, 19 unknown. Top show
# The Joe Rogan Experience 107.89 h, then Lex Fridman Podcast 28.92 h.
@needs_corpus
def test_video_file_episodes_are_episodes_acidnb(tmp_path: Path) -> None:
    with one(tmp_path, "spotify-extended_acidnb_Streaming_History_Video_2021-2024.json") as lib:
        report = lib.imports()[0]
        assert (report["stored"], report["duplicates"], report["near_duplicates"]) == (1108, 4, 4)
        assert kinds(lib) == {"episode": 458, "track": 631, "unknown": 19}
        assert q(lib, "SELECT count(DISTINCT show_name) FROM play_rows WHERE kind = 'episode'")[0][0] == 19
        assert top(lib, "show_name", "episode", 2) == ["The Joe Rogan Experience", "Lex Fridman Podcast"]
        assert hours(lib, "kind = 'episode'") == 147.05
        assert [r.name for r in lib.top("shows", limit=1)] == ["The Joe Rogan Experience"]


# Read: a Video file of 162 music tracks and no episode; 4 records repeated exactly → 158 plays, 0.34 h.
# Another Video file (khushi 2025): 4 episodes of 2 shows, 0.05 h. Khushi's Audio file: 2 615 records, 2 611
# tracks and 4 episodes, 84.88 h; one pair with one ts and track (0 and 889 ms) → 2 614 plays; top artist
# Ahmed Jahanzeb 10.93 h. The endvideo file: 16 records, 4 episodes, 12 with neither track nor episode.
@needs_corpus
@pytest.mark.parametrize(("name", "expected", "plays", "hours_"), [
    ("spotify-extended_mbogo4_Streaming_History_Video_2023-2025.json", {"track": 158}, 158, 0.34),
    ("spotify-extended_khushi_Streaming_History_Video_2025.json", {"episode": 4}, 4, 0.05),
    ("spotify-extended_khushi_Streaming_History_Audio_2023.json", {"track": 2610, "episode": 4}, 2614, 84.88),
    ("spotify-extended_lshatk_endvideo.json", {"episode": 4, "unknown": 12}, 16, 0.06),
])
def test_extended_files_kinds_and_hours(tmp_path: Path, name: str, expected: dict[str, int], plays: int,
                                        hours_: float) -> None:
    with one(tmp_path, name) as lib:
        assert kinds(lib) == expected
        assert q(lib, "SELECT count(*) FROM play_rows")[0][0] == plays
        assert hours(lib) == hours_
        assert no_long_spans(lib) == 0


@needs_corpus
def test_every_real_spotify_file_together(tmp_path: Path) -> None:
    """All the corpus's Spotify files and the samples' at once: the per-file figures add up, the stored
    file names carry no folder, and no play spans more than its length plus an hour."""
    files = sorted(CORPUS.glob("spotify-*.json")) + sorted(SAMPLES.glob("spotify-*.json"))
    with open_library(tmp_path / "lib.duckdb") as lib:
        report = lib.import_paths(files)
        assert report.total("rows_read") == sum(len(json.loads(p.read_bytes())) for p in files)
        assert report.total("dropped") == 0
        assert no_long_spans(lib) == 0
        assert all("/" not in f["file"] and "\\" not in f["file"] for imp in lib.imports() for f in imp["files"])
        assert all("/" not in i for imp in lib.imports() for i in imp["inputs"])
        shows = {r[0] for r in q(lib, "SELECT DISTINCT show_name FROM play_rows WHERE kind = 'episode'")}
        assert {"Dateline NBC", "Hidden Brain", "The Joe Rogan Experience"} <= shows
        assert not q(lib, "SELECT count(*) FROM play_rows WHERE kind = 'video'")[0][0]


# --- synthetic fixtures, one per defect -----------------------------------------------------------------

def legacy(end: str, artist: str, track: str, ms: int) -> dict[str, Any]:
    return {"endTime": end, "artistName": artist, "trackName": track, "msPlayed": ms}


def _mixed_account_file(path: Path) -> Path:
    rows = [
        # Episode-like titles.
        legacy("2021-01-01 10:00", "Night Radio Tales", "S01E01 - Pilot", 1_500_000),
        legacy("2021-01-02 10:00", "Night Radio Tales", "S01E02 - The Door", 1_400_000),
        # Long plays of titles never repeated.
        legacy("2021-01-03 10:00", "Murder Ledger", "The Lighthouse", 2_400_000),
        legacy("2021-01-04 10:00", "Murder Ledger", "The Orchard", 2_700_000),
        legacy("2021-01-05 10:00", "Murder Ledger", "The Well", 2_100_000),
        # Only known as a show from another file.
        legacy("2021-01-06 10:00", "Coffee Break", "Short news", 300_000),
        # A doom band: long tracks, replayed.
        *[legacy(f"2021-01-{d:02d} 12:00", "Slow Doom", "Dragonaut", 1_300_000) for d in range(7, 12)],
        # A musician with an episode-ish song title.
        legacy("2021-01-12 10:00", "Dr. Beat", "The Next Episode", 160_000),
        legacy("2021-01-12 10:04", "Dr. Beat", "Still", 200_000),
    ]
    return write_account(path, rows)


def test_podcasts_in_old_account_data_from_evidence_and_corrections(tmp_path: Path) -> None:
    with open_library(tmp_path / "lib.duckdb") as lib:
        report = lib.import_paths([_mixed_account_file(tmp_path / "StreamingHistory0.json")])
        shows = {r[0] for r in q(lib, "SELECT DISTINCT show_name FROM play_rows WHERE kind = 'episode'")}
        assert shows == {"Night Radio Tales", "Murder Ledger"}
        assert report.classified.shows == 2 and report.classified.plays == 5
        assert report.classified.evidence["episode_titles"] >= 1 and report.classified.evidence["long_plays"] >= 1
        assert report.to_dict()["podcasts_in_music"]["shows"] == 2  # type: ignore[index]
        # The import ledger keeps the same counts, evidence by evidence.
        ledger = lib.imports()[0]
        assert (ledger["podcast_shows"], ledger["podcast_plays"]) == (2, 5)
        assert ledger["podcast_evidence"] == report.classified.evidence
        # A later import brings the show's name from an Extended export: the earlier rows follow.
        episode = play("2021-02-01T08:00:00Z", None, None, ms=300_000, spotify_track_uri=None,
                       episode_name="Other news", episode_show_name="Coffee Break",
                       spotify_episode_uri="spotify:episode:cb1")
        lib.import_paths([write_extended(tmp_path / "Streaming_History_Audio_2021.json", [episode])])
        assert q(lib, "SELECT kind, show_name, episode FROM play_rows WHERE format = 'spotify_account_legacy' "
                      "AND ts_end = TIMESTAMPTZ '2021-01-06 10:00:00+00'") == [("episode", "Coffee Break",
                                                                               "Short news")]
        # A person corrects: the band is... a show; a show is an artist. Stored, and re-applied after imports.
        lib.set_kind("slow doom", "show")
        lib.set_kind("Murder Ledger", "artist")
        lib.import_paths([write_extended(tmp_path / "Streaming_History_Audio_2022.json",
                                         [play("2022-01-01T08:00:00Z")])])
        shows = {r[0] for r in q(lib, "SELECT DISTINCT show_name FROM play_rows WHERE kind = 'episode'")}
        assert shows == {"Night Radio Tales", "Coffee Break", "Slow Doom"}
        assert lib.kind_corrections() == [("Murder Ledger", "artist"), ("slow doom", "show")]
        lib.set_kind("Murder Ledger", None)
        assert "Murder Ledger" in {r[0] for r in q(lib, "SELECT show_name FROM play_rows WHERE kind = 'episode'")}
        # Renamed as a new-style music file, the same rows get the same kinds.
    with open_library(tmp_path / "renamed.duckdb") as lib:
        lib.import_paths([_mixed_account_file(tmp_path / "StreamingHistory_music_0.json")])
        assert {r[0] for r in q(lib, "SELECT DISTINCT show_name FROM play_rows WHERE kind = 'episode'")} == \
            {"Night Radio Tales", "Murder Ledger"}


def test_kind_command_is_stored_in_the_library(tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    src = _mixed_account_file(tmp_path / "StreamingHistory0.json")
    run("import", str(src), "--db", str(db), "-q")
    listed = run("imports", "--db", str(db)).stdout
    assert "2 names are podcast shows (5 plays counted as episodes" in " ".join(listed.split())
    assert not any(c in listed for c in "{}'")  # a table and sentences, never a Python dict
    out = run("kind", "artist", "Night Radio Tales", "--db", str(db)).stdout
    assert "Night Radio Tales is an artist" in out
    assert "Night Radio Tales: artist" in run("kind", "--db", str(db)).stdout
    top_artists = json.loads(run("top", "artists", "--db", str(db), "--json").stdout)
    assert "Night Radio Tales" in json.dumps(top_artists)


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = run_cli(*args)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def test_empty_and_header_only_files_are_zero_rows(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    write_account(folder / "StreamingHistory_music_0.json", [legacy("2021-01-01 10:00", "Band", "Song", 200_000)])
    (folder / "StreamingHistory_podcast_0.json").write_text("[]")
    (folder / "Streaming_History_Video_2019.json").write_text("[\n]\n")
    (folder / "endsong_3.json").write_bytes(b"")
    db = tmp_path / "lib.duckdb"
    done = run("import", str(folder), "--db", str(db), "-q", "--json")
    report = json.loads(done.stdout)
    assert report["totals"]["stored"] == 1
    assert sorted(f["rows_read"] for f in report["files"]) == [0, 0, 0, 1]
    # A folder of empty files only: nothing to import, but not an error either.
    only = tmp_path / "only"
    only.mkdir()
    (only / "StreamingHistory_podcast_0.json").write_text("[]")
    assert run("import", str(only), "--db", str(db), "-q").returncode == 0
    # A header-only Last.fm CSV: 0 rows.
    (only / "scrobbles.csv").write_text("uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n")
    assert run("import", str(only / "scrobbles.csv"), "--db", str(db), "-q").returncode == 0


def test_error_messages_are_complete(tmp_path: Path) -> None:
    bad = tmp_path / "StreamingHistory_podcast_0.json"
    bad.write_text('[{"when": 1}]')
    done = run("import", str(bad), "--db", str(tmp_path / "lib.duckdb"), check=False)
    assert done.returncode == 2
    message = done.stderr.strip()
    assert message.endswith("lacks the fields of a listening record"), message
    assert "but its content is not in that format" in message


def test_offline_sync_groups_and_bounded_spans(tmp_path: Path) -> None:
    sync = "2020-06-02T09:00:00Z"
    sync_s = int(dt.datetime(2020, 6, 2, 9, tzinfo=UTC).timestamp())
    rows = [
        # Two offline plays of one track, synced together (one ts): two listens, each at its own start.
        play(sync, "Same", ms=180_000, offline=True, offline_timestamp=(sync_s - 1200) * 1000),
        play(sync, "Same", ms=180_000, offline=True, offline_timestamp=(sync_s - 900) * 1000),
        # Offline, started 25 h before the sync: placed there, ending after its ms_played.
        play(sync, "Long ago", ms=57_000, offline=True, offline_timestamp=(sync_s - 25 * 3600) * 1000),
        # Online, a start 5 h before the end: not a plausible pause → ts − ms_played.
        play("2020-06-03T04:32:00Z", "Paused", ms=57_000,
             offline_timestamp=(int(dt.datetime(2020, 6, 2, 23, 31, tzinfo=UTC).timestamp())) * 1000),
        # Offline with a start after the sync: implausible → ts − ms_played.
        play("2020-06-04T10:00:00Z", "Future", ms=60_000, offline=True,
             offline_timestamp=(int(dt.datetime(2020, 6, 4, 11, tzinfo=UTC).timestamp())) * 1000),
    ]
    with open_library(tmp_path / "lib.duckdb") as lib:
        lib.import_paths([write_extended(tmp_path / "endsong_0.json", rows, "A")])
        got = q(lib, "SELECT track, ts_start, ts_end FROM play_rows ORDER BY ts_start")
        sync_at = dt.datetime(2020, 6, 2, 9, tzinfo=UTC)
        assert got == [
            ("Long ago", sync_at - dt.timedelta(hours=25), sync_at - dt.timedelta(hours=25, seconds=-57)),
            ("Same", sync_at - dt.timedelta(seconds=1200), sync_at),
            ("Same", sync_at - dt.timedelta(seconds=900), sync_at),
            ("Paused", dt.datetime(2020, 6, 3, 4, 31, 3, tzinfo=UTC), dt.datetime(2020, 6, 3, 4, 32, tzinfo=UTC)),
            ("Future", dt.datetime(2020, 6, 4, 9, 59, tzinfo=UTC), dt.datetime(2020, 6, 4, 10, tzinfo=UTC)),
        ]
        assert no_long_spans(lib) == 0
        # A re-import recognises every one of them.
        again = lib.import_paths([write_extended(tmp_path / "endsong_0.json", rows, "A")])
        assert again.plays_after == again.plays_before == 5


def test_kind_from_content_not_file_name_or_order(tmp_path: Path) -> None:
    episode = play("2022-12-02T10:00:00Z", None, None, ms=600_000, spotify_track_uri=None,
                   episode_name="Welcome", episode_show_name="Mythical Monsters",
                   spotify_episode_uri="spotify:episode:m1")
    track = play("2022-12-01T17:01:57Z", "Partner", "Band", ms=854)
    # Old Gen A rows without any URI: the names say what was played.
    no_uri = [play("2016-01-01T10:00:00Z", "Old Song", "Old Band", spotify_track_uri=None),
              play("2016-01-02T10:00:00Z", None, None, spotify_track_uri=None, episode_name="Ep",
                   episode_show_name="Old Show")]
    results = []
    for i, names in enumerate([("Streaming_History_Video_2022.json", "Streaming_History_Audio_2022.json"),
                               ("Streaming_History_Audio_2022.json", "Streaming_History_Video_2022.json")]):
        folder = tmp_path / str(i)
        folder.mkdir()
        with open_library(folder / "lib.duckdb") as lib:
            for name in names:  # the same rows under both names, one import after the other
                lib.import_paths([write_extended(folder / name, [episode, track])])
            lib.import_paths([write_extended(folder / "endsong_0.json", no_uri, "A")])
            results.append(q(lib, "SELECT kind, coalesce(track, episode) FROM play_rows ORDER BY ts_end"))
    assert results[0] == results[1] == [("track", "Old Song"), ("episode", "Ep"), ("track", "Partner"),
                                        ("episode", "Welcome")]


def test_dry_run_and_failed_import_create_no_file(tmp_path: Path) -> None:
    good = write_extended(tmp_path / "endsong_0.json", [play("2021-01-01T10:00:00Z")], "A")
    db = tmp_path / "new" / "lib.duckdb"
    run("import", str(good), "--db", str(db), "-q", "--dry-run")
    assert not db.exists() and not db.parent.exists()
    bad = tmp_path / "endsong_1.json"
    bad.write_text('[{"ts": "2021-01-01T10:00:00Z", "ms_played": 1}, {"ts":')
    assert run("import", str(good), str(bad), "--db", str(db), "-q", check=False).returncode == 2
    assert not db.exists()
    run("import", str(good), "--db", str(db), "-q")
    assert db.exists()


def test_file_names_not_paths_and_migration(tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()
    good = write_extended(tmp_path / "export" / "endsong_0.json", [play("2021-01-01T10:00:00Z")], "A")
    db = tmp_path / "lib.duckdb"
    with open_library(db) as lib:
        lib.import_paths([tmp_path / "export"])
        imp = lib.imports()[0]
        assert imp["inputs"] == ["export"] and [f["file"] for f in imp["files"]] == ["endsong_0.json"]
        # A library made before: absolute paths stored, migration 4 not yet applied.
        lib.con.execute("UPDATE import_files SET file = '/home/alice/export/my_spotify_data.zip:x/endsong_0.json'")
        lib.con.execute("UPDATE imports SET inputs = ['/home/alice/export/my_spotify_data.zip']")
        lib.con.execute("UPDATE play_rows SET kind = 'video', offline = true, ts_end = ts_end + INTERVAL 5 HOUR")
        lib.con.execute("DELETE FROM schema_migrations WHERE version = 4")
    with open_library(db) as lib:
        imp = lib.imports()[0]
        assert imp["inputs"] == ["my_spotify_data.zip"]
        assert [f["file"] for f in imp["files"]] == ["my_spotify_data.zip:endsong_0.json"]
        assert q(lib, "SELECT DISTINCT kind FROM play_rows") == [("episode",)]
        # An offline play stored ending at a sync hours later ends at its start + ms_played.
        assert q(lib, "SELECT ts_end - ts_start FROM play_rows") == [(dt.timedelta(seconds=200),)]
    assert good.exists()


def test_imports_made_before_the_evidence_ledger_say_nothing_was_measured(tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    with open_library(db) as lib:
        lib.import_paths([write_extended(tmp_path / "endsong_0.json", [play("2021-01-01T10:00:00Z")], "A")])
        # As a library made before migration 5 was.
        for column in ("podcast_shows", "podcast_plays", "podcast_evidence"):
            lib.con.execute(f"ALTER TABLE imports DROP COLUMN {column}")
        lib.con.execute("DELETE FROM schema_migrations WHERE version = 5")
    with open_library(db) as lib:
        imp = lib.imports()[0]
        assert (imp["podcast_shows"], imp["podcast_plays"], imp["podcast_evidence"]) == (None, None, None)
        lib.import_paths([_mixed_account_file(tmp_path / "StreamingHistory0.json")])
        assert lib.imports()[0]["podcast_shows"] == 2
    listed = run("imports", "--db", str(db)).stdout
    assert "#2: Account music files: 2 names" in listed and "#1:" not in listed
