"""Imports are atomic: SIGKILL or Ctrl-C half-way through leaves the library exactly as it was.

A big synthetic Extended export (120 000 plays in six files, zipped) is imported by the real CLI in a
subprocess that is killed early (planning/parsing), in the middle, and late — while DuckDB is writing the
new plays into the library file, which the test sees as the file growing. A new process then reopens the
library and must find the state from before the killed import.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import psutil
import pytest

N_FILES = 6
PER_FILE = 20_000
PLAYS_SQL = "SELECT * FROM play_rows ORDER BY play_id"
BASE_EPOCH = 1_500_000_000  # 2017-07-14


def _records(first: int, n: int) -> list[dict[str, Any]]:
    idx = np.arange(first, first + n)
    stamps = np.datetime_as_string((BASE_EPOCH + idx * 240).astype("datetime64[s]"), unit="s")
    return [
        {
            "ts": f"{stamp}Z", "platform": "android", "ms_played": 100_000 + (i % 97) * 1000,
            "conn_country": "DE", "ip_addr": "198.51.100.7",
            "master_metadata_track_name": f"Track {i % 5000}",
            "master_metadata_album_artist_name": f"Artist {i % 300}",
            "master_metadata_album_album_name": f"Album {i % 900}",
            "spotify_track_uri": f"spotify:track:{i % 5000:022d}",
            "episode_name": None, "episode_show_name": None, "spotify_episode_uri": None,
            "reason_start": "trackdone", "reason_end": "trackdone", "shuffle": bool(i % 2), "skipped": False,
            "offline": False, "offline_timestamp": None, "incognito_mode": False,
        }
        for i, stamp in zip(idx.tolist(), stamps.tolist(), strict=True)
    ]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "linernotes", *args], capture_output=True, text=True, timeout=300)


def start_import(path: Path, db: Path) -> subprocess.Popen[str]:
    # Ctrl-C must reach the import as it would from a terminal, even when this test run itself was started
    # with SIGINT ignored (a background job of a script): Python keeps an ignored SIGINT ignored.
    return subprocess.Popen([sys.executable, "-m", "linernotes", "import", str(path), "--db", str(db), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def library_state(db: Path) -> dict[str, Any]:
    """What a fresh process sees: status, every play row, the import ledger."""
    state = {}
    for key, args in (("status", ("status", "--json")), ("plays", ("sql", PLAYS_SQL, "--json")),
                      ("imports", ("imports", "--json"))):
        result = run_cli(*args, "--db", str(db))
        assert result.returncode == 0, result.stderr
        state[key] = json.loads(result.stdout)
    return state


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return -1


def wait_for_growth(proc: subprocess.Popen[str], db: Path, start_size: int) -> float | None:
    """Poll until the library file grows past ``start_size`` (DuckDB is writing the new plays), returning
    the CPU seconds the import had used by then, or None if the process ended first."""
    used = 0.0
    while proc.poll() is None:
        used = cpu_seconds(proc) or used
        if size(db) > start_size:
            return used
        time.sleep(0.002)
    return None


def cpu_seconds(proc: subprocess.Popen[str]) -> float | None:
    """CPU time the import has used so far (all its threads), or None once it is gone."""
    try:
        times = psutil.Process(proc.pid).cpu_times()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    return float(times.user + times.system)


def wait_for_cpu(proc: subprocess.Popen[str], seconds: float) -> None:
    """Let the import work for ``seconds`` of CPU time. Points in an import are defined by work done, not
    by wall time: on a busy machine (tests run in parallel) wall time says little about progress."""
    while proc.poll() is None:
        used = cpu_seconds(proc)
        if used is None or used >= seconds:
            return
        time.sleep(0.002)


# A run that needs less work than the timing run can finish before its kill point; it is then repeated
# from the same starting library with an earlier point, at most this many times in all.
ATTEMPTS = 4


def _aim_earlier(db: Path, base: Path, fraction: float) -> float:
    """Put the library back as it was before the import that finished, and return an earlier kill point."""
    shutil.copy(base, db)
    Path(f"{db}.wal").unlink(missing_ok=True)
    return fraction * 0.6


@dataclass(frozen=True)
class Timing:
    total: float  # a full import, process start to exit (wall seconds)
    write_starts: float  # CPU seconds the import had used when the library file started to grow


@pytest.fixture(scope="module")
def big_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "my_spotify_data.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("Spotify Extended Streaming History/ReadMeFirst_ExtendedStreamingHistory.pdf", b"%PDF-1.4\n")
        for f in range(N_FILES):
            data = orjson.dumps(_records(f * PER_FILE, PER_FILE), option=orjson.OPT_INDENT_2)
            zf.writestr(f"Spotify Extended Streaming History/Streaming_History_Audio_{2017 + f}_{f}.json", data)
    return path


@pytest.fixture(scope="module")
def base_library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A library with one small import already in it, and its state."""
    tmp = tmp_path_factory.mktemp("base")
    first = tmp / "Streaming_History_Audio_2016.json"
    first.write_bytes(orjson.dumps(_records(-50, 25), option=orjson.OPT_INDENT_2))
    db = tmp / "library.duckdb"
    result = run_cli("import", str(first), "--db", str(db), "-q")
    assert result.returncode == 0, result.stderr
    state = library_state(db)
    assert state["status"]["plays"] == 25 and len(state["imports"]) == 1
    assert not Path(f"{db}.wal").exists()
    return db, state


@pytest.fixture
def library(base_library: tuple[Path, dict[str, Any]], tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """A private copy of the base library; its status must name the copy."""
    src, state = base_library
    db = tmp_path / "lib" / src.name
    db.parent.mkdir()
    shutil.copy(src, db)
    return db, {**state, "status": {**state["status"], "library": str(db)}}


@pytest.fixture(scope="module")
def timing(big_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Timing:
    """One complete import of the big export into a scratch library (also proves it imports at all)."""
    tmp = tmp_path_factory.mktemp("scratch")
    first = tmp / "Streaming_History_Audio_2016.json"
    first.write_bytes(orjson.dumps(_records(-50, 25), option=orjson.OPT_INDENT_2))
    db = tmp / "scratch.duckdb"
    assert run_cli("import", str(first), "--db", str(db), "-q").returncode == 0
    start_size = size(db)
    started = time.monotonic()
    proc = start_import(big_zip, db)
    grew = wait_for_growth(proc, db, start_size)
    _, err = proc.communicate(timeout=300)
    total = time.monotonic() - started
    assert proc.returncode == 0, err
    assert grew is not None, "the library file never grew during a full import"
    status = json.loads(run_cli("status", "--json", "--db", str(db)).stdout)
    assert status["plays"] == 25 + N_FILES * PER_FILE
    return Timing(total=total, write_starts=grew)


@pytest.mark.slow
@pytest.mark.parametrize("point", ["early", "middle", "late", "commit"])
def test_sigkill_during_import_leaves_previous_state(
    point: str, big_zip: Path, timing: Timing, library: tuple[Path, dict[str, Any]],
    base_library: tuple[Path, dict[str, Any]],
) -> None:
    db, before = library
    rng = random.Random(f"sigkill-{point}")
    fraction = {"early": rng.uniform(0.1, 0.3), "middle": rng.uniform(0.45, 0.7),
                "late": rng.uniform(0.85, 0.95), "commit": 1.0}[point]
    for _ in range(ATTEMPTS):
        start_size = size(db)
        proc = start_import(big_zip, db)
        try:
            if point == "commit":
                # Kill the moment DuckDB starts writing the new plays into the file (the load or the COMMIT).
                in_write_phase = wait_for_growth(proc, db, start_size) is not None
                proc.send_signal(signal.SIGKILL)
                assert in_write_phase, "the import finished before the library file grew"
            else:
                wait_for_cpu(proc, fraction * timing.write_starts)
                # No-op when the import already finished (and was reaped): it is then tried earlier.
                proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode == -signal.SIGKILL or point == "commit":
            break
        fraction = _aim_earlier(db, base_library[0], fraction)
    assert proc.returncode == -signal.SIGKILL, "the import exited on its own before the kill"

    after = library_state(db)
    if point == "commit" and len(after["imports"]) == 2:
        # Killed after DuckDB made the commit durable: all of the import is there, none of it half-done.
        assert after["imports"][1:] == before["imports"]
        assert after["imports"][0]["stored"] == N_FILES * PER_FILE
        assert after["status"]["plays"] == 25 + N_FILES * PER_FILE
        return
    assert after["plays"] == before["plays"]
    assert after["imports"] == before["imports"]
    assert after["status"] == before["status"]

    if point != "commit":
        return
    # Killed mid-write, the file may hold blocks of the lost transaction; it must still take the import.
    result = run_cli("import", str(big_zip), "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["plays_before"] == 25
    assert report["totals"]["stored"] == N_FILES * PER_FILE


class TracebackShown(AssertionError):
    pass


@pytest.mark.slow
@pytest.mark.parametrize("point", [
    "parse",
    "write",
])
def test_ctrl_c_during_import_leaves_previous_state(
    point: str, big_zip: Path, timing: Timing, library: tuple[Path, dict[str, Any]],
    base_library: tuple[Path, dict[str, Any]],
) -> None:
    db, before = library
    fraction = random.Random("sigint").uniform(0.4, 0.6)
    for _ in range(ATTEMPTS):
        start_size = size(db)
        proc = start_import(big_zip, db)
        try:
            if point == "write":
                assert wait_for_growth(proc, db, start_size) is not None, "the import finished before it wrote"
            else:
                wait_for_cpu(proc, fraction * timing.write_starts)
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode != 0 or point == "write":
            break
        fraction = _aim_earlier(db, base_library[0], fraction)

    assert proc.returncode not in (0, -signal.SIGKILL), err
    if "Traceback" in err:
        raise TracebackShown(err)
    assert len(err.strip().splitlines()) <= 1, err
    after = library_state(db)
    if "import was saved" in err:
        # Ctrl-C landed after DuckDB made the commit durable: the import is complete, and the message says so.
        assert len(after["imports"]) == len(before["imports"]) + 1
        assert after["plays"] != before["plays"]
        return
    assert after["plays"] == before["plays"]
    assert after["imports"] == before["imports"]
    assert after["status"] == before["status"]
