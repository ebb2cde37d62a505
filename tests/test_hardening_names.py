"""Names are data, not markup (issue 13, items 5, 9 and 10): artist and track names that look like rich markup,
terminal escape sequences, HTML or spreadsheet formulas are shown as the text they are — in every CLI output,
the HTML report, the share cards, the CSV export and the crowd comparison — and never crash, style, link,
rewrite the terminal or run.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow.parquet as pq
import pytest

from linernotes.coop.contract import METRICS
from linernotes.coop.crowd.verify import write_public_key
from linernotes.coop.release_format import FORMAT, write_release
from linernotes.coop.signing import generate_key, public_key_bytes, sign
from tests.support.exports import play, write_extended

LINK = "[link=http://evil.example/x]Radiohead[/link]"  # rich markup: would print an OSC 8 hyperlink
UNCLOSED = "Hello [/nope]"  # rich markup: a closing tag without an opening one raised MarkupError
ESCAPES = "\x1b[2J\x1b]52;c;ZXZpbA==\x07X"  # clear the screen, then write "evil" to the clipboard (OSC 52)
C1_BIDI = "C1 \x9b31m red \u202egnp.exe"  # a one-character CSI and a right-to-left override
COMMENT = "<!--<script>"  # in a <script> element: the next </script> no longer ends it
CLOSE = "</script><b>x</b>"
FORMULAS = ['=HYPERLINK("http://evil.example/x","click")', "+1", "-cmd", "@SUM(A1)", "\tTabbed", "\rReturned"]
EMOJI = "Artist :fire:"  # rich turns :fire: into an emoji unless told not to
HOSTILE = [LINK, UNCLOSED, ESCAPES, C1_BIDI, EMOJI, COMMENT, CLOSE, *FORMULAS]
# How a terminal-safe line shows ESCAPES and C1_BIDI: every control or bidi character as '?'.
ESCAPES_SHOWN = "?[2J?]52;c;ZXZpbA==?X"
C1_BIDI_SHOWN = "C1 ?31m red ?gnp.exe"
# What may never reach a terminal: C0 controls but newline, DEL, C1 controls, bidi overrides and isolates.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "linernotes", *args], capture_output=True, text=True,
                          check=False, timeout=300, env={**os.environ, "COLUMNS": "250", **(env or {})})


def records() -> list[dict[str, Any]]:
    """The hostile names as artists and (with " song") as tracks, all but the formulas played most so they lead
    every top ten, spread over a year so that every chart of the report has something to draw."""
    out = []
    for i, name in enumerate(HOSTILE):
        for j in range(12 - i if i < 7 else 3):
            out.append(play(f"2023-{1 + (i + j) % 12:02d}-{10 + j % 15:02d}T{8 + i % 12:02d}:00:00Z",
                            f"{name} song", name, ms=180_000 + i))
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A library of hostile names, in a folder and imported from a file whose names look like markup too."""
    folder = tmp_path_factory.mktemp("names") / "music [bold]"
    folder.mkdir()
    export = write_extended(folder / "Streaming_History_Audio_2023 [bold].json", records())
    db = folder / "lib.duckdb"
    done = run("import", str(export), "--db", str(db), "-q")
    assert done.returncode == 0, done.stderr
    return db


def assert_terminal_safe(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    for stream in (done.stdout, done.stderr):
        assert not UNSAFE.search(stream), UNSAFE.findall(stream)
        assert "\x1b]8;" not in stream  # no OSC 8 hyperlink (covered by the above: no ESC at all)


@pytest.mark.parametrize("args", [("top", "artists"), ("top", "tracks"), ("insights", "top"),
                                  ("ask", "who was my top artist", "--no-llm"),
                                  ("sql", "SELECT artist, track FROM plays ORDER BY artist")])
def test_names_are_printed_as_text(hostile: Path, args: tuple[str, ...]) -> None:
    done = run(*args, "--db", str(hostile))
    assert_terminal_safe(done)
    for shown in (LINK, UNCLOSED, ESCAPES_SHOWN, C1_BIDI_SHOWN):
        assert shown in done.stdout, (shown, done.stdout)
    if args[0] != "ask":  # the sentence names the top ten; every table row shows all the names
        assert EMOJI in done.stdout  # ":fire:" as typed, not an emoji


@pytest.mark.parametrize("command", ["status", "imports"])
def test_paths_are_printed_as_text(hostile: Path, command: str) -> None:
    """The library's folder and the export's file name hold markup ("[bold]"): shown, not obeyed."""
    done = run(command, "--db", str(hostile))
    assert_terminal_safe(done)
    assert ("music [bold]" if command == "status" else "Streaming_History_Audio_2023 [bold].json") in done.stdout
    if command == "imports":  # the files by their own names, never their absolute paths
        assert str(hostile.parent) not in done.stdout


def test_json_keeps_names_whole_and_escapes_what_a_terminal_obeys(hostile: Path) -> None:
    done = run("top", "artists", "--json", "--limit", "20", "--db", str(hostile))
    assert_terminal_safe(done)
    names = {row["name"] for row in json.loads(done.stdout)["result"]["rows"]}
    assert {LINK, UNCLOSED, ESCAPES, C1_BIDI, COMMENT, CLOSE} <= names  # the JSON holds the exact names


def test_exclusion_rules_and_errors_show_names_as_text(hostile: Path, tmp_path: Path) -> None:
    db = shutil.copy(hostile, tmp_path / "lib.duckdb")
    assert_terminal_safe(run("exclude", "add", "--artist", UNCLOSED, "--db", str(db)))
    listed = run("exclude", "list", "--db", str(db))
    assert_terminal_safe(listed)
    assert UNCLOSED in listed.stdout
    # An error message that quotes a hostile file name: one clean line.
    bad = run("export", str(tmp_path / f"{ESCAPES}.xyz"), "--db", str(db))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and bad.stderr.startswith("error: ")
    assert not UNSAFE.search(bad.stderr) and ESCAPES_SHOWN in bad.stderr


def test_insight_options_show_their_defaults(hostile: Path) -> None:
    """'[default: 20]' in an option's help is text: it used to vanish as an unknown markup tag."""
    done = run("insights", "sessions", "--help-options", "--db", str(hostile))
    assert_terminal_safe(done)
    assert "[default: 20]" in done.stdout


# --- the HTML report and the cards --------------------------------------------------------------------------------

class Scripts(HTMLParser):
    """The text of every <script> element, as a browser's parser splits the page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._open = dict(attrs)
            self.scripts.append((self._open, ""))

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open = None


@pytest.fixture(scope="module")
def report(hostile: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "notes.html"
    done = run("report", "--db", str(hostile), "-o", str(out))
    assert_terminal_safe(done)
    return out


def test_report_scripts_hold_their_json(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    parser = Scripts()
    parser.feed(page)
    assert len(parser.scripts) == 3  # the specs, the Vega bundle, the page's own script
    (specs_text,) = [text for attrs, text in parser.scripts if attrs.get("type") == "application/json"]
    specs = json.loads(specs_text)
    assert specs and "<" not in specs_text and ">" not in specs_text and "&" not in specs_text
    data = json.dumps(specs, ensure_ascii=False)
    for name in (COMMENT, CLOSE, LINK):
        assert json.dumps(name, ensure_ascii=False)[1:-1] in data  # the exact names, in the charts' data
    assert parser.scripts[2][1].strip().startswith("(function ()")
    # Outside scripts names are escaped HTML text: no element comes from a name.
    assert "<b>x</b>" not in page.replace(specs_text, "")


@pytest.mark.slow
def test_report_charts_all_render_in_a_browser(browser: Any, report: Path) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(report.as_uri())
        page.wait_for_function(
            "document.querySelectorAll('[data-chart]').length > 0 && document.querySelectorAll('[data-chart]')"
            ".length === document.querySelectorAll('[data-chart][data-rendered]').length", timeout=30_000)
        assert errors == []
        assert page.evaluate("document.querySelectorAll('b').length") == 0  # "<b>x</b>" stayed text
        labels = page.evaluate("Array.from(document.querySelectorAll('#chart-top-artists svg text'))"
                               ".map(t => t.textContent)")
        assert COMMENT in labels and CLOSE in labels
    finally:
        page.close()


@pytest.fixture(scope="module")
def hostile_years(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hostile names played every week for two years: enough history for a chapter (a year of music)."""
    monday = dt.date(2022, 1, 3)
    rows = [play(f"{monday + dt.timedelta(weeks=w, days=k)}T{9 + k}:00:00Z", f"{name} song", name)
            for w in range(104) for k, name in enumerate(HOSTILE[(w + i) % len(HOSTILE)] for i in range(3))]
    folder = tmp_path_factory.mktemp("years")
    db = folder / "lib.duckdb"
    done = run("import", str(write_extended(folder / "history.json", rows)), "--db", str(db), "-q")
    assert done.returncode == 0, done.stderr
    return db


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["top-artists", "year", "chapter"])
def test_cards_draw_hostile_names(hostile: Path, hostile_years: Path, tmp_path: Path, kind: str) -> None:
    """An ESC in a name made vl-convert abort the whole process (exit 134, a Rust panic)."""
    out = tmp_path / f"{kind}.png"
    done = run("card", kind, "-o", str(out), "--db", str(hostile_years if kind == "chapter" else hostile))
    assert_terminal_safe(done)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_chapter_card_without_a_chapter_says_why(hostile: Path, tmp_path: Path) -> None:
    done = run("card", "chapter", "-o", str(tmp_path / "c.png"), "--db", str(hostile))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "no chapter to put on a card" in done.stderr and "52 weeks with music" in done.stderr


# --- the CSV export -----------------------------------------------------------------------------------------------

def test_csv_export_defuses_formulas(hostile: Path, tmp_path: Path) -> None:
    done = run("export", str(tmp_path / "plays.csv"), "--db", str(hostile))
    assert_terminal_safe(done)
    with open(tmp_path / "plays.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    artists = {r["artist"] for r in rows}
    assert {"'" + name for name in FORMULAS} <= artists
    assert not any(a.startswith(("=", "+", "-", "@", "\t", "\r")) for a in artists)
    assert {LINK, COMMENT, EMOJI} <= artists  # other names untouched
    assert {r["track"] for r in rows if r["artist"] == "'+1"} == {"'+1 song"}
    assert all(r["ms_played"].isdigit() for r in rows)  # numbers are not prefixed
    # Parquet and SQLite are typed: the names stay exactly as they are.
    run("export", str(tmp_path / "plays.parquet"), "--db", str(hostile))
    assert set(FORMULAS) <= set(pq.read_table(tmp_path / "plays.parquet").column("artist").to_pylist())
    assert "formula" in run("export", "--help").stdout


def test_csv_negative_numbers_stay_numbers(tmp_path: Path) -> None:
    from linernotes.library import _csv_safe

    con = duckdb.connect()
    rel = "SELECT -5 AS n, -2.5 AS x, '-cmd' AS s, '-5' AS t, NULL::VARCHAR AS empty, 'ok' AS plain"
    con.execute(f"COPY ({_csv_safe(con, rel)}) TO '{tmp_path / 'x.csv'}' (FORMAT csv, HEADER true)")
    lines = (tmp_path / "x.csv").read_text().splitlines()
    assert lines == ["n,x,s,t,empty,plain", "-5,-2.5,'-cmd,'-5,,ok"]


# --- the crowd ----------------------------------------------------------------------------------------------------

def write_signed_release(db: Path, **changes: Any) -> None:
    """A signed release beside ``db`` whose names are hostile (the signature vouches for the publisher only)."""
    names = [LINK, UNCLOSED, ESCAPES, C1_BIDI, COMMENT, "x" * 100_000]
    payload: dict[str, Any] = {
        "format": FORMAT, "release_id": f"r-{UNCLOSED}", "published": "2026-01-01",
        "contributors": {"benchmarks": 100, "taste": 50}, "privacy": {"epsilon": 1.0, "delta": 1e-6},
        "metrics": {}, "top_artists": {"artists": [[n, 10 + i] for i, n in enumerate(names)]},
        # The library's own top artists are the seeds, so the recommendations are the other hostile names.
        "taste": {"artists": [*names, "Hello [/nope] 2", "=cmd 2"],
                  "vectors": [[1.0, 0.01 * i] for i in range(len(names) + 2)]},
    }
    payload.update(changes)
    key = generate_key()
    write_release(db.with_name(db.stem + ".crowd-release.json"), sign(payload, key))
    write_public_key(db.with_name(db.stem + ".coop-key"), public_key_bytes(key))


def test_crowd_shows_hostile_names_as_text(hostile: Path, tmp_path: Path) -> None:
    db = Path(shutil.copy(hostile, tmp_path / "lib.duckdb"))
    write_signed_release(db)
    done = run("crowd", "--db", str(db))
    assert_terminal_safe(done)
    assert f"release r-{UNCLOSED}" in done.stdout and LINK in done.stdout and ESCAPES_SHOWN in done.stdout
    assert "x" * 100_000 not in done.stdout  # a huge name is cut for the terminal
    assert "Hello [/nope] 2" in done.stdout  # a recommendation
    as_json = run("crowd", "--json", "--db", str(db))
    assert_terminal_safe(as_json)
    assert [a["artist"] for a in json.loads(as_json.stdout)["top_artists"]][:3] == [LINK, UNCLOSED, ESCAPES]


@pytest.mark.parametrize(("changes", "reason"), [
    ({"top_artists": {"artists": [[123, 4], [None, 3]]}}, "top artists"),
    ({"top_artists": {"artists": [["x", "many"]]}}, "top artists"),
    ({"top_artists": {"artists": "not a list"}}, "top artists"),
    ({"taste": {"artists": [["a"], "b"], "vectors": [[1.0], [2.0]]}}, "taste model"),
    ({"taste": {"artists": ["a", "b"], "vectors": [[1.0], ["z"]]}}, "taste model"),
    ({"contributors": {"benchmarks": "lots"}}, "contributor counts"),
    ({"metrics": {m.name: {"lower": m.lower, "upper": m.upper, "bins": m.bins, "counts": ["a"] * m.bins}
                  for m in METRICS[:1]}}, f"bins for {METRICS[0].name}"),  # refused by verification itself
])
def test_crowd_refuses_a_release_of_the_wrong_shapes(hostile: Path, tmp_path: Path, changes: dict[str, Any],
                                                     reason: str) -> None:
    db = Path(shutil.copy(hostile, tmp_path / "lib.duckdb"))
    write_signed_release(db, **changes)
    done = run("crowd", "--db", str(db))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and reason in done.stderr, done.stderr
    # The report names the release and compares nothing, instead of failing.
    report = run("report", "--db", str(db), "-o", str(tmp_path / "notes.html"))
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "notes.html").read_text(encoding="utf-8")
    assert f"could not be read ({reason}" in page.replace("&#39;", "'").replace("the release's ", "")
    assert "nothing is compared" in page


def test_dashboard_answers_a_release_of_the_wrong_shapes_with_a_422(hostile: Path, tmp_path: Path) -> None:
    import httpx

    from linernotes.serving import background
    from linernotes.web import create_app

    db = Path(shutil.copy(hostile, tmp_path / "lib.duckdb"))
    write_signed_release(db, top_artists={"artists": [[123, 4]]})
    with background(create_app(db, token="t")) as url:
        got = httpx.get(f"{url}/api/crowd", headers={"Authorization": "Bearer t"})
    assert got.status_code == 422 and "top artists" in got.json()["error"]


def test_report_with_a_hostile_release(hostile: Path, tmp_path: Path) -> None:
    db = Path(shutil.copy(hostile, tmp_path / "lib.duckdb"))
    write_signed_release(db)
    out = tmp_path / "notes.html"
    assert_terminal_safe(run("report", "--db", str(db), "-o", str(out)))
    page = out.read_text(encoding="utf-8")
    assert "Hello [/nope]" in page and "&lt;!--&lt;script&gt;" in page
    parser = Scripts()
    parser.feed(page)
    assert len(parser.scripts) == 3
    # Python's parser has no "double-escaped" script state; a browser's has: no markup may be in the JSON at all.
    (specs_text,) = [text for attrs, text in parser.scripts if attrs.get("type") == "application/json"]
    assert "<" not in specs_text and json.loads(specs_text)


def test_print_json_escapes_c1_and_bidi(capsys: pytest.CaptureFixture[str]) -> None:
    from linernotes.terminal import print_json

    print_json({"name": C1_BIDI})
    out = capsys.readouterr().out
    assert not UNSAFE.search(out) and orjson.loads(out) == {"name": C1_BIDI}


def test_every_insight_prints_names_as_text(hostile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`linernotes insights NAME` for every insight (in-process: one subprocess each would take a minute)."""
    import io

    from rich.console import Console

    from linernotes.cli import render
    from linernotes.engine import registry
    from linernotes.library import open_library

    out = io.StringIO()
    monkeypatch.setattr(render, "console", Console(file=out, width=250, highlight=False, emoji=False))
    with open_library(hostile, read_only=True) as lib:
        for spec in registry.all_insights():
            render.print_result(lib.insight(spec.name))
    text = out.getvalue()
    assert not UNSAFE.search(text), UNSAFE.findall(text)
    assert LINK in text and UNCLOSED in text and ESCAPES_SHOWN in text and EMOJI in text
