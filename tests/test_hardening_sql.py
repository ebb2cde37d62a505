"""Person-written SQL cannot reach the file system (issue 13, item 1).

The attack: the dashboard's exclusion rules take a ``where`` selection that DuckDB runs, and DuckDB's
conversion errors quote the value they failed on, so
``CAST((SELECT content FROM read_text('/path/secret')) AS INTEGER) > 0`` returned the secret file's
contents. Selections are now parsed and allow-listed (a condition on the plays columns, nothing else), run
as DuckDB's rendering of the checked tree, refused with fixed sentences, and readers of a library cannot
touch other files at all; ``linernotes sql`` cannot re-enable that.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from linernotes.engine.safe_where import PLAYS_COLUMNS, RefusedSelection, canonical
from linernotes.errors import UsageError
from linernotes.library import Library, open_library
from linernotes.serving import background
from linernotes.web import create_app
from tests.support import insight_fixture
from tests.support.cli import run_cli

CHANGE = {"X-Linernotes": "1"}


@pytest.fixture
def secret(tmp_path: Path) -> tuple[Path, str]:
    """A file only its owner may read (like a cooperative token), and its contents."""
    value = f"coop-token-{secrets.token_hex(12)}"
    path = tmp_path / "private" / "token"
    path.parent.mkdir()
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path, value


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Path]:
    """A library with the insight fixture's plays."""
    db = tmp_path / "library.duckdb"
    with open_library(db) as lib:
        lib.import_paths([insight_fixture.write(tmp_path / "export")])
    yield db


def attacks(path: Path) -> list[str]:
    """Selections that would read ``path`` (or write files, or reconfigure DuckDB) if they ran."""
    p = str(path).replace("'", "''")
    return [
        f"CAST((SELECT content FROM read_text('{p}')) AS INTEGER) > 0",  # the reported attack
        f"artist = (SELECT content FROM read_text('{p}'))",
        f"read_text('{p}') IS NOT NULL",
        f"CAST(read_blob('{p}') AS VARCHAR) = ''",
        f"EXISTS (SELECT * FROM read_csv('{p}', header = false))",
        f"artist IN (SELECT column0 FROM read_csv_auto('{p}'))",
        f"EXISTS (SELECT * FROM read_json('{p}'))",
        f"EXISTS (SELECT * FROM read_parquet('{p}'))",
        f"EXISTS (SELECT * FROM glob('{path.parent}/*'))",
        f"artist = ANY (SELECT file FROM glob('{p}'))",
        f"true) UNION SELECT * FROM read_text('{p}') WHERE (true",
        f"true; ATTACH '{p}.db' AS stolen",
        f"true; COPY (SELECT 1) TO '{p}.copy'",
        "true; SET enable_external_access = true",
        "true; PRAGMA enable_profiling",
        f"system.main.read_text('{p}') IS NULL",
        f"query('SELECT content FROM read_text(''{p}'')') IS NULL",
        f"query_table('{p}') IS NULL",
        "getenv('HOME') IS NOT NULL",
        "current_setting('enable_external_access')",
        "error(artist) IS NULL",
        f"artist = (SELECT content FROM read_text('{p}')) -- a comment",
    ]


def assert_refused_cleanly(message: str, value: str) -> None:
    assert value not in message and "\n" not in message and "Error:" not in message, message


# --- the dashboard, as the attack was made -------------------------------------------------------------------


def test_the_reported_attack_on_a_real_loopback_dashboard_is_refused(library: Path, secret: tuple[Path, str]) -> None:
    path, value = secret
    app = create_app(library)
    auth = {"Authorization": f"Bearer {app.state.token}", **CHANGE}
    with background(app, host="127.0.0.1") as url, httpx.Client(base_url=url, headers=auth) as client:
        # without the token (another user of the machine) the dashboard does not even look at the rule
        stranger = httpx.post(f"{url}/api/exclusions", headers=CHANGE,
                              json={"where": f"CAST((SELECT content FROM read_text('{path}')) AS INTEGER) > 0"})
        assert stranger.status_code == 401 and value not in stranger.text
        for where in attacks(path):
            r = client.post("/api/exclusions", json={"where": where})
            assert 400 <= r.status_code < 500, (where, r.status_code)
            assert value not in r.text, where
            assert_refused_cleanly(r.json()["error"], value)
        assert client.get("/api/exclusions").json() == []
        # a legitimate selection still works, and excludes exactly its plays
        expected = sum(1 for r in insight_fixture.records()
                       if r["ms_played"] < 30_000 and "noise" in (r["master_metadata_album_artist_name"] or "").lower()
                       and not r["incognito_mode"])
        assert expected > 0
        ok = client.post("/api/exclusions", json={"where": "ms_played < 30000 AND artist ILIKE '%noise%'"})
        assert ok.status_code == 200, ok.text
        assert ok.json()["plays_excluded"] == expected
        overview = client.get("/api/insights/overview").json()
        assert [e["plays_excluded"] for e in overview["meta"]["exclusions"]] == [expected]


def test_the_reported_error_of_a_refused_selection_is_a_fixed_sentence(lib: Library) -> None:
    with pytest.raises(RefusedSelection) as refused:
        lib.exclude(where="CAST((SELECT content FROM read_text('/etc/passwd')) AS INTEGER) > 0")
    assert str(refused.value) == "a selection may not contain a query (no SELECT inside it)"
    with pytest.raises(RefusedSelection) as refused:
        lib.exclude(where="read_text('/etc/passwd') IS NULL")
    assert str(refused.value) == "a selection may not use the function 'read_text'"
    with pytest.raises(RefusedSelection) as refused:
        lib.exclude(where="nope = 1")
    assert str(refused.value) == "'nope' is not a column of plays"
    # a type mismatch is found by DuckDB, but said in a fixed sentence
    with pytest.raises(RefusedSelection, match="does not fit the plays columns"):
        lib.exclude(where="lower(ms_played) = 'x'")
    assert lib.exclusions() == []


# --- the check itself -------------------------------------------------------------------------------------


def test_every_attack_is_refused_by_the_library_and_nothing_is_stored(
        library: Path, secret: tuple[Path, str]) -> None:
    path, value = secret
    with open_library(library) as lib:
        for where in attacks(path):
            with pytest.raises(UsageError) as refused:
                lib.exclude(where=where)
            assert_refused_cleanly(str(refused.value), value)
        assert lib.exclusions() == []
    assert not Path(f"{path}.db").exists() and not Path(f"{path}.copy").exists()


@pytest.mark.parametrize("where", [
    "ms_played < 30000 AND artist ILIKE '%x%'",
    "hour(ts_local) >= 20 OR hour(ts_local) < 7",
    "device = 'speaker' AND NOT coalesce(shuffle, false)",
    "EXTRACT(dow FROM ts_local) IN (0, 6) AND artist NOT LIKE 'K%'",
    "ts_start > now() - INTERVAL 30 DAY",
    "CASE WHEN kind = 'episode' THEN ms_played < 60000 ELSE false END",
    "lower(trim(artist)) = 'kinderlieder' -- the kids' songs",
    "artist SIMILAR TO 'Night.*' AND TRY_CAST(track AS INTEGER) IS NULL",
])
def test_ordinary_selections_are_accepted(lib: Library, where: str) -> None:
    rule = lib.exclude(where=where)
    assert rule.where == where  # shown as typed; run as checked
    lib.con.execute(f"SELECT count(*) FROM plays WHERE {rule.predicate()}").fetchall()


def test_what_runs_is_the_checked_rendering_not_the_text() -> None:
    assert canonical("ms_played < 30000 and artist ilike '%x%'") == "((ms_played < 30000) AND (artist ~~* '%x%'))"
    # A comment cannot swallow the rest of the query the condition is spliced into.
    assert canonical("device = 'speaker' -- ) OR true") == "(device = 'speaker')"


def test_a_value_that_fails_a_cast_matches_nothing_instead_of_being_quoted(library: Path) -> None:
    with open_library(library) as lib:
        rule = lib.exclude(where="CAST(artist AS INTEGER) > 0")
        assert lib.con.execute(f"SELECT count(*) FILTER (WHERE {rule.predicate()}) FROM plays").fetchall() == [(0,)]
        assert lib.insight("overview").to_dict()["result"]["totals"]["plays"] > 0


def test_the_allowed_columns_are_those_of_plays(lib: Library) -> None:
    columns = {row[0] for row in lib.con.execute("DESCRIBE plays").fetchall()}
    assert columns == PLAYS_COLUMNS


# --- libraries made elsewhere ----------------------------------------------------------------------------


def _plant_rule(db: Path, where: str) -> None:
    """Store a rule without the check, as a library file crafted by someone else would hold it."""
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO exclusion_rules (rule_id, where_sql, created_at) VALUES (7, ?, now())", [where])
    con.close()


def test_a_stored_hostile_rule_reads_no_file_when_insights_run(library: Path, secret: tuple[Path, str]) -> None:
    path, value = secret
    _plant_rule(library, f"CAST((SELECT content FROM read_text('{path}')) AS INTEGER) > 0")
    for read_only in (True, False):
        with open_library(library, read_only=read_only) as lib:
            assert [r.rule_id for r in lib.exclusions()] == [7]  # still listed, so it can be removed
            with pytest.raises(RefusedSelection) as refused:
                lib.insight("overview")
            assert str(refused.value) == ("exclusion rule 7: a selection may not contain a query (no SELECT inside "
                                          "it) — remove it with `linernotes exclude remove 7`")
    done = run_cli("insights", "overview", "--db", str(library))
    assert done.returncode != 0 and value not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "exclusion rule 7" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    # the dashboard says the same in one line, and removing the rule puts things right
    app = create_app(library)
    auth = {"Authorization": f"Bearer {app.state.token}", **CHANGE}
    with background(app) as url, httpx.Client(base_url=url, headers=auth) as client:
        r = client.get("/api/insights/overview")
        assert r.status_code == 400 and value not in r.text and "exclusion rule 7" in r.json()["error"]
        assert client.delete("/api/exclusions/7").status_code == 200
        assert client.get("/api/insights/overview").status_code == 200


def test_a_reader_cannot_touch_other_files_whatever_sql_reaches_it(library: Path, secret: tuple[Path, str]) -> None:
    path, _ = secret
    with open_library(library, read_only=True) as lib:
        for sql in (f"SELECT content FROM read_text('{path}')", f"ATTACH '{path}.db' AS x",
                    f"COPY (SELECT 1) TO '{path}.copy'"):
            with pytest.raises(duckdb.PermissionException):
                lib.con.execute(sql)
        with pytest.raises(duckdb.Error):
            lib.con.execute("SET enable_external_access = true")
        assert lib.insight("overview").to_dict()["result"]["totals"]["plays"] > 0  # and insights still run
    assert not Path(f"{path}.db").exists() and not Path(f"{path}.copy").exists()


@pytest.mark.parametrize("plant", [
    "CREATE MACRO lower(x) AS (SELECT content FROM read_text('{path}'))",  # replaces a built-in everywhere
    "CREATE MACRO hour(x) AS (SELECT length(content) FROM read_text('{path}'))",
    "CREATE VIEW sneaky AS SELECT content FROM read_text('{path}')",
])
def test_a_library_with_sql_of_its_own_runs_none_of_it_on_files(
        library: Path, secret: tuple[Path, str], plant: str) -> None:
    path, value = secret
    con = duckdb.connect(str(library))
    con.execute(plant.format(path=path))
    con.close()
    # Opening it to write (a connection that could read files) is refused outright...
    with pytest.raises(UsageError, match="defines SQL functions or views linernotes does not make"):
        open_library(library)
    # ...and a reader, which cannot touch files, reads no file whatever the library holds.
    with open_library(library, read_only=True) as lib:
        try:
            shown = repr(lib.insight("overview").to_dict())
        except duckdb.Error as exc:
            shown = str(exc)
        assert value not in shown
    done = run_cli("insights", "overview", "--db", str(library), "--json")
    assert value not in done.stdout + done.stderr


# --- `linernotes sql` ---------------------------------------------------------------------------------------


def test_sql_command_can_read_no_file_nor_turn_access_back_on(library: Path, secret: tuple[Path, str]) -> None:
    path, value = secret
    ok = run_cli("sql", "SELECT count(*) AS n FROM plays", "--db", str(library), "--json")
    assert ok.returncode == 0, ok.stderr
    for query in (
        f"SELECT content FROM read_text('{path}')",
        f"SELECT * FROM read_csv('{path}')",
        f"SELECT * FROM glob('{path.parent}/*')",
        f"ATTACH '{path}.db' AS x",
        f"COPY (SELECT 1) TO '{path}.copy'",
        "SET enable_external_access = true",
        "RESET enable_external_access",
        "SET lock_configuration = false",
        f"SET allowed_directories = ['{path.parent}']",
        f"SET enable_external_access = true; SELECT content FROM read_text('{path}')",
        f"SET lock_configuration = false; SET enable_external_access = true; SELECT * FROM read_text('{path}')",
        "INSTALL httpfs",
        "LOAD httpfs",
    ):
        done = run_cli("sql", query, "--db", str(library))
        assert done.returncode != 0, query
        assert value not in done.stdout + done.stderr, query
        assert "Traceback" not in done.stderr, query
    assert not Path(f"{path}.db").exists() and not Path(f"{path}.copy").exists()


def test_library_sql_locks_the_configuration_and_insights_still_run(library: Path) -> None:
    with open_library(library, read_only=True) as lib:
        assert lib.sql("SELECT current_setting('lock_configuration')")[1] == [(True,)]
        with pytest.raises(UsageError):
            lib.sql("SET threads = 1")
        assert lib.insight("overview").to_dict()["result"]["totals"]["plays"] > 0  # built with the configuration locked


def test_serve_open_hands_the_browser_a_private_file_not_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """A browser started with the tokened URL as its argument would show the token to every user (``ps``)."""
    import stat
    import webbrowser

    from linernotes.cli.web_cmds import _open_in_browser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    url = "http://127.0.0.1:8123/?token=abc-secret"
    with _open_in_browser(url):
        (uri,) = opened
        assert uri.startswith("file://") and "abc-secret" not in uri
        page = Path(uri.removeprefix("file://"))
        assert stat.S_IMODE(page.stat().st_mode) == 0o600 and stat.S_IMODE(page.parent.stat().st_mode) == 0o700
        assert url in page.read_text(encoding="utf-8")
    assert not page.exists()
