"""Behaviour of the "story" insights: obsessions, rediscover, albums, podcasts and audiobooks.

Each test builds a small history whose answer is known by construction (sessions written out with
tests/insight_fixture.py's helpers) and checks that the insight finds it — and does not find what is not there.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from linernotes.library import Library
from tests.support.exports import write_extended
from tests.support.insight_fixture import LAPTOP, PHONE, chapter, episode, session

Rec = dict[str, Any]


def _load(lib: Library, tmp_path: Path, records: list[Rec]) -> Library:
    lib.import_paths([write_extended(tmp_path / "Streaming_History_Audio_2020-2024.json", records)])
    return lib


def _days(start: str, n: int) -> list[dt.date]:
    first = dt.date.fromisoformat(start)
    return [first + dt.timedelta(days=i) for i in range(n)]


def _background(start: str, n_days: int, per_day: int = 2) -> list[Rec]:
    """Varied everyday listening: ``per_day`` sessions a day of eight tracks by rotating artists."""
    out: list[Rec] = []
    for i, day in enumerate(_days(start, n_days)):
        for s in range(per_day):
            tracks = [
                (f"Band {(i * 3 + s * 5 + k) % 17}", f"Song {(i + k) % 9}", f"Record {(i + k) % 17}", 200)
                for k in range(8)
            ]
            out += session(f"{day}T{8 + 6 * s:02d}:00:00", PHONE, tracks)
    return out


# ---- obsessions ---------------------------------------------------------------------------------------------


def test_obsessions_find_a_track_on_repeat_and_an_artist_binge(lib: Library, tmp_path: Path) -> None:
    records = _background("2023-01-01", 120)
    loop = ("Echo", "Again", "Repeat", 180)
    for day in _days("2023-02-10", 3):  # the track on repeat: three sessions a day of it, three days
        for hour in (7, 12, 20):
            records += session(f"{day}T{hour:02d}:30:00", LAPTOP, [loop] * 6)
    for i, day in enumerate(_days("2023-03-20", 6)):  # an artist binge: many different tracks of one artist
        for hour in (7, 20):
            records += session(
                f"{day}T{hour:02d}:30:00", LAPTOP, [("Binger", f"Cut {(i + k) % 10}", "Whole", 200) for k in range(12)]
            )
    # one long evening of one artist: a mood, not an obsession
    records += session("2023-04-10T19:00:00", LAPTOP, [("Once", f"Track {k}", "One Night", 200) for k in range(40)])
    _load(lib, tmp_path, records)
    found = lib.insight("obsessions").obsessions  # type: ignore[attr-defined]
    got = {(o.type, o.name, o.artist): o for o in found}
    assert set(got) == {("track", "Again", "Echo"), ("artist", "Binger", "Binger")}
    track = got[("track", "Again", "Echo")]
    assert (track.start, track.end, track.days, track.plays, track.sessions) == (
        dt.date(2023, 2, 10),
        dt.date(2023, 2, 12),
        3,
        54,
        9,
    )
    assert track.ratio is None  # never played outside the burst
    assert track.share > 0.5
    artist = got[("artist", "Binger", "Binger")]
    assert (artist.start, artist.end, artist.hot_days) == (dt.date(2023, 3, 20), dt.date(2023, 3, 25), 6)
    # the period cuts what is looked at: only the track burst lies in February
    feb = lib.insight("obsessions", start="2023-02-01", end="2023-02-28").obsessions  # type: ignore[attr-defined]
    assert [(o.type, o.name) for o in feb] == [("track", "Again")]
    # a stricter share threshold loses the weaker burst first
    strict = lib.insight("obsessions", min_share=0.9).obsessions  # type: ignore[attr-defined]
    assert all(o.share >= 0.9 for o in strict)


def test_obsessions_skip_a_long_time_favourite(lib: Library, tmp_path: Path) -> None:
    # "Staple" is a quarter of every day for months and, every ten days, more than a third for three days:
    # hot days, but hardly above its usual level: a favourite, not a binge.
    records = _background("2023-01-01", 150)
    for i, day in enumerate(_days("2023-01-01", 150)):
        n = 10 if i % 10 < 3 else 5
        records += session(f"{day}T21:00:00", LAPTOP, [("Staple", f"Hit {k}", "Always", 200) for k in range(n)])
    _load(lib, tmp_path, records)
    found = lib.insight("obsessions").obsessions  # type: ignore[attr-defined]
    assert all(o.artist != "Staple" for o in found)
    # with no ratio required, the same bursts are there: it is the usual level that rules them out
    loose = lib.insight("obsessions", min_ratio=1.0).obsessions  # type: ignore[attr-defined]
    assert any(o.artist == "Staple" and o.type == "artist" and o.hot_days == 3 for o in loose)


# ---- rediscover ---------------------------------------------------------------------------------------------


def _love(artist: str, start: str, weeks: int, tracks: int = 5) -> list[Rec]:
    out: list[Rec] = []
    for w in range(weeks):
        day = dt.date.fromisoformat(start) + dt.timedelta(days=7 * w)
        out += session(f"{day}T19:00:00", LAPTOP, [(artist, f"{artist} {k}", "Best", 240) for k in range(tracks)])
    return out


def test_rediscover_ranks_forgotten_favourites_by_hours_and_silence(lib: Library, tmp_path: Path) -> None:
    records = _love("Old Flame", "2020-01-06", 30)  # 10 hours, silent since mid-2020
    records += _love("Small Crush", "2020-01-07", 6)  # 2 hours, same silence
    records += _love("Recent Love", "2022-06-01", 40)  # more hours, but silent only since early 2023
    records += _love("Still Here", "2020-01-08", 225)  # played every week up to the end: not forgotten
    records += session("2022-03-01T12:00:00", PHONE, [("Old Flame", "Old Flame 1", "Best", 240)])  # one stray play
    records += session("2024-05-01T12:00:00", PHONE, [("Band 1", "Song 1", "Record 1", 200)])
    _load(lib, tmp_path, records)
    res: Any = lib.insight("rediscover")
    assert res.as_of == dt.date(2024, 5, 1)
    names = [f.artist for f in res.favourites]
    assert names[:2] == ["Old Flame", "Recent Love"] or names[:2] == ["Recent Love", "Old Flame"]
    assert "Still Here" not in names
    assert names.index("Small Crush") > names.index("Old Flame")
    flame = res.favourites[names.index("Old Flame")]
    assert flame.stray_plays == 1 and flame.last_day == dt.date(2020, 7, 27)
    assert flame.absence_days == (dt.date(2024, 5, 1) - dt.date(2020, 7, 27)).days
    assert flame.hours == pytest.approx(30 * 5 * 240 / 3600)
    assert flame.top_tracks and flame.top_tracks[0].startswith("Old Flame")
    # the score grows with silence: seen from 2021, Old Flame was forgotten for less long
    earlier: Any = lib.insight("rediscover", end="2021-06-30")
    assert earlier.favourites[0].artist == "Old Flame"
    assert earlier.favourites[0].score < flame.score
    # a minimum absence longer than Recent Love's silence leaves it out
    long_gone: Any = lib.insight("rediscover", min_absence_days=800)
    assert "Recent Love" not in [f.artist for f in long_gone.favourites]


def test_rediscover_on_this_day(lib: Library, tmp_path: Path) -> None:
    records = session("2021-03-15T10:00:00", PHONE, [("Then", "Spring", "Year", 200)] * 3)
    records += session("2023-03-15T10:00:00", PHONE, [("Later", "Again", "Year", 300)])
    records += session("2024-03-15T10:00:00", PHONE, [("Now", "Today", "Year", 200)])
    _load(lib, tmp_path, records)
    res: Any = lib.insight("rediscover")
    assert [(d.years_ago, d.date) for d in res.on_this_day] == [(1, dt.date(2023, 3, 15)), (3, dt.date(2021, 3, 15))]
    three = res.on_this_day[1]
    assert (three.plays, three.ms_played, three.top[0].name, three.top[0].by) == (3, 600_000, "Spring", "Then")
    assert any("On this day 1 year ago" in line for line in res.summary())


# ---- albums -------------------------------------------------------------------------------------------------


def test_albums_listen_through_needs_the_whole_album_in_one_run(lib: Library, tmp_path: Path) -> None:
    album = [("Quartet", f"Movement {k}", "Suite", 240) for k in range(1, 6)]
    records = session("2023-05-01T10:00:00", LAPTOP, album)  # whole, in order: a listen-through
    records += session("2023-05-02T10:00:00", LAPTOP, album[:3])  # put on, stopped after three: a start only
    records += session("2023-05-03T10:00:00", LAPTOP, album, shuffle=True)  # shuffled: not "in order"
    interrupted = [*album[:2], ("Other", "Break", "Else", 200), *album[2:]]  # broken by another album
    records += session("2023-05-04T10:00:00", LAPTOP, interrupted)
    single = ("Hitmaker", "Single", "Greatest", 200)
    for d in range(6):  # an album only sampled: one track, six times, never a run
        records += session(f"2023-05-{10 + d:02d}T10:00:00", PHONE, [single, ("Other", "Break", "Else", 200)])
    _load(lib, tmp_path, records)
    res: Any = lib.insight("albums")
    assert res.listen_throughs == 1
    assert res.starts == 3  # 1 May, 2 May, and the three movements after the break on 4 May
    assert res.completion_rate == pytest.approx(1 / 3)
    [through] = res.recent_listen_throughs
    assert (through.album, through.day, through.tracks_heard, through.known_tracks) == (
        "Suite",
        dt.date(2023, 5, 1),
        5,
        5,
    )
    suite = next(a for a in res.albums if a.album == "Suite")
    assert (suite.starts, suite.listen_throughs, suite.longest_run, suite.known_tracks) == (3, 1, 5, 5)
    assert [a.album for a in res.sampled] == ["Else", "Greatest"]  # by plays: 7 and 6, each one track
    # a lower coverage makes the three-track runs listen-throughs too (never the shuffled session)
    loose: Any = lib.insight("albums", coverage=0.6, min_tracks=3)
    assert loose.listen_throughs == 3


# ---- podcasts -----------------------------------------------------------------------------------------------


def test_podcasts_finished_abandoned_binges_and_new_shows(lib: Library, tmp_path: Path) -> None:
    records = session("2023-01-05T07:00:00", PHONE, [episode("Old Show", "Pilot", 1200, True)])
    records += session("2023-06-01T07:00:00", PHONE, [episode("Talk", "Ep 1", 1500, True)])
    # paused, then resumed and played to the end: finished
    records += session("2023-06-02T07:00:00", PHONE, [episode("Talk", "Ep 2", 600, False)])
    records += session("2023-06-02T19:00:00", PHONE, [episode("Talk", "Ep 2", 900, True)])
    records += session("2023-06-03T07:00:00", PHONE, [episode("Talk", "Ep 3", 120, False)])  # abandoned
    # a binge: four episodes of one show in one evening
    records += session("2023-06-10T18:00:00", LAPTOP, [episode("Series", f"Part {k}", 1200, True) for k in range(4)])
    _load(lib, tmp_path, records)
    res: Any = lib.insight("podcasts", start="2023-06-01", end="2023-06-30")
    talk = next(s for s in res.by_show if s.show == "Talk")
    assert (talk.episodes, talk.finished, talk.abandoned, talk.ms_played) == (3, 2, 1, 3_120_000)
    assert (res.finished, res.abandoned) == (6, 1)
    assert [(b.show, b.day, b.episodes) for b in res.binges] == [("Series", dt.date(2023, 6, 10), 4)]
    assert sorted(res.new_shows) == ["Series", "Talk"]
    assert res.by_show[0].show == "Series"  # most time
    whole: Any = lib.insight("podcasts")
    assert [m.month for m in whole.monthly] == ["2023-01", "2023-06"]
    fewer: Any = lib.insight("podcasts", binge_episodes=5)
    assert fewer.binges == []


# ---- audiobooks ---------------------------------------------------------------------------------------------


def test_audiobooks_progress_and_finished_books(lib: Library, tmp_path: Path) -> None:
    done = [chapter("Done Deal", f"Chapter {k}", 1500) for k in range(1, 5)]
    records = session("2023-02-01T20:00:00", LAPTOP, done[:2])
    records += session("2023-02-03T20:00:00", LAPTOP, done[2:])
    # "Half Way": chapters 1–2 heard, chapter 3 only sampled, and the titles reveal a chapter 6
    half = [
        chapter("Half Way", "Chapter 1", 1500),
        chapter("Half Way", "Chapter 2", 1500),
        chapter("Half Way", "Chapter 3", 60),
        chapter("Half Way", "Chapter 6", 30),
    ]
    records += session("2023-03-01T20:00:00", LAPTOP, half)
    _load(lib, tmp_path, records)
    res: Any = lib.insight("audiobooks")
    books = {b.book: b for b in res.by_book}
    assert books["Done Deal"].finished and books["Done Deal"].progress == 1.0
    assert (books["Done Deal"].sessions, books["Done Deal"].chapters_played) == (2, 4)
    assert books["Done Deal"].minutes_per_session == pytest.approx(50.0)
    half_way = books["Half Way"]
    assert (half_way.chapters_heard, half_way.chapters_known, half_way.finished) == (2, 6, False)
    assert half_way.progress == pytest.approx(2 / 6)
    assert res.finished_books == 1
    # progress is as of the period's end: in January nothing was played yet, in early February half of Done Deal
    feb: Any = lib.insight("audiobooks", start="2023-02-01", end="2023-02-02")
    assert feb.by_book[0].chapters_heard == 2 and not feb.by_book[0].finished


# ---- empty selections ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["obsessions", "rediscover", "albums", "podcasts", "audiobooks"])
def test_empty_selection(lib: Library, tmp_path: Path, name: str) -> None:
    _load(lib, tmp_path, session("2023-01-01T10:00:00", PHONE, [("A", "B", "C", 200)]))
    res = lib.insight(name, start="2022-01-01", end="2022-12-31")
    assert res.to_dict()["summary"]  # says something, does not crash
    music_only = lib.insight(name, kinds="episode")
    assert music_only.to_dict()["result"] is not None
