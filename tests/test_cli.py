"""The real CLI in subprocesses: every command, --help everywhere, JSON output, read-only sql, export,
forget that really removes bytes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.support.exports import TEST_IP, play, write_extended

COMMANDS = ["import", "status", "top", "imports", "forget", "sql", "export", "demo", "settings", "insights", "crowd",
            "exclude", "ask"]
SUBCOMMANDS = ["exclude list", "exclude add", "exclude remove"]
SECRET_ARTIST = "Zzyzx Quintessential Marmalade Orchestra"


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "linernotes", *args], capture_output=True, text=True,
                          check=False, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"linernotes {args} failed ({done.returncode}):\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    records = [play(f"2023-0{m}-1{d}T18:00:00Z", f"Song {m}{d}", "Band" if d % 2 else "Other", ms=120_000 + d)
               for m in range(1, 10) for d in range(0, 5)]
    write_extended(tmp / "Streaming_History_Audio_2023.json", records)
    db = tmp / "lib.duckdb"
    run("import", str(tmp / "Streaming_History_Audio_2023.json"), "--db", str(db), "-q")
    return db


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "exclude"] + SUBCOMMANDS)
def test_help_everywhere(command: str) -> None:
    done = run(*command.split(), "--help")
    assert "Usage" in done.stdout and "--db" in done.stdout


def test_python_m_and_script_agree() -> None:
    script = Path(sys.executable).with_name("linernotes")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True)
    assert all(c in done.stdout for c in COMMANDS)


def test_status_json(library: Path) -> None:
    status = json.loads(run("status", "--json", "--db", str(library)).stdout)
    assert status["plays"] == 45 and status["by_source"]["spotify_extended"]["plays"] == 45
    assert status["home_country"] == "DE" and status["home_zone"] == "Europe/Berlin"
    assert status["first_play"].startswith("2023-01-10") and status["imports"] == 1


def test_top_json_and_table(library: Path) -> None:
    out = json.loads(run("top", "artists", "--from", "2023-01-01", "--to", "2023-12-31", "--json",
                         "--db", str(library)).stdout)
    assert [(r["name"], r["plays"]) for r in out["result"]["rows"]] == [("Other", 27), ("Band", 18)]
    assert out["meta"]["policy"] == "spotify" and out["meta"]["start"] == "2023-01-01"
    table = run("top", "tracks", "--limit", "3", "--db", str(library)).stdout
    assert "Song 34" in table and "Other" in table and "2 min" in table


def test_imports_lists_the_ledger(library: Path) -> None:
    ledger = json.loads(run("imports", "--json", "--db", str(library)).stdout)
    assert len(ledger) == 1 and ledger[0]["stored"] == 45
    assert ledger[0]["files"][0]["format"] == "spotify_extended_gen_c"


def test_sql_is_read_only(library: Path) -> None:
    rows = json.loads(run("sql", "SELECT artist, count(*) AS n FROM plays GROUP BY 1 ORDER BY 1", "--json",
                          "--db", str(library)).stdout)
    assert rows == [{"artist": "Band", "n": 18}, {"artist": "Other", "n": 27}]
    for statement in ("DELETE FROM play_rows", "CREATE TABLE x (a INT)",
                      f"COPY play_rows TO '{library.parent / 'leak.csv'}'"):
        done = run("sql", statement, "--db", str(library), check=False)
        assert done.returncode == 2 and done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert not (library.parent / "leak.csv").exists()
    assert json.loads(run("status", "--json", "--db", str(library)).stdout)["plays"] == 45


def test_export_parquet_csv_sqlite(library: Path, tmp_path: Path) -> None:
    for name in ("plays.parquet", "plays.csv", "plays.sqlite"):
        run("export", str(tmp_path / name), "--db", str(library))
    assert pq.read_table(tmp_path / "plays.parquet").num_rows == 45
    assert (tmp_path / "plays.csv").read_text().count("\n") == 46
    with sqlite3.connect(tmp_path / "plays.sqlite") as con:
        assert con.execute("SELECT count(*), count(DISTINCT artist) FROM plays").fetchone() == (45, 2)
        assert con.execute("SELECT ts_start FROM plays LIMIT 1").fetchone()[0].endswith("Z")
    again = run("export", str(tmp_path / "plays.csv"), "--db", str(library), check=False)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_settings_validate(library: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    db.write_bytes(library.read_bytes())
    assert "Europe/Berlin" in run("settings", "home_zone", "--db", str(db)).stdout
    bad = run("settings", "home_zone", "Mars/Olympus", "--db", str(db), check=False)
    assert bad.returncode == 2 and "IANA" in bad.stderr
    run("settings", "home_zone", "Asia/Tokyo", "--db", str(db))
    assert json.loads(run("status", "--json", "--db", str(db)).stdout)["home_zone"] == "Asia/Tokyo"


def test_forget_source_removes_the_bytes(tmp_path: Path) -> None:
    records = [play(f"2023-05-{d:02d}T10:00:00Z", f"Secret {d}", SECRET_ARTIST) for d in range(1, 29)]
    path = write_extended(tmp_path / "endsong_0.json", records, "A")
    ghan = tmp_path / "recenttracks-x-1.csv"
    ghan.write_text('uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\r\n'
                    '"1700000000","14 Nov 2023, 22:13","Keeper","","","","Stay",""\r\n')
    db = tmp_path / "lib.duckdb"
    run("import", str(path), str(ghan), "--db", str(db), "-q")
    assert SECRET_ARTIST.encode() in db.read_bytes() + _wal(db)  # the test can see the bytes at all
    done = run("forget", "--source", "spotify_extended", "--yes", "--db", str(db))
    assert "Deleted 28 plays" in done.stdout
    assert SECRET_ARTIST.encode() not in db.read_bytes() + _wal(db)
    status = json.loads(run("status", "--json", "--db", str(db)).stdout)
    assert status["plays"] == 1 and list(status["by_source"]) == ["lastfm"]
    run("forget", "--all", "--yes", "--db", str(db))
    assert json.loads(run("status", "--json", "--db", str(db)).stdout)["plays"] == 0
    assert b"Keeper" not in db.read_bytes() + _wal(db)


def test_forget_needs_a_target(library: Path) -> None:
    done = run("forget", "--yes", "--db", str(library), check=False)
    assert done.returncode == 2 and "--all or --source" in done.stderr


def test_no_ip_in_library_file(library: Path) -> None:
    assert TEST_IP.encode() not in library.read_bytes() + _wal(library)


def test_demo_small(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    done = run("demo", "--plays", "3000", "--seed", "3", "--db", str(db))
    assert "Top artists of" in done.stdout and str(db) in done.stdout
    status = json.loads(run("status", "--json", "--db", str(db)).stdout)
    assert 2_900 <= status["plays"] <= 3_000 and status["by_kind"]["track"]["plays"] > 2_000


def _wal(db: Path) -> bytes:
    wal = Path(str(db) + ".wal")
    return wal.read_bytes() if wal.exists() else b""


def test_import_dry_run_changes_nothing(tmp_path: Path) -> None:
    path = write_extended(tmp_path / "h.json", [play("2023-01-01T10:00:00Z", "Only")])
    db = tmp_path / "lib.duckdb"
    run("import", str(path), "--db", str(db), "-q")
    other = write_extended(tmp_path / "more.json", [play("2023-02-01T10:00:00Z", "New")])
    report = json.loads(run("import", str(other), "--dry-run", "--json", "--db", str(db)).stdout)
    assert report["dry_run"] is True and report["totals"]["stored"] == 1 and report["plays_after"] == 2
    status = json.loads(run("status", "--json", "--db", str(db)).stdout)
    assert status["plays"] == 1 and status["imports"] == 1
    assert status["by_source"]["spotify_extended"]["first_play"].startswith("2023-01-01")
