"""`linernotes sync spotify` end to end against a loopback stub of Spotify's accounts service and Web API
(tests.support.spotify_stub): the PKCE login through the printed address and the loopback redirect, the first
run filling the library and the second adding nothing, an expired access token refreshed (and the rotated tokens
saved), a revoked login, the token file's permissions, --logout, a 429 waited out, a 5xx or malformed answer
leaving the library as it was, a synced play and a later export of the same listen being one play, and no token
in any output or in the library. No test touches the internet."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from linernotes.sync import http, spotify_auth
from tests.support.cli import run_cli
from tests.support.exports import play, write_extended
from tests.support.spotify_stub import BASE_MS, Play, RunningSpotify, SpotifyStub
from tests.support.sync_stubs import library_state as state

CLIENT_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"  # invented
SRC = Path(__file__).resolve().parents[1] / "src"


def plays(n: int, start: int = BASE_MS, step: int = 240_000) -> list[Play]:
    return [Play(start + i * step + 123, f"Invented Song {i}", f"Invented Artist {i % 5}") for i in range(n)]


@pytest.fixture
def stub() -> Iterator[SpotifyStub]:
    s = SpotifyStub(CLIENT_ID, plays(30))
    server = RunningSpotify(s)
    yield s
    server.close()


@pytest.fixture(autouse=True)
def quick_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait the client makes, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(http, "sleep", waits.append)
    return waits


def env_for(stub: SpotifyStub, **extra: str | None) -> dict[str, str | None]:
    return {"LINERNOTES_SPOTIFY_API_URL": stub.url, "LINERNOTES_SPOTIFY_ACCOUNTS_URL": stub.url,
            "SPOTIFY_CLIENT_ID": None, **extra}


def token_file(db: Path) -> Path:
    return spotify_auth.token_path(db)


def logged_in(stub: SpotifyStub, db: Path, *, expires_in: float = 3600) -> spotify_auth.Tokens:
    """A login saved as `sync spotify` saves it, without the browser round trip."""
    doc = stub.issue()
    tokens = spotify_auth.Tokens(CLIENT_ID, doc["access_token"], doc["refresh_token"], time.time() + expires_in)
    spotify_auth.save(token_file(db), tokens)
    return tokens


def sync(stub: SpotifyStub, db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("sync", "spotify", "--db", str(db), "--quiet", *extra, env=env_for(stub))



def rows(db: Path, columns: str = "track, source") -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT {columns} FROM play_rows ORDER BY ts_end").fetchall()
    finally:
        con.close()


def said(done: subprocess.CompletedProcess[str]) -> str:
    return " ".join((done.stdout + done.stderr).split())


def one_line_error(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    for needle in needles:
        assert needle in done.stderr, done.stderr


def login_error(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    """A one-line error after the login's two lines (what to open, and the address)."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 3 and lines[0].startswith("Log in to Spotify") and lines[2].startswith("error: "), lines
    assert "Traceback" not in done.stderr
    for needle in needles:
        assert needle in lines[2], lines[2]


def no_secret_anywhere(stub: SpotifyStub, folder: Path, *outputs: str) -> None:
    for secret in stub.issued:
        assert all(secret not in out for out in outputs), "a token was printed"
        for path in folder.iterdir():
            if path.name.endswith(spotify_auth.TOKEN_SUFFIX):
                continue
            assert secret.encode() not in path.read_bytes(), (path.name, "holds a token")


def no_proxy_opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


# ------------------------------------------------------------------------------------------------------------
# The login, end to end through a process of its own


def test_login_through_the_printed_address_then_sync_then_nothing_new(stub: SpotifyStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update({k: v for k, v in env_for(stub).items() if v is not None})
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    proc = subprocess.Popen(
        [sys.executable, "-m", "linernotes", "sync", "spotify", "--client-id", CLIENT_ID, "--no-browser",
         "--port", "0", "--db", str(db), "--quiet"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        seen: list[str] = []
        for line in proc.stderr:
            seen.append(line)
            if line.startswith(stub.url + "/authorize?"):
                break
        else:
            raise AssertionError("no authorize address printed: " + "".join(seen))
        url = line.strip()
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
        assert query["scope"] == "user-read-recently-played" and len(query["state"]) >= 32
        assert query["redirect_uri"].startswith("http://127.0.0.1:") and query["redirect_uri"].endswith("/callback")
        # The "browser": the stub redirects to the loopback listener, which answers a plain page.
        with no_proxy_opener().open(url, timeout=10) as page:
            assert page.status == 200 and b"You can close this tab" in page.read()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert len(rows(db)) == 30 and "30 new plays" in " ".join(out.split())
    assert "keeps only your last 50 plays" in " ".join(out.split())
    # The token request proved the verifier (the stub checks it against the challenge).
    token_posts = [r for r in stub.log if r.path == "/api/token"]
    assert len(token_posts) == 1 and token_posts[0].query["grant_type"] == "authorization_code"
    saved = token_file(db)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600 and saved.stat().st_uid == os.getuid()
    assert json.loads(saved.read_text())["client_id"] == CLIENT_ID

    before = state(db)
    again = sync(stub, db)
    assert again.returncode == 0, again.stderr and "nothing new since" in said(again)
    assert state(db) == before
    assert stub.log[-1].query["after"] == str(before["cursor"][0][1] * 1000 + 999)
    no_secret_anywhere(stub, tmp_path, "".join(seen), out, err, again.stdout, again.stderr)

    stub.plays.append(Play(stub.plays[-1].played_at_ms + 200_000, "A Brand New Invented Song", "Invented Artist 2"))
    third = sync(stub, db)
    assert third.returncode == 0 and "1 new play." in said(third) and len(rows(db)) == 31


# ------------------------------------------------------------------------------------------------------------
# The login in this process: the browser is a function that follows the address


def browse(monkeypatch: pytest.MonkeyPatch, tamper: dict[str, str] | None = None) -> None:
    """Make webbrowser.open fetch the authorize address and follow its redirect, changing the redirect's query."""
    import webbrowser

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    def open_(url: str, *args: Any, **kwargs: Any) -> bool:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
        try:
            opener.open(url, timeout=10)
        except urllib.error.HTTPError as redirect:
            where = redirect.headers["Location"]
        parts = urllib.parse.urlsplit(where)
        query = dict(urllib.parse.parse_qsl(parts.query)) | (tamper or {})
        no_proxy_opener().open(parts._replace(query=urllib.parse.urlencode(query)).geturl(), timeout=10).read()
        return True

    monkeypatch.setattr(webbrowser, "open", open_)


def test_a_wrong_state_is_refused(stub: SpotifyStub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    browse(monkeypatch, {"state": "forged-state"})
    db = tmp_path / "lib.duckdb"
    done = run_cli("sync", "spotify", "--client-id", CLIENT_ID, "--port", "0", "--db", str(db), "-q",
                   env=env_for(stub))
    login_error(done, "did not carry this login's state", "nothing was saved")
    assert not token_file(db).exists() and not db.exists()
    assert not [r for r in stub.log if r.path == "/api/token"]  # the code was never exchanged


def test_access_denied_is_a_one_line_message(stub: SpotifyStub, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    stub.deny = True
    browse(monkeypatch)
    db = tmp_path / "lib.duckdb"
    done = run_cli("sync", "spotify", "--port", "0", "--db", str(db), "-q",
                   env=env_for(stub, SPOTIFY_CLIENT_ID=CLIENT_ID))
    login_error(done, "access was not allowed (access_denied)")
    assert not token_file(db).exists()


def test_the_browser_flow_logs_in_with_the_client_id_from_the_environment(
        stub: SpotifyStub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    browse(monkeypatch)
    db = tmp_path / "lib.duckdb"
    done = run_cli("sync", "spotify", "--port", "0", "--db", str(db), "-q",
                   env=env_for(stub, SPOTIFY_CLIENT_ID=CLIENT_ID))
    assert done.returncode == 0, done.stderr
    assert len(rows(db)) == 30 and token_file(db).exists()


def test_without_a_client_id_it_says_where_to_get_one(stub: SpotifyStub, tmp_path: Path) -> None:
    done = run_cli("sync", "spotify", "--db", str(tmp_path / "lib.duckdb"), env=env_for(stub))
    one_line_error(done, "--client-id or $SPOTIFY_CLIENT_ID", "developer.spotify.com")
    assert stub.log == []


def test_help_says_how_often_and_where_the_client_id_comes_from() -> None:
    done = run_cli("sync", "spotify", "--help", env={"COLUMNS": "200"})
    text = " ".join(done.stdout.split())
    assert "developer.spotify.com" in text and "http://127.0.0.1:8888/callback" in text
    assert "last 50 plays" in text and "every 2 hours of listening" in text and "--logout" in text


# ------------------------------------------------------------------------------------------------------------
# Tokens


def test_an_expired_access_token_is_refreshed_once_and_the_new_tokens_saved(stub: SpotifyStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    old = logged_in(stub, db)
    stub.expire_access_tokens()
    done = sync(stub, db)
    assert done.returncode == 0, done.stderr
    assert [(r.path, r.query.get("grant_type")) for r in stub.log] == [
        ("/v1/me/player/recently-played", None), ("/api/token", "refresh_token"),
        ("/v1/me/player/recently-played", None)]
    assert stub.log[1].query["client_id"] == CLIENT_ID and stub.log[1].query["refresh_token"] == old.refresh_token
    new = spotify_auth.load(token_file(db))
    assert new is not None and new.refresh_token != old.refresh_token and new.access_token != old.access_token
    assert new.refresh_token in stub.refresh_tokens and old.refresh_token not in stub.refresh_tokens
    assert stat.S_IMODE(token_file(db).stat().st_mode) == 0o600 and len(rows(db)) == 30


def test_a_token_past_its_expiry_time_is_refreshed_before_asking(stub: SpotifyStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    logged_in(stub, db, expires_in=-10)
    assert sync(stub, db).returncode == 0
    assert [r.path for r in stub.log] == ["/api/token", "/v1/me/player/recently-played"]


def test_a_revoked_login_asks_to_log_in_again_and_changes_nothing(stub: SpotifyStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    logged_in(stub, db)
    assert sync(stub, db).returncode == 0
    before = state(db)
    stub.revoke()
    done = sync(stub, db)
    one_line_error(done, "no longer accepts the saved login", "log in again", "the library is unchanged")
    assert state(db) == before and not token_file(db).exists()


def test_a_token_file_open_to_others_is_refused(stub: SpotifyStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    logged_in(stub, db)
    token_file(db).chmod(0o644)
    one_line_error(sync(stub, db), "can be read or changed by other users (mode 644)")
    assert stub.log == []


def test_a_token_file_that_is_a_symlink_is_refused(stub: SpotifyStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    elsewhere = tmp_path / "planted.json"
    spotify_auth.save(elsewhere, spotify_auth.Tokens(CLIENT_ID, "a", "b", time.time() + 3600))
    token_file(db).symlink_to(elsewhere)
    one_line_error(sync(stub, db), "is a symbolic link: refused")


def test_logout_deletes_the_login_and_says_where_to_remove_access(stub: SpotifyStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    logged_in(stub, db)
    done = run_cli("sync", "spotify", "--logout", "--db", str(db))
    assert done.returncode == 0 and not token_file(db).exists()
    assert "Deleted the saved Spotify login" in said(done) and "spotify.com/account/apps" in said(done)
    assert "No Spotify login was saved" in said(run_cli("sync", "spotify", "--logout", "--db", str(db)))
    assert stub.log == []


# ------------------------------------------------------------------------------------------------------------
# Paging, limits and failures


def test_pages_are_followed_with_before_and_a_gap_is_warned_about(stub: SpotifyStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    logged_in(stub, db)
    stub.page_size = 20
    assert sync(stub, db).returncode == 0 and len(rows(db)) == 30
    assert [r.query.get("before") is None for r in stub.log] == [True, False]
    # 80 new plays: Spotify keeps the last 50, all after the cursor; the 30 before them are lost to the sync.
    stub.plays.extend(plays(80, start=stub.plays[-1].played_at_ms + 240_000))
    done = sync(stub, db)
    assert done.returncode == 0 and len(rows(db)) == 80
    assert "All 50 plays Spotify returned came after the last sync" in said(done)
    assert "sync more often" in said(done)


def test_a_429_is_waited_out(stub: SpotifyStub, tmp_path: Path, quick_waits: list[float]) -> None:
    db = tmp_path / "lib.duckdb"
    logged_in(stub, db)
    stub.fail("/v1/", 429, b'{"error": {"status": 429, "message": "API rate limit exceeded"}}',
              {"Retry-After": "7"})
    done = sync(stub, db)
    assert done.returncode == 0, done.stderr
    assert quick_waits == [7.0] and len(rows(db)) == 30


@pytest.mark.parametrize(("fault", "needle"), [
    ((503, b"<html>Service Unavailable</html>"), "the service failed (503) (4 tries)"),
    ((200, b'{"items": [{"played_at": '), "not valid JSON"),
    ((200, b'{"error": "not a page"}'), "without a list of recently played tracks"),
])
def test_a_failing_or_malformed_answer_leaves_the_library_as_it_was(
        stub: SpotifyStub, tmp_path: Path, fault: tuple[int, bytes], needle: str) -> None:
    db = tmp_path / "lib.duckdb"
    logged_in(stub, db)
    assert sync(stub, db).returncode == 0
    before = state(db)  # rows, ledger and cursor: DuckDB rewrites its file header whenever a library is opened
    stub.plays.extend(plays(40, start=stub.plays[-1].played_at_ms + 240_000))
    stub.page_size = 20
    stub.fail("/v1/", *fault, after=1, times=10)  # the second page fails, after the first was staged
    done = sync(stub, db)
    one_line_error(done, needle, "the library is unchanged")
    assert "Traceback" not in done.stderr and stub.url not in done.stderr
    assert state(db) == before


def test_plain_http_beyond_this_machine_is_refused(stub: SpotifyStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    logged_in(stub, db)
    done = run_cli("sync", "spotify", "--db", str(db), "--base-url", "http://api.spotify.example",
                   env=env_for(stub))
    one_line_error(done, "plain http is only for a server on this machine")


# ------------------------------------------------------------------------------------------------------------
# What a synced play is, and merging with an export


def test_a_synced_play_and_a_later_export_of_the_same_listen_are_one_play(stub: SpotifyStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    start_ms = BASE_MS + 3_600_000
    stub.plays = [Play(start_ms + 200_000, "Shared Invented Song", "Shared Invented Band", duration_ms=200_000),
                  Play(start_ms + 900_000, "Only Synced", "Shared Invented Band")]
    logged_in(stub, db)
    assert sync(stub, db).returncode == 0
    got = rows(db, "track, ts_end, ts_start, ms_played, duration_ms, uri IS NOT NULL, kind")
    assert [r[0] for r in got] == ["Shared Invented Song", "Only Synced"]
    # played_at is the end; the start is estimated from the catalogue length; no listening time is invented.
    end = dt.datetime.fromtimestamp((start_ms + 200_000) / 1000, dt.UTC)
    assert got[0][1] == end and got[0][2] == end - dt.timedelta(milliseconds=200_000)
    assert got[0][3] is None and got[0][4] == 200_000 and got[0][5] and got[0][6] == "track"
    # The export writes when the play ended, to the second; the person skipped 20 s before the end.
    ended = end.strftime("%Y-%m-%dT%H:%M:%SZ")
    export = write_extended(tmp_path / "Streaming_History_Audio_2023.json",
                            [play(ended, "Shared Invented Song", "Shared Invented Band", ms=180_000)])
    done = run_cli("import", str(export), "--db", str(db), "--quiet")
    assert done.returncode == 0, done.stderr
    assert rows(db) == [("Shared Invented Song", "spotify_extended"), ("Only Synced", "spotify_api")]


def test_an_export_first_then_the_sync_of_the_same_listen_is_one_play(stub: SpotifyStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    end_ms = BASE_MS + 7_200_000
    ended = dt.datetime.fromtimestamp(end_ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    export = write_extended(tmp_path / "Streaming_History_Audio_2023.json",
                            [play(ended, "Shared Invented Song", "Shared Invented Band", ms=200_000)])
    assert run_cli("import", str(export), "--db", str(db), "--quiet").returncode == 0
    stub.plays = [Play(end_ms + 456, "Shared Invented Song", "Shared Invented Band"),
                  Play(end_ms + 400_000, "Only Synced", "Invented Artist 9")]
    logged_in(stub, db)
    done = sync(stub, db)
    assert done.returncode == 0 and "1 new play (1 listen already in the library)" in said(done)
    assert rows(db) == [("Shared Invented Song", "spotify_extended"), ("Only Synced", "spotify_api")]


def test_episodes_and_local_files_are_kept(stub: SpotifyStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    stub.plays = [Play(BASE_MS + 1_000_000, "Invented Episode", "", album="Invented Show", kind="episode"),
                  Play(BASE_MS + 2_000_000, "Invented Local Song", "Invented Local Band", is_local=True)]
    logged_in(stub, db)
    assert sync(stub, db).returncode == 0
    got = rows(db, "kind, track, episode, show_name, artist, uri")
    assert got[0][0] == "episode" and got[0][2:4] == ("Invented Episode", "Invented Show")
    assert got[0][5].startswith("spotify:episode:")
    assert got[1] == ("track", "Invented Local Song", None, None, "Invented Local Band", None)


def test_the_ledger_and_sources_name_the_synced_plays(stub: SpotifyStub, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    logged_in(stub, db)
    assert sync(stub, db).returncode == 0
    assert "Spotify (synced)" in said(run_cli("imports", "--db", str(db)))
    done = run_cli("sync", "spotify", "--db", str(db), "--json", env=env_for(stub))
    doc = json.loads(done.stdout)
    assert doc["service"] == "Spotify" and doc["new_plays"] == 0 and doc["requests"] == 1
