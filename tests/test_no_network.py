"""Importing, the insights, `ask`, the report and the dashboard never reach the network (DESIGN.md's privacy
rules; issue 18: only a command whose purpose is the network may use it).

Each command runs as a child process with :mod:`tests.support.netguard` loaded first: every connection, datagram
or name lookup it attempts from Python is logged and refused. DuckDB's own downloads (extensions fetched on
first use) happen in C, below that guard, so every connection the library opens turns them off — checked here
on the library's connections too.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from linernotes.library import open_library

GUARD = Path(__file__).parent / "support" / "netguard"
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
EXPORT = SAMPLES / "spotify-extended-genC_Streaming_History_Audio_2023.json"


def guarded_env(log: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = os.pathsep.join([str(GUARD), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["LINERNOTES_NET_GUARD_LOG"] = str(log)
    env.update(extra)
    return env


def run(log: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "linernotes", *args], env=guarded_env(log), capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done


def attempts(log: Path) -> list[str]:
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines and lines[0] == "guard loaded"  # the guard was there to see
    return lines[1:]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not EXPORT.exists():
        pytest.skip(f"{EXPORT.name} is not here")
    folder = tmp_path_factory.mktemp("offline")
    db = folder / "library.duckdb"
    log = folder / "import.log"
    run(log, "import", "--db", str(db), "-q", str(EXPORT))
    assert attempts(log) == []
    return db


def test_the_guard_refuses_and_records(tmp_path: Path) -> None:
    """The guard itself works: a child that tries to connect is refused and the attempt is in the log."""
    log = tmp_path / "net.log"
    code = ("import socket\ntry:\n    socket.create_connection(('example.org', 80), timeout=1)\n"
            "except OSError:\n    pass")
    subprocess.run([sys.executable, "-c", code], env=guarded_env(log), check=True, timeout=60)
    assert attempts(log) == ["resolve 'example.org'"]


@pytest.mark.parametrize("args", [
    ("insights", "wrapped"),
    ("insights", "genres"),
    ("insights", "skip-model"),
    ("top", "artists"),
    ("status",),
    ("ask", "who did I listen to most in 2023"),
], ids=lambda a: " ".join(a[:2]))
def test_reading_commands_stay_offline(library: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    log = tmp_path / "net.log"
    run(log, *args, "--db", str(library))
    assert attempts(log) == []


def test_the_report_stays_offline(library: Path, tmp_path: Path) -> None:
    log = tmp_path / "net.log"
    out = tmp_path / "notes.html"
    run(log, "report", "--db", str(library), "-o", str(out))
    assert out.stat().st_size > 10_000 and attempts(log) == []


def test_the_dashboard_stays_offline(library: Path, tmp_path: Path) -> None:
    """The server only listens on 127.0.0.1: answering pages and insights sends nothing anywhere."""
    log = tmp_path / "net.log"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "linernotes", "serve", "--db", str(library), "--port",
                               str(port)], env=guarded_env(log, LINERNOTES_TOKEN="offline-test"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/?token=offline-test", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "the dashboard did not start"
                time.sleep(0.2)
        with httpx.Client(base_url=base, params={"token": "offline-test"}, timeout=120,
                          follow_redirects=True) as client:
            for path in ("/", "/genres", "/eras", "/story", "/api/insights/wrapped", "/api/insights/genres",
                         "/api/story", "/api/insights/skip-model"):
                assert client.get(path).status_code == 200, path
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert attempts(log) == []


def test_no_library_connection_may_download_extensions(library: Path) -> None:
    """DuckDB would fetch a missing extension over HTTPS in C, below any Python guard: every connection the
    library opens, for reading or for writing, has that turned off."""
    for read_only in (True, False):
        with open_library(library, read_only=read_only) as lib:
            settings = lib.con.execute("SELECT current_setting('autoinstall_known_extensions'), "
                                       "current_setting('autoload_known_extensions')").fetchall()[0]
            assert settings == (False, False), (read_only, settings)
