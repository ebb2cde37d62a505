"""One conversion from milliseconds to hours, and one way an hour figure is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from linernotes.units import MS_PER_HOUR, format_hours

SRC = Path(__file__).resolve().parents[1] / "src" / "linernotes"


@pytest.mark.parametrize(("ms", "kwargs", "expected"), [
    (5_580_000, {}, "1.6"),  # the report and the insights' sentences
    (4_500_000_000, {}, "1,250.0"),
    (9 * MS_PER_HOUR + 1_800_000, {"unit": " h", "whole_from": 10}, "9.5 h"),  # moments
    (45_000_000, {"unit": " h", "whole_from": 10}, "12 h"),
    (2_700_000, {"unit": " h", "minutes_under_an_hour": True}, "45 min"),  # the terminal
    (0, {"unit": " h", "minutes_under_an_hour": True}, "0 min"),
    (MS_PER_HOUR, {"unit": " h", "minutes_under_an_hour": True}, "1.0 h"),
])
def test_format_hours(ms: float, kwargs: dict[str, object], expected: str) -> None:
    assert format_hours(ms, **kwargs) == expected  # type: ignore[arg-type]


def test_no_module_spells_out_the_milliseconds_of_an_hour() -> None:
    spelled = re.compile(r"\b3_?600_?000\b")
    found = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
             if p.name != "units.py" and spelled.search(p.read_text(encoding="utf-8"))]
    assert found == []
