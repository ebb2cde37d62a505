"""The synthetic generator's insight ground truth (sessions, discovery, forgotten favourites) against a real
import: what was planted is exactly what a library built from the export holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from linernotes.engine.scope import Scope
from linernotes.insights.sessions import session_table
from linernotes.library import Library
from linernotes.synth import History, generate
from tests.support.exports import imported_history


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[History, Library]]:
    tmp = tmp_path_factory.mktemp("synth_truth")
    h, lib = imported_history(tmp, 20_000, seed=31, start="2019-01-01", end="2024-12-31")
    yield h, lib
    lib.close()


def test_sessions_are_separable_and_found_exactly(planted: tuple[History, Library]) -> None:
    h, lib = planted
    truth = h.ground_truth()["sessions"]
    assert h.ground_truth()["lanes"] == 1
    starts = truth["starts"]
    assert truth["count"] == len(starts) > 500 and starts == sorted(set(starts))
    # Silences inside a session stay well under the 20-minute rule, between sessions well over it.
    assert truth["max_silence_within_s"] <= 15 * 60 + 10
    assert truth["min_silence_between_s"] >= 30 * 60
    assert truth["joined_sessions"] > 0 and truth["planted_sessions"] > truth["count"]
    table = session_table(lib.engine.context(Scope()))
    found = [
        int(r[0])
        for r in lib.con.execute(
            f"SELECT floor(epoch(min(ts_start))) FROM {table} GROUP BY session_id ORDER BY 1"
        ).fetchall()
    ]
    assert found == starts


def test_discovery_is_the_first_kept_play(planted: tuple[History, Library]) -> None:
    h, lib = planted
    truth = h.ground_truth()["discovery"]
    assert truth["columns"][0] == "first_start"
    rows = lib.con.execute(
        "SELECT artist, min(ts_start), arg_min(country, ts_start) FROM plays "
        "WHERE kind = 'track' AND artist IS NOT NULL GROUP BY artist"
    ).fetchall()
    got = {
        a: [ts.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z", c]
        for a, ts, c in rows
    }
    assert {a: v[:2] for a, v in truth["artists"].items()} == got
    # The first play of at least 30 s is never earlier than the first play.
    assert all(v[2] is None or v[2] >= v[0] for v in truth["artists"].values())
    assert any(v[2] is not None and v[2] > v[0] for v in truth["artists"].values())


def test_forgotten_favourites_are_loved_then_silent(planted: tuple[History, Library]) -> None:
    h, lib = planted
    gt = h.ground_truth()
    forgotten = gt["forgotten_favourites"]
    assert 8 <= len(forgotten) <= 15
    midpoint = dt.date(2019, 1, 1) + (dt.date(2024, 12, 31) - dt.date(2019, 1, 1)) / 2
    for f in forgotten:
        assert f["silence_days"] >= 548 and dt.date.fromisoformat(f["last_day"]) <= midpoint + dt.timedelta(days=5)
        assert f["window_start"] <= f["first_day"] <= f["last_day"]
        n, last, hours = lib.con.execute(
            "SELECT count(*), max(ts_start), sum(ms_played) / 3.6e6 FROM plays WHERE artist = ?", [f["artist"]]
        ).fetchall()[0]
        # Every play of the artist is a planted one, nothing after the love window.
        assert n == f["plays"] > 0 and abs(hours - f["hours"]) < 0.01
        assert last.astimezone(dt.UTC).strftime("%Y-%m-%d") == f["last_day"]
    # Loved: each has more listening than the median artist over the whole history.
    median_hours = lib.con.execute(
        "SELECT median(h) FROM (SELECT sum(ms_played) / 3.6e6 AS h FROM plays WHERE kind = 'track' GROUP BY artist)"
    ).fetchall()[0][0]
    assert all(f["hours"] > median_hours for f in forgotten)


def test_new_truth_is_deterministic_and_sized(tmp_path: Path) -> None:
    a, b = generate(3000, seed=32), generate(3000, seed=32)
    for key in ("sessions", "discovery", "forgotten_favourites"):
        assert a.ground_truth()[key] == b.ground_truth()[key]
    short = generate(2000, seed=33, start="2024-01-01", end="2024-12-31").ground_truth()
    assert short["forgotten_favourites"] == []  # a one-year history has no room for ~1.5 years of silence
    assert short["sessions"]["count"] > 0 and short["discovery"]["artists"]
    assert np.all(np.diff(a.ground_truth()["sessions"]["starts"]) > 0)
