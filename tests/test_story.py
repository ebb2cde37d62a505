"""Story mode (issue 16): a period as full-screen slides, each one finding with its chart, each a share card.

What the slides must say on the real exports was counted from the raw files before writing the assertions
(a few lines of Python over ../shared/samples, in local time, Asia/Kolkata, the library's home zone):
- 2024, by listening time in spotify-account_StreamingHistory_music_0.json: Post Malone 12.36 h, then Morgan Wallen
  7.53 h and Luke Combs 7.32 h;
- 2024, days with a scrobble in lastfm-ghan_scrobbles.csv: the longest run is 155 days, 8 Feb – 11 Jul 2024;
- 2024, spotify-account_StreamingHistory_podcast_0.json: 10 shows, the most listened The Megyn Kelly Show, 42.53 h;
- listenbrainz_listens.jsonl alone: 2 listens on 3 Jun 2025, no durations.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt
import pytest

from linernotes.engine.scope import Scope
from linernotes.identity import DARK, LIGHT
from linernotes.library import Library, open_library
from linernotes.report.card_text import Ruler
from linernotes.report.cards import MARGIN, SIZES, _footer_top, render_slide, slide
from linernotes.report.png_pixels import decode_png
from linernotes.report.story import Story, tell
from linernotes.serving import background
from linernotes.units import format_hours
from linernotes.web import create_app
from tests.support.accessibility import Findings, check_keyboard, check_page
from tests.support.browser import screenshot
from tests.support.exports import play, write_extended
from tests.support.samples import SAMPLES, requires_samples
from tests.support.web_libraries import synthetic_library

CJK, EMOJI = "坂本龍一", "😀🎸🔥"
LONG = "The Unbelievably Long Named Orchestra of the Northern Hemisphere and Friends"
FONTS_MISSING = "CJK or emoji fonts missing: apt-get install fonts-noto-cjk fonts-noto-color-emoji"
YEAR_2024 = Scope.make(start="2024-01-01", end="2024-12-31")
# Words a slide must never show: placeholders of a missing value.
PLACEHOLDERS = re.compile(r"\b(None|nan|NaN|null|unknown|undefined)\b")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic_library(tmp_path_factory.mktemp("story-synthetic"))


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples not present beside the repo")
    db = tmp_path_factory.mktemp("story-real") / "real.duckdb"
    with open_library(db) as lib:
        lib.import_paths(sorted(SAMPLES.iterdir()))
    lib = open_library(db, read_only=True)
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def names(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    """A year of daily music whose top artist is Japanese, the second an emoji, the third a very long name, with
    a year before it (so its discoveries are new to you) and a podcast."""
    rows: list[dict[str, Any]] = []
    artists = [(CJK, "戦場のメリークリスマス", 6), (EMOJI, "🎉 Party 🎉", 5), (LONG, "An Extraordinarily Long Track "
               "Title That Goes On and On Past Any Reasonable Length (Live)", 4), ("Björk", "Jóga", 3),
               ("宇多田ヒカル", "First Love", 2)]
    day = dt.date(2023, 6, 1)
    i = 0
    while day <= dt.date(2024, 12, 31):
        for k, (artist, track, weight) in enumerate(artists):
            if day.year == 2023 and k < 2:
                continue  # the two top artists are discoveries of 2024
            if (i + k) % 7 < weight:
                rows.append(play(f"{day}T{9 + k}:00:00Z", track, artist, ms=200_000 + k))
        if i % 5 == 0:
            rows.append(play(f"{day}T20:00:00Z", None, None, ms=1_800_000, episode_name=f"Episode {i}",
                             episode_show_name="Late Night Radio 🎙", spotify_episode_uri=f"spotify:episode:{i:022d}"))
        day += dt.timedelta(days=1)
        i += 1
    folder = tmp_path_factory.mktemp("story-names")
    with open_library(folder / "lib.duckdb") as lib:
        lib.import_paths([write_extended(folder / "history.json", rows)])
    lib = open_library(folder / "lib.duckdb", read_only=True)
    yield lib
    lib.close()


def every_text(story: Story) -> list[str]:
    out = []
    for s in story.slides:
        out += [s.title, s.figure, s.label, s.sentence, s.chart.caption]
        out += [m.text for m in s.chart.marks] + [m.label for m in s.chart.marks]
    return out


def assert_readable(story: Story) -> None:
    """Every word of every slide: no placeholder, no unit-less float, a chart with its sentence."""
    for text in every_text(story):
        assert not PLACEHOLDERS.search(text), text
        # A number with decimals is followed by its unit ("4.4 hours"), never alone ("4.417").
        for number in re.finditer(r"\d+\.\d+(?!\s*(hours|h\b|%|×))", text):
            raise AssertionError(f"unit-less float {number.group()!r} in {text!r}")
    for s in story.slides:
        assert s.figure and s.sentence and s.chart.caption, s
        assert s.chart.marks or s.chart.grid, f"{s.id}: a slide without a chart"


# --- the slides ----------------------------------------------------------------------------------------------

def test_a_normal_year_tells_six_to_ten_findings(synthetic: Path) -> None:
    with open_library(synthetic, read_only=True) as lib:
        story = tell(lib, YEAR_2024)
        wrapped = lib.insight("wrapped", start="2024-01-01", end="2024-12-31")
        calendar = lib.insight("calendar", start="2024-01-01", end="2024-12-31")
        top = lib.insight("top", start="2024-01-01", end="2024-12-31", limit=1)
    ids = [s.id for s in story.slides]
    assert 6 <= len(ids) <= 10, ids
    assert ids[:3] == ["hours", "top-artist", "top-track"]
    assert {"clock", "streak", "discovery"} <= set(ids)  # 2024 of the synthetic history has a year before it
    assert story.period == "2024"
    assert_readable(story)
    by_id = {s.id: s for s in story.slides}
    # The figures are the insights' own numbers, formatted once.
    assert by_id["hours"].figure == format_hours(wrapped.totals.ms_played, unit=" hours", whole_from=10)  # type: ignore[attr-defined]
    assert by_id["top-artist"].figure == top.rows[0].name  # type: ignore[attr-defined]
    streak = calendar.longest_streak  # type: ignore[attr-defined]
    assert by_id["streak"].figure == f"{streak.days} days"
    # Neighbouring slides never share a colour.
    assert all(a.series != b.series for a, b in zip(story.slides, story.slides[1:], strict=False))
    # The streak chart highlights exactly the streak's days.
    lo, hi = by_id["streak"].chart.selected or (0, -1)
    assert hi - lo + 1 == streak.days
    # The card endpoint draws a slide from the story's cached JSON: the JSON is the whole story.
    assert Story.from_dict(json.loads(json.dumps(story.to_dict()))) == story


def test_the_whole_history_has_no_new_to_you_slide(synthetic: Path) -> None:
    """Over the whole history every artist is new: that is a definition, not a finding."""
    with open_library(synthetic, read_only=True) as lib:
        story = tell(lib)
    assert "discovery" not in [s.id for s in story.slides]
    assert 6 <= len(story.slides) <= 10
    assert_readable(story)


@requires_samples()
def test_the_real_2024_says_what_the_raw_files_say(real: Library) -> None:
    story = tell(real, YEAR_2024)
    assert_readable(story)
    by_id = {s.id: s for s in story.slides}
    assert 6 <= len(by_id) <= 10, list(by_id)
    assert by_id["top-artist"].figure == "Post Malone"
    assert "12 hours" in by_id["top-artist"].sentence
    assert [m.label for m in by_id["top-artist"].chart.marks[:3]] == ["Post Malone", "Morgan Wallen", "Luke Combs"]
    assert by_id["streak"].figure == "155 days"
    assert "8 Feb – 11 Jul 2024" in by_id["streak"].sentence
    assert by_id["podcasts"].chart.marks[0].label == "The Megyn Kelly Show"
    assert "10 shows" in by_id["podcasts"].sentence and "(43 hours)" in by_id["podcasts"].sentence


@requires_samples()
def test_a_year_of_podcasts_has_no_top_artist(real: Library) -> None:
    """2025 in the samples: podcasts and an audiobook, and two scrobbled tracks — no ranking of artists."""
    story = tell(real, Scope.make(start="2025-01-01", end="2025-12-31"))
    ids = [s.id for s in story.slides]
    assert "podcasts" in ids and "top-artist" not in ids and "top-track" not in ids, ids
    assert_readable(story)


@requires_samples()
def test_a_two_play_history_says_only_what_is_true(tmp_path: Path) -> None:
    with open_library(tmp_path / "tiny.duckdb") as lib:
        lib.import_paths([SAMPLES / "listenbrainz_listens.jsonl"])
        story = tell(lib)
    assert [s.id for s in story.slides] == ["hours"]
    (only,) = story.slides
    # Scrobbles record plays, not how long they lasted: a count, never "0 hours".
    assert only.figure == "2 plays" and only.sentence == "You played 2 tracks on 1 day."
    assert_readable(story)


def test_an_empty_period_has_no_slide(synthetic: Path) -> None:
    with open_library(synthetic, read_only=True) as lib:
        story = tell(lib, Scope.make(start="1990-01-01", end="1990-12-31"))
    assert story.slides == []


# --- the share cards, measured from the PNGs -----------------------------------------------------------------

def ink(pixels: npt.NDArray[np.uint8], background: str) -> npt.NDArray[np.bool_]:
    rgb = np.array([int(background[i:i + 2], 16) for i in (1, 3, 5)])
    return np.abs(pixels[:, :, :3].astype(int) - rgb).max(axis=2) > 24  # type: ignore[no-any-return]


@pytest.mark.slow
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_slide_card_fits_its_text(names: Library, size: str, theme: str, tmp_path: Path) -> None:
    story = tell(names, YEAR_2024)
    assert len(story.slides) >= 6, [s.id for s in story.slides]
    colours = LIGHT if theme == "light" else DARK
    width, height = SIZES[size]
    for shown in story.slides:
        spec = slide(story, shown, size, theme)
        texts = [layer["mark"]["text"] for layer in spec["layer"] if layer["mark"]["type"] == "text"]
        # Dates and numbers are never shortened; only a name may end in an ellipsis.
        assert not any("…" in t and re.search(r"\d", t) for t in texts), texts
        assert story.period in texts
        pixels = decode_png(render_slide(story, shown, size, theme).png)
        (tmp_path / f"{shown.id}-{size}-{theme}.png").write_bytes(render_slide(story, shown, size, theme).png)
        assert pixels.shape[:2] == (height, width)
        drawn = ink(pixels, colours.background)
        # Nothing in the side margins (a text wider than its box runs into them: every box ends at a margin)...
        assert drawn[:, : MARGIN - 4].sum() + drawn[:, width - MARGIN + 4:].sum() == 0, (shown.id, size, theme)
        # ...nor below the footer's line (a text taller than its box pushes what follows down into it)...
        footer = _footer_top(size)
        assert drawn[footer + 60:].sum() == 0, (shown.id, size, theme)
        # ...and the chart ends above the footer: a clear band between them.
        assert drawn[footer - 30: footer - 2].sum() == 0, (shown.id, size, theme)
    by_id = {s.id: s for s in story.slides}
    assert by_id["top-artist"].figure == CJK
    top_card = slide(story, by_id["top-artist"], size, theme)
    shown_texts = [layer["mark"]["text"] for layer in top_card["layer"] if layer["mark"]["type"] == "text"]
    assert CJK in shown_texts and EMOJI in shown_texts  # whole, in the figure and the bars


@pytest.mark.slow
def test_cjk_and_emoji_names_are_drawn(names: Library) -> None:
    story = tell(names, YEAR_2024)
    top = next(s for s in story.slides if s.id == "top-artist")
    assert Ruler("").draws()["cjk"] and Ruler("").draws()["emoji"], FONTS_MISSING
    card = render_slide(story, top, "square", "light")
    assert card.font_note is None, card.font_note
    pixels = decode_png(card.png)
    # The emoji name's bar row (second in the chart) holds pixels of many hues: a colour emoji, not a box.
    rgb = pixels[:, :, :3].astype(int)
    colourful = (rgb.max(axis=2) - rgb.min(axis=2)) > 60
    hues = {tuple(px // 64) for px in rgb[colourful]}
    assert len(hues) >= 6, FONTS_MISSING


def test_slide_cards_name_only_music_and_numbers(names: Library) -> None:
    story = tell(names, YEAR_2024)
    for shown in story.slides:
        text = json.dumps(slide(story, shown, "story", "dark"), ensure_ascii=False)
        assert str(names.path.parent) not in text and "synth-user" not in text and "android" not in text
        assert "DE" not in re.findall(r"\b[A-Z]{2}\b", text)  # the export's country


# --- the endpoints -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(synthetic: Path) -> Iterator[tuple[httpx.Client, Any]]:
    app = create_app(synthetic)
    with background(app) as url, httpx.Client(base_url=url, timeout=120,
                                                headers={"Authorization": f"Bearer {app.state.token}"}) as client:
        yield client, app


def test_the_story_endpoint_is_the_slides(server: tuple[httpx.Client, Any], synthetic: Path) -> None:
    client, _ = server
    answer = client.get("/api/story", params={"from": "2024-01-01", "to": "2024-12-31"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["meta"] == {"start": "2024-01-01", "end": "2024-12-31", "period": "2024"}
    with open_library(synthetic, read_only=True) as lib:
        expected = tell(lib, YEAR_2024).to_dict()
    assert body == json.loads(json.dumps(expected, ensure_ascii=False))
    first = body["slides"][0]
    assert {"id", "title", "figure", "sentence", "chart"} <= set(first)


def test_a_slide_card_is_a_png(server: tuple[httpx.Client, Any]) -> None:
    client, _ = server
    answer = client.get("/api/story/card", params={"from": "2024-01-01", "to": "2024-12-31", "slide": "top-artist",
                                                    "theme": "dark", "size": "story"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert decode_png(answer.content).shape[:2] == (1920, 1080)
    assert "attachment" in answer.headers["content-disposition"]


@pytest.mark.parametrize(("path", "params", "status", "says"), [
    ("/api/story/card", {"slide": "no-such-slide"}, 404, "no slide 'no-such-slide'"),
    ("/api/story/card", {"slide": "discovery"}, 404, "its slides: hours"),  # not in a whole-history story
    ("/api/story/card", {"slide": "hours", "size": "huge"}, 400, "size"),
    ("/api/story/card", {"slide": "hours", "theme": "sepia"}, 400, "theme"),
    ("/api/story/card", {}, 400, "slide"),
    ("/api/story", {"from": "2024-13-01"}, 400, "not a date"),
    ("/api/story", {"from": "2024-12-31", "to": "2024-01-01"}, 400, ""),
    ("/api/story", {"year": "2024"}, 400, "unknown query parameter 'year'"),
])
def test_bad_input_is_one_line(server: tuple[httpx.Client, Any], path: str, params: dict[str, str], status: int,
                               says: str) -> None:
    client, _ = server
    answer = client.get(path, params=params)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert says in error and "\n" not in error and len(error) < 300


# --- the page, in a real browser -----------------------------------------------------------------------------

VISIBLE = "() => [...document.querySelectorAll('.story-slide')].findIndex((s) => !s.hidden)"
CHART = """() => { const s = [...document.querySelectorAll('.story-slide')].find((n) => !n.hidden);
  const svg = s.querySelector('figure.chart svg.plot'); const cap = s.querySelector('figure.chart figcaption');
  const label = svg && document.getElementById(svg.getAttribute('aria-labelledby'));
  return { marks: svg ? svg.querySelectorAll('rect').length : 0, width: svg ? svg.getBoundingClientRect().width : 0,
           caption: cap ? cap.textContent.trim() : '', named: label === cap,
           id: s.dataset.slide, label: s.getAttribute('aria-label'),
           role: s.getAttribute('aria-roledescription') }; }"""


@pytest.mark.slow
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_the_story_page_steps_by_keyboard_click_and_swipe(server: tuple[httpx.Client, Any], browser: Any,
                                                          width: int, height: int, theme: str) -> None:
    client, app = server
    slides = client.get("/api/story", params={"from": "2024-01-01", "to": "2024-12-31"}).json()["slides"]
    count = len(slides)
    base = str(client.base_url).rstrip("/")
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=theme, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/story?token={app.state.token}&from=2024-01-01&to=2024-12-31")
    page.wait_for_function("() => document.body.dataset.loaded === '1'", timeout=60_000)
    assert page.get_attribute("#story", "aria-roledescription") == "carousel"
    assert page.evaluate(VISIBLE) == 0 and page.evaluate("location.hash") == "#1"

    def at(i: int) -> None:
        """Slide ``i`` is the one shown, its chart drawn and named by its sentence, the URL says #i+1."""
        page.wait_for_function(f"() => ({VISIBLE})() === {i}", timeout=5_000)
        chart = page.evaluate(CHART)
        assert chart["id"] == slides[i]["id"] and chart["role"] == "slide"
        assert chart["label"] == f"{i + 1} of {count}: {slides[i]['title']}"
        assert chart["marks"] > 0 and chart["width"] > 200, chart
        assert slides[i]["chart"]["caption"] in chart["caption"] and chart["named"], chart
        assert page.evaluate("location.hash") == f"#{i + 1}"
        scroll = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        assert scroll[0] <= scroll[1], f"sideways scroll on slide {i + 1}: {scroll}"

    # The keyboard: → (or the space bar) through every slide, a screenshot of each; → at the end stays; ← and
    # Home go back.
    page.evaluate("document.activeElement.blur()")
    for i in range(count):
        if i:
            page.keyboard.press("ArrowRight" if i % 2 else "Space")
        at(i)
        page.wait_for_function("() => document.getAnimations().length === 0", timeout=5_000)
        screenshot(page, f"story-{width}-{theme}-{i + 1}-{slides[i]['id']}")
    page.keyboard.press("ArrowRight")
    at(count - 1)
    page.keyboard.press("ArrowLeft")
    at(count - 2)
    page.keyboard.press("Home")
    at(0)
    # A click or tap on the right two thirds goes forward, on the left third back.
    box = page.locator("#story-slides").bounding_box()
    for i in range(1, count):
        page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + 40)
        at(i)
    page.mouse.click(box["x"] + box["width"] * 0.1, box["y"] + 40)
    at(count - 2)
    # A swipe to the left goes forward, to the right back; the buttons too.
    page.evaluate("location.hash = '#1'")
    at(0)
    y = box["y"] + 60
    for i in range(1, count):
        page.mouse.move(box["x"] + box["width"] * 0.8, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.2, y + 10, steps=6)
        page.mouse.up()
        at(i)
    page.mouse.move(box["x"] + box["width"] * 0.2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, y, steps=6)
    page.mouse.up()
    at(count - 2)
    page.click("#story-prev")
    at(count - 3)
    page.click("#story-next")
    at(count - 2)
    # A link to a slide opens it; its card downloads as a PNG in the page's theme.
    page.goto(f"{base}/story?from=2024-01-01&to=2024-12-31#3")
    page.wait_for_function("() => document.body.dataset.loaded === '1'", timeout=60_000)
    at(2)
    href = page.locator(".story-slide:not([hidden]) a.story-export").first.get_attribute("href")
    assert href and "slide=" + slides[2]["id"] in href and f"theme={theme}" in href
    card = page.request.get(base + href)
    assert card.status == 200 and card.headers["content-type"] == "image/png"
    # (The same page with another #N is a hash change: the slide enters; axe measures it once it is still.)
    page.wait_for_function("() => document.getAnimations().length === 0", timeout=5_000)
    findings = Findings()
    check_page(page, f"/story {width} {theme}", width, findings)
    if (width, theme) == (1280, "light"):  # the Tab order is the same in every view
        check_keyboard(page, "/story", findings)
    assert not findings.problems, "\n".join(findings.problems)
    assert not errors, errors
    context.close()


@pytest.mark.slow
def test_an_empty_library_says_there_is_no_story_yet(browser: Any, tmp_path: Path) -> None:
    app = create_app(tmp_path / "empty.duckdb")
    with background(app) as base:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/story?token={app.state.token}")
        page.wait_for_function("() => document.body.dataset.loaded === '1'", timeout=60_000)
        assert page.inner_text("#story-slides") == "Nothing was played in this period: there is no story to tell yet."
        assert page.is_disabled("#story-prev") and page.is_disabled("#story-next")
        assert not errors, errors
        page.close()


@pytest.mark.slow
def test_reduced_motion_stills_the_slides(server: tuple[httpx.Client, Any], browser: Any) -> None:
    client, app = server
    base = str(client.base_url).rstrip("/")
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    page.goto(f"{base}/story?token={app.state.token}")
    page.wait_for_function("() => document.body.dataset.loaded === '1'", timeout=60_000)
    page.keyboard.press("ArrowRight")
    animation = page.evaluate("getComputedStyle([...document.querySelectorAll('.story-slide')]"
                              ".find((s) => !s.hidden)).animationName")
    assert animation == "none"
    context.close()
