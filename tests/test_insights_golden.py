"""Every insight, on the hand-checkable fixture (tests/insight_fixture.py), against its checked-in JSON.

The expected files in tests/golden/ were produced by the code and then checked by hand against the
fixture's story; a change in any number fails here. After an intended change, regenerate with
``LINERNOTES_UPDATE_GOLDEN=1 pytest tests/test_insights_golden.py`` and review the diff like code.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linernotes.engine.registry import all_insights
from linernotes.library import Library, open_library
from tests.support import insight_fixture
from tests.support.cli import run_cli

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("LINERNOTES_UPDATE_GOLDEN") == "1"
NAMES = [i.name for i in all_insights()]
# Scopes every insight is checked over: the whole history, and a quarter with a previous period to compare.
SCOPES: dict[str, dict[str, Any]] = {"all": {}, "q1_2024": {"start": "2024-01-01", "end": "2024-03-31"}}


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("insights")
    export = insight_fixture.write(tmp / "export")
    with open_library(tmp / "library.duckdb") as lib:
        report = lib.import_paths([export])
        assert report.total("stored") == len(insight_fixture.records())
    return tmp / "library.duckdb"


@pytest.fixture(scope="module")
def history(fixture_db: Path) -> Iterator[Library]:
    with open_library(fixture_db, read_only=True) as lib:
        yield lib


def _normalise(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True))


@pytest.mark.parametrize("name", NAMES)
def test_insight_matches_golden(history: Library, name: str) -> None:
    got = {scope: history.insight(name, **kwargs).to_dict() for scope, kwargs in SCOPES.items()}
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    assert path.exists(), f"no golden file for {name}: run with LINERNOTES_UPDATE_GOLDEN=1 and check it by hand"
    assert _normalise(got) == json.loads(path.read_text(encoding="utf-8"))


def test_every_golden_file_has_an_insight() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_cli_json_equals_python(history: Library, fixture_db: Path, name: str) -> None:
    done = run_cli("insights", name, "--from", "2024-01-01", "--to", "2024-03-31", "--json", "--db", str(fixture_db))
    assert done.returncode == 0, done.stderr
    expected = history.insight(name, start="2024-01-01", end="2024-03-31").to_dict()
    assert json.loads(done.stdout) == _normalise(expected)


@pytest.fixture(scope="module")
def with_rules(fixture_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    copy = tmp_path_factory.mktemp("rules") / "library.duckdb"
    shutil.copy(fixture_db, copy)
    with open_library(copy) as lib:
        lib.exclude(device="phone_android", note="the phone is shared")
        lib.exclude(audiobook="The Long Road")
        yield lib


@pytest.mark.parametrize("name", NAMES)
def test_exclusion_rules_change_the_result_and_are_reported(with_rules: Library, name: str) -> None:
    ruled = with_rules.insight(name)
    ignored = with_rules.insight(name, apply_exclusions=False)
    assert ruled.meta is not None and ignored.meta is not None
    reported = {e.rule_id: e.plays_excluded for e in ruled.meta.exclusions}
    phone = with_rules.con.execute(
        "SELECT count(*) FILTER (WHERE device = 'phone_android'), count(*) FILTER (WHERE audiobook = 'The Long Road') "
        "FROM plays").fetchall()[0]
    assert reported == {1: phone[0], 2: phone[1]}
    assert ignored.meta.exclusions == ()
    assert ruled.meta.plays == ignored.meta.plays - phone[0] - phone[1]
    assert ruled.to_dict()["result"] != ignored.to_dict()["result"], f"{name} did not change"


def test_rules_are_listed_and_removed(with_rules: Library) -> None:
    rules = with_rules.exclusions()
    assert [r.describe() for r in rules] == ["device = 'phone_android' — the phone is shared",
                                             "audiobook = 'The Long Road'"]
    added = with_rules.exclude(hours="22-6", device="desktop_mac")
    assert added.rule_id == 3
    assert with_rules.insight("overview").meta.exclusions[-1].rule_id == 3  # type: ignore[union-attr]
    with_rules.remove_exclusion(3)
    assert [r.rule_id for r in with_rules.exclusions()] == [1, 2]


def test_a_period_cut_from_the_whole_history_equals_a_direct_selection(with_rules: Library) -> None:
    """The engine cuts a period from an already selected whole history instead of scanning the view again:
    same plays, same numbers, same exclusion report."""
    from linernotes.engine.scope import Engine, Scope

    def run(whole_first: bool) -> tuple[object, ...]:
        engine = Engine(with_rules.con)
        scope = Scope.make(start="2024-01-01", end="2024-02-29")
        if whole_first:
            engine.selection(Scope.make())
        sel = engine.selection(scope)
        rows = with_rules.con.execute(f"SELECT * FROM {sel.table} ORDER BY ts_start, play_id").fetchall()
        return sel.plays, sel.exclusions, sel.start, sel.end, rows

    direct, cut = run(False), run(True)
    assert cut == direct
    assert direct[1] and direct[0] > 0  # the rules excluded something in the period


def test_sessions_line_up_with_their_plays_when_rules_removed_rows(with_rules: Library) -> None:
    """Session keys are joined to the selection by position; rows deleted by exclusion rules must not shift
    them. Recomputed here with a plain loop over the plays in time order."""
    from linernotes.engine.scope import Scope
    from linernotes.insights.sessions import session_table

    ctx = with_rules.engine.context(Scope.make())
    view = session_table(ctx, 20)
    rows = with_rules.con.execute(
        f"SELECT play_id, epoch_ms(ts_start), epoch_ms(ts_end), session_id, pos FROM {view} "
        "ORDER BY ts_start, ts_end, play_id").fetchall()
    assert ctx.selection.exclusions  # rows were deleted from this selection
    expected, latest_end, session, pos = [], None, 0, 0
    for play_id, start, end, _, _ in rows:
        if latest_end is None or start - latest_end > 20 * 60_000:
            session, pos = session + 1, 0
        pos += 1
        latest_end = end if latest_end is None else max(latest_end, end)
        expected.append((play_id, session, pos))
    assert [(r[0], r[3], r[4]) for r in rows] == expected


def test_an_unmaterialised_relation_holds_the_same_plays_as_the_selection(with_rules: Library) -> None:
    """A comparison period read once is queried straight from the view; it must be the selection's plays."""
    from linernotes.engine.scope import Engine, Scope

    scope = Scope.make(start="2023-12-01", end="2024-02-29")
    query = "SELECT count(*), sum(ms_played), count(*) FILTER (WHERE counted), min(day), max(hour) FROM {}"
    direct = with_rules.con.execute(query.format(Engine(with_rules.con).relation_sql(scope))).fetchall()
    engine = Engine(with_rules.con)
    built = with_rules.con.execute(query.format(engine.selection(scope).table)).fetchall()
    assert direct == built and direct[0][0] > 0
    assert engine.relation_sql(scope) == engine.selection(scope).table  # built once: reused


def test_the_cli_prints_a_result_for_people(fixture_db: Path) -> None:
    """Without --json: the title, the scope, the sentences, then the numbers (times in hours or minutes, dates
    written out)."""
    done = run_cli("insights", "overview", "--db", str(fixture_db))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("Listening time, plays and variety") and "2 Oct 2023 – 15 Mar 2024 · 141 plays" in out
    assert "8.7 hours over 33 days" in out and "time: 8.7 h" in out and "ms played" not in out
