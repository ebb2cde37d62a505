"""The visual identity reaches WCAG AA in both themes, and every view can take its colours from it."""

from __future__ import annotations

import re

import pytest

from linernotes.identity import DARK, LIGHT, THEMES, Theme, contrast, css_variables, series_color, vega_config


def test_contrast_is_measured_as_wcag_says() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic AA grey


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_text_reaches_aa_and_graphics_three_to_one(theme: Theme) -> None:
    for surface in (theme.background, theme.card):
        assert contrast(theme.ink, surface) >= 7, surface
        assert contrast(theme.muted, surface) >= 4.5, surface
        assert contrast(theme.accent, surface) >= 4.5, surface  # links are text
        for colour in theme.series:
            assert contrast(colour, surface) >= 3, (colour, surface)
    assert contrast(theme.accent_ink, theme.accent) >= 4.5  # button labels


def test_a_category_has_one_colour_per_theme_everywhere() -> None:
    assert len(LIGHT.series) == len(DARK.series) == len(set(LIGHT.series)) == len(set(DARK.series))
    assert series_color(2) == LIGHT.series[2] and series_color(2 + len(LIGHT.series)) == LIGHT.series[2]
    assert series_color(2, DARK) == DARK.series[2]
    assert vega_config(DARK)["range"]["category"] == list(DARK.series)


def test_css_variables_hold_both_themes() -> None:
    css = css_variables()
    light, dark = css.split("@media (prefers-color-scheme: dark)")
    for theme, block in ((LIGHT, light), (DARK, dark)):
        assert f"--bg: {theme.background};" in block and f"--series-0: {theme.series[0]};" in block
    assert re.search(r"--size-body: [0-9.]+rem;", light)
