"""What counts as a play (policies) and `top` for any period, on a hand-built history with known answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from linernotes.engine.period import Period
from linernotes.errors import UsageError
from linernotes.library import Library
from tests.support.exports import play, write_extended


@pytest.fixture
def history(lib: Library, tmp_path: Path) -> Library:
    records = [
        # "Long" is 300 s; its longest trackdone play tells the lastfm policy its length.
        play("2023-03-01T10:05:00Z", "Long", "A", ms=300_000, reason_end="trackdone"),
        play("2023-03-01T11:00:00Z", "Long", "A", ms=140_000, reason_end="fwdbtn"),   # < half: lastfm no
        play("2023-03-01T12:00:00Z", "Long", "A", ms=160_000, reason_end="fwdbtn"),   # > half: lastfm yes
        play("2023-03-01T13:00:00Z", "Long", "A", ms=20_000, reason_end="fwdbtn"),    # < 30 s: spotify no
        play("2023-06-01T10:00:00Z", "Short", "B", ms=45_000, reason_end="trackdone"),
        play("2023-06-01T11:00:00Z", "Short", "B", ms=25_000, reason_end="fwdbtn"),   # > half of 45 s
        play("2023-06-02T10:00:00Z", "Podcast", None, ms=3_600_000, spotify_track_uri=None,
             master_metadata_album_album_name=None, episode_name="Ep 1", episode_show_name="Show",
             spotify_episode_uri="spotify:episode:1"),
        play("2022-12-31T23:30:00Z", "Old", "C", ms=200_000),  # 2023-01-01 00:30 in Berlin (home)
        play("2023-01-01T00:00:00Z", "Zero", "C", ms=0, reason_end="endplay"),
    ]
    lib.import_paths([write_extended(tmp_path / "h.json", records)])
    return lib


@pytest.mark.parametrize(("policy", "expected"), [
    ("spotify", {"A": 3, "B": 1, "C": 1}),
    ("lastfm", {"A": 2, "B": 2, "C": 1}),
    ("trackdone", {"A": 1, "B": 1, "C": 1}),
    ("any", {"A": 4, "B": 2, "C": 2}),
])
def test_policies_count_plays(history: Library, policy: str, expected: dict[str, int]) -> None:
    got = {r.name: r.plays for r in history.top("artists", by="plays", policy=policy, limit=50)}
    assert got == expected


def test_listening_time_is_always_the_sum_of_ms_played(history: Library) -> None:
    for policy in ("spotify", "lastfm", "trackdone", "any"):
        got = {r.name: r.ms_played for r in history.top("artists", policy=policy, limit=50)}
        assert got == {"A": 620_000, "B": 70_000, "C": 200_000}


def test_top_ranks_and_shares(history: Library) -> None:
    by_time = history.top("artists", by="time")
    assert [r.name for r in by_time] == ["A", "C", "B"]
    assert by_time[0].rank == 1 and abs(sum(r.share for r in by_time) - 1.0) < 1e-9
    tracks = history.top("tracks", by="plays", limit=1)
    assert (tracks[0].name, tracks[0].by, tracks[0].plays) == ("Long", "A", 3)
    shows = history.top("shows")
    assert [(r.name, r.ms_played) for r in shows] == [("Show", 3_600_000)]


def test_period_uses_local_dates(history: Library) -> None:
    # The 23:30 UTC play on New Year's Eve is on 1 January in the home zone (Berlin).
    jan = history.top("artists", period=Period.parse("2023-01-01", "2023-01-31"), policy="any")
    assert [(r.name, r.plays) for r in jan] == [("C", 2)]
    dec = history.top("artists", period=Period.parse("2022-12-01", "2022-12-31"))
    assert dec == []
    march = history.top("tracks", period=Period.parse("2023-03-01", "2023-03-01"), by="plays")
    assert [(r.name, r.plays) for r in march] == [("Long", 3)]


@pytest.mark.parametrize(("call", "message"), [
    (lambda lib: lib.top("genres"), "--entity must be one of: artists, tracks"),
    (lambda lib: lib.top("artists", by="mood"), "--by"),
    (lambda lib: lib.top("artists", policy="half"), "unknown play policy"),
    (lambda lib: lib.top("artists", limit=0), "--limit"),
    (lambda lib: Period.parse("2023-13-01", None), "not a date"),
    (lambda lib: Period.parse("2023-02-01", "2023-01-01"), "after"),
])
def test_bad_arguments_are_usage_errors(history: Library, call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match=message):
        call(history)
