"""`linernotes sync lastfm|listenbrainz USER` end to end against loopback stubs of the services
(tests.support.sync_stubs): the first run fills the library, the second adds nothing, a new listen is picked up,
pages are followed, the now-playing row is left out, a 429 is waited out, a 5xx, a malformed answer or a refused
token leaves the library as it was with a one-line error, a synced scrobble and a later export of the same
listen are one play, and the account name never reaches the library file. No test touches the internet."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from linernotes.formatting import format_date
from linernotes.sync import http
from tests.support.cli import run_cli
from tests.support.exports import play, write_extended
from tests.support.sync_stubs import BASE_TS, LastfmStub, Listen, ListenBrainzStub, Running, Stub
from tests.support.sync_stubs import library_state as state

USER = "quillfeather_invented_7781"  # an invented account name, searched for in the library's bytes
API_KEY = "0123456789abcdef0123456789abcdef"
TOKEN = "feedc0de-0000-4000-8000-000000000001"


def listens(n: int, start: int = BASE_TS, step: int = 600) -> list[Listen]:
    return [Listen(start + i * step, f"Invented Song {i}", f"Invented Artist {i % 7}") for i in range(n)]


@pytest.fixture
def lastfm() -> Iterator[LastfmStub]:
    stub = LastfmStub(USER, API_KEY, listens(450))
    stub.now_playing = Listen(0, "Playing Right Now", "Invented Artist 1")
    server = Running(stub)
    yield stub
    server.close()


@pytest.fixture
def listenbrainz() -> Iterator[ListenBrainzStub]:
    stub = ListenBrainzStub(USER, TOKEN, listens(2500))
    server = Running(stub)
    yield stub
    server.close()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 5xx backoff (1, 2, 4 s) made quick; the wait a 429 asks for stays real."""
    monkeypatch.setattr(http, "BACKOFF_S", (0.01, 0.01, 0.01))


def sync(service: str, stub: Stub, db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    if service == "lastfm":
        env = {"LINERNOTES_LASTFM_URL": stub.url + "/2.0", "LASTFM_API_KEY": API_KEY}
    else:
        env = {"LINERNOTES_LISTENBRAINZ_URL": stub.url, "LISTENBRAINZ_TOKEN": TOKEN}
    return run_cli("sync", service, USER, "--db", str(db), "--quiet", *extra, env=env)



def said(done: subprocess.CompletedProcess[str]) -> str:
    """What the command printed, with the terminal's line wrapping undone."""
    return " ".join(done.stdout.split())


def plays(db: Path) -> int:
    return len(state(db)["plays"])


def one_line_error(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    for needle in needles:
        assert needle in done.stderr, done.stderr
    assert USER not in done.stderr and API_KEY not in done.stderr and TOKEN not in done.stderr


# ------------------------------------------------------------------------------------------------------------
# Last.fm


def test_lastfm_fills_then_adds_nothing_then_picks_up_a_new_scrobble(lastfm: LastfmStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    first = sync("lastfm", lastfm, db)
    assert first.returncode == 0, first.stderr
    assert plays(db) == 450
    assert "450 new plays" in said(first) and "1 row playing now" in said(first)
    # It said what it asks, and of whom, before asking; the name typed is not printed back.
    assert said(first).startswith("Asking Last.fm (127.0.0.1:") and "from the beginning" in said(first)
    assert USER not in said(first) and API_KEY not in said(first)
    # 450 scrobbles at 200 a page: three pages, every one asked with the same fixed `to`.
    pages = [r.query for r in lastfm.log]
    assert [p["page"] for p in pages] == ["1", "2", "3"] and len({p["to"] for p in pages}) == 1
    assert all("from" not in p and p["limit"] == "200" and p["format"] == "json" for p in pages)
    assert state(db)["cursor"] == [("lastfm", lastfm.listens[-1].ts)]

    before = state(db)
    second = sync("lastfm", lastfm, db)
    assert second.returncode == 0, second.stderr
    assert "nothing new since" in said(second)
    assert state(db) == before
    assert lastfm.log[-1].query["from"] == str(lastfm.listens[-1].ts + 1)

    lastfm.listens.append(Listen(lastfm.listens[-1].ts + 300, "A Brand New Song", "Invented Artist 3"))
    third = sync("lastfm", lastfm, db)
    assert third.returncode == 0, third.stderr
    assert plays(db) == 451 and "1 new play." in said(third)
    after = state(db)
    assert len(after["imports"]) == 2 and after["cursor"] == [("lastfm", lastfm.listens[-1].ts)]
    # status says where the sync stopped, by service, never the account
    shown = " ".join(run_cli("status", "--db", str(db), env={"COLUMNS": "120"}).stdout.split())
    newest = dt.datetime.fromtimestamp(lastfm.listens[-1].ts, dt.UTC).date()
    assert f"Synced: Last.fm up to {format_date(newest)} (last run " in shown and USER not in shown


def test_a_429_is_waited_out_as_long_as_retry_after_asks(lastfm: LastfmStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    lastfm.fail(429, b'{"error": 29, "message": "Rate Limit Exceeded"}', {"Retry-After": "1"}, after=1)
    done = sync("lastfm", lastfm, db)
    assert done.returncode == 0, done.stderr
    assert plays(db) == 450
    assert [r.query["page"] for r in lastfm.log] == ["1", "2", "2", "3"]
    assert lastfm.log[2].at - lastfm.log[1].at >= 1.0


def test_lastfm_error_29_in_a_200_answer_is_retried(lastfm: LastfmStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    lastfm.fail(200, b'{"error": 29, "message": "Rate Limit Exceeded"}', times=2)
    done = sync("lastfm", lastfm, db)
    assert done.returncode == 0, done.stderr
    assert plays(db) == 450 and len(lastfm.log) == 5


@pytest.mark.parametrize("service", ["lastfm", "listenbrainz"])
@pytest.mark.parametrize(("fault", "needle"), [
    ((503, b"<html>Service Unavailable</html>"), "the service failed (503) (4 tries); try again later"),
    ((200, b'{"recenttracks": {"track": [{"name": '), "not valid JSON"),
    ((200, b'{"payload": null, "recenttracks": "nothing"}'), "sent an answer"),
])
def test_a_failing_or_malformed_answer_leaves_the_library_as_it_was(
        service: str, fault: tuple[int, bytes], needle: str, lastfm: LastfmStub, listenbrainz: ListenBrainzStub,
        tmp_path: Path) -> None:
    stub: Stub = lastfm if service == "lastfm" else listenbrainz
    db = tmp_path / "lib.duckdb"
    assert sync(service, stub, db).returncode == 0
    before = state(db)
    newest = stub.listens[-1].ts
    # New listens over several pages; the failure comes on the second page, after the first was staged.
    stub.listens.extend(listens(1200 if service == "listenbrainz" else 300, start=newest + 60, step=60))
    stub.fail(*fault, after=1, times=10)
    done = sync(service, stub, db)
    one_line_error(done, needle, "the library is unchanged")
    assert state(db) == before


def test_a_failed_first_sync_leaves_no_library_behind(lastfm: LastfmStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    lastfm.fail(500, b"oops", times=10)
    one_line_error(sync("lastfm", lastfm, db), "(500)")
    assert not db.exists()


def test_a_wrong_api_key_or_user_is_a_one_line_error(lastfm: LastfmStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    env = {"LINERNOTES_LASTFM_URL": lastfm.url + "/2.0"}
    done = run_cli("sync", "lastfm", USER, "--db", str(db), "--api-key", "f" * 32, env=env)
    one_line_error(done, "Last.fm refused the request (403: the API key is not valid (error 10))")
    done = run_cli("sync", "lastfm", "someone_else", "--db", str(db), "--api-key", API_KEY, env=env)
    one_line_error(done, "no user by that name")
    done = run_cli("sync", "lastfm", USER, "--db", str(db), env={**env, "LASTFM_API_KEY": None})
    one_line_error(done, "needs an API key")
    assert not db.exists()


def test_plain_http_beyond_this_machine_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    done = run_cli("sync", "listenbrainz", USER, "--db", str(tmp_path / "lib.duckdb"),
                   "--base-url", "http://listenbrainz.example")
    one_line_error(done, "plain http is only for a server on this machine")


# ------------------------------------------------------------------------------------------------------------
# ListenBrainz


def test_listenbrainz_pages_back_with_max_ts_and_resumes_from_its_cursor(
        listenbrainz: ListenBrainzStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    # Two listens in the same second straddle the first page boundary (the 1,000th and 1,001st newest).
    listenbrainz.listens[1499].ts = listenbrainz.listens[1500].ts
    first = sync("listenbrainz", listenbrainz, db)
    assert first.returncode == 0, first.stderr
    assert plays(db) == 2500 and "2,500 new plays" in said(first)
    requests = list(listenbrainz.log)
    assert all(r.headers["authorization"] == f"Token {TOKEN}" for r in requests)
    assert all("min_ts" not in r.query and r.query["count"] == "1000" for r in requests)
    max_ts = [int(r.query["max_ts"]) for r in requests]
    # Three pages, the oldest page's second once more (it may hold listens the page had no room for), then an
    # empty page; each page starts at the second of the previous page's oldest listen.
    assert max_ts == sorted(max_ts, reverse=True) and len(max_ts) == 5

    before = state(db)
    second = sync("listenbrainz", listenbrainz, db)
    assert second.returncode == 0 and "nothing new since" in said(second)
    assert state(db) == before
    assert len(listenbrainz.log) == len(requests) + 1  # one page reaches the cursor

    listenbrainz.listens.append(Listen(listenbrainz.listens[-1].ts + 60, "Fresh Invented Song", "Invented Artist 2"))
    third = sync("listenbrainz", listenbrainz, db)
    assert third.returncode == 0 and plays(db) == 2501


def test_an_expired_token_is_a_one_line_error(listenbrainz: ListenBrainzStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    done = run_cli("sync", "listenbrainz", USER, "--db", str(db), "--token", "expired-token",
                   env={"LINERNOTES_LISTENBRAINZ_URL": listenbrainz.url})
    one_line_error(done, "ListenBrainz refused the request (401: the token was refused")
    # Without a token the public endpoint answers.
    done = run_cli("sync", "listenbrainz", USER, "--db", str(db), "-q",
                   env={"LINERNOTES_LISTENBRAINZ_URL": listenbrainz.url, "LISTENBRAINZ_TOKEN": None})
    assert done.returncode == 0 and plays(db) == 2500
    assert "authorization" not in listenbrainz.log[-1].headers


def test_a_ratelimit_reset_header_is_waited_out(listenbrainz: ListenBrainzStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    listenbrainz.fail(429, b'{"code": 429, "error": "Too many requests"}',
                      {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-In": "1"})
    done = sync("listenbrainz", listenbrainz, db)
    assert done.returncode == 0, done.stderr
    assert listenbrainz.log[1].at - listenbrainz.log[0].at >= 1.0 and plays(db) == 2500


# ------------------------------------------------------------------------------------------------------------
# Merging and privacy


def test_a_synced_scrobble_and_a_later_export_of_the_same_listen_are_one_play(tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    start = BASE_TS + 3600
    stub = LastfmStub(USER, API_KEY, [Listen(start + 20, "Shared Invented Song", "Shared Invented Band"),
                                      Listen(start + 7200, "Only Scrobbled", "Shared Invented Band")])
    server = Running(stub)
    try:
        assert sync("lastfm", stub, db).returncode == 0
    finally:
        server.close()
    assert plays(db) == 2
    # Spotify writes when a play ended: 200 s after it started.
    import datetime as dt

    ended = dt.datetime.fromtimestamp(start + 200, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    export = write_extended(tmp_path / "Streaming_History_Audio_2023.json",
                            [play(ended, "Shared Invented Song", "Shared Invented Band", ms=200_000)])
    done = run_cli("import", str(export), "--db", str(db), "--quiet")
    assert done.returncode == 0, done.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT track, source FROM play_rows ORDER BY ts_start").fetchall()
    finally:
        con.close()
    assert rows == [("Shared Invented Song", "spotify_extended"), ("Only Scrobbled", "lastfm")]


@pytest.mark.parametrize("service", ["lastfm", "listenbrainz"])
def test_the_account_name_and_secrets_never_reach_the_library_file(
        service: str, lastfm: LastfmStub, listenbrainz: ListenBrainzStub, tmp_path: Path) -> None:
    stub: Stub = lastfm if service == "lastfm" else listenbrainz
    db = tmp_path / "lib.duckdb"
    assert sync(service, stub, db).returncode == 0
    assert sync(service, stub, db, "--full").returncode == 0  # a full pass again: nothing new, nothing leaks
    assert plays(db) == len(stub.listens)
    for path in tmp_path.iterdir():
        data = path.read_bytes()
        for secret in (USER, API_KEY, TOKEN):
            assert secret.encode() not in data, (path.name, secret)


def test_a_rate_limit_longer_than_the_cap_stops_with_a_one_line_error(lastfm: LastfmStub, tmp_path: Path) -> None:
    lastfm.fail(429, b"", {"Retry-After": "3600"})
    done = sync("lastfm", lastfm, tmp_path / "lib.duckdb")
    one_line_error(done, "Last.fm asks for a pause of 60 min before more requests (rate limit); try again later")
    assert len(lastfm.log) == 1 and not (tmp_path / "lib.duckdb").exists()


def test_the_ledger_names_the_service_not_the_account(lastfm: LastfmStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    assert sync("lastfm", lastfm, db).returncode == 0
    done = run_cli("imports", "--db", str(db))
    assert done.returncode == 0 and "Last.fm (synced)" in said(done) and USER not in done.stdout


def test_forget_also_forgets_where_the_sync_stopped(listenbrainz: ListenBrainzStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    assert sync("listenbrainz", listenbrainz, db).returncode == 0
    assert run_cli("forget", "--source", "listenbrainz", "--yes", "--db", str(db)).returncode == 0
    assert state(db)["cursor"] == [] and plays(db) == 0
    again = sync("listenbrainz", listenbrainz, db)
    assert again.returncode == 0 and plays(db) == 2500 and "from the beginning" in said(again)


def test_a_service_that_cannot_be_reached_is_a_one_line_error(tmp_path: Path) -> None:
    closed = Running(ListenBrainzStub(USER, TOKEN))
    url = closed.stub.url
    closed.close()
    done = run_cli("sync", "listenbrainz", USER, "--db", str(tmp_path / "lib.duckdb"), "--base-url", url)
    one_line_error(done, "ListenBrainz: cannot reach the server (connection refused) (4 tries)")


def test_progress_is_shown_without_quiet(lastfm: LastfmStub, tmp_path: Path) -> None:
    done = run_cli("sync", "lastfm", USER, "--db", str(tmp_path / "lib.duckdb"), "--base-url", lastfm.url + "/2.0",
                   "--api-key", API_KEY)
    assert done.returncode == 0 and "450 new plays" in said(done)


def test_json_output_is_one_document(lastfm: LastfmStub, tmp_path: Path) -> None:
    import json

    done = sync("lastfm", lastfm, tmp_path / "lib.duckdb", "--json")
    assert done.returncode == 0
    doc = json.loads(done.stdout)
    assert doc["new_plays"] == 450 and doc["dropped"] == {"now_playing": 1} and doc["requests"] == 3
