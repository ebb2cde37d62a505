"""The CLI: every command, -h and --version everywhere, JSON output, read-only sql, export, forget that really
removes bytes, one command per insight, "did you mean", shell completion, one-line errors, a fast start.

Most run the CLI in this process (tests.support.cli); a few smoke tests start it as a person does (the
installed script, `python -m linernotes`, bash completing a command line)."""

from __future__ import annotations

import ast
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pyarrow.parquet as pq
import pytest

import linernotes
from linernotes.engine import registry
from tests.support.cli import run_cli, run_coop_server_cli
from tests.support.exports import TEST_IP, play, write_extended

COMMANDS = ["import", "status", "top", "imports", "forget", "sql", "export", "demo", "settings", "insights", "crowd",
            "exclude", "ask"]
SUBCOMMANDS = ["exclude list", "exclude add", "exclude remove"]
SECRET_ARTIST = "Zzyzx Quintessential Marmalade Orchestra"
SRC = Path(linernotes.__file__).parent


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, check=check)


def run_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m linernotes args` in a process of its own."""
    return subprocess.run([sys.executable, "-m", "linernotes", *args], capture_output=True, text=True, check=False,
                          timeout=300, env=env)


def one_line_error(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode == 2, done
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr and "Usage:" not in done.stderr
    for needle in needles:
        assert needle in done.stderr, done.stderr


def complete(*words: str, env_prefix: str = "_LINERNOTES") -> list[str]:
    """What click answers bash for the command line ``words`` (the last one being typed), in this process."""
    done = (run_cli if env_prefix == "_LINERNOTES" else run_coop_server_cli)(
        env={f"{env_prefix}_COMPLETE": "bash_complete", "COMP_WORDS": " ".join(words),
             "COMP_CWORD": str(len(words) - 1)})
    assert done.returncode == 0, done.stderr
    return [line.split(",", 1)[1] for line in done.stdout.splitlines()]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    records = [play(f"2023-0{m}-1{d}T18:00:00Z", f"Song {m}{d}", "Band" if d % 2 else "Other", ms=120_000 + d)
               for m in range(1, 10) for d in range(0, 5)]
    write_extended(tmp / "Streaming_History_Audio_2023.json", records)
    db = tmp / "lib.duckdb"
    run("import", str(tmp / "Streaming_History_Audio_2023.json"), "--db", str(db), "-q")
    return db


# --- the entry points, as a person starts them ------------------------------------------------------------------


def test_python_m_and_script_agree() -> None:
    script = Path(sys.executable).with_name("linernotes")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True)
    assert all(c in done.stdout for c in COMMANDS)
    assert done.stdout == run_process("--help").stdout


def test_exit_codes_in_a_real_process(library: Path) -> None:
    assert run_process("status", "--db", str(library)).returncode == 0
    refused = run_process("sql", "DELETE FROM play_rows", "--db", str(library))
    one_line_error(refused)
    one_line_error(run_process("stauts"), "did you mean 'status'")
    one_line_error(run_process("top", "--limit"), "--limit")
    assert run_process("--version").stdout == f"linernotes {linernotes.__version__}\n"


@pytest.mark.parametrize("module", ["linernotes.synth", "linernotes.coop.release", "linernotes.coop.server.cli"])
def test_every_module_entry_point_has_h_and_version(module: str) -> None:
    prog = "linernotes-coop" if module.endswith(".cli") else f"python -m {module}"
    for flag in ("-h", "--version"):
        done = subprocess.run([sys.executable, "-m", module, flag], capture_output=True, text=True, check=True,
                              timeout=120)
        assert done.stdout.startswith(f"Usage: {prog}" if flag == "-h" else f"{prog} {linernotes.__version__}\n")


def test_bash_completes_insight_names_and_options(tmp_path: Path) -> None:
    """bash itself, with the script `linernotes --show-completion bash` prints, completes a command line."""
    script = tmp_path / "linernotes.bash"
    script.write_text(run_cli("--show-completion", "bash", check=True).stdout)
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}

    def bash_complete(line: str) -> list[str]:
        words = line.split(" ")
        done = subprocess.run(
            ["bash", "-c", f'source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; '
                           '_linernotes_completion linernotes; printf "%s\\n" "${COMPREPLY[@]}"'],
            capture_output=True, text=True, check=True, env=env, timeout=120)
        return done.stdout.split()

    assert bash_complete("linernotes insights ses") == ["sessions"]
    assert bash_complete("linernotes insights sessions --gap") == ["--gap-minutes"]


# --- -h, --version, help ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "exclude"] + SUBCOMMANDS)
def test_help_everywhere(command: str) -> None:
    for flag in ("--help", "-h"):
        done = run(*command.split(), flag)
        assert done.stdout.startswith(f"Usage: linernotes {command}") and "--db" in done.stdout


@pytest.mark.parametrize("command", ["", "coop", "coop join", "coop status", "exclude", "insights", "report", "card",
                                     "serve", "kind"])
def test_short_help_everywhere(command: str) -> None:
    done = run(*command.split(), "-h")
    assert done.stdout.startswith(f"Usage: linernotes {command}".rstrip())
    assert "-h, --help" in done.stdout


def test_a_group_alone_shows_its_help() -> None:
    for group in ("", "coop", "exclude"):
        done = run(*group.split(), check=False)
        assert done.returncode == 2 and done.stdout.startswith(f"Usage: linernotes {group}".rstrip())
        assert "Commands:" in done.stdout and done.stderr == ""


def test_version() -> None:
    for flag in ("--version", "-V"):
        assert run(flag).stdout == f"linernotes {linernotes.__version__}\n"
    assert run_coop_server_cli("--version").stdout == f"linernotes-coop {linernotes.__version__}\n"


def test_insight_help_lists_its_own_options() -> None:
    help_text = run("insights", "sessions", "--help").stdout
    assert "--gap-minutes INTEGER" in help_text and "[default: 20]" in help_text
    assert "--from DATE" in help_text and "--policy" in help_text and "--json" in help_text
    for spec in registry.all_insights():
        shown = run("insights", spec.name, "-h").stdout
        assert shown.startswith(f"Usage: linernotes insights {spec.name} [OPTIONS]")
        for param in spec.params:
            assert param.option in shown, (spec.name, param.option)
            assert all(choice in shown for choice in param.choices or ()), (spec.name, param.option)


def test_insights_lists_every_insight_with_its_options() -> None:
    listed = json.loads(run("insights", "--json").stdout)
    assert [i["name"] for i in listed] == [s.name for s in registry.all_insights()]
    sessions = next(i for i in listed if i["name"] == "sessions")
    assert sessions["options"][0]["option"] == "--gap-minutes" and sessions["options"][0]["default"] == 20
    assert "sessions" in run("insights", "-h").stdout


# --- did you mean, one-line errors --------------------------------------------------------------------------------


def test_did_you_mean() -> None:
    one_line_error(run("stauts", check=False), "no command 'stauts'", "did you mean 'status'")
    one_line_error(run("exclude", "lst", check=False), "did you mean 'list'")
    one_line_error(run("insights", "sesions", check=False), "unknown insight 'sesions'", "did you mean 'sessions'")
    one_line_error(run("insights", "sessions", "--gap-minute", "3", check=False), "--gap-minutes")
    one_line_error(run("top", "--limt", "3", check=False), "--limit")
    one_line_error(run("nothing-like-a-command", check=False), "no command")
    assert "did you mean" not in run("nothing-like-a-command", check=False).stderr


def test_usage_errors_are_one_line(library: Path) -> None:
    one_line_error(run("sql", check=False), "QUERY", "linernotes sql -h")
    one_line_error(run("top", "--policy", "x", check=False), "--policy")
    one_line_error(run("top", "planets", check=False), "planets")
    one_line_error(run("insights", "sessions", "--gap-minutes", "nan", "--db", str(library), check=False),
                   "--gap-minutes 'nan' is not a valid int")
    one_line_error(run("insights", "top", "--entity", "planets", "--db", str(library), check=False),
                   "--entity must be one of: artists")
    one_line_error(run("insights", "sessions", "stray", check=False), "stray")


def test_a_bad_insight_option_fails_before_the_library_is_opened(tmp_path: Path) -> None:
    missing = tmp_path / "no.duckdb"
    one_line_error(run("insights", "sessions", "--gap-minutes", "-1", "--db", str(missing), check=False),
                   "--gap-minutes must be a number from 0")
    assert not missing.exists()


def test_forget_declined_is_aborted(library: Path) -> None:
    done = run_cli("forget", "--all", "--db", str(library), input="n\n")
    assert done.returncode == 1 and "Aborted!" in done.stderr
    assert json.loads(run("status", "--json", "--db", str(library)).stdout)["plays"] == 45


# --- one command per insight ------------------------------------------------------------------------------------


def test_scope_options_before_or_after_the_insight_name(library: Path) -> None:
    before = json.loads(run("insights", "--from", "2023-05-01", "--json", "--db", str(library), "sessions",
                            "--gap-minutes", "30").stdout)
    assert before["meta"]["start"] == "2023-05-01" and before["meta"]["params"] == {"gap_minutes": 30}
    after = json.loads(run("insights", "--from", "2023-05-01", "sessions", "--from", "2023-07-01", "--json",
                           "--db", str(library)).stdout)
    assert after["meta"]["start"] == "2023-07-01" and after["meta"]["params"] == {"gap_minutes": 20}
    underscores = json.loads(run("insights", "sessions", "--gap_minutes=45", "--json", "--db", str(library)).stdout)
    assert underscores["meta"]["params"] == {"gap_minutes": 45}
    table = run("insights", "top", "--entity", "tracks", "--limit", "2", "--policy", "any", "--db", str(library))
    assert "Song" in table.stdout and "policy any" in table.stdout


def test_every_insight_becomes_a_command_without_shadowing_the_scope() -> None:
    from linernotes.cli.insights_cmds import InsightsGroup

    group = InsightsGroup("insights")
    ctx = click.Context(group)
    for spec in registry.all_insights():
        command = group.get_command(ctx, spec.name)
        assert command is not None and command.name == spec.name
        names = [p.name for p in command.params]
        assert len(names) == len(set(names)), spec.name


def test_a_boolean_insight_option_is_a_flag_that_also_takes_a_value() -> None:
    from linernotes.cli.insights_cmds import insight_command

    spec = registry.Insight("flagged", "A flag", compute=lambda ctx, **kw: None,  # type: ignore[arg-type,return-value]
                            params=(registry.Param("only_new", bool, False, "only new things"),), doc="Doc.")
    command = insight_command(spec)
    assert command.make_context("flagged", ["--only-new"]).params["only_new"] is True
    assert command.make_context("flagged", ["--only-new", "false"]).params["only_new"] is False
    assert command.make_context("flagged", []).params["only_new"] is False


def test_help_options_describes_the_insight() -> None:
    done = run("insights", "sessions", "--help-options")
    assert done.stdout.startswith("sessions: ") and "[default: 20]" in done.stdout


# --- shell completion -------------------------------------------------------------------------------------------


def test_completion_of_commands_insight_names_options_and_values() -> None:
    assert complete("linernotes", "stat") == ["status"]
    assert complete("linernotes", "insights", "ses") == ["sessions"]
    assert complete("linernotes", "insights", "sk") == ["skip-model", "skips"]
    assert complete("linernotes", "insights", "sessions", "--gap") == ["--gap-minutes"]
    assert complete("linernotes", "insights", "top", "--entity", "a") == ["artists", "albums", "audiobooks"]
    assert complete("linernotes", "insights", "top", "--policy", "l") == ["lastfm"]
    assert complete("linernotes", "top", "t") == ["tracks"]
    assert complete("linernotes", "settings", "home_") == ["home_zone", "home_country"]
    assert complete("linernotes-coop", "se", env_prefix="_LINERNOTES_COOP") == ["serve"]


def test_install_completion(tmp_path: Path) -> None:
    for _ in range(2):  # twice: one line
        done = run_cli("--install-completion", "bash", env={"HOME": str(tmp_path)})
        assert done.returncode == 0 and ".bashrc" in done.stdout
    assert (tmp_path / ".bashrc").read_text() == 'eval "$(_LINERNOTES_COMPLETE=bash_source linernotes)"\n'
    one_line_error(run("--show-completion", "tcsh", check=False), "bash, zsh, fish")


def test_completion_lists_match_their_sources() -> None:
    """The CLI names these without importing their modules (a fast start); they must stay the same."""
    from linernotes.cli.coop_cmds import SCOPES
    from linernotes.cli.data import TOP_ENTITIES
    from linernotes.cli.library_cmds import SETTING_KEYS
    from linernotes.coop.contract import SCOPES as CONTRACT_SCOPES
    from linernotes.insights.top import Entity
    from linernotes.library import SETTINGS

    assert tuple(e.value for e in Entity) == TOP_ENTITIES
    assert tuple(SETTINGS) == SETTING_KEYS
    assert SCOPES == CONTRACT_SCOPES


# --- the server's command: settings from the environment ------------------------------------------------------


def test_server_settings_default_from_the_environment() -> None:
    shown = run_coop_server_cli("serve", "-h").stdout
    for variable in ("DATABASE_URL", "STORAGE", "KEYS", "HOST", "PORT", "WORKERS", "MAX_BODY_BYTES", "RATE_PER_SECOND",
                     "RATE_BURST"):
        assert f"LINERNOTES_COOP_{variable}" in shown, variable
    unset = run_coop_server_cli("init-db", env={"LINERNOTES_COOP_DATABASE_URL": None})
    one_line_error(unset, "missing --database-url")
    # The variable is the option's value: the command tries that server (nothing listens on port 9).
    from_env = run_coop_server_cli("init-db", env={"LINERNOTES_COOP_DATABASE_URL":
                                                   "postgresql://nobody@127.0.0.1:9/none?connect_timeout=5"})
    one_line_error(from_env, "cannot connect to the database")
    one_line_error(run_coop_server_cli("serve", env={"LINERNOTES_COOP_PORT": "eighty"}), "--port", "eighty")


# --- a fast start -----------------------------------------------------------------------------------------------


def test_help_loads_no_heavy_module() -> None:
    """`linernotes --help` and the help of a command load click, not DuckDB, numpy, pyarrow or rich."""
    code = ("import sys\nfrom linernotes.cli import main\n"
            "for args in (['--help'], ['status', '--help'], ['coop', 'join', '-h']):\n"
            "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
            "print(' '.join(m for m in ('duckdb', 'numpy', 'pyarrow', 'rich', 'typer', 'orjson') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.splitlines()[-1] == ""


def test_typer_is_not_used() -> None:
    """The CLI is click; typer is no dependency."""
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(n.split(".")[0] == "typer" for n in names), path


# --- the commands -------------------------------------------------------------------------------------------------


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
    shutil.copy(library, db)
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


def test_paths_are_shown_without_the_home_folder(tmp_path: Path) -> None:
    """A written file is named as a person finds it — ``~/...`` — never by the absolute path that carries the
    account's name (the privacy rule: no absolute paths printed)."""
    home = tmp_path / "home" / "someone"
    db = home / "music" / "demo.duckdb"
    db.parent.mkdir(parents=True)
    done = run_cli("demo", "--plays", "800", "--seed", "5", "--db", str(db), env={"HOME": str(home)}, check=True)
    assert "~/music/demo.duckdb" in done.stdout and "~/music/demo-report.html" in done.stdout
    assert str(home) not in done.stdout
    report = run_cli("report", "--db", str(db), "-o", str(home / "notes.html"), env={"HOME": str(home)}, check=True)
    assert report.stdout.strip() == "~/notes.html"


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


def test_ctrl_c_inside_a_duckdb_statement_is_one_line(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB reports Ctrl-C that lands inside a statement (opening the library, say) as its own error, not as
    KeyboardInterrupt: still one line and status 130, never a traceback."""
    import linernotes.library

    def interrupted(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Query interrupted")

    monkeypatch.setattr(linernotes.library, "open_library", interrupted)
    done = run("status", "--db", str(library), check=False)
    assert done.returncode == 130, done.stderr
    assert done.stderr == "error: interrupted: nothing was changed\n"


def test_h_works_however_a_command_was_first_run() -> None:
    """click keeps a command's help option once made: a command first run on its own (as a test may run it)
    must still take -h when run through `linernotes` (every command carries the settings itself)."""
    import importlib

    from linernotes.cli import COMMANDS
    from tests.support.cli import run_command

    for name, where in COMMANDS.items():
        module, _, attribute = where.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert run_command(command, name, "-h").returncode == 0, name
        assert "-h, --help" in run(name, "-h").stdout, name
