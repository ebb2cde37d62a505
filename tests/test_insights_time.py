"""``clock``, ``calendar``, ``sessions`` and ``context`` on hand-built histories with known answers.

Home is Germany (Europe/Berlin: UTC+1 in winter, UTC+2 in summer); every record below gives its start in
UTC and its length, and the comment says where it lands in local time.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest

from linernotes.engine.scope import Scope
from linernotes.errors import UsageError
from linernotes.insights.calendar import CalendarResult
from linernotes.insights.clock import ClockResult
from linernotes.insights.context import ContextResult
from linernotes.insights.sessions import SessionsResult, session_table
from linernotes.library import Library
from tests.support.exports import play, write_extended

PHONE = "Android OS 13 API 33 (Google, Pixel 7)"
LAPTOP = "OS X 14.2.1 [x86 8]"


def rec(start: str, seconds: int, track: str = "Song", artist: str = "Band", **extra: Any) -> dict[str, Any]:
    """A play that starts at ``start`` (UTC) and lasts ``seconds`` (Spotify's ``ts`` is the end)."""
    begin = dt.datetime.fromisoformat(start).replace(tzinfo=dt.UTC)
    end = begin + dt.timedelta(seconds=seconds)
    return play(end.strftime("%Y-%m-%dT%H:%M:%SZ"), track, artist, ms=seconds * 1000, **extra)


def load(lib: Library, tmp_path: Path, records: list[dict[str, Any]]) -> Library:
    lib.import_paths([write_extended(tmp_path / "history.json", records)])
    return lib


# ---- clock -------------------------------------------------------------------------------------------------


def test_clock_places_time_in_local_hours_and_weekdays(lib: Library, tmp_path: Path) -> None:
    load(
        lib,
        tmp_path,
        [
            rec("2024-01-01T09:00:00", 600),  # Monday 10:00 CET, 10 minutes
            rec("2024-01-06T22:30:00", 1200),  # Saturday 23:30 CET, 20 minutes: night
            rec("2024-01-07T02:00:00", 300),  # Sunday 03:00 CET, 5 minutes: night
            rec("2024-07-01T09:00:00", 600),  # Monday 11:00 CEST (summer time), 10 minutes
        ],
    )
    r = lib.insight("clock", start="2024-01-01", end="2024-12-31")
    assert isinstance(r, ClockResult)
    assert r.total_ms == 2_700_000
    assert r.heatmap[0][10] == 10.0 and r.heatmap[0][11] == 10.0  # Monday: winter 10:00, summer 11:00
    assert r.heatmap[5][23] == 20.0 and r.heatmap[6][3] == 5.0
    assert sum(map(sum, r.heatmap)) == 45.0
    assert r.night_ms == 1_500_000 and r.night_share == pytest.approx(25 / 45)
    assert r.peak_hour == 23 and r.peak_cell == (6, 23)
    assert sum(r.rhythm) == pytest.approx(1.0) and r.rhythm[23] == pytest.approx(20 / 45)
    # 2024 has 262 weekdays and 104 weekend days; minutes per calendar day, not per day listened
    s = r.week_split
    assert (s.weekday_days, s.weekend_days) == (262, 104)
    assert s.weekday_minutes_per_day == pytest.approx(20 / 262)
    assert s.weekend_minutes_per_day == pytest.approx(25 / 104)
    assert r.peak_weekday == 6  # Saturday: 20 min over 52 Saturdays beats Monday's 20 min over 53 Mondays
    jan, jul = r.seasons[0], r.seasons[6]
    assert (jan.ms_played, jan.days_in_period, jul.ms_played) == (2_100_000, 31, 600_000)
    assert jan.minutes_per_day == pytest.approx(35 / 31)


def test_clock_night_ends_before_five(lib: Library, tmp_path: Path) -> None:
    night = rec("2024-01-10T03:59:00", 60)  # 04:59 CET: night
    morning = rec("2024-01-11T04:00:00", 60)  # 05:00 CET: morning
    evening = rec("2024-01-11T20:59:00", 60)  # 21:59 CET: evening
    load(lib, tmp_path, [night, morning, evening])
    r = lib.insight("clock")
    assert r.night_ms == 60_000  # type: ignore[attr-defined]


# ---- calendar ----------------------------------------------------------------------------------------------


def test_calendar_streaks_gaps_and_busiest(lib: Library, tmp_path: Path) -> None:
    load(
        lib,
        tmp_path,
        [
            rec("2024-03-04T10:00:00", 600),  # Mon 4 March
            rec("2024-03-05T10:00:00", 600),  # Tue
            rec("2024-03-06T10:00:00", 600),  # Wed: a 3-day streak
            rec("2024-03-10T10:00:00", 3600),  # Sun 10 March: the busiest day (a 3-day gap before it)
            rec("2024-03-11T10:00:00", 300),  # Mon 11 March: a new ISO week
            rec("2024-03-11T23:30:00", 300),  # 00:30 CET on Tue 12 March: a local day, not UTC's
            rec("2024-04-01T10:00:00", 600),
        ],
    )
    r = lib.insight("calendar", start="2024-03-01", end="2024-04-02")
    assert isinstance(r, CalendarResult)
    assert r.days_in_period == 33 and len(r.daily.minutes) == 33 and r.daily.start == dt.date(2024, 3, 1)
    assert r.daily.minutes[:7] == [0.0, 0.0, 0.0, 10.0, 10.0, 10.0, 0.0]
    assert r.daily.minutes[11] == 5.0  # 12 March
    assert r.days_listened == 7
    assert r.longest_streak is not None
    assert (r.longest_streak.first_day, r.longest_streak.last_day, r.longest_streak.days) == (
        dt.date(2024, 3, 4),
        dt.date(2024, 3, 6),
        3,
    )
    assert r.longest_gap is not None
    assert (r.longest_gap.first_day, r.longest_gap.last_day, r.longest_gap.days) == (
        dt.date(2024, 3, 13),
        dt.date(2024, 3, 31),
        19,
    )
    assert r.current_streak is None  # 2 April has no plays
    assert r.busiest_day is not None and r.busiest_day.label == "2024-03-10"
    assert r.busiest_week is not None
    assert (r.busiest_week.label, r.busiest_week.first_day, r.busiest_week.ms_played) == (
        "2024-W10",
        dt.date(2024, 3, 4),
        5_400_000,
    )
    assert r.busiest_month is not None and (r.busiest_month.label, r.busiest_month.ms_played) == ("2024-03", 6_000_000)
    assert r.minutes_per_day == pytest.approx(110 / 33)
    assert r.minutes_per_active_day == pytest.approx(110 / 7)


def test_calendar_gap_at_the_edges_of_a_given_period(lib: Library, tmp_path: Path) -> None:
    load(lib, tmp_path, [rec("2024-05-20T10:00:00", 600)])
    r = lib.insight("calendar", start="2024-05-01", end="2024-05-31")
    assert r.longest_gap is not None and (r.longest_gap.first_day, r.longest_gap.days) == (dt.date(2024, 5, 1), 19)  # type: ignore[attr-defined]
    assert r.current_streak is None  # type: ignore[attr-defined]


# ---- sessions ----------------------------------------------------------------------------------------------


def test_sessions_split_by_gap_and_describe_them(lib: Library, tmp_path: Path) -> None:
    load(
        lib,
        tmp_path,
        [
            # session A on the laptop: 3 plays, one skipped; 25 minutes of silence follow
            rec("2024-02-01T18:00:00", 200, "One", "Alpha", platform=LAPTOP, reason_start="clickrow"),
            rec("2024-02-01T18:03:22", 10, "Two", "Beta", platform=LAPTOP, reason_end="fwdbtn", skipped=True),
            rec("2024-02-01T18:03:34", 200, "Three", "Alpha", platform=LAPTOP),
            # session B: 25 min later (a new session at 20 min, the same one at 30 min); a long play holds it
            rec("2024-02-01T18:32:14", 3600, "Mix", "Gamma", platform=PHONE, reason_start=None),
            rec("2024-02-01T18:40:00", 60, "Short", "Delta", platform=PHONE),  # inside the long play
            rec("2024-02-01T19:40:00", 60, "After", "Delta", platform=PHONE),  # 8 min after the long play ended
        ],
    )
    r = lib.insight("sessions")
    assert isinstance(r, SessionsResult)
    assert r.count == 2 and r.gap_minutes == 20
    a, b = sorted(r.longest, key=lambda s: s.start)
    assert (a.streams, a.plays, a.ms_played, a.duration_s) == (3, 2, 410_000, 414.0)
    assert a.start == dt.datetime(2024, 2, 1, 19, 0) and a.main_artist == "Alpha" and a.device == "desktop_mac"
    assert (b.streams, b.duration_s, b.main_artist, b.device) == (3, 4126.0, "Gamma", "phone_android")
    assert b.end == dt.datetime(2024, 2, 1, 20, 41, 0)
    assert r.longest[0] == b and r.longest[0].rank == 1
    assert {s.reason_start: s.sessions for s in r.starters} == {"clickrow": 1, "unknown": 1}  # not the next play's
    assert {d.device: (d.sessions, d.ms_played) for d in r.devices} == {
        "phone_android": (1, 3_720_000),
        "desktop_mac": (1, 410_000),
    }
    assert r.median_duration_s == pytest.approx((414 + 4126) / 2)
    assert [x.sessions for x in r.by_duration] == [0, 1, 0, 0, 1, 0, 0]  # 6.9 min and 68.8 min
    assert [x.sessions for x in r.by_streams] == [0, 2, 0, 0, 0, 0, 0]  # 3 plays each
    assert r.by_streams[1].label == "2–3 plays" and r.by_streams[0].label == "1 play"

    longer = lib.insight("sessions", gap_minutes="30")
    assert longer.count == 1  # type: ignore[attr-defined]
    assert longer.meta is not None and longer.meta.params == {"gap_minutes": 30}
    with pytest.raises(UsageError):
        lib.insight("sessions", gap_minutes=0)


def test_session_table_matches_a_plain_loop_on_random_history(lib: Library, tmp_path: Path) -> None:
    rng = random.Random(7)
    now = dt.datetime(2015, 1, 1, 12, 0)
    records = []
    for _ in range(3000):
        # mostly back-to-back plays, sometimes long silences, sometimes overlapping ones
        now += dt.timedelta(seconds=rng.choice([5, 30, 300, 1190, 1210, 1300, 40_000, 300_000, -100]))
        records.append(rec(now.isoformat(), rng.randint(20, 400), f"T{rng.randint(1, 50)}", "A"))
    load(lib, tmp_path, records)
    stored = lib.con.execute("SELECT ts_start, ts_end FROM plays ORDER BY ts_start, ts_end").fetchall()
    assert len(stored) > 2000
    expected, latest = 0, None
    for begin, end in stored:  # the definition, play by play
        if latest is None or (begin - latest).total_seconds() > 20 * 60:
            expected += 1
        latest = end if latest is None else max(latest, end)
    r = lib.insight("sessions")
    assert r.count == expected  # type: ignore[attr-defined]
    table = session_table(lib.engine.context(Scope.make()), 20)
    assert lib.con.execute(
        f"SELECT count(DISTINCT session_id), count(*) FILTER (WHERE pos = 1) FROM {table}"
    ).fetchall()[0] == (expected, expected)


# ---- context -----------------------------------------------------------------------------------------------


def test_context_trips_shares_and_incognito(lib: Library, tmp_path: Path) -> None:
    load(
        lib,
        tmp_path,
        [
            *[rec(f"2024-03-{d:02d}T10:00:00", 600, platform=PHONE) for d in range(1, 11)],  # at home
            rec("2024-03-11T01:00:00", 600, conn_country="JP", offline=True),  # 10:00 in Tokyo
            rec("2024-03-12T01:00:00", 600, conn_country="JP", offline=True),
            # 13 and 14 March: no plays (the trip goes on)
            rec("2024-03-15T01:00:00", 600, conn_country="JP", shuffle=True),
            rec("2024-03-16T10:00:00", 600, shuffle=True),  # home again
            rec("2024-03-17T01:00:00", 600, conn_country="JP"),  # a second, one-day trip
            rec("2024-03-18T10:00:00", 600, conn_country="ZZ"),  # unknown country
            rec("2024-03-19T10:00:00", 300, platform=LAPTOP, incognito_mode=True),
        ],
    )
    r = lib.insight("context")
    assert isinstance(r, ContextResult)
    assert r.home_country == "DE"
    assert [(t.country, t.first_day, t.last_day, t.days, t.days_with_plays, t.plays) for t in r.trips] == [
        ("JP", dt.date(2024, 3, 11), dt.date(2024, 3, 15), 5, 3, 3),
        ("JP", dt.date(2024, 3, 17), dt.date(2024, 3, 17), 1, 1, 1),
    ]
    strict = lib.insight("context", trip_gap_days=1)
    assert [t.days for t in strict.trips] == [2, 1, 1]  # type: ignore[attr-defined]
    assert {c.country: c.plays for c in r.countries} == {"DE": 11, "JP": 4, "unknown": 1}
    assert r.abroad_share == pytest.approx(4 / 16)
    assert (r.offline.plays, r.offline.base_plays) == (2, 16)
    # every play of an extended export records the settings (the incognito play is not in the selection)
    assert (r.recorded.shuffle, r.recorded.offline, r.recorded.incognito) == (16, r.offline.base_plays, 16)
    assert (r.shuffle.plays, r.shuffle.time_share) == (2, pytest.approx(2 / 16))
    # the incognito play is not in the selection, but its share is reported from the library
    assert "desktop_mac" not in {d.device for d in r.devices}
    assert (r.incognito.plays, r.incognito.ms_played, r.incognito.base_ms) == (1, 300_000, 9_900_000)
    included = lib.insight("context", include_incognito=True)
    assert included.incognito == r.incognito  # type: ignore[attr-defined]
    assert "desktop_mac" in {d.device for d in included.devices}  # type: ignore[attr-defined]
    assert lib.insight("context", start="2024-03-01", end="2024-03-18").incognito.plays == 0  # type: ignore[attr-defined]
    assert r.bucket == "month" and {b.bucket for b in r.devices_over_time} == {"2024-03"}
    assert {b.bucket for b in lib.insight("context", bucket="year").devices_over_time} == {"2024"}  # type: ignore[attr-defined]


def test_context_says_which_settings_an_export_records(lib: Library, tmp_path: Path) -> None:
    """Account data records no shuffle, offline or private-session flag: its shares are 0% of nothing, and
    ``recorded`` says so (the dashboard then says the export does not record them)."""
    account = tmp_path / "StreamingHistory_music_0.json"
    account.write_text(json.dumps([{"endTime": f"2024-03-0{d} 10:00", "artistName": "Band", "trackName": "Song",
                                    "msPlayed": 200_000} for d in range(1, 4)]), encoding="utf-8")
    lib.import_paths([account])
    r = lib.insight("context")
    assert isinstance(r, ContextResult) and r.total_ms == 600_000
    assert (r.recorded.shuffle, r.recorded.offline, r.recorded.incognito) == (0, 0, 0)
    assert r.shuffle.time_share == r.offline.time_share == 0.0


def test_incognito_share_respects_exclusions(lib: Library, tmp_path: Path) -> None:
    load(
        lib,
        tmp_path,
        [rec("2024-03-01T10:00:00", 600), rec("2024-03-02T10:00:00", 300, "Hidden", "Secret", incognito_mode=True)],
    )
    assert lib.insight("context").incognito.plays == 1  # type: ignore[attr-defined]
    lib.exclude(artist="Secret")
    assert lib.insight("context").incognito.plays == 0  # type: ignore[attr-defined]


# ---- every one of them on an empty selection -------------------------------------------------------------


@pytest.mark.parametrize("name", ["clock", "calendar", "sessions", "context"])
def test_empty_selection(lib: Library, tmp_path: Path, name: str) -> None:
    load(lib, tmp_path, [rec("2024-03-01T10:00:00", 600)])
    for kwargs in ({"start": "2020-01-01", "end": "2020-01-31"}, {"kinds": "audiobook"}):
        r = lib.insight(name, **kwargs)
        assert r.meta is not None and r.meta.plays == 0
        assert r.summary() in (["No listening in this period."], ["No listening sessions in this period."])
        r.to_dict()
