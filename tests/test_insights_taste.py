"""Taste insights — skips, discovery, diversity, loyalty — on hand-built histories with known answers.

Every history is at home in Germany (Europe/Berlin: UTC+1 in winter, UTC+2 in summer).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest

from linernotes.engine.scope import Context, Scope
from linernotes.insights.discovery import DiscoveryResult, first_listens
from linernotes.insights.diversity import DiversityResult, trend
from linernotes.insights.loyalty import LoyaltyResult
from linernotes.insights.skips import SkipsResult
from linernotes.library import Library
from tests.support.exports import play, write_extended


def at(start_utc: str, artist: str, track: str, seconds: int = 200, **extra: Any) -> dict[str, Any]:
    """A play that STARTS at ``start_utc`` (UTC) and lasts ``seconds`` (the export's ``ts`` is its end)."""
    end = dt.datetime.fromisoformat(start_utc).replace(tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
    return play(end.strftime("%Y-%m-%dT%H:%M:%SZ"), track=track, artist=artist, ms=seconds * 1000, **extra)


def load(lib: Library, tmp_path: Path, records: list[dict[str, Any]], generation: str = "C") -> Library:
    lib.import_paths([write_extended(tmp_path / "Streaming_History_Audio_2020-2024.json", records, generation)])
    return lib


def day(d: dt.date, hour: int = 12) -> str:
    return f"{d.isoformat()}T{hour:02d}:00:00"


# ---------------------------------------------------------------------------------------------------- skips


def _skips(lib: Library, **kw: Any) -> SkipsResult:
    result = lib.insight("skips", **kw)
    assert isinstance(result, SkipsResult)
    return result


def test_skips_are_derived_from_reason_end_when_the_flag_is_missing(lib: Library, tmp_path: Path) -> None:
    records = [
        # Gen A: skipped is null; a fwdbtn before 30 s is a skip, one after 30 s is not, trackdone is not
        at("2023-05-01T10:00:00", "A", "a1", 10, skipped=None, reason_end="fwdbtn"),
        at("2023-05-01T10:01:00", "A", "a2", 40, skipped=None, reason_end="fwdbtn"),
        at("2023-05-01T10:02:00", "A", "a3", 200, skipped=None, reason_end="trackdone"),
        at("2023-05-01T10:06:00", "A", "a4", 5, skipped=None, reason_end="backbtn"),
        # nothing known: no flag and no reason_end
        at("2023-05-01T10:07:00", "A", "a5", 5, skipped=None, reason_end=None),
    ]
    r = _skips(load(lib, tmp_path, records, generation="A"))
    assert (r.plays, r.skips, r.unknown) == (4, 2, 1)
    assert r.rate == pytest.approx(0.5)
    assert [(b.lo_s, b.skips) for b in r.time_to_skip if b.skips] == [(5, 1), (10, 1)]
    assert r.median_seconds_to_skip == pytest.approx(7.5)


def test_skips_by_intent_shuffle_hour_and_wilson(lib: Library, tmp_path: Path) -> None:
    records = []
    t = dt.datetime(2024, 1, 10, 9, 0)
    for i in range(10):  # picked by hand (clickrow), never skipped, shuffle off
        records.append(at((t + dt.timedelta(minutes=5 * i)).isoformat(), "Mine", f"m{i}", 200,
                          reason_start="clickrow", reason_end="trackdone", skipped=False, shuffle=False))
    for i in range(10):  # chosen by the player (trackdone), 8 of 10 skipped at 3 s, shuffle on
        skipped = i < 8
        records.append(at((t + dt.timedelta(hours=2, minutes=5 * i)).isoformat(), "Theirs", "t", 3 if skipped else 200,
                          reason_start="trackdone", reason_end="fwdbtn" if skipped else "trackdone",
                          skipped=skipped, shuffle=True))
    # a late play: 23:30 UTC on 10 January is 00:30 local on the 11th
    records.append(at("2024-01-10T23:30:00", "Night", "n", 4, reason_end="fwdbtn", skipped=True, shuffle=False,
                      reason_start="appload"))
    r = _skips(load(lib, tmp_path, records))
    intent = {x.name: (x.plays, x.skips) for x in r.by_intent}
    assert intent == {"deliberate": (10, 0), "algorithmic": (10, 8), "other": (1, 1)}
    shuffle = {x.name: (x.plays, x.skips) for x in r.by_shuffle}
    assert shuffle == {"on": (10, 8), "off": (11, 1)}
    assert (r.by_hour[0].plays, r.by_hour[0].skips) == (1, 1)
    assert r.by_hour[10].plays == 10 and r.by_hour[12].plays == 10 and r.by_hour[23].rate is None
    top = r.by_track[0]
    assert (top.name, top.by, top.plays, top.skips) == ("t", "Theirs", 10, 8)
    # Wilson lower bound of 8 of 10 at 95 %: about 0.490
    assert top.low == pytest.approx(0.4902, abs=1e-3)
    assert r.always_skipped == []  # 8 of 10 is not "almost always", with certainty
    assert [x.name for x in _skips(lib, sure_rate=0.45).always_skipped] == ["t"]


def test_almost_always_skipped_needs_enough_plays(lib: Library, tmp_path: Path) -> None:
    records = []
    t = dt.datetime(2024, 2, 1, 8, 0)
    for track, n in (("six", 6), ("five", 5)):
        for _ in range(n):
            t += dt.timedelta(minutes=3)
            records.append(at(t.isoformat(), "Band", track, 4, reason_end="fwdbtn", skipped=True))
    r = _skips(load(lib, tmp_path, records))
    assert [(x.name, x.plays) for x in r.always_skipped] == [("six", 6)]  # 5 of 5: lower bound 0.57 < 0.6
    assert [x.name for x in _skips(lib, min_plays=7).always_skipped] == []
    assert r.summary()[-1] == "You almost always skip six by Band (6 of 6 plays)."


# ------------------------------------------------------------------------------------------------ discovery


def _discovery(lib: Library, **kw: Any) -> DiscoveryResult:
    result = lib.insight("discovery", **kw)
    assert isinstance(result, DiscoveryResult)
    return result


def test_discovery_dates_are_local_dates_of_the_first_play_ever(lib: Library, tmp_path: Path) -> None:
    records = [
        at("2023-12-01T12:00:00", "Old", "o", 200),
        at("2024-01-05T23:30:00", "New", "n1", 200),  # 00:30 on 6 January in Berlin
        at("2024-01-20T12:00:00", "New", "n2", 200),
        at("2024-01-20T12:10:00", "Old", "o2", 200),  # a new track by a known artist
        at("2024-02-03T12:00:00", "New", "n1", 200),
    ]
    load(lib, tmp_path, records)
    ctx = Context(lib.engine, Scope.make(start="2024-01-01", end="2024-03-31"))
    rows = lib.con.execute(f"SELECT artist, first_day FROM {first_listens(ctx)} ORDER BY artist").fetchall()
    assert rows == [("New", dt.date(2024, 1, 6)), ("Old", dt.date(2023, 12, 1))]
    r = _discovery(lib, start="2024-01-01", end="2024-03-31")
    assert (r.new_artists, r.new_tracks) == (1, 3)
    assert [(m.month, m.new_artists, m.new_tracks) for m in r.months] == [
        ("2024-01", 1, 3), ("2024-02", 0, 0), ("2024-03", 0, 0)]
    assert r.discoveries[0].artist == "New" and r.discoveries[0].first_day == dt.date(2024, 1, 6)
    # 4 plays of 200 s in the period, 3 of them by the new artist
    assert r.new_artist_share == pytest.approx(0.75)
    assert r.new_artists_per_100h == pytest.approx(1 / (800 / 360_000))
    # the whole history: both are new; "Old" was found 50 days before its January play
    whole = _discovery(lib)
    assert whole.new_artists == 2 and whole.fresh_share == pytest.approx(1.0)
    assert _discovery(lib, fresh_days=30).fresh_share == pytest.approx(4 / 5)


def test_days_to_favourite_uses_a_rolling_window_of_weeks(lib: Library, tmp_path: Path) -> None:
    records = []
    monday = dt.date(2024, 1, 1)
    for week in range(12):  # three regulars, every Monday, 600 s each
        for k, artist in enumerate(("R1", "R2", "R3")):
            records.append(at(day(monday + dt.timedelta(weeks=week), 10 + k), artist, "x", 600))
    # a find on Wednesday 10 January: one short play, then nothing until a binge in the week of 5 February
    records.append(at(day(dt.date(2024, 1, 10)), "Find", "f", 100))
    records += [at(f"2024-02-07T14:{10 * i:02d}:00", "Find", "f", 300) for i in range(5)]
    r = _discovery(load(lib, tmp_path, records), top_n=3, window_weeks=2)
    find = next(d for d in r.discoveries if d.artist == "Find")
    assert find.first_day == dt.date(2024, 1, 10)
    assert find.favourite_on == dt.date(2024, 2, 5) and find.days_to_favourite == 26
    # with a top 4 it is a favourite the week it is found (the regulars are only three)
    quick = next(d for d in _discovery(lib, top_n=4).discoveries if d.artist == "Find")
    assert quick.favourite_on == dt.date(2024, 1, 10) and quick.days_to_favourite == 0


# ------------------------------------------------------------------------------------------------ diversity


def test_diversity_per_month_and_trend(lib: Library, tmp_path: Path) -> None:
    records = []
    for month in range(1, 5):  # month m: m artists, 600 s each — perfectly even
        for k in range(month):
            records.append(at(day(dt.date(2023, month, 10), 8 + k), f"Artist {k}", "t", 600))
    records.append(at(day(dt.date(2023, 4, 11)), "Artist 0", "t", 600))  # April: Artist 0 twice as much
    r = load(lib, tmp_path, records).insight("diversity")
    assert isinstance(r, DiversityResult)
    jan, feb, mar, apr = r.months
    assert (jan.artists, jan.entropy, jan.effective_artists, jan.gini) == (1, 0.0, 1.0, 0.0)
    assert feb.effective_artists == pytest.approx(2.0) and feb.gini == pytest.approx(0.0)
    assert mar.entropy == pytest.approx(math.log(3))
    # April: shares 2/5, 1/5, 1/5, 1/5
    shares = [0.4, 0.2, 0.2, 0.2]
    assert apr.entropy == pytest.approx(-sum(p * math.log(p) for p in shares))
    # Gini of (1, 1, 1, 2): 2 * (1 + 2 + 3 + 8) / (4 * 5) - 5 / 4 = 0.15
    assert apr.gini == pytest.approx(0.15)
    assert apr.top10_share == pytest.approx(1.0)
    # Four months are too few for a trend "per year": it is withheld, and the result says why.
    assert r.trends == [] and r.withheld == ["trend: 4 months with music; a trend per year needs at least 12"]
    assert r.total.artists == 4 and r.total.ms_played == 11 * 600_000
    months = [dt.date(2023 + m // 12, m % 12 + 1, 1) for m in range(12)]
    rising = trend("effective_artists", months, [1.0 + m for m in range(12)])
    assert rising is not None and rising.direction == "rising" and rising.months == 12
    assert trend("gini", months[:11], [0.5] * 11) is None


# -------------------------------------------------------------------------------------------------- loyalty


def test_loyalty_rotation_wonders_and_longest_loved(lib: Library, tmp_path: Path) -> None:
    records = []
    q = dt.date(2019, 1, 15)
    while q < dt.date(2024, 3, 1):  # "Steady": once a quarter from 2019, the last time in March 2024
        records.append(at(day(q), "Steady", "s", 200))
        q = (q.replace(month=q.month + 3) if q.month <= 9 else q.replace(year=q.year + 1, month=q.month - 9))
    records += [at(day(dt.date(2024, 3, 20), h), "Steady", "s", 200) for h in (10, 11)]  # its peak month
    # "Gone": loved long ago, never played in the last 90 days
    records += [at(day(dt.date(2019, 6, d)), "Gone", "g", 200) for d in (1, 2, 3)]
    # "Sparse": first in 2020 and again in 2024: a long span, but not steady
    records += [at(day(dt.date(2020, 2, 1)), "Sparse", "p", 200), at(day(dt.date(2024, 3, 2)), "Sparse", "p", 200),
                at(day(dt.date(2024, 3, 3)), "Sparse", "p", 200)]
    # one-week wonders in 2023: "Wonder" (4 plays in 3 days); "Twice" too few plays; "Eight" spans 8 days
    records += [at(day(dt.date(2023, 5, d), 9 + i), "Wonder", "w", 200) for i, d in enumerate((1, 2, 3, 3))]
    records += [at(day(dt.date(2023, 5, d)), "Twice", "t", 200) for d in (1, 2)]
    records += [at(day(dt.date(2023, 5, d)), "Eight", "e", 200) for d in (1, 4, 9)]
    r = load(lib, tmp_path, records).insight("loyalty", start="2023-01-01", end="2024-03-31")
    assert isinstance(r, LoyaltyResult)
    assert [s.artist for s in r.in_rotation] == ["Steady", "Sparse"] and r.in_rotation_count == 2
    assert r.in_rotation[0].first_day == dt.date(2019, 1, 15) and r.long_known == 3
    assert [(w.artist, w.plays) for w in r.one_week_wonders] == [("Wonder", 4)]
    assert r.one_week_wonder_count == 1
    loved = [x.artist for x in r.longest_loved]
    assert loved[0] == "Steady" and "Sparse" not in loved
    assert r.longest_loved[0].coverage == pytest.approx(1.0)
    life = {x.artist: x for x in r.lifecycles}
    assert life["Steady"].first_day == dt.date(2019, 1, 15) and life["Steady"].last_day == dt.date(2024, 3, 20)
    assert (life["Steady"].peak_month, life["Steady"].peak_month_ms) == ("2024-03", 400_000)
    assert life["Steady"].total_ms == life["Steady"].plays * 200_000
    assert "Gone" not in life  # not played in the period
    # with 6 years, nobody has been around long enough
    assert lib.insight("loyalty", start="2023-01-01", end="2024-03-31", years=6).in_rotation_count == 0  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------------- empty


@pytest.mark.parametrize("name", ["skips", "discovery", "diversity", "loyalty"])
def test_empty_selection(lib: Library, tmp_path: Path, name: str) -> None:
    load(lib, tmp_path, [at("2023-05-01T10:00:00", "A", "a", 200)])
    r = lib.insight(name, start="2020-01-01", end="2020-01-31")
    assert r.summary() and r.to_dict()["result"] is not None
    r = lib.insight(name, kinds="episode")
    assert r.summary()
