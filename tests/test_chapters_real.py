"""Chapters on the real exports in ../shared/corpus and ../shared/samples: only what each file can support.

Expected values come from reading each raw file (not from running linernotes): its plays of music with a
listening time (Spotify: a track name and ms_played > 0; Last.fm/ListenBrainz: every scrobble), grouped into
ISO weeks of the play's date and into stretches split where more than 8 weeks pass without music. A chapter
needs a year of weeks with music (52) in stretches of at least 9 weeks; stray stretches belong to none.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from linernotes.library import open_library
from tests.support.samples import SAMPLES

CORPUS = SAMPLES.parent / "corpus"
D = dt.date

# file -> (weeks with music, of them in stretches shorter than 9 weeks). Too little for any chapter.
TOO_LITTLE: dict[str, tuple[int, int]] = {
    "corpus/spotify-account_malvik_StreamingHistory1.json": (26, 0),  # 2020-04-10..2020-09-29
    "corpus/spotify-extended_acidnb_Streaming_History_Video_2021-2024.json": (19, 8),  # stretches 1, 2, 5, 11 weeks
    "corpus/spotify-extended_khushi_Streaming_History_Audio_2023.json": (21, 0),  # 2023-07-03..2023-12-24
    "corpus/spotify-extended_mbogo4_Streaming_History_Video_2023-2025.json": (12, 12),  # stretches 1, 8, 3 weeks
    "corpus/lastfm-ghan_sachaw_scrobbles.csv": (26, 0),  # 2024-01-21..2024-07-11
    "samples/spotify-account_StreamingHistory_music_0.json": (18, 0),  # 2024-08-23..2024-12-19
    "samples/spotify-extended-genA_endsong.json": (12, 3),  # 9 weeks to 2022-01, then 3 in 2022-08/09
    "samples/spotify-extended-genC_Streaming_History_Audio_2023.json": (37, 0),  # 2023-01-28..2023-12-15
    "samples/lastfm-ghan_scrobbles.csv": (27, 0),  # 2024-01-12..2024-07-11
    "samples/listenbrainz_listens.jsonl": (1, 1),  # two listens on 2025-06-03
}
NO_MUSIC = [
    "corpus/spotify-extended_khushi_Streaming_History_Video_2025.json",  # video podcasts only
    "corpus/spotify-extended_lshatk_endvideo.json",  # 4 video episodes, 12 rows with nothing
    "samples/spotify-account_StreamingHistory_audiobook_0.json",
    "samples/spotify-account_StreamingHistory_podcast_0.json",
    "samples/youtube-music_watch-history.json",  # YouTube videos, no YouTube Music
]
# file -> (weeks with music, left out, first day, last day, gaps no chapter may cover)
ENOUGH: dict[str, tuple[int, int, dt.date, dt.date, list[tuple[dt.date, dt.date]]]] = {
    # One play on 2020-10-21, then nothing until 2021-01-09: that week is in no chapter. 52 weeks with music once
    # the podcast shows mixed into this old Account file are episodes (one week held only podcast plays).
    "corpus/spotify-account_ohitsm_StreamingHistory0.json": (52, 1, D(2021, 1, 9), D(2022, 1, 9),
                                                             [(D(2020, 10, 1), D(2021, 1, 8))]),
    # Offline plays at their own start (offline_timestamp), days before their sync, add one week.
    "corpus/spotify-extended_mariov_endsong_4.json": (160, 0, D(2019, 11, 8), D(2022, 12, 12), []),
    # Three stretches: 2011-03-29..2016-04 (232 weeks), 2018-04..2019-03 (49), 2019-10..2020-11-20 (58).
    "corpus/lastfm-bbcsv_pingw3_lastfm_scrobbles.csv": (339, 0, D(2011, 3, 29), D(2020, 11, 20),
                                                        [(D(2016, 4, 25), D(2018, 4, 15)),
                                                         (D(2019, 4, 1), D(2019, 10, 13))]),
}


def _path(name: str) -> Path:
    return SAMPLES.parent / name


def _chapters(tmp: Path, name: str) -> object:
    if not _path(name).exists():
        pytest.skip(f"../shared/{name} not present beside the repo")
    with open_library(tmp / "lib.duckdb") as lib:
        lib.import_paths([_path(name)])
        return lib.insight("chapters")


@pytest.mark.parametrize("name", sorted(TOO_LITTLE))
def test_too_little_history_claims_no_chapter(tmp_path: Path, name: str) -> None:
    weeks, left_out = TOO_LITTLE[name]
    result = _chapters(tmp_path, name)
    assert result.chapters == [] and result.total == 0  # type: ignore[attr-defined]
    assert (result.active_weeks + result.left_out_weeks, result.left_out_weeks) == (weeks, left_out)  # type: ignore[attr-defined]
    reason = result.reason  # type: ignore[attr-defined]
    assert reason and "52 weeks with music" in reason and f"this history has {weeks}" in reason
    assert result.summary() == [reason]  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", NO_MUSIC)
def test_no_music_no_chapter(tmp_path: Path, name: str) -> None:
    result = _chapters(tmp_path, name)
    assert result.chapters == [] and result.reason == "There is no music in this history to find chapters in."  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(ENOUGH))
def test_chapters_stay_inside_the_active_stretches(tmp_path: Path, name: str) -> None:
    weeks, left_out, first, last, gaps = ENOUGH[name]
    result = _chapters(tmp_path, name)
    chs = result.chapters  # type: ignore[attr-defined]
    assert chs and result.reason is None  # type: ignore[attr-defined]
    assert (result.active_weeks, result.left_out_weeks) == (weeks, left_out)  # type: ignore[attr-defined]
    assert chs[0].start == first and chs[-1].end == last
    assert sum(c.weeks for c in chs) == weeks
    for c in chs:
        assert c.weeks >= result.min_weeks  # type: ignore[attr-defined]
        assert all(c.end < lo or c.start > hi for lo, hi in gaps), (c.start, c.end)
        for word in ("unknown", "None", "nan"):
            assert word not in c.paragraph and word not in c.title
    for a, b in itertools.pairwise(chs):
        assert b.start > a.end


def test_gen_a_endsong_supports_chapters(tmp_path: Path) -> None:
    # 3,242 plays of music in 195 weeks, one stretch 2016-01-15..2020-04-17 in UTC; chapters are in local time
    # and the first play (ts 2016-01-15T04:26Z, 284 s, conn_country US) was on the evening of the 14th there.
    result = _chapters(tmp_path, "corpus/spotify-extended_lshatk_endsong_2.json")
    chs = result.chapters  # type: ignore[attr-defined]
    assert chs and result.active_weeks == 195  # type: ignore[attr-defined]
    assert chs[0].start == D(2016, 1, 14) and chs[-1].end == D(2020, 4, 17)
