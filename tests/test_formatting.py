"""Numbers and dates as a person reads them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from linernotes.formatting import format_count, format_date, format_date_range, format_percent, shown_path


def test_counts_and_percents() -> None:
    assert format_count(1234567) == "1,234,567" and format_count(2.6) == "3"
    assert format_percent(0.4123) == "41%" and format_percent(0.4123, digits=1) == "41.2%"
    assert format_percent(0.001) == "<1%" and format_percent(0.0) == "0%" and format_percent(None) == "–"


def test_dates_and_ranges_say_each_part_once() -> None:
    d = dt.date
    assert format_date(d(2014, 5, 25)) == "25 May 2014"
    assert format_date_range(d(2014, 5, 3), d(2014, 5, 9)) == "3–9 May 2014"
    assert format_date_range(d(2014, 5, 25), d(2014, 6, 2)) == "25 May – 2 Jun 2014"
    assert format_date_range(d(2014, 5, 25), d(2016, 5, 12)) == "25 May 2014 – 12 May 2016"
    assert format_date_range(d(2014, 5, 25), d(2014, 5, 25)) == "25 May 2014"


def test_a_count_of_one_is_singular() -> None:
    from linernotes.formatting import count_of

    assert count_of(1, "day") == "1 day" and count_of(0.6, "minute") == "1 minute"
    assert count_of(1500, "day") == "1,500 days" and count_of(0, "minute") == "0 minutes"


def test_shown_path_names_no_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, work = tmp_path / "home" / "someone", tmp_path / "work"
    (home / "music").mkdir(parents=True)
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    assert shown_path(home / "music" / "lib.duckdb") == "~/music/lib.duckdb"
    assert shown_path(work / "notes.html") == "notes.html"  # where the person is: as they would type it
    assert shown_path("notes.html") == "notes.html"
    assert shown_path("~/x.png") == "~/x.png"
    elsewhere = tmp_path / "shared" / "lib.duckdb"
    assert shown_path(elsewhere) == str(elsewhere)  # outside both, as it was given (then it was typed)
