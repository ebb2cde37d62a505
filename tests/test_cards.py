"""Share cards fit their text and draw any script (issue 16, point 3), measured from the rendered PNGs.

One library spans 25 May 2014 – 12 May 2026 (a title that used to be cut to "25 May 2014 – 12 May 2…") and
plays a Japanese, an emoji, a Korean and a very long artist name. Every card, at both sizes and in both themes,
is rendered and read back pixel by pixel: nothing is drawn in the side margins, no date or number is
shortened, names take at most two lines before an ellipsis at a word boundary, and CJK and emoji glyphs are
drawn (not the missing-glyph box). These need the fonts CI installs: fonts-noto-cjk and fonts-noto-color-emoji.
"""

from __future__ import annotations

import datetime as dt
import json
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from click.testing import CliRunner

from linernotes.engine.period import Period
from linernotes.identity import DARK, FONT_STACK, LIGHT
from linernotes.library import Library, open_library
from linernotes.report import card_fonts, card_text
from linernotes.report.card_text import Ruler, fit, needs
from linernotes.report.cards import KINDS, MARGIN, SIZES, card_spec, render_card
from linernotes.report.png_pixels import decode_png
from tests.support.exports import play, write_extended

pytestmark = pytest.mark.xdist_group("cards")

RANGE = "25 May 2014 – 12 May 2026"
LONG = "The Unbelievably Long Named Orchestra of the Northern Hemisphere and Friends"
CJK, EMOJI, HANGUL = "坂本龍一", "😀🎸🔥", "방탄소년단"
ARTISTS = [(CJK, "戦場のメリークリスマス", 6), (EMOJI, "🎉 Party 🎉", 5),
           (LONG, "An Extraordinarily Long Track Title That Goes On and On Past Any Reasonable Length (Live)", 4),
           (HANGUL, "봄날", 3), ("宇多田ヒカル", "First Love", 2), ("Björk", "Jóga", 1)]
FONTS_MISSING = "CJK or emoji fonts missing: apt-get install fonts-noto-cjk fonts-noto-color-emoji"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    start, end = dt.date(2014, 5, 25), dt.date(2026, 5, 12)
    rows, day, i = [], start, 0
    while day <= end:
        for k, (artist, track, weight) in enumerate(ARTISTS):
            if (i + k) % 7 < weight:
                rows.append(play(f"{day}T{9 + k}:00:00Z", track, artist, ms=200_000 + k))
        day += dt.timedelta(days=3)
        i += 1
    rows.append(play(f"{end}T20:00:00Z", "Last", "Björk"))
    folder = tmp_path_factory.mktemp("cards")
    imported = open_library(folder / "lib.duckdb")
    imported.import_paths([write_extended(folder / "history.json", rows)])
    imported.close()
    # Read-only, as the card command opens it: the command under test can open it too.
    lib = open_library(folder / "lib.duckdb", read_only=True)
    yield lib
    lib.close()


def texts_of(spec: dict[str, Any]) -> list[str]:
    return [layer["mark"]["text"] for layer in spec["layer"] if layer["mark"]["type"] == "text"]


def ink_outside_margins(pixels: npt.NDArray[np.uint8], background: str, margin: int) -> int:
    """How many pixels differ from the background in the side margins (a 4-pixel allowance for anti-aliasing)."""
    rgb = np.array([int(background[i:i + 2], 16) for i in (1, 3, 5)])
    differs = np.abs(pixels[:, :, :3].astype(int) - rgb).max(axis=2) > 24
    width = pixels.shape[1]
    return int(differs[:, : margin - 4].sum() + differs[:, width - margin + 4:].sum())


# --- the fit, measured from the PNG ---------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_card_stays_inside_its_margins(library: Library, kind: str, size: str, theme: str,
                                             tmp_path: Path) -> None:
    card = render_card(library, kind, size=size, theme=theme)
    pixels = decode_png(card.png)
    assert pixels.shape[:2] == SIZES[size][::-1]
    colours = LIGHT if theme == "light" else DARK
    assert tuple(pixels[5, 5, :3]) == tuple(int(colours.background[i:i + 2], 16) for i in (1, 3, 5))
    assert ink_outside_margins(pixels, colours.background, MARGIN) == 0
    (tmp_path / f"{kind}-{size}-{theme}.png").write_bytes(card.png)


def test_the_margin_measure_sees_an_overflow() -> None:
    """The measure above can fail: the old cards' 72 px title, drawn without fitting, runs into the margin."""
    import vl_convert

    spec = {"width": 1080, "height": 300, "autosize": {"type": "none"}, "padding": 0, "background": LIGHT.background,
            "data": {"values": [{}]}, "layer": [{"mark": {
                "type": "text", "x": MARGIN, "y": 150, "text": f"{RANGE} in numbers", "fontSize": 72,
                "fontWeight": "bold", "font": FONT_STACK, "align": "left", "color": LIGHT.ink}}]}
    pixels = decode_png(vl_convert.vegalite_to_png(spec, scale=1))
    assert ink_outside_margins(pixels, LIGHT.background, MARGIN) > 500


@pytest.mark.slow
def test_a_long_date_range_is_never_cut(library: Library) -> None:
    for kind in ("year", "top-artists", "personality"):
        texts = texts_of(card_spec(library, kind))
        assert RANGE in texts or ("25 May 2014 –" in texts and "12 May 2026" in texts), (kind, texts)
        assert not any("…" in t and any(ch.isdigit() for ch in t) for t in texts), texts
    year = card_spec(library, "year")
    title = next(layer["mark"] for layer in year["layer"] if layer["mark"].get("text") == RANGE)
    assert 40 <= title["fontSize"] < 72  # shrunk to fit, not cut, and still a title


@pytest.mark.slow
def test_names_wrap_to_two_lines_then_end_at_a_word(library: Library) -> None:
    spec = card_spec(library, "top-artists")
    texts = texts_of(spec)
    # The long name is on two lines, whole or shortened at a word: every line is a run of its words.
    lines = [t for t in texts if t.rstrip("…") and (t.rstrip("…") in LONG) and len(t) > 10]
    assert len(lines) == 2, texts
    joined = " ".join(lines)
    shown = joined.removesuffix("…")
    assert LONG.startswith(shown)
    assert joined == LONG or LONG[len(shown)] == " "  # an ellipsis only at a word boundary
    for name in (CJK, EMOJI, HANGUL):
        assert name in texts


def test_fit_shrinks_or_wraps_dates_and_shortens_only_names() -> None:
    ruler = Ruler(FONT_STACK)
    name = LONG + " " + LONG
    ruler.measure([*needs(RANGE, "fixed", True), *needs(name, "name", True)])
    wide = fit(RANGE, ruler, width=900, height=86, size=72, min_size=46, bold=True, role="fixed", max_lines=2)
    assert wide.lines == (RANGE,) and 46 <= wide.size < 72
    narrow = fit(RANGE, ruler, width=420, height=2 * 1.2 * 40, size=72, min_size=46, bold=True, role="fixed",
                 max_lines=2)
    assert narrow.lines == ("25 May 2014 –", "12 May 2026") and not narrow.shortened
    tiny = fit(RANGE, ruler, width=200, height=30, size=72, min_size=46, bold=True, role="fixed", max_lines=1)
    assert tiny.lines == (RANGE,) and ruler.width(RANGE, True) * tiny.size / card_text.REFERENCE <= 200
    short = fit(name, ruler, width=820, height=72, size=55, min_size=41, bold=True, role="name", max_lines=2)
    assert short.shortened and len(short.lines) == 2 and short.lines[1].endswith("…")
    shown = " ".join(short.lines).removesuffix("…")
    assert name.startswith(shown) and name[len(shown)] == " "
    for line in short.lines:  # each line, as measured, fits the box
        ruler.measure([(line, True)])
        assert ruler.width(line, True) * short.size / card_text.REFERENCE <= 820


def test_cjk_names_break_between_characters() -> None:
    assert card_text.pieces("宇多田ヒカル Live") == ["宇", "多", "田", "ヒ", "カ", "ル", " ", "Live"]
    assert card_text.pieces("a" * 40) == ["a" * 16, "a" * 16, "a" * 8]
    assert "".join(card_text.pieces("👩\u200d👩\u200d👧 family" * 3)) == "👩\u200d👩\u200d👧 family" * 3


# --- any script -----------------------------------------------------------------------------------------------

def glyph_masks(text: str) -> list[npt.NDArray[np.bool_]]:
    """Each glyph of ``text`` drawn alone at 80 px with the card font, as a mask cropped to its ink."""
    import vl_convert

    masks = []
    for ch in text:
        spec = {"width": 200, "height": 200, "autosize": {"type": "none"}, "padding": 0, "background": None,
                "data": {"values": [{}]}, "layer": [{"mark": {
                    "type": "text", "x": 40, "y": 140, "text": ch, "fontSize": 80, "font": FONT_STACK,
                    "align": "left", "color": "#000000"}}]}
        alpha = decode_png(vl_convert.vegalite_to_png(spec, scale=1))[:, :, 3] > 64
        ys, xs = np.nonzero(alpha)
        masks.append(alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1])
    return masks


def test_cjk_and_hangul_are_drawn_as_glyphs_not_boxes() -> None:
    (box,) = glyph_masks("\u0378")  # an unassigned code point: every font draws its missing-glyph box
    glyphs = glyph_masks(CJK + HANGUL + "ヒカル")
    for ch, mask in zip(CJK + HANGUL + "ヒカル", glyphs, strict=True):
        same_shape = mask.shape == box.shape and (mask == box).mean() > 0.9
        assert not same_shape, f"{ch!r} is drawn as the missing-glyph box: {FONTS_MISSING}"
    # Different characters, different drawings (boxes would all be alike).
    assert len({m.tobytes() for m in glyphs}) == len(glyphs)
    assert Ruler(FONT_STACK).draws()["cjk"], FONTS_MISSING


def test_emoji_are_drawn_in_colour(library: Library) -> None:
    card = decode_png(render_card(library, "top-artists").png)
    # The emoji artist is second: its row holds pixels of many hues, where text and bars have one hue each.
    row = card[420:540, MARGIN + 80:MARGIN + 400].astype(int)
    rgb = row[:, :, :3]
    colourful = (rgb.max(axis=2) - rgb.min(axis=2)) > 60
    hues = {tuple(px // 64) for px in rgb[colourful]}
    assert colourful.sum() > 500 and len(hues) >= 4, FONTS_MISSING
    assert Ruler(FONT_STACK).draws()["emoji"], FONTS_MISSING


def test_the_font_note_names_what_to_install() -> None:
    drawn = {"cjk": True, "emoji": True}
    assert card_fonts.font_note([CJK, EMOJI], drawn) is None
    assert card_fonts.font_note(["Björk"], {"cjk": False, "emoji": False}) is None  # nothing on it needs one
    note = card_fonts.font_note([CJK, HANGUL, "Björk"], {"cjk": False, "emoji": True})
    assert note is not None and "fonts-noto-cjk" in note and "emoji" not in note
    both = card_fonts.font_note([CJK, EMOJI], {"cjk": False, "emoji": False})
    assert both is not None and "fonts-noto-cjk fonts-noto-color-emoji" in both


@pytest.mark.slow
def test_the_card_command_says_once_which_font_is_missing(library: Library, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from linernotes.cli.report_cmds import card_cmd

    out = tmp_path / "top.png"
    db = str(library.path)
    done = CliRunner().invoke(card_cmd, ["top-artists", "-o", str(out), "--db", db])
    assert done.exit_code == 0, done.output
    assert done.stderr == "" and out.read_bytes()[:4] == b"\x89PNG"
    monkeypatch.setattr(Ruler, "draws", lambda self: {"cjk": False, "emoji": True})
    done = CliRunner().invoke(card_cmd, ["top-artists", "-o", str(out), "--db", db, "--theme", "dark"])
    assert done.exit_code == 0, done.output
    assert done.stderr.count("fonts-noto-cjk") == 1 and done.stderr.count("\n") == 1
    assert done.stdout.strip() == str(out)
    bad = CliRunner().invoke(card_cmd, ["year", "-o", str(out), "--db", db, "--theme", "sepia"])
    assert bad.exit_code != 0 and "--theme must be one of: light, dark" in str(bad.exception or bad.output)


def test_font_dir_is_registered_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import vl_convert

    seen: list[str] = []
    monkeypatch.setattr(vl_convert, "register_font_directory", seen.append)
    monkeypatch.setattr(card_fonts, "_registered", set())
    monkeypatch.setenv(card_fonts.FONT_DIR_ENV, str(tmp_path))
    card_fonts.register_font_dirs()
    card_fonts.register_font_dirs()
    assert seen == [str(tmp_path)]


# --- the PNG reader -------------------------------------------------------------------------------------------

def encode_png(pixels: npt.NDArray[np.uint8], kind: int) -> bytes:
    """An RGBA PNG with every row filtered by ``kind`` (0..4), as other encoders may write."""
    h, w, _ = pixels.shape
    raw = bytearray()
    previous = np.zeros(w * 4, dtype=np.int32)
    for y in range(h):
        row = pixels[y].reshape(-1).astype(np.int32)
        left = np.concatenate([np.zeros(4, np.int32), row[:-4]])
        upleft = np.concatenate([np.zeros(4, np.int32), previous[:-4]])
        if kind == 0:
            predicted = np.zeros_like(row)
        elif kind == 1:
            predicted = left
        elif kind == 2:
            predicted = previous
        elif kind == 3:
            predicted = (left + previous) // 2
        else:
            p = left + previous - upleft
            pa, pb, pc = np.abs(p - left), np.abs(p - previous), np.abs(p - upleft)
            predicted = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, previous, upleft))
        raw += bytes([kind]) + ((row - predicted) % 256).astype(np.uint8).tobytes()
        previous = row

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b""))


@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4])
def test_png_reader_undoes_every_filter(kind: int) -> None:
    pixels = np.random.default_rng(kind).integers(0, 256, size=(7, 9, 4), dtype=np.uint8)
    assert np.array_equal(decode_png(encode_png(pixels, kind)), pixels)


def test_card_specs_name_only_music_and_numbers(library: Library) -> None:
    for kind in KINDS:
        text = json.dumps(card_spec(library, kind, Period(), "story"), ensure_ascii=False)
        assert str(library.path.parent) not in text and "synth-user" not in text
