"""Periods cut from a whole history (the dashboard's period picker) give exactly the numbers of a period
selected on its own.

A period nobody asked for before is answered from structures of the whole history: the cut (a filter over
its table), the day index (overview's totals), the per-day rollup (top's rankings, the entity pages) and the
timeline (an entity page's sessions). Each is checked here against the plain path — an engine that reads
the period straight from the plays — over many random periods of a synthetic history, with an exclusion
rule, incognito plays, podcasts and audiobooks, scrobble-like plays without a duration and the hand-made
fixture's edge cases.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linernotes.engine import registry
from linernotes.engine.scope import Context, Engine, Scope
from linernotes.insights.sessions import session_table
from linernotes.library import Library, open_library
from linernotes.web.entity import entity_detail
from tests.support import insight_fixture
from tests.support.exports import imported_history

pytestmark = pytest.mark.xdist_group("period_cuts")


def _periods(rng: random.Random, first: dt.date, last: dt.date, n: int) -> list[tuple[str | None, str | None]]:
    span = (last - first).days
    out: list[tuple[str | None, str | None]] = [(None, None), (str(first + dt.timedelta(days=40)), None),
                                                (None, str(first + dt.timedelta(days=90)))]
    for _ in range(n):
        a = first + dt.timedelta(days=rng.randrange(-20, span))
        b = a + dt.timedelta(days=rng.choice([0, 1, 6, 30, 90, 400]))
        out.append((str(a), str(b)))
    return out


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    tmp = tmp_path_factory.mktemp("cuts")
    _, library = imported_history(tmp, 6_000, 4242, "2022-01-01", "2023-12-31")
    top_artist = library.insight("top", entity="artists", limit=3).to_dict()["result"]["rows"][2]["name"]
    library.exclude(artist=top_artist)  # a rule: the cut must leave its plays out, as a selection does
    library.close()
    with open_library(tmp / "lib.duckdb", read_only=True) as lib:
        yield lib


@pytest.fixture(scope="module")
def handmade(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    tmp = tmp_path_factory.mktemp("cuts-handmade")
    with open_library(tmp / "lib.duckdb") as library:
        library.import_paths([insight_fixture.write(tmp / "export")])
    with open_library(tmp / "lib.duckdb", read_only=True) as lib:
        yield lib


def _plain(lib: Library, name: str, start: str | None, end: str | None, **params: Any) -> dict[str, Any]:
    """The insight computed the plain way: the period's plays read straight from the views."""
    return registry.run(Engine(lib.con, materialise=False), name, Scope.make(start=start, end=end), **params).to_dict()


@pytest.mark.parametrize("which", ["synthetic", "handmade"])
def test_overview_and_top_of_cut_periods_equal_the_plain_answers(which: str, request: pytest.FixtureRequest) -> None:
    lib: Library = request.getfixturevalue(which)
    lib.insight("overview")  # the whole history is selected: every later period is a cut of it
    status = lib.status()
    first, last = dt.date.fromisoformat(status["first_play"][:10]), dt.date.fromisoformat(status["last_play"][:10])
    for start, end in _periods(random.Random(11), first, last, 12):
        cut = Context(lib.engine, Scope.make(start=start, end=end))
        if start or end:
            assert cut.selection.cut_of is not None
        assert lib.insight("overview", start=start, end=end).to_dict() == _plain(lib, "overview", start, end)
        for entity in ("artists", "tracks", "albums", "shows", "audiobooks"):
            for by in ("time", "plays"):
                got = lib.insight("top", entity=entity, by=by, limit=50, start=start, end=end).to_dict()
                assert got == _plain(lib, "top", start, end, entity=entity, by=by, limit=50), (start, end, entity)


def _reference_entity(lib: Library, kind: str, name: str, scope: Scope) -> dict[str, Any]:
    """An entity page's numbers from the period's own plays and sessions, and the ranks of ``top``."""
    ctx = Context(Engine(lib.con), scope)  # a fresh engine: the period is selected on its own
    entity = {"artist": "artists", "track": "tracks"}[kind]
    top = registry.run(ctx.engine, "top", scope, entity=entity, limit=100_000).to_dict()["result"]["rows"]
    where = "kind = 'track' AND " + ("artist = $name" if kind == "artist" else "track = $name AND artist = $by")
    row = next(r for r in top if r["name"] == name)
    args = {"name": name} if kind == "artist" else {"name": name, "by": row["by"]}
    sessions = session_table(ctx)
    theirs, total = lib.con.execute(
        f"SELECT count(DISTINCT session_id) FILTER (WHERE {where}), count(DISTINCT session_id) FROM {sessions}",
        args).fetchall()[0]
    latest = lib.con.execute(
        f"""SELECT session_id, count(*), count(*) FILTER (WHERE {where}), coalesce(sum(ms_played), 0)
            FROM {sessions} WHERE session_id IN (SELECT session_id FROM {sessions} WHERE {where})
            GROUP BY 1 ORDER BY 1 DESC LIMIT 10""", args).fetchall()
    return {"rank": row["rank"], "plays": row["plays"], "ms_played": row["ms_played"], "sessions": theirs,
            "sessions_total": total, "recent": [list(r) for r in latest]}


def test_entity_pages_of_cut_periods_equal_their_own_selection(synthetic: Library) -> None:
    lib = synthetic
    rows = lib.insight("top", entity="artists", limit=8).to_dict()["result"]["rows"]
    tracks = lib.insight("top", entity="tracks", limit=8).to_dict()["result"]["rows"]
    names = [("artist", r["name"]) for r in rows[::3]] + [("track", r["name"]) for r in tracks[::3]]
    checked = 0
    for start, end in _periods(random.Random(5), dt.date(2022, 1, 1), dt.date(2023, 12, 31), 8):
        scope = Scope.make(start=start, end=end)
        for kind, name in names:
            page = entity_detail(lib, kind, name, None, scope)
            if not page["found"]:
                continue
            want = _reference_entity(lib, kind, name, scope)
            got = {"rank": page["rank"], "plays": page["plays"], "ms_played": page["ms_played"],
                   "sessions": page["sessions"], "sessions_total": page["sessions_total"],
                   "recent": [[s["session_id"], s["streams"], s["streams_of_this"], s["ms_played"]]
                              for s in page["recent_sessions"]]}
            assert got == want, (kind, name, start, end)
            assert sum(m["plays"] for m in page["by_month"]) == page["plays"]
            assert sum(y["ms_played"] for y in page["rank_by_year"]) == page["ms_played"]
            checked += 1
    assert checked >= 20


def test_a_long_running_reader_forgets_periods_but_keeps_the_history(synthetic: Library, tmp_path: Path) -> None:
    lib = synthetic
    lib.insight("overview")
    whole = lib.engine.whole_selected(Scope.make())
    assert whole is not None
    before = lib.insight("top", start="2023-02-01", end="2023-05-31").to_dict()
    lib.engine.forget_periods()
    assert lib.engine.whole_selected(Scope.make()) == whole  # not rebuilt: the same table
    assert lib.insight("top", start="2023-02-01", end="2023-05-31").to_dict() == before


def test_readers_are_lent_in_the_order_they_were_asked_for() -> None:
    import threading
    import time

    from linernotes.web.access import FairPool

    pool: FairPool[str] = FairPool()
    got: dict[int, str] = {}
    threads = []
    for i in range(3):
        t = threading.Thread(target=lambda i=i: got.__setitem__(i, pool.get()))
        t.start()
        threads.append(t)
        deadline = time.monotonic() + 10
        while len(pool._waiting) < i + 1:  # each waiter is queued before the next one asks
            assert time.monotonic() < deadline
            time.sleep(0.001)
    for item in ("first", "second", "third"):
        pool.put(item)
    for t in threads:
        t.join(timeout=10)
    assert got == {0: "first", 1: "second", 2: "third"}
    pool.put("back")
    assert pool.get() == "back"  # nobody waiting: straight from the free items
