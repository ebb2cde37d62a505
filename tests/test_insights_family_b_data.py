"""What the family-B pages draw that the insights added for them: each obsession's days around its burst, and
new podcast shows by month — consistent with the insight's own figures."""

from __future__ import annotations

import datetime as dt

import pytest

from linernotes.insights.obsessions import CONTEXT_DAYS
from linernotes.library import open_library
from tests.support.web_libraries import synthetic_library


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    db = synthetic_library(tmp_path_factory.mktemp("famb-data"))
    with open_library(db, read_only=True) as lib:
        return {name: lib.insight(name).to_dict()["result"] for name in ("obsessions", "podcasts")}


def test_each_obsession_carries_every_day_around_its_burst(result: dict[str, dict]) -> None:
    found = result["obsessions"]["obsessions"]
    assert found
    for o in found:
        days = [dt.date.fromisoformat(d["day"]) for d in o["around"]]
        start, end = dt.date.fromisoformat(o["start"]), dt.date.fromisoformat(o["end"])
        assert days[0] == start - dt.timedelta(days=CONTEXT_DAYS) and days[-1] == end + dt.timedelta(days=CONTEXT_DAYS)
        assert len(days) == (days[-1] - days[0]).days + 1  # every calendar day, silent ones too
        inside = [d for d in o["around"] if o["start"] <= d["day"] <= o["end"]]
        assert sum(d["ms"] for d in inside) == o["ms_played"]
        assert sum(d["ms"] for d in inside) / sum(d["total_ms"] for d in inside) == pytest.approx(o["share"])
        assert all(0 <= d["ms"] <= d["total_ms"] for d in o["around"])


def test_new_shows_by_month_count_every_new_show(result: dict[str, dict]) -> None:
    pods = result["podcasts"]
    assert sum(m["shows"] for m in pods["new_by_month"]) == len(pods["new_shows"])
    months = [m["month"] for m in pods["new_by_month"]]
    assert months == sorted(set(months))
