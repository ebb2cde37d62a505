"""You vs. the crowd on the device: `linernotes crowd`, the dashboard and the report read the same verified
release and show the same numbers; a release that does not verify shows none."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import orjson
import pytest

from linernotes.coop.crowd.compare import compare, verified_release
from linernotes.coop.crowd.verify import read_public_key, write_public_key
from linernotes.coop.metrics import person_metrics
from linernotes.coop.release.build import ReleaseConfig, build_release
from linernotes.coop.release_format import write_release
from linernotes.coop.signing import generate_key, public_key_bytes
from linernotes.library import open_library
from tests.support.browser import screenshot
from tests.support.cli import run_cli
from tests.support.exports import imported_history, play, write_extended
from tests.support.synthetic_pool import SynthPool, synth_pool

CLUSTER = 2


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args)


def person_records() -> list[dict[str, Any]]:
    """A year of plays of six artists of planted cluster 2, at 02:00, 08:00 and 20:00 UTC every other day (Berlin
    time: the 02:00 ones are at night), a skip on 4 days in 14, and one podcast episode."""
    artists = [SynthPool.cluster_artist(CLUSTER, i) for i in range(6)]

    def skip(day: int) -> bool:  # 4 of the 14 days a month: a skip rate of 2/7
        return (day // 2) % 4 == 0

    records = [play(f"2023-{m:02d}-{d:02d}T{h:02d}:00:00Z", f"Song {d}", artists[(m + d + h) % 6],
                    ms=20_000 if skip(d) else 200_000, reason_end="fwdbtn" if skip(d) else "trackdone",
                    skipped=skip(d))
               for m in range(1, 13) for d in range(1, 28, 2) for h in (2, 8, 20)]
    episode = play("2023-06-01T12:00:00Z", None, None, ms=1_800_000, episode_name="Ep 1",
                   episode_show_name="A Show", spotify_episode_uri="spotify:episode:1")
    return [*records, episode]


def expected_metrics(records: list[dict[str, Any]]) -> dict[str, float]:
    """Each metric's ``meaning`` in contract.py, computed by hand in Python from the records."""
    rows = []
    for r in records:
        end = dt.datetime.fromisoformat(r["ts"].replace("Z", "+00:00"))
        start = end - dt.timedelta(milliseconds=r["ms_played"])
        rows.append((start, r["ms_played"], r["master_metadata_album_artist_name"], r["spotify_track_uri"]))
    total = sum(ms for _, ms, _, _ in rows)
    weeks = {(s.date() - dt.timedelta(days=s.weekday())) for s, _, _, _ in rows}
    music = sorted((s, ms, a, uri) for s, ms, a, uri in rows if a is not None)
    first: dict[str, dt.datetime] = {}
    new = 0
    for s, ms, _, uri in music:  # a discovery: a track first heard less than 30 days before
        first.setdefault(uri, s)
        if s < first[uri] + dt.timedelta(days=30):
            new += ms
    per_artist: dict[str, int] = {}
    for _, ms, a, _ in music:
        per_artist[a] = per_artist.get(a, 0) + ms
    shares = np.array(list(per_artist.values()), dtype=float) / sum(per_artist.values())
    night = sum(ms for s, ms, _, _ in rows if s.astimezone(ZoneInfo("Europe/Berlin")).hour < 5)
    return {"weekly_hours": total / 3.6e6 / len(weeks), "discovery_rate": new / sum(ms for _, ms, _, _ in music),
            "diversity": float(-(shares * np.log(shares)).sum() / np.log(len(shares))), "skip_rate": 2 / 7,
            "night_share": night / total, "session_minutes": 200_000 / 60_000, "loyalty": 1.0,
            "podcast_share": 1_800_000 / total}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A library whose person listens to a few artists of planted cluster 2, with a signed release beside it."""
    tmp = tmp_path_factory.mktemp("crowd")
    pool = synth_pool(tmp / "pool", 2000, 3000, seed=21, clusters=4, workers=1)
    key = generate_key()
    doc = build_release(pool.storage, key=key, spent={}, release_id="r-crowd",
                        config=ReleaseConfig.uniform(1.0, taste_select_epsilon=4.0, taste_pairs_epsilon=4.0))
    write_extended(tmp / "Streaming_History_Audio_2023.json", person_records())
    db = tmp / "lib.duckdb"
    with open_library(db) as lib:
        lib.import_paths([tmp / "Streaming_History_Audio_2023.json"])
    write_release(db.with_name("lib.crowd-release.json"), doc)
    write_public_key(db.with_name("lib.coop-key"), public_key_bytes(key))
    return db, doc


def test_crowd_json_places_the_person_and_recommends_from_their_cluster(setup: tuple[Path, dict]) -> None:
    db, _ = setup
    done = run("crowd", "--db", str(db), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["release_id"] == "r-crowd" and len(out["metrics"]) == 8
    with open_library(db, read_only=True) as lib:
        mine = person_metrics(lib)
    for m in out["metrics"]:
        assert m["value"] == pytest.approx(mine[m["metric"]], abs=1e-6)
        assert 0 <= m["low"] <= m["percentile"] <= m["high"] <= 100 and m["uncertainty"] > 0
    assert mine == pytest.approx(expected_metrics(person_records()), rel=1e-9)
    assert 0 < mine["night_share"] < 0.5 and 0 < mine["discovery_rate"] < 1 and 0.9 < mine["diversity"] < 1
    recs = [r["artist"] for r in out["recommendations"]]
    assert len(recs) == 10 and all(r.startswith(f"cluster{CLUSTER:02d}-") for r in recs), recs
    assert not set(recs) & {SynthPool.cluster_artist(CLUSTER, i) for i in range(6)}  # only artists new to them
    table = run("crowd", "--db", str(db), "--recommend", "3")
    assert table.returncode == 0 and "skip_rate" in table.stdout and "percentile" in table.stdout


def test_dashboard_shows_the_cli_numbers(setup: tuple[Path, dict]) -> None:
    from linernotes.serving import background
    from linernotes.web import create_app

    db, _ = setup
    cli = json.loads(run("crowd", "--db", str(db), "--json", "--recommend", "5").stdout)
    app = create_app(db)
    auth = {"Authorization": f"Bearer {app.state.token}"}
    with background(app) as url, httpx.Client(base_url=url, timeout=120, headers=auth) as client:
        served = client.get("/api/crowd", params={"recommend": 5})
        assert served.status_code == 200 and served.json() == cli
        page = client.get("/crowd")
        assert page.status_code == 200 and 'data-page="crowd"' in page.text and "crowd-table" in page.text


@pytest.mark.slow
def test_crowd_page_in_a_browser_shows_the_cli_numbers(setup: tuple[Path, dict], browser: Any) -> None:
    from linernotes.serving import background
    from linernotes.web import create_app

    db, _ = setup
    cli = json.loads(run("crowd", "--db", str(db), "--json").stdout)
    app = create_app(db)
    with background(app) as url:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto(f"{url}/crowd?token={app.state.token}")  # the token once; its cookie from then on
            page.wait_for_selector("body[data-loaded='1']", timeout=60_000)
            shown = page.evaluate("""() => [...document.querySelectorAll('#crowd-table tbody tr')].map((r) => ({
                metric: r.dataset.metric, value: Number(r.cells[1].dataset.value),
                percentile: Number(r.cells[2].dataset.value), uncertainty: Number(r.cells[3].dataset.value)}))""")
            recs = page.evaluate("() => [...document.querySelectorAll('#crowd-recs li')].map((li) => li.textContent)")
            screenshot(page, "web-crowd")
        finally:
            page.close()
    assert errors == []
    assert shown == [{k: m[k] for k in ("metric", "value", "percentile", "uncertainty")} for m in cli["metrics"]]
    assert recs == [r["artist"] for r in cli["recommendations"]]


def test_report_has_the_crowd_table(setup: tuple[Path, dict], tmp_path: Path) -> None:
    from linernotes.report import render_report

    db, doc = setup
    # a fuller history than the fixture's (the report trains every model), with the same release beside it
    _, lib = imported_history(tmp_path, 4000, 31, "2022-01-01", "2023-06-30")
    try:
        write_release(lib.path.with_name("lib.crowd-release.json"), doc)
        write_public_key(lib.path.with_name("lib.coop-key"), read_public_key(db.with_name("lib.coop-key")))
        page, _ = render_report(lib)
        expected = compare(lib, verified_release(lib.path))
    finally:
        lib.close()
    assert '<section id="crowd"' in page and "You against the crowd, metric by metric" in page
    for m in expected.metrics:
        assert f"{m.percentile:.1f}" in page and f"± {m.uncertainty:.1f}" in page
    assert str(tmp_path) not in page


def test_a_release_that_does_not_verify_shows_nothing(setup: tuple[Path, dict], tmp_path: Path) -> None:
    db, doc = setup
    tampered = orjson.loads(orjson.dumps(doc))
    tampered["payload"]["metrics"]["weekly_hours"]["counts"][0] += 5
    bad = write_release(tmp_path / "bad.json", tampered)
    done = subprocess.run([sys.executable, "-m", "linernotes", "crowd", "--db", str(db)], capture_output=True,
                          text=True, env={**os.environ, "LINERNOTES_RELEASE": str(bad)}, check=False)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr == "error: release: the signature does not verify with the cooperative's key\n"
    assert "Traceback" not in done.stderr
    open_library(tmp_path / "other.duckdb").close()
    missing = run("crowd", "--db", str(tmp_path / "other.duckdb"))
    assert missing.returncode == 2 and "no cooperative release on this device" in missing.stderr
