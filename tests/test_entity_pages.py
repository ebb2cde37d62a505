"""The entity pages as a track's history: values counted from the raw records, and the pages in a browser.

A synthetic export plants one track with a known history (years, hours, devices, how each play ended, a live
version and a remix, a namesake by another artist); a real export's most played track is counted straight
from its JSON. Then the pages: every chart drawn with its sentence, no raw field name, no sideways scroll on
a phone.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from linernotes.engine.scope import Scope
from linernotes.library import open_library
from linernotes.serving import background
from linernotes.web import create_app
from linernotes.web.entity import entity_detail
from tests.support.exports import play, write_extended
from tests.support.samples import SAMPLES

HOME = ZoneInfo("Europe/Berlin")  # the home zone of a German export (conn_country DE)
TRACK, ARTIST, ALBUM = "Midnight Tide", "Planted Band", "Tide Album"
SHOW = "Planted Show"


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A UTC instant at a local (Berlin) hour."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=HOME).astimezone(dt.UTC)


def _ts(instant: dt.datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def planted_records() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The planted history and what is true of it: streams by year and ending, by hour and device."""
    records: list[dict[str, Any]] = []
    truth: dict[str, Any] = {"years": {}, "hours": Counter(), "devices": Counter(), "first": None, "last": None}
    # Each day at 22:00 local: the planted track (how it ends cycles), then a filler track; on weekdays it
    # plays on Android, on weekends on an iPhone.
    endings = [("through", "trackdone", False, 240_000), ("through", "trackdone", False, 240_000),
               ("skipped", "fwdbtn", True, 9_000), ("stopped", "endplay", False, 120_000)]
    day = dt.date(2021, 3, 1)
    n = 0
    while day <= dt.date(2022, 8, 31):
        if day.day % 3 == 0:
            start = _at(day, 22 if n % 5 else 7)
            outcome, reason, skipped, ms = endings[n % len(endings)]
            platform = "ios" if day.weekday() >= 5 else "android"
            records.append(play(_ts(start + dt.timedelta(milliseconds=ms)), TRACK, ARTIST, ms=ms,
                                reason_end=reason, skipped=skipped, platform=platform,
                                master_metadata_album_album_name=ALBUM))
            year = truth["years"].setdefault(day.year, Counter())
            year[outcome] += 1
            year["streams"] += 1
            truth["hours"][22 if n % 5 else 7] += 1
            truth["devices"]["phone_ios" if platform == "ios" else "phone_android"] += 1
            truth["first"] = truth["first"] or start
            truth["last"] = start
            filler_start = start + dt.timedelta(minutes=5)
            records.append(play(_ts(filler_start + dt.timedelta(minutes=3)), "Filler", "Other Band", ms=180_000))
            n += 1
        day += dt.timedelta(days=1)
    # Versions of the title by the same artist, and a namesake by someone else (not a version).
    for i, (title, artist) in enumerate([("Midnight Tide - Live", ARTIST), ("Midnight Tide (Remix)", ARTIST),
                                         ("Midnight Tide (Remix)", ARTIST), (TRACK, "Someone Else")]):
        records.append(play(_ts(_at(dt.date(2022, 9, 10 + i), 12)), title, artist, ms=200_000))
    # A show: three episodes, the first finished twice, the second abandoned once.
    for i, (episode, reason) in enumerate([("Ep. 1", "trackdone"), ("Ep. 1", "trackdone"), ("Ep. 2", "endplay")]):
        records.append(play(_ts(_at(dt.date(2022, 10, 1 + i), 9)), None, None, ms=1_500_000, reason_end=reason,
                            episode_name=episode, episode_show_name=SHOW,
                            spotify_episode_uri=f"spotify:episode:planted{episode[-1]}"))
    truth["streams"] = n
    return records, truth


@pytest.fixture(scope="module")
def planted_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("planted")
    records, truth = planted_records()
    export = write_extended(folder / "Streaming_History_Audio_2021-2022.json", records)
    db = folder / "planted.duckdb"
    with open_library(db) as lib:
        lib.import_paths([export])
    return db, truth


def test_track_history_counts_the_planted_plays(planted_db: tuple[Path, dict[str, Any]]) -> None:
    db, truth = planted_db
    with open_library(db, read_only=True) as lib:
        d = entity_detail(lib, "track", TRACK, ARTIST, Scope.make())
        top = {r.name: r for r in lib.top("tracks", limit=100) if r.by == ARTIST}
    assert d["found"] and d["album"] == ALBUM
    assert d["plays"] == top[TRACK].plays  # as `top` counts plays (the skipped 9-second plays do not count)
    assert d["plays"] == truth["streams"] - sum(y["skipped"] for y in truth["years"].values())
    assert d["first_listen"][:16] == truth["first"].isoformat()[:16]
    assert d["last_listen"][:16] == truth["last"].isoformat()[:16]
    by_year = {y["year"]: y for y in d["outcomes_by_year"]}
    assert set(by_year) == set(truth["years"]) == {2021, 2022}
    for year, counts in truth["years"].items():
        got = by_year[year]
        assert (got["streams"], got["through"], got["skipped"], got["stopped"], got["unknown"]) == (
            counts["streams"], counts["through"], counts["skipped"], counts["stopped"], 0)
    assert {h: n for h, n in enumerate(d["streams_by_hour"]) if n} == dict(truth["hours"])
    assert {x["device"]: x["streams"] for x in d["devices"]} == dict(truth["devices"])
    assert sum(m["plays"] for m in d["by_month"]) == d["plays"]
    assert len(d["by_month"]) == 18  # March 2021 to August 2022
    # the live version and the remix (two plays), never the namesake by another artist
    assert [(v["name"], v["plays"]) for v in d["versions"]] == [("Midnight Tide (Remix)", 2),
                                                                 ("Midnight Tide - Live", 1)]
    # every session with the track in it; the recent ones hold one play of it each
    assert d["sessions"] == truth["streams"]
    assert all(s["streams_of_this"] == 1 for s in d["recent_sessions"])
    # sessions start at the wall-clock hour they were played at (22:00 or 07:00 in Berlin), not UTC's
    assert {s["start_local"][11:16] for s in d["recent_sessions"]} <= {"22:00", "07:00"}


def test_album_and_show_pages_list_their_tracks_and_episodes(planted_db: tuple[Path, dict[str, Any]]) -> None:
    db, truth = planted_db
    with open_library(db, read_only=True) as lib:
        album = entity_detail(lib, "album", ALBUM, ARTIST, Scope.make())
        show = entity_detail(lib, "show", SHOW, None, Scope.make())
    (only,) = album["items"]
    assert only["name"] == TRACK and only["ending_known"] == truth["streams"]
    through = sum(y["through"] for y in truth["years"].values())
    assert only["through"] == through and only["completion"] == round(through / truth["streams"], 6)
    episodes = {e["name"]: e for e in show["items"]}
    assert list(episodes) == ["Ep. 1", "Ep. 2"]
    assert (episodes["Ep. 1"]["plays"], episodes["Ep. 1"]["completion"]) == (2, 1.0)
    assert (episodes["Ep. 2"]["plays"], episodes["Ep. 2"]["completion"]) == (1, 0.0)


def test_a_period_keeps_only_its_plays(planted_db: tuple[Path, dict[str, Any]]) -> None:
    db, truth = planted_db
    with open_library(db, read_only=True) as lib:
        d = entity_detail(lib, "track", TRACK, ARTIST, Scope.make(start="2022-01-01", end="2022-12-31"))
    assert [y["year"] for y in d["outcomes_by_year"]] == [2022]
    assert d["outcomes_by_year"][0]["streams"] == truth["years"][2022]["streams"]
    assert sum(d["streams_by_hour"]) == truth["years"][2022]["streams"]


REAL = SAMPLES / "spotify-extended-genC_Streaming_History_Audio_2023.json"


@pytest.mark.skipif(not REAL.exists(), reason="the real samples are not here")
def test_a_real_track_history_is_what_its_json_says(tmp_path: Path) -> None:
    rows = [r for r in json.loads(REAL.read_text(encoding="utf-8"))
            if r.get("master_metadata_track_name") and not r.get("incognito_mode")]
    track, artist = Counter((r["master_metadata_track_name"], r["master_metadata_album_artist_name"])
                            for r in rows).most_common(1)[0][0]
    mine = sorted((r for r in rows if (r["master_metadata_track_name"], r["master_metadata_album_artist_name"])
                   == (track, artist)), key=lambda r: r["ts"])
    db = tmp_path / "real.duckdb"
    with open_library(db) as lib:
        lib.import_paths([REAL])
    with open_library(db, read_only=True) as lib:
        d = entity_detail(lib, "track", track, artist, Scope.make())
    streams = sum(y["streams"] for y in d["outcomes_by_year"])
    assert streams == len(mine)
    assert sum(y["through"] for y in d["outcomes_by_year"]) == sum(r["reason_end"] == "trackdone" for r in mine)
    assert sum(y["skipped"] for y in d["outcomes_by_year"]) == sum(
        bool(r["skipped"]) and r["reason_end"] != "trackdone" for r in mine)
    assert sum(d["streams_by_hour"]) == sum(x["streams"] for x in d["devices"]) == len(mine)
    assert d["ms_played"] == sum(r["ms_played"] for r in mine)
    # the export's "ts" is when a play ended; the first listen is the earliest start
    assert d["last_listen"] <= mine[-1]["ts"].replace("Z", "+00:00")
    assert d["album"] == Counter(r["master_metadata_album_album_name"] for r in mine).most_common(1)[0][0]


SNAKE_CASE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


@pytest.mark.slow
def test_entity_pages_in_a_browser(browser: Any, planted_db: tuple[Path, dict[str, Any]]) -> None:
    from urllib.parse import quote

    from tests.support.accessibility import Findings, check_keyboard, check_page

    db, _ = planted_db
    app = create_app(db)
    pages = {"track": f"/track?name={quote(TRACK)}&by={quote(ARTIST)}",
             "album": f"/album?name={quote(ALBUM)}&by={quote(ARTIST)}", "show": f"/show?name={quote(SHOW)}"}
    findings = Findings()
    with background(app) as url:
        for width, theme in ((1280, "light"), (390, "dark")):
            # The dashboard's Content-Security-Policy allows only its own scripts: the test's axe is let in.
            context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=theme,
                                          bypass_csp=True)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))  # noqa: B023 (read before the next page)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # noqa: B023
            page.goto(f"{url}/?token={app.state.token}")
            for kind, path in pages.items():
                page.goto(url + path)
                page.wait_for_selector("body[data-loaded='1']", timeout=60_000)
                charts = page.evaluate("""() => [...document.querySelectorAll('figure.chart')]
                    .filter((f) => f.getClientRects().length).map((f) => ({ id: f.id,
                      sentence: (f.querySelector('figcaption') || {}).textContent || '',
                      marks: f.querySelectorAll('svg rect').length }))""")
                expected = {"track": {"by-month", "outcomes", "by-hour", "devices"}}.get(kind, {"by-month"})
                assert {c["id"] for c in charts} == expected, (kind, charts)
                for chart in charts:
                    assert chart["marks"] > 0 and chart["sentence"].strip().endswith("."), (kind, chart)
                    assert not re.search(r"undefined|NaN|null|None", chart["sentence"]), chart
                text = page.inner_text("main")
                assert not re.search(r"\bundefined\b|\bNaN\b|\bnull\b", text), (kind, text)
                headers = page.eval_on_selector_all("th, .stat .label", "hs => hs.map(h => h.textContent.trim())")
                assert not [h for h in headers if SNAKE_CASE.match(h) or "_" in h], (kind, headers)
                if width < 800:
                    assert page.evaluate("document.documentElement.scrollWidth") <= width, (kind, width)
                if kind == "track":
                    assert page.locator("#entity-by a").all_inner_texts() == [ARTIST, ALBUM]
                    assert page.locator("#versions tbody tr").count() == 2
                    assert "played to the end" in page.inner_text("#outcomes")
                else:
                    assert page.locator("#items tbody tr").count() == (1 if kind == "album" else 2)
                    assert page.inner_text("#items-sentence").strip().endswith(".")
                check_page(page, f"{kind} {width} {theme}", width, findings)  # axe, charts, sideways scroll
                if width > 800:
                    check_keyboard(page, f"{kind} {width} {theme}", findings)
                page.screenshot(path=str(db.parent / f"entity-{kind}-{width}.png"), full_page=True)
            assert errors == []
            context.close()
    assert not findings.problems, "\n".join(findings.problems)


def test_the_servers_readers_share_the_whole_history_models(planted_db: tuple[Path, dict[str, Any]]) -> None:
    """A model of the whole history one reader builds (for any period's page) is every reader's: a new period
    on the other reader does not build it again. A write gives the fresh readers a fresh set."""
    from linernotes.insights.taste import taste_model
    from linernotes.web.access import LibraryAccess

    db, _ = planted_db
    access = LibraryAccess(db, readers=2)
    try:
        with access.read() as first, access.read() as second:
            assert first is not second
            one = taste_model(first.engine.context(Scope.make(start="2021-05-01", end="2021-12-31")))
            other = taste_model(second.engine.context(Scope.make(start="2022-01-01", end="2022-06-30")))
            assert one is other
        with access.write():
            pass
        with access.read() as fresh:
            assert taste_model(fresh.engine.context(Scope.make())) is not one
    finally:
        access.close()
