"""One person, several services (issue 17): one timeline in `status`, `top`, the insights, the report and the
dashboard; each source by its human name, with what a play of it means stated; `--source` splits the timeline
into parts that add back to the whole.

The library is :mod:`tests.support.timeline`: Spotify Extended 2019–2021, then Last.fm 2022, then ListenBrainz
2023, one synthetic person. Every count expected here is read from the library's own rows (``play_rows``) or from
the unfiltered run, never typed in.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from linernotes.engine import registry
from linernotes.engine.scope import Scope
from linernotes.errors import UsageError
from linernotes.library import Library, open_library
from linernotes.policy import Policy
from linernotes.schema import Source
from linernotes.services import SOURCE_NAMES, parse_sources, play_meaning, source_name
from tests.support import timeline
from tests.support.cli import run_cli

RAW = re.compile(r"spotify_extended|spotify_account|apple_music|youtube_music|\blistenbrainz\b|\blastfm\b")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return timeline.build(tmp_path_factory.mktemp("timeline"))


@pytest.fixture(scope="module")
def lib(db: Path) -> Iterator[Library]:
    library = open_library(db, read_only=True)
    yield library
    library.close()


def cli_json(db: Path, *args: str) -> Any:
    done = run_cli(*args, "--json", "--db", str(db))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def stored(db: Path) -> dict[str, tuple[int, int]]:
    """Rows and listening time per source, straight from the table."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {s: (int(n), int(ms)) for s, n, ms in con.execute(
            "SELECT source, count(*), coalesce(sum(ms_played), 0) FROM play_rows GROUP BY 1").fetchall()}


# --- names, meanings and the filter's words ---------------------------------------------------------------------

def test_every_source_has_one_human_name() -> None:
    assert set(SOURCE_NAMES) == {s.value for s in Source}
    assert all("_" not in name for name in SOURCE_NAMES.values())
    assert source_name("spotify_account") == "Spotify (account data)" and source_name("tidal") == "Tidal"
    from linernotes.cli.import_view import SOURCE_NAMES as shown_on_import

    assert shown_on_import is SOURCE_NAMES  # one place


@pytest.mark.parametrize(("source", "policy", "counts", "expected"), [
    ("spotify_extended", "spotify", {}, "a play is at least 30 s of listening (Spotify's rule)"),
    ("apple_music", "spotify", {}, "a play is at least 30 s of listening (Spotify's rule)"),
    ("deezer", "lastfm", {}, "half the track or 4 min"),
    ("spotify_account", "trackdone", {"timed": 5, "untimed": 0, "ends_recorded": False}, "no play counts"),
    ("spotify_extended", "trackdone", {"timed": 5, "untimed": 0}, "reached the end of the track"),
    ("spotify_extended", "any", {}, "every stream counts, those of 0 s included"),
    ("lastfm", "spotify", {}, "every scrobble counts: the scrobbler already applied its rule; no listening time"),
    ("listenbrainz", "any", {}, "every scrobble counts"),
    ("youtube_music", "spotify", {}, "every entry of the watch history counts; no listening time recorded"),
    ("tidal", "spotify", {}, "every play the service lists counts; no listening time recorded"),
    ("deezer", "spotify", {"timed": 3, "untimed": 2}, "at least 30 s of listening (Spotify's rule); plays whose "
                                                      "length it did not record all count"),
])
def test_what_a_play_means_depends_on_policy_and_on_what_the_source_records(
        source: str, policy: str, counts: dict[str, Any], expected: str) -> None:
    meaning = play_meaning(source, policy, **counts)
    assert expected in meaning
    assert not RAW.search(meaning) and not meaning.endswith(".")


def test_every_policy_and_source_has_a_meaning() -> None:
    for source in Source:
        meanings = {play_meaning(source.value, p) for p in Policy}
        # A source with listening time reads differently under each policy; a scrobble counts under all alike.
        assert len(meanings) == (len(Policy) if source.value in {"spotify_extended", "spotify_account",
                                                                  "apple_music", "deezer"} else 1), source


@pytest.mark.parametrize(("given", "expected"), [
    ("apple_music", ("apple_music",)), ("Apple", ("apple_music",)), ("APPLE MUSIC", ("apple_music",)),
    ("spotify", ("spotify_extended", "spotify_account", "spotify_api")), ("last.fm", ("lastfm",)),
    ("Last-FM", ("lastfm",)),
    ("lastfm, listenbrainz", ("listenbrainz", "lastfm")), ("youtube", ("youtube_music",)), ("tidal", ("tidal",)),
    ("", None), (None, None),
])
def test_source_names_people_type(given: str | None, expected: tuple[str, ...] | None) -> None:
    assert parse_sources(given) == expected


def test_an_unknown_source_lists_the_choices() -> None:
    with pytest.raises(UsageError, match=r"unknown source 'napster' \(choose from: spotify_extended, .*tidal"):
        parse_sources("napster")


# --- one timeline -----------------------------------------------------------------------------------------------

def test_status_is_one_timeline_with_its_parts(db: Path) -> None:
    status = cli_json(db, "status")
    rows = stored(db)
    parts = status["by_source"]
    assert set(parts) == {p.source for p in timeline.PIECES} == set(rows)
    assert sum(p["plays"] for p in parts.values()) == status["plays"] == sum(n for n, _ in rows.values())
    assert sum(p["ms_played"] for p in parts.values()) == status["ms_played"]
    assert status["first_play"] == min(p["first_play"] for p in parts.values())
    assert status["last_play"] == max(p["last_play"] for p in parts.values())
    for piece in timeline.PIECES:
        part = parts[piece.source]
        assert part["plays"] == rows[piece.source][0] and part["name"] == source_name(piece.source)
        # Each service's span lies in its own years (a start a few hours before New Year's Day, UTC, aside).
        assert piece.start[:4] <= part["first_play"][:4] and part["last_play"][:4] <= piece.end[:4]
        assert part["listening_time_recorded"] == (rows[piece.source][1] > 0)
        assert part["play_meaning"] == play_meaning(piece.source, "spotify", timed=part["timed_plays"],
                                                    untimed=part["plays"] - part["timed_plays"])
        assert part["counted_plays"] <= part["plays"]
    assert parts["lastfm"]["counted_plays"] == parts["lastfm"]["plays"]  # a scrobble counts under every policy
    assert cli_json(db, "status", "--policy", "any")["by_source"]["spotify_extended"]["counted_plays"] == \
        parts["spotify_extended"]["plays"]


def test_status_table_names_every_source_and_fits_80_columns(db: Path) -> None:
    out = run_cli("status", "--db", str(db), env={"COLUMNS": "80"}, check=True).stdout
    assert all(len(line) <= 80 for line in out.splitlines())
    for piece in timeline.PIECES:
        assert source_name(piece.source) in out
    assert not RAW.search(out.split("Library", 1)[1].split("\n", 1)[1])  # the library's file name aside
    assert "not recorded" in out and "all sources" in out
    assert "every scrobble counts" in out and "at least 30 s of listening" in out
    assert "0 min" not in out.split("kind")[0]  # a scrobble's time is not "0 min": it is not recorded


def test_source_splits_add_back_to_the_whole(lib: Library) -> None:
    whole = lib.insight("overview").to_dict()
    parts = [lib.insight("overview", sources=p.source).to_dict() for p in timeline.PIECES]
    for key in ("plays", "streams", "ms_played"):
        assert sum(p["result"]["totals"][key] for p in parts) == whole["result"]["totals"][key], key
    assert min(p["meta"]["start"] for p in parts) == whole["meta"]["start"]
    assert max(p["meta"]["end"] for p in parts) == whole["meta"]["end"]
    assert all(p["meta"]["sources"] == [piece.source] for p, piece in zip(parts, timeline.PIECES, strict=True))
    assert "sources" not in whole["meta"]  # the whole timeline: the JSON every result always had
    # The sources insight says the same parts.
    sources = lib.insight("sources")
    assert [r.source for r in sources.sources] == [p.source for p in timeline.PIECES]  # in the order they began
    assert [r.plays for r in sources.sources] == [p["result"]["totals"]["plays"] for p in parts]
    assert sum(m.plays for m in sources.monthly) == whole["result"]["totals"]["plays"]
    assert sources.sources[1].ms_played is None  # Last.fm: no listening time, not zero hours
    summary = " ".join(sources.summary())
    assert "One timeline from 3 services" in summary and not RAW.search(summary)
    assert "Last.fm and ListenBrainz record no listening time" in summary


def test_top_by_plays_splits_by_source(lib: Library) -> None:
    every = {r.name: r.plays for r in lib.top("artists", by="plays", limit=1_000)}
    by_part: dict[str, int] = {}
    for piece in timeline.PIECES:
        for r in lib.top("artists", by="plays", limit=1_000, sources=piece.source):
            by_part[r.name] = by_part.get(r.name, 0) + r.plays
    assert by_part == every
    # "spotify" is both Spotify exports and the synced plays: here, the extended history alone.
    assert lib.top("artists", sources="Spotify") == lib.top("artists", sources="spotify_extended")


def test_top_cli_takes_a_source(db: Path) -> None:
    out = run_cli("top", "--source", "last.fm", "--db", str(db), env={"COLUMNS": "100"}, check=True).stdout
    assert "from Last.fm" in out and "No listening time recorded" in out and "0 min" not in out
    rows = cli_json(db, "top", "--source", "last.fm", "--by", "plays")
    assert rows["meta"]["sources"] == ["lastfm"]
    everything = cli_json(db, "insights", "--source", "lastfm", "top", "--by", "plays")  # before the name too
    assert everything["result"]["rows"] == rows["result"]["rows"]


@pytest.mark.parametrize(("args", "message"), [
    (("top", "--source", "apple"), "error: the library has no plays from Apple Music (it has plays from "),
    (("insights", "overview", "--source", "tidal"), "error: the library has no plays from Tidal"),
    (("top", "--source", "napster"), "error: unknown source 'napster' (choose from: "),
])
def test_a_source_without_plays_is_one_sentence(db: Path, args: tuple[str, ...], message: str) -> None:
    done = run_cli(*args, "--db", str(db))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1, done.stderr


def test_the_source_is_part_of_every_cache_key(lib: Library) -> None:
    """A model's result is cached by its scope: the Last.fm part must not be served the whole history's."""
    whole = registry.run(lib.engine, "modes", Scope())
    part = registry.run(lib.engine, "modes", Scope.make(sources="lastfm"))
    assert whole.meta is not None and part.meta is not None
    assert part.meta.plays < whole.meta.plays and part.meta.sources == ("lastfm",)
    again = registry.run(lib.engine, "modes", Scope.make(sources="lastfm"))
    assert again.meta is not None and again.meta.plays == part.meta.plays
    assert "sources=('lastfm',)" in repr(Scope.make(sources="last.fm"))


def test_new_services_read_by_their_names(db: Path, tmp_path: Path) -> None:
    """Apple Music and Tidal rows (relabelled here until their importers and synth writers exist) are shown
    by name, with their own meaning: Apple Music records listening time, Tidal's rows here do not."""
    copy = tmp_path / "relabelled.duckdb"
    shutil.copy(db, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE play_rows SET source = 'apple_music' WHERE source = 'spotify_extended'")
        con.execute("UPDATE play_rows SET source = 'tidal' WHERE source = 'listenbrainz'")
    status = cli_json(copy, "status")["by_source"]
    assert status["apple_music"]["play_meaning"] == "a play is at least 30 s of listening (Spotify's rule)"
    assert status["tidal"]["play_meaning"] == "every play the service lists counts; no listening time recorded"
    out = run_cli("status", "--db", str(copy), env={"COLUMNS": "80"}, check=True).stdout
    assert "Apple Music" in out and "Tidal" in out
    top = cli_json(copy, "top", "--source", "apple", "--by", "plays")
    assert top["meta"]["sources"] == ["apple_music"] and top["result"]["rows"]


# --- the report ---------------------------------------------------------------------------------------------------

def test_report_has_a_sources_section(lib: Library) -> None:
    from linernotes.report import render_report

    page, story = render_report(lib)
    section = page.split('id="sources"', 1)[1].split("</section>", 1)[0]
    for row in story.sources.sources:
        assert row.name in section
    assert section.count("not recorded") == 2 and "every scrobble counts" in section
    assert "One timeline from 3 services" in section


def test_report_of_one_service_says_so_in_a_line(db: Path, tmp_path: Path) -> None:
    from linernotes.report import render_report

    one = timeline.build(tmp_path, timeline.PIECES[:1])
    with open_library(one, read_only=True) as lib:
        page, _ = render_report(lib)
    assert 'id="sources"' not in page
    assert "All of it comes from Spotify (extended history)" in page


# --- the dashboard ------------------------------------------------------------------------------------------------

def test_api_takes_the_source(db: Path) -> None:
    from linernotes.serving import background
    from linernotes.web import create_app

    app = create_app(db)
    with background(app) as url, httpx.Client(base_url=url,
                                              headers={"Authorization": f"Bearer {app.state.token}"}) as client:
        whole = client.get("/api/insights/overview").json()
        part = client.get("/api/insights/overview", params={"source": "last.fm"}).json()
        assert part["meta"]["sources"] == ["lastfm"] and part["result"]["totals"]["plays"] < \
            whole["result"]["totals"]["plays"]  # not the whole history's cached answer
        assert part == cli_json(db, "insights", "overview", "--source", "lastfm")
        bad = client.get("/api/insights/overview", params={"source": "napster"})
        assert bad.status_code == 400 and bad.json()["error"].startswith("unknown source 'napster'")
        missing = client.get("/api/insights/top", params={"source": "deezer"})
        assert missing.status_code == 400 and "no plays from Deezer" in missing.json()["error"]


@pytest.mark.slow
def test_overview_shows_the_sources_and_filters_by_one(browser: Any, db: Path) -> None:
    from linernotes.serving import background
    from linernotes.web import create_app
    from tests.support.accessibility import Findings, check_page

    app = create_app(db)
    findings = Findings()
    with background(app) as base:
        context = browser.new_context(bypass_csp=True)  # the test's axe is let in
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/?token={app.state.token}")
        page.wait_for_selector("body[data-loaded='1']", timeout=60_000)
        page.wait_for_selector("#sources-table[data-loaded='1']")
        names = page.eval_on_selector_all("#sources-table tbody tr td:first-child", "c => c.map(x => x.textContent)")
        assert names == [source_name(p.source) for p in timeline.PIECES]
        hours = page.eval_on_selector_all("#sources-table [data-key=ms_played]", "c => c.map(x => x.textContent)")
        assert hours[1:] == ["not recorded", "not recorded"]
        page.wait_for_selector("#source-pick:not([hidden])")
        options = page.eval_on_selector_all("#source-pick option", "o => o.map(x => x.textContent)")
        assert options[0] == "All services" and set(options[1:]) == {source_name(p.source) for p in timeline.PIECES}
        check_page(page, "overview desktop", 1200, findings)
        page.set_viewport_size({"width": 390, "height": 844})  # the longest name and span fit a phone
        check_page(page, "overview phone", 390, findings)
        page.select_option("#source-pick select", "lastfm")
        page.click("#period button[type=submit]")
        page.wait_for_url(re.compile(r"source=lastfm"))
        page.wait_for_selector("body[data-loaded='1']", timeout=60_000)
        expected = cli_json(db, "insights", "overview", "--source", "lastfm")["result"]["totals"]["plays"]
        assert page.get_attribute("#stats [data-key='plays']", "data-value") == str(expected)
        assert page.input_value("#source-pick select") == "lastfm"
        check_page(page, "overview phone, Last.fm", 390, findings)
        context.close()
    assert errors == [], errors
    assert not findings.problems, findings.problems


def test_forget_takes_the_name_status_shows(tmp_path: Path) -> None:
    two = timeline.build(tmp_path, timeline.PIECES[:2])  # Spotify Extended, then Last.fm
    done = run_cli("forget", "--source", "Last.fm", "--yes", "--db", str(two))
    assert done.returncode == 0, done.stderr
    assert set(stored(two)) == {"spotify_extended"}
    bad = run_cli("forget", "--source", "Napster", "--yes", "--db", str(two))
    assert bad.returncode != 0 and "unknown source" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
