"""The terminal reads well at 80 columns (and at 120): nothing wider than the console, nothing that matters cut,
number lists that can be read, labels instead of field names, insight definitions as plain wrapped text.

The library holds a synthetic multi-year history and the real sample exports (several formats, long file
names), so every insight has something to print."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.cells import cell_len

from linernotes import synth
from linernotes.cli.common import console
from linernotes.cli.import_view import FORMAT_NAMES, SOURCE_NAMES, format_name, shorten
from linernotes.engine import registry
from tests.support.cli import run_cli

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"
INSIGHTS = [spec.name for spec in registry.all_insights()]
WIDTHS = (80, 120)
# A word of lowercase letters joined by underscores, as Python and the JSON name fields.
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("terminal")
    export = folder / "my_spotify_data.zip"
    synth.write_extended(synth.generate(n_plays=6_000, seed=11), export, generation="C")
    db = folder / "library.duckdb"
    paths = [str(export)] + ([str(SAMPLES)] if SAMPLES.is_dir() else [])
    run_cli("import", *paths, "--db", str(db), "--quiet", check=True)
    return db


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}cols")
def width(request: pytest.FixtureRequest) -> Iterator[int]:
    """The console at a width (the CLI's console is made once, at import: its width is set, then restored)."""
    before = console._width  # the fixed width rich keeps (None: the terminal's)
    console.width = request.param
    yield request.param
    console._width = before


def shown(width: int, *args: str) -> str:
    done = run_cli(*args, env={"COLUMNS": str(width)}, check=True)
    return done.stdout


def assert_fits(text: str, width: int) -> None:
    wide = [line for line in text.splitlines() if cell_len(line) > width]
    assert not wide, f"{len(wide)} lines wider than {width} columns, e.g.:\n" + "\n".join(wide[:5])


def assert_nothing_cut(text: str) -> None:
    """An ellipsis only ever starts a shortened file name: never inside or after a word, number or date."""
    cut = [line for line in text.splitlines() if re.search(r"\S…", line)]
    assert not cut, "cut text:\n" + "\n".join(cut[:5])


def test_import_report_fits_and_names_formats(tmp_path: Path, width: int) -> None:
    if not SAMPLES.is_dir():
        pytest.skip("the real sample exports are not here")
    out = shown(width, "import", str(SAMPLES), "--db", str(tmp_path / "lib.duckdb"), "--quiet")
    assert_fits(out, width)
    assert_nothing_cut(out)
    files = json.loads(shown(width, "imports", "--db", str(tmp_path / "lib.duckdb"), "--json"))[0]["files"]
    for f in files:
        assert format_name(f["format"]) in out, f"{f['format']} is not shown whole by its human name"
        assert f["format"] not in out, "a format id is shown instead of its name"
        name = f["file"].replace(":", "/").rsplit("/", 1)[-1]
        # long names lose their start, never their distinctive end
        assert any(line.strip().startswith(("…", name[:10])) and name[-12:] in line for line in out.splitlines())
    assert "Streaming_History_Audio_2023.json" in out or width == 80


@pytest.mark.parametrize("command", [("imports",), ("status",), ("top",), ("top", "tracks"), ("insights",)])
def test_library_commands_fit(library: Path, width: int, command: tuple[str, ...]) -> None:
    out = shown(width, *command, "--db", str(library))
    assert_fits(out, width)
    assert_nothing_cut(out)


def test_imports_is_a_table_with_dates_whole(library: Path, width: int) -> None:
    out = shown(width, "imports", "--db", str(library))
    header = next(line for line in out.splitlines() if "when" in line)
    for column in ("#", "files", "read", "new", "duplicates", "dropped", "plays after"):
        assert column in header
    assert re.search(r"\b\d{1,2} [A-Z][a-z]{2} \d{4}\b", out), "the import's date is not written out whole"
    assert "{" not in out and "'" not in out, "a Python value is printed"


@pytest.mark.parametrize("name", INSIGHTS)
def test_every_insight_fits_with_labels(library: Path, width: int, name: str) -> None:
    out = shown(width, "insights", name, "--db", str(library))
    assert_fits(out, width)
    assert_nothing_cut(out)
    # field names are for the JSON; commands to copy (exclusion rules) may hold options, never field names
    snake = {w for line in out.splitlines() if "linernotes exclude" not in line for w in SNAKE.findall(line)}
    assert not snake, f"field names shown to a person: {sorted(snake)}"


def test_wide_rows_become_records_not_word_columns(library: Path) -> None:
    """The chapters table had fifteen columns; at 80 columns each row is a record with its text whole."""
    before = console._width
    console.width = 80
    try:
        out = shown(80, "insights", "chapters", "--db", str(library))
    finally:
        console._width = before
    lines = out.splitlines()
    one_word = [line for line in lines if re.fullmatch(r"[│┃| ]*\S+[│┃| ]*", line) and "│" in line]
    assert not one_word, "a table column wraps one word a line"
    assert any(re.match(r"1\. \S", line) for line in lines), "the first chapter is not a record"


def test_clock_lists_are_unambiguous(library: Path, width: int) -> None:
    out = shown(width, "insights", "clock", "--db", str(library))
    assert not re.search(r"\d, \d", out), "numbers separated by commas next to thousands separators"
    assert re.search(r"^ *Mon [ ░▒▓█]{48}$", out, re.MULTILINE), "the hour × weekday heatmap is not drawn"
    assert re.search(r"^ *19:00 █*[▏▎▍▌▋▊▉]? +[\d,.]+ (h|min)$", out, re.MULTILINE), "hours are not bars with units"


@pytest.mark.parametrize("name", ["sessions", "chapters", "clock"])
def test_insight_help_is_plain_wrapped_text(name: str) -> None:
    out = run_cli("insights", name, "-h", env={"COLUMNS": "80"}, check=True).stdout
    assert_fits(out, 80)
    assert "``" not in out and ":func:" not in out and ":class:" not in out, "reST markup in the help"


def test_sessions_help_names_its_option() -> None:
    out = run_cli("insights", "sessions", "-h", env={"COLUMNS": "80"}, check=True).stdout
    assert "no silence longer than --gap-minutes" in " ".join(out.split())


def test_every_format_has_a_human_name() -> None:
    from linernotes.sources.detect import FORMATS

    assert set(FORMAT_NAMES) == {f.name for f in FORMATS}
    assert format_name("spotify_extended_gen_a") == "Spotify Extended"
    assert format_name("spotify_account_podcast") == "Spotify Account (podcast)"
    assert format_name("lastfm_ghan_csv") == "Last.fm CSV"


def test_every_source_has_a_human_name() -> None:
    from linernotes.schema import Source

    assert set(SOURCE_NAMES) == {s.value for s in Source}


def test_status_writes_dates_and_sources_out(library: Path) -> None:
    out = shown(80, "status", "--db", str(library))
    assert "Spotify (extended history)" in out and "spotify_extended" not in out
    day = r"\d{1,2} [A-Z][a-z]{2} \d{4}"
    assert re.search(f"{day} – {day}", out), "the date range is not written out"


def test_shorten_keeps_the_end() -> None:
    name = "spotify-extended_khushi_Streaming_History_Audio_2023.json"
    assert shorten(name, 26) == "…g_History_Audio_2023.json"
    assert len(shorten(name, 26)) == 26
    assert shorten("short.json", 26) == "short.json"
