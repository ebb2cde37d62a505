"""`linernotes enrich` end to end against a MusicBrainz stand-in on 127.0.0.1 (tests/support/musicbrainz_stub.py):
what is stored, what is never asked twice, the service's rules (rate, Retry-After, backoff), failures that leave
the library as it was with a one-line error, resuming after a kill, and that only names and ids leave."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from linernotes.enrich import client as mbclient
from linernotes.enrich.musicbrainz import best_match, best_recording, fold_name, parse_artist, search_title
from linernotes.library import open_library
from tests.support.cli import run_cli
from tests.support.musicbrainz_stub import Stub, StubArtist, mbid_for, serve

LANTERNS = StubArtist("Velvet Lanterns", country="SE", type="Group", begin="2003",
                      genres=["dream pop", "shoegaze"], tags=["ethereal"])
FOXES = StubArtist("Nordic Foxes", country="NO", type="Person", begin="1988-02-03", genres=["folk"], tags=[])
MOTHS = StubArtist("Paper Moths Revival", genres=["punk"])
REC_FOUND = "0b0b0b0b-1111-4222-8333-444455556666"
REC_MISSING = "0c0c0c0c-1111-4222-8333-444455556666"
RECORDINGS = {REC_FOUND: {"id": REC_FOUND, "title": "Lantern Song", "length": 201000,
                          "first-release-date": "2004-06-01",
                          "releases": [{"id": "0d0d0d0d-1111-4222-8333-444455556666", "title": "First Lantern Light",
                                        "date": "2004-06-01", "status": "Official"}]}}
# "Fox Run" has no recording id in the library: a search finds the album recording (1991), its remaster (2011)
# and a live one (another title); the year is the first release, 1991.
FOX_1991, FOX_2011, FOX_LIVE = (f"0e0e0e0{i}-1111-4222-8333-444455556666" for i in range(3))


def fox(mbid: str, title: str, date: str | None) -> dict[str, Any]:
    return {"id": mbid, "title": title, "length": 180000, "first-release-date": date,
            "artist-credit": [{"name": "Nordic Foxes", "joinphrase": "", "artist": {"id": FOXES.mbid,
                                                                                   "name": "Nordic Foxes"}}]}


RECORDINGS |= {FOX_2011: fox(FOX_2011, "Fox Run", "2011-02-01"), FOX_1991: fox(FOX_1991, "Fox Run", "1991-05"),
               FOX_LIVE: fox(FOX_LIVE, "Fox Run (live at the Harbour)", "1990")}
T0 = 1_700_000_000  # listened_at of the first listen (2023-11-14)


def listen(i: int, artist: str, track: str, artist_mbid: str | None = None,
           recording_mbid: str | None = None) -> dict[str, Any]:
    mapping = None
    if artist_mbid or recording_mbid:
        mapping = {"artist_mbids": [artist_mbid] if artist_mbid else [], "recording_mbid": recording_mbid,
                   "recording_name": track}
    return {"listened_at": T0 + 600 * i, "track_metadata": {
        "track_name": track, "artist_name": artist, "release_name": "Some Release",
        "mbid_mapping": mapping, "additional_info": {"duration_ms": 200_000}}}


def write_library(tmp: Path, listens: list[dict[str, Any]]) -> Path:
    export = tmp / "listens.jsonl"
    export.write_bytes(b"\n".join(orjson.dumps(x) for x in listens) + b"\n")
    db = tmp / "lib.duckdb"
    run_cli("import", str(export), "--db", str(db), "-q", check=True)
    return db


def small_listens() -> list[dict[str, Any]]:
    out = [listen(i, "Velvet Lanterns", "Lantern Song", LANTERNS.mbid, REC_FOUND) for i in range(6)]
    out += [listen(10 + i, "Nördic Foxes", "Fox Run - Remastered 2011") for i in range(4)]
    out += [listen(20 + i, "Paper Moth", "Moth Wing Etude", recording_mbid=REC_MISSING) for i in range(3)]
    out += [listen(30, "Ghost Unknown", "Nowhere In Particular")]
    return out


@pytest.fixture
def stub() -> Iterator[Stub]:
    with serve(Stub([LANTERNS, FOXES, MOTHS], RECORDINGS)) as s:
        yield s


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(mbclient.ENV_RATE, "200")


def enrich(db: Path, stub: Stub, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("enrich", "--db", str(db), "--base-url", stub.url, "-q", *args)


def rows(db: Path) -> tuple[dict[str, tuple[Any, ...]], dict[str, tuple[Any, ...]]]:
    with open_library(db, read_only=True) as lib:
        artists = {r[0]: r[1:] for r in lib.con.execute(
            "SELECT name_key, matched, score, mbid, country, begin_year, type, genres FROM enrich_artists"
        ).fetchall()}
        recs = {r[0]: r[1:] for r in lib.con.execute(
            "SELECT mbid, found, first_release_year FROM enrich_recordings").fetchall()}
    return artists, recs


def tracks(db: Path) -> dict[tuple[str, str], tuple[Any, ...]]:
    with open_library(db, read_only=True) as lib:
        return {(r[0], r[1]): r[2:] for r in lib.con.execute(
            "SELECT artist_key, title_key, matched, score, mbid, first_release_year FROM enrich_tracks").fetchall()}


def test_first_run_fills_second_asks_nothing_refresh_asks_again(tmp_path: Path, stub: Stub, fast: None) -> None:
    db = write_library(tmp_path, small_listens())
    first = enrich(db, stub)
    assert first.returncode == 0, first.stderr
    assert ("Sending 3 artist names, 2 track titles with their artist's name and 3 MusicBrainz ids to 127.0.0.1"
            in first.stdout)
    assert "no plays, times or counts" in first.stdout
    artists, recs = rows(db)
    assert artists["velvet lanterns"] == (True, 100, LANTERNS.mbid, "SE", 2003, "Group", ["dream pop", "shoegaze"])
    # Found by name: a folded match at 95.
    assert artists["nördic foxes"] == (True, 95, FOXES.mbid, "NO", 1988, "Person", ["folk"])
    # A hit that only contains the name (score 60) and no hit at all: stored as asked, never used.
    assert artists["paper moth"][:3] == (False, 60, None)
    assert artists["ghost unknown"][:3] == (False, None, None)
    assert recs == {REC_FOUND: (True, 2004), REC_MISSING: (False, None)}
    # Found by its title without the version note, credited to the artist: the first release of the song.
    assert tracks(db) == {("nördic foxes", "fox run - remastered 2011"): (True, 95, FOX_1991, 1991),
                          ("ghost unknown", "nowhere in particular"): (False, None, None, None)}
    # 1 lookup + (search + lookup) + 2 searches + 2 recordings + 2 track searches.
    assert len(stub.seen) == 9
    shown = run_cli("status", "--db", str(db), env={"COLUMNS": "120"})
    assert ("Enriched from MusicBrainz: 4 artists asked (2 matched), 2 tracks searched (1 found), 2 recordings "
            "looked up (1 found).") in " ".join(shown.stdout.split())
    assert all(s.headers["User-Agent"].startswith("linernotes/") and "(" in s.headers["User-Agent"]
               for s in stub.seen)

    stub.seen.clear()
    again = enrich(db, stub)
    assert again.returncode == 0 and stub.seen == []
    assert "Nothing to ask" in again.stdout
    assert rows(db) == (artists, recs)

    refreshed = enrich(db, stub, "--refresh", "--limit", "1")
    assert refreshed.returncode == 0
    # The most listened artist, recording and track without an id only.
    assert [s.path for s in stub.seen] == [f"/ws/2/artist/{LANTERNS.mbid}", f"/ws/2/recording/{REC_FOUND}",
                                           "/ws/2/recording"]
    assert stub.seen[-1].query["query"] == ['recording:"Fox Run" AND artist:"Nördic Foxes"']


def test_only_names_and_ids_leave(tmp_path: Path, stub: Stub, fast: None) -> None:
    listens = small_listens()
    db = write_library(tmp_path, listens)
    assert enrich(db, stub).returncode == 0
    names = {x["track_metadata"]["artist_name"] for x in listens}
    titles = {x["track_metadata"]["track_name"].removesuffix(" - Remastered 2011") for x in listens}
    ids = {LANTERNS.mbid, FOXES.mbid, REC_FOUND, REC_MISSING}
    searched = 0
    for seen in stub.seen:
        assert set(seen.query) <= {"query", "limit", "fmt", "inc"}
        assert seen.query.get("limit", ["5"]) in (["5"], ["10"]) and seen.query["fmt"] == ["json"]
        if "query" in seen.query and seen.path == "/ws/2/recording":
            title, artist = re.fullmatch(r'recording:"(.*)" AND artist:"(.*)"', seen.query["query"][0]).groups()
            assert title in titles and artist in names
            searched += 1
        elif "query" in seen.query:
            assert seen.query["query"][0].removeprefix("artist:").strip('"') in names
        else:
            assert seen.path.rsplit("/", 1)[1] in ids
        for listened in {str(x["listened_at"]) for x in listens} | {"200000", "2023"}:
            assert listened not in seen.raw
        assert not set(seen.headers) & {"Cookie", "Authorization", "Referer"}
    assert searched == 2


def test_dry_run_lists_requests_and_sends_nothing(tmp_path: Path, stub: Stub, fast: None) -> None:
    db = write_library(tmp_path, small_listens())
    done = enrich(db, stub, "--dry-run")
    assert done.returncode == 0
    assert stub.seen == []
    lines = [x for x in done.stdout.splitlines() if x.startswith("GET ")]
    assert lines[0] == f"GET {stub.url}/ws/2/artist/{LANTERNS.mbid}?inc=genres+tags&fmt=json"
    assert f"GET {stub.url}/ws/2/artist?query=artist%3A%22N%C3%B6rdic%20Foxes%22&limit=5&fmt=json" in lines
    assert (f"GET {stub.url}/ws/2/recording?query=recording%3A%22Fox%20Run%22%20AND%20artist%3A%22N%C3%B6rdic"
            "%20Foxes%22&limit=10&fmt=json") in lines
    assert len(lines) == 8
    # 8 first requests and at most one lookup after each of the 3 artist searches, at the stub's 200 a second
    assert "taking under a minute at most; nothing was sent" in " ".join(done.stdout.split())
    assert rows(db) == ({}, {}) and tracks(db) == {}


def test_429_and_503_with_retry_after_are_waited_out(tmp_path: Path, stub: Stub, fast: None) -> None:
    db = write_library(tmp_path, small_listens())
    stub.fail_next(429, retry_after="1")
    stub.fail_next(503, retry_after="0")
    started = time.monotonic()
    done = enrich(db, stub)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started >= 1.0
    gaps = [b.at - a.at for a, b in itertools.pairwise(stub.seen)]
    assert gaps[0] >= 0.95  # the 429's Retry-After
    assert len(rows(db)[0]) == 4


@pytest.mark.parametrize(("status", "body", "message"), [
    (500, b'{"error": "Internal Server Error"}', "did not answer the request for the artist 'Velvet Lanterns' "
                                                 "after 5 tries (last: HTTP 500)"),
    (200, b'{"id": "0b0b0b0b-11', "answer for the artist 'Velvet Lanterns' is not valid JSON"),
    (200, b'["an", "array"]', "answer for the artist 'Velvet Lanterns' is not of the documented shape"),
])
def test_a_failing_service_leaves_the_library_unchanged(tmp_path: Path, stub: Stub, fast: None, status: int,
                                                        body: bytes, message: str) -> None:
    db = write_library(tmp_path, small_listens())
    stub.fail_always(status, body)
    done = enrich(db, stub)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert message in done.stderr
    assert rows(db) == ({}, {}) and tracks(db) == {}


def test_an_error_midway_keeps_what_was_stored(tmp_path: Path, stub: Stub, fast: None) -> None:
    db = write_library(tmp_path, small_listens())
    del stub.artists[FOXES.mbid]  # searched, found nothing; then the server breaks on the next artist
    original = stub.answer

    def breaking(path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        if len(stub.seen) > 2:
            return 200, {}, b"{not json"
        return original(path, query)

    stub.answer = breaking  # type: ignore[method-assign]
    done = enrich(db, stub)
    assert done.returncode == 2 and "not valid JSON" in done.stderr
    assert set(rows(db)[0]) == {"velvet lanterns", "nördic foxes"}
    stub.answer = original  # type: ignore[method-assign]
    stub.seen.clear()
    assert enrich(db, stub).returncode == 0
    again = [s.query.get("query", [s.path])[0] for s in stub.seen]
    assert again[:2] == ['artist:"Paper Moth"', 'artist:"Ghost Unknown"']
    # The artists stored are not asked about again (their tracks' titles are searched, with their names).
    assert not any("Velvet" in q or "Nördic" in q or LANTERNS.mbid in q for q in again
                   if not q.startswith("recording:"))


def test_the_rate_is_one_request_per_second_by_default(tmp_path: Path, stub: Stub,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(mbclient.ENV_RATE, raising=False)
    listens = [listen(i, f"Quiet Artist {i:02d}", "Song", mbid_for(f"Quiet Artist {i:02d}")) for i in range(7)]
    stub.artists.update({a.mbid: a for a in (StubArtist(f"Quiet Artist {i:02d}") for i in range(7))})
    db = write_library(tmp_path, listens)
    assert enrich(db, stub, "--tracks", "0").returncode == 0
    times = [s.at for s in stub.seen]
    assert len(times) == 7
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.98
    assert (times[-1] - times[0]) / (len(times) - 1) >= 0.99


def test_the_rate_is_never_above_one_per_second_beyond_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(mbclient.ENV_RATE, "50")
    assert mbclient.rate_for("https://musicbrainz.org") == 1.0
    assert mbclient.rate_for("http://127.0.0.1:9") == 50.0
    with pytest.raises(mbclient.UsageError):
        mbclient.base_url("http://musicbrainz.org")


def test_resumes_after_sigkill_without_asking_again(tmp_path: Path, stub: Stub, fast: None) -> None:
    n = 400
    names = [f"Synthetic Artist {i:04d}" for i in range(n)]
    stub.artists.update({a.mbid: a for a in (StubArtist(x) for x in names)})
    # Half known by id, half by name (search then lookup).
    db = write_library(tmp_path, [listen(i, x, "Song", mbid_for(x) if i % 2 else None) for i, x in enumerate(names)])
    env = {**os.environ, mbclient.ENV_RATE: "100", "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    child = subprocess.Popen([sys.executable, "-m", "linernotes", "enrich", "--db", str(db), "--base-url", stub.url,
                              "-q", "--tracks", "0"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(stub.seen) < 150 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    first = list(stub.seen)
    stored = set(rows(db)[0])
    assert 0 < len(stored) < n
    stub.seen.clear()
    assert enrich(db, stub, "--tracks", "0").returncode == 0
    assert len(rows(db)[0]) == n
    by_id = {mbid_for(x): x for x in names}

    def asked(seen: list[Any]) -> set[str]:
        return {s.query["query"][0].removeprefix("artist:").strip('"') if "query" in s.query
                else by_id[s.path.rsplit("/", 1)[1]] for s in seen}

    # Nothing stored is asked again; at most the artist in flight at the kill is asked in both runs.
    assert not asked(stub.seen) & {x for x in names if x.lower() in stored}
    assert len(asked(first) & asked(stub.seen)) <= 1


def test_forget_removes_enrichment(tmp_path: Path, stub: Stub, fast: None) -> None:
    db = write_library(tmp_path, small_listens())
    assert enrich(db, stub).returncode == 0
    assert tracks(db)
    assert run_cli("forget", "--all", "--yes", "--db", str(db)).returncode == 0
    assert rows(db) == ({}, {}) and tracks(db) == {}


def test_forget_one_source_removes_what_no_play_names(tmp_path: Path, stub: Stub, fast: None) -> None:
    db = write_library(tmp_path, small_listens())
    assert enrich(db, stub).returncode == 0
    assert run_cli("forget", "--source", "listenbrainz", "--yes", "--db", str(db)).returncode == 0
    assert rows(db) == ({}, {}) and tracks(db) == {}


def test_matching_rules() -> None:
    doc = {"count": 2, "offset": 0, "artists": [
        {"id": mbid_for("Sia Tribute"), "name": "Sia Tribute", "score": 100},
        {"id": mbid_for("S.I.A."), "name": "S.I.A.", "score": 88},
    ]}
    assert best_match(doc, "Sia", "x").mbid is None  # a contained name is not the artist
    assert best_match(doc, "Sia", "x").score == 100
    assert best_match(doc, "s i a", "x").mbid is None  # folds equal, but score below 90
    assert fold_name("Renée & Friends") == "renee and friends"
    with pytest.raises(mbclient.EnrichError):
        parse_artist({"name": "No Id"}, "the artist 'No Id'")


def test_track_matching_rules() -> None:
    def hit(mbid: str, title: str, score: int, date: str | None, *credits: str) -> dict[str, Any]:
        return {"id": mbid, "title": title, "score": score, "first-release-date": date,
                "artist-credit": [{"name": c, "artist": {"id": mbid_for(c), "name": c}} for c in credits]}

    a, b, c, d = (f"0f0f0f0{i}-1111-4222-8333-444455556666" for i in range(4))
    doc = {"count": 4, "offset": 0, "recordings": [
        hit(a, "Harbour Lights", 100, "2015-03-02", "Aurora Lane"),
        hit(b, "Harbour Lights (2004 Remaster)", 97, "1982", "Aurora Lane", "Guest Player"),
        hit(c, "Harbour Lights", 99, "1979", "Someone Else"),  # not the artist: never used
        hit(d, "Harbour Lights", 80, "1975", "Aurora Lane"),  # below the confidence floor
    ]}
    found = best_recording(doc, "aurora lane", "Harbour Lights - Remastered", "x")
    assert (found.mbid, found.score, found.year) == (b, 100, 1982)
    assert best_recording(doc, "Guest Player", "harbour lights", "x").year == 1982  # a credited guest counts
    undated = best_recording({"recordings": [hit(a, "Harbour Lights", 95, None, "Aurora Lane")]},
                             "Aurora Lane", "Harbour Lights", "x")
    assert (undated.mbid, undated.year) == (a, None)  # a match without a year: stored, no year to use
    assert best_recording(doc, "Aurora Lane", "Harbour", "x").mbid is None
    assert search_title("Edit Me - Live") == "Edit Me - Live"
    with pytest.raises(mbclient.EnrichError):
        best_recording({"artists": []}, "Aurora Lane", "Harbour Lights", "x")


def test_the_contact_goes_in_the_user_agent_and_is_checked(tmp_path: Path, stub: Stub, fast: None) -> None:
    db = write_library(tmp_path, small_listens())
    without = enrich(db, stub, "--limit", "1")
    assert "add yours with --contact" in without.stdout
    assert stub.seen[0].headers["User-Agent"].endswith(f"( {mbclient.PROJECT_CONTACT} )")
    stub.seen.clear()
    done = enrich(db, stub, "--refresh", "--limit", "1", "--contact", "someone@example.org")
    assert done.returncode == 0 and "add yours" not in done.stdout
    assert {s.headers["User-Agent"] for s in stub.seen} == {
        f"linernotes/{mbclient.linernotes.__version__} ( someone@example.org )"}
    stub.seen.clear()
    for bad in ("me\r\nX-Evil: 1", "not a contact", "x@y", "javascript:alert(1)", "a@b.c)"):
        refused = enrich(db, stub, "--refresh", "--contact", bad)
        assert refused.returncode == 2 and refused.stderr.count("\n") == 1, bad
        assert "must be an email address or an http(s) URL" in refused.stderr
    assert stub.seen == []


def test_no_library_is_an_error_not_a_new_file(tmp_path: Path, stub: Stub) -> None:
    done = enrich(tmp_path / "none.duckdb", stub)
    assert done.returncode == 2 and "no library here yet" in done.stderr
    assert not (tmp_path / "none.duckdb").exists() and stub.seen == []


def test_genres_fall_back_to_musicbrainz_and_say_so(tmp_path: Path, stub: Stub, fast: None) -> None:
    from tests.support.exports import play, write_extended

    records = [play(f"2024-03-{1 + i // 4:02d}T1{i % 4}:00:00Z", f"Song {i % 5}", "Velvet Lanterns")
               for i in range(24)]
    records += [play(f"2024-04-{1 + i:02d}T12:00:00Z", "Tune", "Unknown Quartet") for i in range(8)]
    export = write_extended(tmp_path / "Streaming_History_Audio_2024.json", records)
    db = tmp_path / "lib.duckdb"
    run_cli("import", str(export), "--db", str(db), "-q", check=True)
    with open_library(db, read_only=True) as lib:
        before = lib.insight("genres")
    assert before.genre_plays == 0  # type: ignore[attr-defined]
    assert enrich(db, stub).returncode == 0
    with open_library(db, read_only=True) as lib:
        after = lib.insight("genres")
    assert after.musicbrainz_plays == after.genre_plays == 24  # type: ignore[attr-defined]
    assert after.top[0].name == "dream pop"  # type: ignore[attr-defined]
    assert after.sources[0].genre_plays == 0  # type: ignore[attr-defined]  # the export itself records none
    line = next(x for x in after.summary() if x.startswith("Genres are known"))
    assert line == ("Genres are known for 75% of your music time in this period (24 of 32 music plays), all from "
                    "MusicBrainz's genres of the artist; Spotify records none.")
    # MusicBrainz writes genres in lower case: a sentence still starts with a capital.
    assert any(x.startswith("Dream pop leads with ") for x in after.summary())
    assert not any("equally played genres" in x for x in after.summary())  # one genre: nothing is spread


def test_excluded_listening_is_not_sent(tmp_path: Path, stub: Stub, fast: None) -> None:
    db = write_library(tmp_path, small_listens())
    assert run_cli("exclude", "add", "--artist", "Ghost Unknown", "--db", str(db)).returncode == 0
    assert enrich(db, stub).returncode == 0
    assert not any("Ghost" in s.query.get("query", [""])[0] for s in stub.seen)
    assert "ghost unknown" not in rows(db)[0] and len(rows(db)[0]) == 3
