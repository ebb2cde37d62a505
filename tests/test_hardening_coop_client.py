"""The cooperative's client against a hostile server (issue 13, item 7).

A real HTTP server on 127.0.0.1 (``http.server`` in a thread) speaks the protocol's shape and misbehaves:
it redirects to another host, streams 50 MB, answers malformed JSON, trickles, or signs with another key.
Every command must end with one line (exit 2, no traceback), send the token only to the server named at
join, stop reading at its cap, and keep the local state in agreement with what it printed.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import http.server
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from linernotes.coop import contract, signing
from linernotes.coop.client import api, state, transport
from linernotes.coop.release.build import ReleaseConfig
from linernotes.coop.release_format import FORMAT
from tests.support.exports import imported_history

Route = Callable[["Handler"], None]


class Handler(http.server.BaseHTTPRequestHandler):
    server: Hostile.Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _any(self) -> None:
        hostile = self.server.hostile
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        hostile.log.append((self.command, self.path, dict(self.headers.items()), body))
        route = hostile.routes.get((self.command, self.path)) or hostile.routes.get(("*", "*"))
        if route is None:
            self.json(404, {"detail": "no such route"})
        else:
            route(self)

    do_GET = do_POST = do_PUT = do_DELETE = _any

    def json(self, status: int, doc: Any) -> None:
        self.raw(status, orjson.dumps(doc))

    def raw(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", "Content-Length": str(len(body)),
                            **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class Hostile:
    """A loopback server whose answers each test sets per (method, path); logs every request it receives."""

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        hostile: Hostile

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client hanging up mid-answer is what these tests provoke

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.log: list[tuple[str, str, dict[str, str], bytes]] = []
        self.httpd = self.Server((host, 0), Handler)
        self.httpd.hostile = self
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    server = Hostile()
    yield server
    server.close()


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    _, lib = imported_history(tmp, 800, seed=3, start="2024-01-01", end="2024-03-31")
    path = lib.path
    lib.close()
    return path


KEY = signing.generate_key()
OTHER_KEY = signing.generate_key()


def key_doc(key: Any) -> dict[str, str]:
    public = signing.public_key_bytes(key)
    return {"key_id": signing.key_id(public), "public_key": base64.b64encode(public).decode()}


def consent_receipt(contributor_id: str, key: Any = KEY) -> dict[str, Any]:
    return signing.sign({"consentReceiptID": "c-1", "jurisdiction": "EU (GDPR)", "policyUrl": "https://x.invalid",
                         "piiControllers": [{"piiController": "test coop"}], "piiPrincipalId": contributor_id,
                         "services": [{"purposes": [{"scope": s} for s in contract.SCOPES]}]}, key)


def erasure_receipt(contributor_id: str, key: Any = KEY) -> dict[str, Any]:
    return signing.sign({"erasureReceiptID": "e-1", "packagesDeleted": 1, "piiPrincipalId": contributor_id}, key)


def terms_doc(key: Any = KEY) -> dict[str, Any]:
    return {"terms_version": "t1", "controller": "test coop", "jurisdiction": "EU", "policy_url": "https://x.invalid",
            "termination": "withdraw any time", "key": key_doc(key),
            "purposes": [{"scope": s, "purpose": "p", "data": ["d"], "releases": "r", "fields": {"f": "why"}}
                         for s in contract.SCOPES]}


def make_member(library: Path, server_url: str) -> dict[str, Any]:
    """A joined state for ``server_url`` (as `coop join` leaves it), signed with KEY; returns it."""
    contributor_id = secrets.token_hex(16)
    st = {"version": state.VERSION, "history": [], "server": server_url, "contributor_id": contributor_id,
          "token": "tok_" + secrets.token_urlsafe(32), **key_doc(KEY), "scopes": list(contract.SCOPES),
          "consent_receipt": consent_receipt(contributor_id), "contributions": {}}
    state.save(state_path(library), st)
    return st


def state_path(library: Path) -> Path:
    return library.with_name(library.stem + ".coop.json")


def load_state(library: Path) -> dict[str, Any]:
    return orjson.loads(state_path(library).read_bytes())


def run(capsys: pytest.CaptureFixture[str], library: Path, *args: str) -> tuple[int, str, str]:
    """The CLI in this process: (exit status, stdout, stderr). An uncaught exception fails the test."""
    from linernotes.cli import main

    capsys.readouterr()
    try:
        main(["coop", *args, "--db", str(library)])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err


@pytest.fixture(autouse=True)
def _no_state_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINERNOTES_COOP_STATE", raising=False)


# --- redirects: the token goes to the named server only ------------------------------------------------------


def _other_host() -> str:
    """Another loopback host than 127.0.0.1 where the system allows binding it (Linux does)."""
    with contextlib.suppress(OSError), socket.socket() as s:
        s.bind(("127.0.0.2", 0))
        return "127.0.0.2"
    return "127.0.0.1"


@pytest.mark.parametrize("command", ["status", "contribute", "sync", "withdraw"])
def test_a_redirect_is_refused_and_the_token_never_reaches_the_other_host(
        command: str, hostile: Hostile, library: Path) -> None:
    elsewhere = Hostile(_other_host())
    try:
        def redirect(h: Handler) -> None:
            h.raw(302, b"", {"Location": elsewhere.url + h.path})
        hostile.routes[("*", "*")] = redirect
        elsewhere.routes[("*", "*")] = lambda h: h.json(200, {"contributions": []})
        st = make_member(library, hostile.url)
        args = [command, "--yes"] if command == "withdraw" else [command]
        # A separate process, as a person runs it: what the other host receives is the whole story.
        done = subprocess.run([sys.executable, "-m", "linernotes", "coop", *args, "--db", str(library)],
                              capture_output=True, text=True, timeout=120, check=False,
                              env={k: v for k, v in os.environ.items() if k != "LINERNOTES_COOP_STATE"})
        one_line_error(done.returncode, done.stderr, "302", "redirect")
        assert hostile.log, "the named server was asked"
        assert elsewhere.log == [], "the client followed the redirect"
        assert all("Authorization" not in headers for _, _, headers, _ in elsewhere.log)
        assert st["token"] not in done.stdout + done.stderr
        assert load_state(library)["token"] == st["token"]  # nothing changed here either
    finally:
        elsewhere.close()


def test_plain_http_is_refused_for_a_remote_server_even_from_an_edited_state(
        capsys: pytest.CaptureFixture[str], library: Path) -> None:
    make_member(library, "http://coop.example.org")
    code, _, err = run(capsys, library, "status")
    one_line_error(code, err, "plain http is only for a server on this machine")


# --- caps: a huge answer is not read -----------------------------------------------------------------------------


def _stream(total: int, declared: bool, finished: threading.Event, sent: list[int]) -> Route:
    def route(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        if declared:
            h.send_header("Content-Length", str(total))
        h.send_header("Connection", "close")
        h.end_headers()
        chunk = b'{"contributions": [' + b" " * (1 << 20)
        try:
            while sent[0] < total:
                h.wfile.write(chunk)
                sent[0] += len(chunk)
        except OSError:
            pass  # the client hung up: what it did not read was never sent
        finally:
            h.close_connection = True
            finished.set()
    return route


@pytest.mark.parametrize("command, path, cap", [
    ("status", "/v1/me", api.SMALL_LIMIT),
    ("sync", "/v1/releases/latest", api.RELEASE_LIMIT),
])
@pytest.mark.parametrize("declared", [False, True], ids=["streamed", "declared-length"])
def test_an_oversized_answer_is_not_read_past_its_cap(
        command: str, path: str, cap: int, declared: bool, hostile: Hostile, library: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    total, finished, sent = 50 * 2**20, threading.Event(), [0]
    hostile.routes[("GET", path)] = _stream(total, declared, finished, sent)
    make_member(library, hostile.url)
    read = [0]
    original = http.client.HTTPResponse.read

    def counting(self: http.client.HTTPResponse, amt: int | None = None) -> bytes:
        data = original(self, amt)
        read[0] += len(data)
        return data

    monkeypatch.setattr(http.client.HTTPResponse, "read", counting)
    code, _, err = run(capsys, library, command)
    one_line_error(code, err, "over the limit")
    assert finished.wait(30)
    # The client read at most its cap plus one chunk, and never the whole body (declared: nothing at all).
    assert read[0] <= (0 if declared else cap + transport.CHUNK)
    # The server could push only what fits in the socket buffers before the client hung up.
    assert sent[0] < total


def test_the_release_cap_holds_the_largest_release_the_contract_allows() -> None:
    """Worst case: every bin count a 9-digit negative, names of MAX_NAME_CHARS 4-byte characters, the
    default configuration's 200 top artists and 1000-artist taste vocabulary with 16-dimensional vectors."""
    config = ReleaseConfig()
    name = "\U0001d11e" * contract.MAX_NAME_CHARS
    metric = {"unit": "share", "lower": 0.0, "upper": 600.0, "bins": contract.BINS, "epsilon": 1.0, "scale": 1.0,
              "mechanism": "discrete laplace", "counts": [-123456789] * contract.BINS}
    payload = {"format": FORMAT, "release_id": "r-20260101-abcdef01", "published": "2026-01-01T00:00:00+00:00",
               "engine": "duckdb", "metrics": {m.name: metric for m in contract.METRICS},
               "top_artists": {"artists": [[f"{i}{name}"[: contract.MAX_NAME_CHARS], 123456789]
                                           for i in range(config.top_artists_published)]},
               "taste": {"artists": [f"{i}{name}"[: contract.MAX_NAME_CHARS] for i in range(config.taste_vocabulary)],
                         "vectors": [[-0.12345] * config.taste_dimensions] * config.taste_vocabulary},
               "privacy": {"epsilon": 10.0, "parts": [{"part": "x" * 100}] * 20}}
    size = len(orjson.dumps(signing.sign(payload, KEY)))
    assert size < api.RELEASE_LIMIT / 4, size  # ~1.2 MB against 8 MiB


# --- malformed answers: one line ----------------------------------------------------------------------------------


def _answer(status: int, body: bytes, headers: dict[str, str] | None = None) -> Route:
    return lambda h: h.raw(status, body, headers)


def _truncated(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    h.wfile.write(b'{"contributions": [')
    h.close_connection = True


def _not_http(h: Handler) -> None:
    h.wfile.write(b"HELLO THERE\r\n\r\n")
    h.close_connection = True


def _entry(**changes: Any) -> bytes:
    entry = {"scope": "benchmarks", "package_id": "p", "received_at": "t", "bytes": 10, **changes}
    return orjson.dumps({"contributions": [entry]})


@pytest.mark.parametrize("route, message", [
    (_answer(200, b"<html>not json</html>"), "not valid JSON"),
    (_answer(200, b"[1, 2, 3]"), "malformed"),
    (_answer(200, b'{"contributions": "all of them"}'), "contributions is missing or not a list"),
    (_answer(200, _entry(scope=7)), "scope is missing or not a string"),
    (_answer(200, _entry().replace(b"10}", b"1000000000000000000000000000000}")), "bytes is missing or not a count"),
    (_answer(200, _entry(bytes=2**60)), "bytes is missing or not a count"),
    (_answer(200, _entry(bytes=True)), "bytes is missing or not a count"),
    (_answer(200, _entry().replace(b"10}", b"1e400}")), "not valid JSON"),
    (_answer(200, b"[" * 30_000 + b"]" * 30_000), "not valid JSON"),
    (_answer(200, b'{"contributions": []}', {"Content-Length": "99999999999999999999999"}), "over the limit"),
    (_truncated, "cut short"),
    (_not_http, "cannot reach the server"),
    (_answer(500, b"\x1b[2Jboom" * 10_000), "the server refused (500)"),
    (_answer(503, orjson.dumps({"detail": "down\x1b[31m for\nmaintenance"})), "down?[31m for?maintenance"),
], ids=["html", "list", "wrong-type", "wrong-field-type", "huge-int", "int64", "bool-count", "infinity", "deep",
        "huge-length", "truncated", "not-http", "500-garbage", "503-detail"])
def test_a_malformed_status_answer_is_one_line(route: Route, message: str, hostile: Hostile, library: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    hostile.routes[("GET", "/v1/me")] = route
    hostile.routes[("GET", "/v1/key")] = lambda h: h.json(200, key_doc(KEY))
    st = make_member(library, hostile.url)
    code, out, err = run(capsys, library, "status")
    one_line_error(code, err, message)
    assert "\x1b" not in err and st["token"] not in out + err


def test_malformed_terms_and_join_answers_are_one_line(hostile: Hostile, library: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    other = library.with_name("joiner.duckdb")
    hostile.routes[("GET", "/v1/terms")] = lambda h: h.json(200, {**terms_doc(), "purposes": "everything"})
    code, _, err = run(capsys, other, "join", hostile.url, "--yes")
    one_line_error(code, err, "terms is malformed: purposes")
    hostile.routes[("GET", "/v1/terms")] = lambda h: h.json(200, {**terms_doc(), "key": {"key_id": 5}})
    one_line_error(*run(capsys, other, "join", hostile.url, "--yes")[::2], "key_id")

    # A token that would inject a header, and a receipt that is not signed: refused, nothing kept.
    hostile.routes[("GET", "/v1/terms")] = lambda h: h.json(200, terms_doc())
    hostile.routes[("POST", "/v1/contributors")] = lambda h: h.json(201, {"token": "abc\r\nX-Evil: 1" * 3,
                                                                          "receipt": {}})
    one_line_error(*run(capsys, other, "join", hostile.url, "--yes")[::2], "token")
    hostile.routes[("POST", "/v1/contributors")] = lambda h: h.json(201, {"token": "t" * 40, "receipt": {}})
    one_line_error(*run(capsys, other, "join", hostile.url, "--yes")[::2], "does not verify")
    assert not state_path(other).exists()


def test_malformed_contribute_and_sync_answers_are_one_line(hostile: Hostile, library: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    make_member(library, hostile.url)
    for scope in contract.SCOPES:
        hostile.routes[("PUT", f"/v1/contributions/{scope}")] = lambda h: h.json(
            200, {"package_id": ["x"], "sha256": "0", "bytes": "lots", "replaced": "maybe"})
    one_line_error(*run(capsys, library, "contribute")[::2], "contribution answer is malformed")
    assert load_state(library)["contributions"] == {}

    release = signing.sign({"format": FORMAT, "metrics": "none"}, KEY)
    hostile.routes[("GET", "/v1/releases/latest")] = lambda h: h.json(200, release)
    one_line_error(*run(capsys, library, "sync")[::2], "not kept")
    forged = {**signing.sign({"format": FORMAT, "metrics": {}}, KEY), "signature": base64.b64encode(b"x" * 64).decode()}
    hostile.routes[("GET", "/v1/releases/latest")] = lambda h: h.json(200, forged)
    one_line_error(*run(capsys, library, "sync")[::2], "does not verify")
    weird = signing.sign({"format": FORMAT, "metrics": {}, "release_id": "r", "published": "p",
                          "privacy": {"epsilon": "lots"}}, KEY)
    hostile.routes[("GET", "/v1/releases/latest")] = lambda h: h.json(200, weird)
    one_line_error(*run(capsys, library, "sync")[::2], "epsilon")
    assert not library.with_name(library.stem + ".crowd-release.json").exists()


@pytest.mark.parametrize("behaviour", ["no-headers", "trickle"])
def test_a_slow_server_is_a_timeout_not_a_hang(behaviour: str, hostile: Hostile, library: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    stop = threading.Event()

    def slow(h: Handler) -> None:
        if behaviour == "trickle":  # headers at once, then a byte now and then: each read succeeds
            h.send_response(200)
            h.send_header("Content-Length", "1000")
            h.end_headers()
        with contextlib.suppress(OSError):
            while not stop.wait(0.2):
                h.wfile.write(b" ")
                h.wfile.flush()
        h.close_connection = True

    hostile.routes[("GET", "/v1/me")] = slow
    make_member(library, hostile.url)
    monkeypatch.setattr(api, "TIMEOUT", 1.5)
    started = time.monotonic()
    try:
        code, _, err = run(capsys, library, "status")
    finally:
        stop.set()
    one_line_error(code, err, "did not answer within 1.5 s")
    assert time.monotonic() - started < 10


def test_an_unreachable_server_is_one_line_naming_no_address(library: Path, capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    make_member(library, f"http://127.0.0.1:{port}")
    code, _, err = run(capsys, library, "status")
    one_line_error(code, err, "cannot reach the server (connection refused)")
    assert "127.0.0.1" not in err


# --- the server's key changes after join ------------------------------------------------------------------------


def test_a_new_server_key_is_named_and_trusted_only_through_join(hostile: Hostile, library: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    st = make_member(library, hostile.url)
    new_id = key_doc(OTHER_KEY)["key_id"]
    release = signing.sign({"format": FORMAT, "metrics": {}, "release_id": "r", "published": "p",
                            "privacy": {"epsilon": 1.0}}, OTHER_KEY)
    hostile.routes[("GET", "/v1/releases/latest")] = lambda h: h.json(200, release)
    code, _, err = run(capsys, library, "sync")
    one_line_error(code, err, "key changed since you joined", new_id, f"linernotes coop join {hostile.url}")
    assert not library.with_name(library.stem + ".crowd-release.json").exists()

    hostile.routes[("GET", "/v1/me")] = lambda h: h.json(200, {"contributions": []})
    hostile.routes[("GET", "/v1/key")] = lambda h: h.json(200, key_doc(OTHER_KEY))
    code, out, _ = run(capsys, library, "status")
    assert code == 0 and "key changed since you joined" in out and new_id in out

    hostile.routes[("GET", "/v1/terms")] = lambda h: h.json(200, terms_doc(OTHER_KEY))
    code, out, err = run(capsys, library, "join", hostile.url, "--yes")
    assert code == 0, err
    assert st["key_id"] in out and new_id in out and "now trusting" in out
    after = load_state(library)
    assert after["key_id"] == new_id and after["token"] == st["token"]  # same membership, new key
    assert after["previous_keys"] == [key_doc(KEY)]
    assert run(capsys, library, "sync")[0] == 0


def test_declining_the_new_key_changes_nothing(hostile: Hostile, library: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    st = make_member(library, hostile.url)
    hostile.routes[("GET", "/v1/terms")] = lambda h: h.json(200, terms_doc(OTHER_KEY))
    monkeypatch.setattr("click.confirm", lambda *a, **k: False)
    one_line_error(*run(capsys, library, "join", hostile.url)[::2], "not trusted")
    assert load_state(library) == st


# --- withdraw: the local state agrees with what was printed ------------------------------------------------------


@pytest.mark.parametrize("failure, message", [
    ("500", "The server has not confirmed any erasure"),
    ("unreachable", "The server has not confirmed any erasure"),
    ("garbage", "The server has not confirmed any erasure"),
    ("forged", "The server has not confirmed any erasure"),
    ("401", "withdraw --forget"),
])
def test_withdraw_keeps_the_membership_until_a_receipt_verifies(
        failure: str, message: str, library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = Hostile()
    st = make_member(library, server.url)
    routes: dict[str, Route] = {
        "500": lambda h: h.json(500, {"detail": "database is down"}),
        "garbage": lambda h: h.raw(200, b'{"receipt": '),
        "forged": lambda h: h.json(200, {"receipt": erasure_receipt("f" * 32)}),  # someone else's
        "401": lambda h: h.json(401, {"detail": "unknown token"}),
    }
    if failure == "unreachable":
        server.close()
    else:
        server.routes[("DELETE", "/v1/me")] = routes[failure]
    try:
        code, out, err = run(capsys, library, "withdraw", "--yes")
        one_line_error(code, err, message, "stay")
        assert "withdrawn:" not in out
        assert load_state(library) == st  # token, id and receipts kept: what the message says

        # The server comes back and confirms: now, and only now, the membership goes.
        server = Hostile() if failure == "unreachable" else server
        if failure == "unreachable":
            st["server"] = server.url
            state.save(state_path(library), st)
        server.routes[("DELETE", "/v1/me")] = lambda h: h.json(200, {"receipt": erasure_receipt(st["contributor_id"])})
        code, out, err = run(capsys, library, "withdraw", "--yes")
        assert code == 0, err
        assert "withdrawn: 1 packages" in out
        after = load_state(library)
        assert "token" not in after and "contributor_id" not in after
        assert signing.verify(after["history"][-1]["erasure_receipt"],
                              signing.public_key_bytes(KEY))["piiPrincipalId"] == st["contributor_id"]
        assert "not a member" in run(capsys, library, "status")[1]
    finally:
        server.close()


def test_withdraw_forget_drops_the_membership_and_says_the_server_did_not_confirm(
        hostile: Hostile, library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    st = make_member(library, hostile.url)
    hostile.routes[("DELETE", "/v1/me")] = lambda h: h.json(401, {"detail": "unknown token"})
    code, out, err = run(capsys, library, "withdraw", "--yes", "--forget")
    assert code == 0, err
    assert "forgotten on this device only" in out and st["contributor_id"] in out
    after = load_state(library)
    assert "token" not in after
    left = after["history"][-1]
    assert left["erasure_receipt"] is None and "401" in left["forgotten_without_receipt"]
    code, out, _ = run(capsys, library, "status")
    assert code == 0 and "without an erasure receipt" in out


def test_an_erasure_signed_with_a_new_key_completes_once_the_key_is_trusted(
        hostile: Hostile, library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    st = make_member(library, hostile.url)
    hostile.routes[("DELETE", "/v1/me")] = lambda h: h.json(
        200, {"receipt": erasure_receipt(st["contributor_id"], OTHER_KEY)})
    code, _, err = run(capsys, library, "withdraw", "--yes")
    one_line_error(code, err, "key changed since you joined", "linernotes coop join", "stay here")
    kept = load_state(library)
    assert kept["token"] == st["token"] and kept["unconfirmed_erasure"]["key_id"] == key_doc(OTHER_KEY)["key_id"]

    hostile.routes[("GET", "/v1/terms")] = lambda h: h.json(200, terms_doc(OTHER_KEY))
    assert run(capsys, library, "join", hostile.url, "--yes")[0] == 0
    # The server has erased this contributor: it would now answer 401. The kept receipt settles it.
    hostile.routes[("DELETE", "/v1/me")] = lambda h: h.json(401, {"detail": "unknown token"})
    code, out, err = run(capsys, library, "withdraw", "--yes")
    assert code == 0, err
    assert "withdrawn:" in out and "token" not in load_state(library)


@pytest.mark.parametrize("field, value", [("public_key", "not base64!"), ("scopes", "benchmarks"),
                                          ("consent_receipt", None), ("server", 5)])
def test_a_hand_edited_state_file_is_one_line(field: str, value: Any, library: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    st = make_member(library, "http://127.0.0.1:9")
    state_path(library).write_bytes(orjson.dumps({**st, field: value}))
    for command in (["status"], ["sync"], ["withdraw", "--yes"]):
        code, _, err = run(capsys, library, *command)
        one_line_error(code, err, "not a cooperative state file this version understands", field)
        assert str(library.parent) not in err  # the file is named, its folder is not
