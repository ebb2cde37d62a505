"""The synthetic generator's truth for the AI layer (chapters, listening modes, noise, skip model) against a real
import: what the models are scored on must be present, observable in the library, and deterministic."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import numpy as np
import pytest

from linernotes.engine.scope import Scope
from linernotes.insights.sessions import session_table
from linernotes.library import Library
from linernotes.synth import History, generate
from linernotes.synth.model import CONTEXTS, ITEM_TRACK, TASTE_GROUPS
from tests.support.exports import imported_history


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[History, Library]]:
    tmp = tmp_path_factory.mktemp("synth_ai_truth")
    h, lib = imported_history(tmp, 25_000, seed=41, start="2018-01-01", end="2024-12-31")
    yield h, lib
    lib.close()


def _session_stats(h: History, lib: Library) -> dict[str, list[tuple[str, int, float, int]]]:
    """Per planted context name: (main device, plays, shuffle share, local start hour at UTC+1) of each session
    the library finds. Every found session must carry a planted label (KeyError otherwise)."""
    ctx = h.ground_truth()["contexts"]
    label = dict(zip(ctx["session_starts"], ctx["session_context"], strict=True))
    table = session_table(lib.engine.context(Scope()))
    rows = lib.con.execute(
        f"SELECT floor(epoch(min(ts_start)))::BIGINT, mode(device), count(*), "
        f"avg(coalesce(shuffle, false)::INT), hour(min(ts_start) + INTERVAL 1 HOUR) "
        f"FROM {table} GROUP BY session_id"
    ).fetchall()
    assert len(rows) == len(ctx["session_starts"])
    out: dict[str, list[tuple[str, int, float, int]]] = {}
    for t, dev, n, sh, hour in rows:
        out.setdefault(CONTEXTS[label[int(t)]]["name"], []).append((dev, n, sh, hour))
    return out


def test_contexts_are_recorded_for_every_kept_session(planted: tuple[History, Library]) -> None:
    h, lib = planted
    gt = h.ground_truth()
    ctx = gt["contexts"]
    assert ctx["labels"] == [c["name"] for c in CONTEXTS] and len(ctx["labels"]) == 8
    assert ctx["session_starts"] == gt["sessions"]["starts"]
    assert len(ctx["session_context"]) == len(ctx["session_starts"]) == gt["sessions"]["count"]
    assert set(ctx["session_context"]) == set(range(len(CONTEXTS)))  # every mode is planted
    stats = _session_stats(h, lib)

    def share(name: str, devices: tuple[str, ...]) -> float:
        c = Counter(s[0] for s in stats[name])
        return sum(c[d] for d in devices) / sum(c.values())

    # The context decides the device the library sees.
    assert share("weekend speaker albums", ("speaker",)) > 0.75
    assert share("workday focus", ("desktop_windows", "web")) > 0.85
    assert share("late-night ambient", ("desktop_mac",)) > 0.75
    assert share("morning commute", ("phone_android", "phone_ios", "tablet")) > 0.85
    assert share("evening cast", ("cast",)) > 0.7


def test_contexts_shape_hour_shuffle_and_length(planted: tuple[History, Library]) -> None:
    stats = _session_stats(*planted)

    def mean(name: str, k: int) -> float:
        return float(np.mean([s[k] for s in stats[name]]))

    assert mean("workday focus", 1) > 2 * mean("morning commute", 1)
    assert mean("morning commute", 2) > 0.7 and mean("weekend speaker albums", 2) < 0.1
    commute = Counter(s[3] for s in stats["morning commute"])
    assert sum(commute[x] for x in (6, 7, 8, 9)) / sum(commute.values()) > 0.75
    night = Counter(s[3] for s in stats["late-night ambient"])
    assert sum(night[x] for x in (22, 23, 0, 1, 2)) / sum(night.values()) > 0.75


def test_noise_is_every_play_of_the_noise_artists(planted: tuple[History, Library]) -> None:
    h, lib = planted
    noise = h.ground_truth()["noise"]
    assert set(noise["kinds"]) == {"kids", "sleep"} and set(noise["artists"].values()) == {"kids", "sleep"}
    assert 0.01 < noise["share_of_plays"] < 0.08
    for kind, spec in noise["kinds"].items():
        n, med_ms, phone_night = lib.con.execute(
            "SELECT count(*), median(ms_played), avg((device LIKE 'phone%' AND "
            "(hour(ts_start + INTERVAL 1 HOUR) >= 21 OR hour(ts_start + INTERVAL 1 HOUR) <= 2))::INT) "
            f"FROM plays WHERE artist IN ({', '.join('?' * len(spec['artists']))})",
            spec["artists"],
        ).fetchall()[0]
        assert n == spec["plays"] > 20
        if kind == "kids":
            assert med_ms < 200_000  # short songs
        else:
            assert med_ms > 15 * 60_000 and phone_night > 0.9  # long loops, at night, on the phone
    # Noise sessions hold nothing else, and noise artists appear in no other context.
    ctx = h.ground_truth()["contexts"]
    label = dict(zip(ctx["session_starts"], ctx["session_context"], strict=True))
    table = session_table(lib.engine.context(Scope()))
    names = list(noise["artists"])
    marks = ", ".join("?" * len(names))
    rows = lib.con.execute(
        f"SELECT floor(epoch(min(ts_start)))::BIGINT, sum(coalesce(artist IN ({marks}), false)::INT), "
        f"count(*) FROM {table} GROUP BY session_id",
        names,
    ).fetchall()
    for t, k, n in rows:
        lab = label[int(t)]
        assert (k == n) if lab in ctx["noise"] else (k == 0)


def test_chapters_are_real_changes_of_taste(planted: tuple[History, Library]) -> None:
    h, _ = planted
    gt = h.ground_truth()
    chapters = gt["chapters"]
    assert chapters == sorted(chapters) and len(chapters) == len(gt["eras"]) - 1 >= 2
    assert chapters == [e["start"] for e in gt["eras"][1:]]
    assert gt["era_transition_days"] <= 12
    rows, cat = h.rows, h.catalogue
    tr = (rows["item_kind"] == ITEM_TRACK) & (rows["extra"] == 0)
    group = cat.artist_group[cat.track_artist[rows["item_id"][tr]]]
    ts = rows["ts_end"][tr]
    for b, before, after in zip(chapters, gt["eras"][:-1], gt["eras"][1:], strict=True):
        t = dt.datetime.fromisoformat(b).replace(tzinfo=dt.UTC).timestamp()
        pre = np.bincount(group[(ts >= t - 90 * 86400) & (ts < t - 15 * 86400)], minlength=len(TASTE_GROUPS))
        post = np.bincount(group[(ts >= t + 15 * 86400) & (ts < t + 90 * 86400)], minlength=len(TASTE_GROUPS))
        # Both dominant groups are new, and the most played group flips from one era's pair to the next's.
        assert not set(before["dominant_groups"]) & set(after["dominant_groups"])
        assert TASTE_GROUPS[int(np.argmax(pre[: len(TASTE_GROUPS)]))] in before["dominant_groups"]
        assert TASTE_GROUPS[int(np.argmax(post[: len(TASTE_GROUPS)]))] in after["dominant_groups"]
        # ... and the two dominant groups together hold most of the music on each side.
        top_pre = sum(pre[TASTE_GROUPS.index(g)] for g in before["dominant_groups"]) / pre.sum()
        top_post = sum(post[TASTE_GROUPS.index(g)] for g in after["dominant_groups"]) / post.sum()
        assert top_pre > 0.5 and top_post > 0.5


def test_skips_follow_context_features_the_library_sees(planted: tuple[History, Library]) -> None:
    h, lib = planted
    sm = h.ground_truth()["skip_model"]
    assert {"previous_skipped", "session_opener", "heard_within_24h", "device_speaker"} <= set(sm["logit_terms"])
    assert set(sm["context_offsets"]) == {c["name"] for c in CONTEXTS}
    rate = dict(
        lib.con.execute(
            "SELECT reason_start, avg(skipped::INT) FROM plays WHERE kind = 'track' AND skipped IS NOT NULL "
            "AND reason_start IN ('fwdbtn', 'trackdone') GROUP BY 1"
        ).fetchall()
    )
    assert rate["fwdbtn"] > 2 * rate["trackdone"]  # skips come in runs
    by_device = dict(
        lib.con.execute(
            "SELECT device, avg(skipped::INT) FROM plays WHERE kind = 'track' AND skipped IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    assert by_device["speaker"] < by_device["phone_android"]
    assert 0.1 < sm["observed_skip_rate_music"] < 0.35


def test_ai_truth_is_deterministic() -> None:
    a, b, c = (generate(3000, seed=s, start="2020-01-01", end="2024-12-31").ground_truth() for s in (5, 5, 6))
    for key in ("chapters", "contexts", "noise", "skip_model"):
        assert a[key] == b[key]
    assert a["contexts"]["session_context"] != c["contexts"]["session_context"]
    assert a["noise"]["plays"] > 0 and len(a["contexts"]["session_context"]) == a["sessions"]["count"]


def test_tiny_histories_still_plant_consistently() -> None:
    gt = generate(100, seed=2).ground_truth()
    assert gt["extended"]["expected_stored_rows"] == 100
    assert len(gt["contexts"]["session_context"]) == gt["sessions"]["count"]
    assert gt["noise"]["plays"] <= 100


def test_crossfaded_eras_overlap_and_seasonal_spikes_are_options() -> None:
    """The harder chapter truth is opt-in: without the options nothing changes; with them eras fade into each
    other over ~60 days, the previous era's main group lingers on, and December holds a spike of its own."""
    plain = generate(20_000, seed=5, start="2018-01-01", end="2023-12-31")
    hard = generate(20_000, seed=5, start="2018-01-01", end="2023-12-31", era_crossfade_days=60.0,
                    era_overlap=0.15, seasonal_spike=0.5)
    gp, gh = plain.ground_truth(), hard.ground_truth()
    assert "era_crossfade_days" not in gp["parameters"] and gp["era_transition_days"] <= 12
    assert gh["parameters"]["era_crossfade_days"] == 60.0 and gh["era_transition_days"] == 30
    assert gh["chapters"] == gp["chapters"]  # same boundaries, drawn before anything else
    for prev, era in zip(gh["eras"][:-1], gh["eras"][1:], strict=True):
        assert era["mix"][prev["dominant_groups"][0]] >= 0.15
    # December 1-26 gets more plays than the same days of November (a listening spike) and its own artists.
    def month_days(h: History, month: int) -> np.ndarray:
        rows = h.rows
        days = rows["ts_end"][(rows["extra"] == 0) & (rows["item_kind"] == ITEM_TRACK)].astype(
            "datetime64[s]").astype("datetime64[D]")
        m = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
        dom = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
        return np.asarray((m == month) & (dom <= 26))

    assert month_days(hard, 12).sum() > 1.3 * month_days(hard, 11).sum()
    assert month_days(plain, 12).sum() < 1.3 * month_days(plain, 11).sum()
