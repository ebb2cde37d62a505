"""Listening modes, the noise finder and moments: behaviour on planted truth and hand-built histories.

The synthetic history (linernotes.synth) plants session contexts (commute, workday, late night, weekend
speaker, evening cast, a child's music, sleep sounds, spoken word) and noise artists; the models must
recover them. Moments are checked on a hand-built history where every break is put in on purpose.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from linernotes import synth
from linernotes.engine.exclusions import Rule
from linernotes.engine.scope import Context, Scope
from linernotes.insights.modes import ModesResult, session_modes
from linernotes.insights.moments import MomentsResult
from linernotes.insights.noise import NoiseResult, noise_rules
from linernotes.library import Library, open_library
from linernotes.models.other_listeners import commands
from tests.support.exports import play, write_extended


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """A 40 000-play synthetic library (seed 11) and its ground truth; a private model cache."""
    tmp = tmp_path_factory.mktemp("planted")
    mp = pytest.MonkeyPatch()
    mp.setenv("LINERNOTES_CACHE", str(tmp / "cache"))
    history = synth.generate(n_plays=40_000, seed=11)
    export = tmp / "export.zip"
    synth.write_extended(history, export, generation="C")
    truth = history.ground_truth()
    with open_library(tmp / "library.duckdb") as lib:
        lib.import_paths([export])
    yield tmp / "library.duckdb", truth
    mp.undo()


@pytest.fixture
def planted_lib(planted: tuple[Path, dict[str, Any]]) -> Iterator[Library]:
    with open_library(planted[0], read_only=True) as lib:
        yield lib


# ------------------------------------------------------------------------------------------------------ modes


def _nmi(truth: np.ndarray, found: np.ndarray) -> float:
    from sklearn.metrics import normalized_mutual_info_score

    return float(normalized_mutual_info_score(truth, found))


def test_modes_recover_the_planted_session_contexts(planted_lib: Library,
                                                    planted: tuple[Path, dict[str, Any]]) -> None:
    contexts = planted[1]["contexts"]
    starts = np.asarray(contexts["session_starts"])
    labels = np.asarray(contexts["session_context"])
    ctx = Context(planted_lib.engine, Scope())
    found_starts, found = session_modes(ctx)
    pos = np.clip(np.searchsorted(starts, found_starts), 0, len(starts) - 1)
    matched = starts[pos] == found_starts
    assert matched.mean() > 0.99  # the clustered sessions are the planted ones
    assert len(found) < len(starts)  # single short plays are left out
    nmi = _nmi(labels[pos[matched]], found[matched])
    assert nmi >= 0.6, nmi
    # a random labelling with the same sizes scores nothing: the measure can fail
    shuffled = np.random.default_rng(0).permutation(found[matched])
    assert _nmi(labels[pos[matched]], shuffled) < 0.05


def test_modes_insight_describes_each_mode_from_its_facts(planted_lib: Library) -> None:
    result = planted_lib.insight("modes")
    assert isinstance(result, ModesResult)
    assert 2 <= result.k <= 8 and min(result.bic, key=lambda k: result.bic[k]) == result.k
    assert sum(m.sessions for m in result.modes) == result.sessions
    assert sum(m.session_share for m in result.modes) == pytest.approx(1.0)
    assert sum(m.time_share for m in result.modes) == pytest.approx(1.0)
    words = {"phone": "on the phone", "desktop_windows": "on the PC", "desktop_mac": "on the Mac",
             "cast": "on the Chromecast", "speaker": "on the speaker", "desktop_linux": "on the Linux PC",
             "web": "on the web player"}
    bands = {"Early-morning": range(5, 8), "Morning": range(8, 12), "Afternoon": range(12, 17),
             "Evening": range(17, 22), "Late-night": [22, 23, 0, 1, 2, 3, 4]}
    for m in result.modes:  # every word is backed by the mode's own figures
        assert (words[m.devices[0].name] in m.description) == (m.devices[0].share >= 0.5)
        for band, hours in bands.items():
            if m.description.startswith(band + " "):
                assert sum(m.hours[h] for h in hours) >= 0.5 * m.sessions
        assert ("weekend" in m.description.lower().split()) == (m.weekend_share >= 0.6)
        assert ("on shuffle" in m.description) == (m.shuffle_share >= 0.7 and m.spoken_share < 0.5)
    # the planted morning commute: phone, weekdays, short sessions on shuffle with many skips
    commute = next(m for m in result.modes if m.description.startswith("Morning weekday"))
    assert commute.devices[0].name == "phone" and commute.shuffle_share > 0.7 and commute.weekend_share < 0.12
    assert all(w in commute.description for w in ("on the phone", "short sessions", "many skips", "on shuffle"))
    # podcasts (and audiobooks) are modes of their own, described as such
    spoken = [m for m in result.modes if m.spoken_share > 0.8]
    assert spoken and any("podcasts" in m.description.lower() for m in spoken)
    assert all("podcasts" in m.description.lower() or "audiobooks" in m.description.lower() for m in spoken)
    # a mode's share of each year's sessions
    assert result.bucket == "year"
    for m in result.modes:
        assert all(0 <= t.share <= 1 for t in m.over_time)
    years = {t.bucket for t in result.modes[0].over_time}
    assert {str(y) for y in range(2016, 2026)} == years
    assert len(result.summary()) >= 3


def test_modes_are_the_same_for_a_period_and_cached(planted_lib: Library) -> None:
    whole = planted_lib.insight("modes")
    assert isinstance(whole, ModesResult)
    t0 = time.perf_counter()
    year = planted_lib.insight("modes", start="2020-01-01", end="2020-12-31")
    assert isinstance(year, ModesResult)
    assert time.perf_counter() - t0 < 5
    assert year.k == whole.k and year.bic == whole.bic
    assert 0 < year.sessions < whole.sessions and year.bucket == "month"
    assert year.modes[0].over_time[0].bucket == "2020-01"


def test_modes_on_a_tiny_history_do_not_crash(lib: Library, tmp_path: Path) -> None:
    records = [play(f"2024-01-0{d}T10:0{i}:00Z", track=f"t{i}", artist="A") for d in (1, 2) for i in range(3)]
    lib.import_paths([write_extended(tmp_path / "Streaming_History_Audio_2024.json", records)])
    result = lib.insight("modes")
    assert isinstance(result, ModesResult)
    assert result.sessions == 2 and result.k <= 1
    assert result.to_dict()["result"]["sessions"] == 2


# ------------------------------------------------------------------------------------------------------ noise


def test_noise_finds_the_planted_noise_with_high_precision_and_recall(planted_lib: Library,
                                                                      planted: tuple[Path, dict[str, Any]]) -> None:
    truth = planted[1]["noise"]
    artists = set(truth["artists"])
    ctx = Context(planted_lib.engine, Scope())
    rules = noise_rules(ctx)
    assert rules
    flagged = " OR ".join(r.predicate() for r in rules)
    names = ", ".join("'" + a.replace("'", "''") + "'" for a in artists)
    tp, n_flagged, n_truth = ctx.one(f"""
        SELECT count(*) FILTER (WHERE ({flagged}) AND artist IN ({names})), count(*) FILTER (WHERE {flagged}),
               count(*) FILTER (WHERE artist IN ({names})) FROM {ctx.plays}""")
    assert n_truth == truth["plays"]
    assert tp / n_flagged >= 0.9 and tp / n_truth >= 0.8


def test_noise_proposals_say_why_and_how_to_accept_them(planted_lib: Library,
                                                        planted: tuple[Path, dict[str, Any]]) -> None:
    result = planted_lib.insight("noise")
    assert isinstance(result, NoiseResult)
    kinds = planted[1]["noise"]["kinds"]
    by_first = {p.artists[0]: p for p in result.proposals}
    sleep = by_first[kinds["sleep"]["artists"][0]]
    assert sleep.label == "sleep or background loops" and sleep.night_share > 0.6
    assert "minutes" in sleep.why
    kids = next(p for p in result.proposals if set(p.artists) & set(kinds["kids"]["artists"]))
    assert set(kids.artists) == set(kinds["kids"]["artists"])  # one proposal for the four children's artists
    assert kids.main_device == "speaker" and "speaker" in kids.label
    rule = kids.rules[0]
    assert rule.cli == f'linernotes exclude add --artist "{kids.artists[0]}" --note "{rule.rule.note}"'
    assert rule.python.startswith(f'lib.exclude(artist="{kids.artists[0]}"')
    assert result.plays_flagged == sum(r.plays for p in result.proposals for r in p.rules)
    assert result.plays_flagged == pytest.approx(planted[1]["noise"]["plays"], rel=0.05)


def test_accepting_the_proposals_removes_the_noise(planted: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "library.duckdb"
    shutil.copy(planted[0], copy)
    with open_library(copy) as lib:
        before = lib.insight("noise")
        assert isinstance(before, NoiseResult) and before.proposals
        plays = lib.insight("overview").meta.plays  # type: ignore[union-attr]
        for p in before.proposals:
            for r in p.rules:
                lib.exclude(r.rule)
        after = lib.insight("noise")
        assert isinstance(after, NoiseResult)
        assert after.proposals == [] and after.plays_flagged == 0
        assert after.meta is not None and after.meta.plays == plays - before.plays_flagged


def test_cli_commands_quote_awkward_names() -> None:
    cli, py = commands(Rule(artist='Nina "Wild" O\'Brien $HOME', device="speaker", note="kids"))
    assert cli == 'linernotes exclude add --artist "Nina \\"Wild\\" O\'Brien \\$HOME" --device "speaker" --note "kids"'
    assert py == 'lib.exclude(artist="Nina \\"Wild\\" O\'Brien $HOME", device="speaker", note="kids")'


# ---------------------------------------------------------------------------------------------------- moments


def _day_records(day: dt.date, hour: int, artist: str, n: int, device: str = "android") -> list[dict[str, Any]]:
    """``n`` four-minute plays starting at ``hour`` UTC (Berlin is UTC+1/+2) on ``day``."""
    start = dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)
    return [play((start + dt.timedelta(minutes=4 * (i + 1))).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 track=f"{artist} {i % 7}", artist=artist, ms=240_000, platform=device) for i in range(n)]


def test_moments_find_each_planted_break(lib: Library, tmp_path: Path) -> None:
    first = dt.date(2022, 1, 3)  # a Monday
    records: list[dict[str, Any]] = []
    for d in range(7 * 40):
        day = first + dt.timedelta(days=d)
        week = d // 7
        if week == 20:
            continue  # a silent week
        if week == 30:  # a week on a different clock: all listening at 3 in the night (local)
            records += _day_records(day, 2, f"Usual {d % 5}", 15)
            continue
        artist = "Comet" if week == 12 and d % 7 < 5 else f"Usual {d % 5}"  # a new artist takes over a week
        records += _day_records(day, 17, artist, 15 + (d * 7) % 5)
    records += _day_records(first + dt.timedelta(days=7 * 25 + 2), 8, "Usual 1", 120)  # one huge day
    lib.import_paths([write_extended(tmp_path / "Streaming_History_Audio_2022.json", records)])
    result = lib.insight("moments")
    assert isinstance(result, MomentsResult)
    got = {(m.kind, m.start) for m in result.moments}
    assert ("quiet_week", first + dt.timedelta(weeks=20)) in got
    assert ("rhythm", first + dt.timedelta(weeks=30)) in got
    assert ("new_artist", first + dt.timedelta(weeks=12)) in got
    assert ("loud_day", first + dt.timedelta(days=7 * 25 + 2)) in got
    assert len(result.moments) == result.found <= 6  # and not much else
    comet = next(m for m in result.moments if m.kind == "new_artist")
    assert comet.artist == "Comet" and comet.magnitude > 0.6 and "Comet" in comet.sentence
    rhythm = next(m for m in result.moments if m.kind == "rhythm")
    assert "night" in rhythm.detail
    assert result.moments == sorted(result.moments, key=lambda m: -m.score)
    # a period lists only its own moments, judged against the same surroundings
    spring = lib.insight("moments", start=str(first + dt.timedelta(weeks=20)),
                         end=str(first + dt.timedelta(weeks=26)))
    assert isinstance(spring, MomentsResult)
    assert {"quiet_week", "loud_day"} <= {m.kind for m in spring.moments}
    assert all(first + dt.timedelta(weeks=20) <= m.start <= first + dt.timedelta(weeks=26) for m in spring.moments)
    assert ("rhythm", first + dt.timedelta(weeks=30)) not in {(m.kind, m.start) for m in spring.moments}


def test_moments_on_steady_listening_find_nothing(lib: Library, tmp_path: Path) -> None:
    first = dt.date(2022, 1, 3)
    records = [r for d in range(7 * 20) for r in _day_records(first + dt.timedelta(days=d), 18, f"A{d % 3}", 12)]
    lib.import_paths([write_extended(tmp_path / "Streaming_History_Audio_2022.json", records)])
    result = lib.insight("moments")
    assert isinstance(result, MomentsResult)
    assert result.moments == [] and result.summary()[0].startswith("No moments")


def test_no_modes_from_a_handful_of_sessions(lib: Library, tmp_path: Path) -> None:
    """A real four-episode Video file made "1 listening modes across 1 sessions. 100% of sessions: ...": the
    sessions are counted, but modes need enough of them to be a finding."""
    records = [play(f"2024-01-0{d}T10:0{i}:00Z", track=f"t{i}", artist="A") for d in (1, 2) for i in range(3)]
    with open_library(tmp_path / "tiny.duckdb") as tiny:
        tiny.import_paths([write_extended(tmp_path / "Streaming_History_Audio_2024.json", records)])
        result = tiny.insight("modes")
        assert isinstance(result, ModesResult) and result.sessions == 2 and result.modes == []
        assert result.summary()[0].startswith("Not enough listening sessions to find modes: they need at least 30")
