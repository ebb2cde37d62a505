"""The one visual identity of everything a person looks at: report, dashboard and share cards.

Two themes (light, dark: the page follows ``prefers-color-scheme``) of the same few colours, a series of
colours for chapters, modes and other categories that stays the same everywhere (chapter 3 is the same colour
in the report, on the dashboard and on a card), and a type scale. Colours are chosen for people, not for
screens: every text colour reaches WCAG AA (4.5:1) on its background and every series colour 3:1 (the level
for graphics), in both themes, and the series follows the Okabe–Ito palette, which people with the common
colour-vision deficiencies can still tell apart. ``tests/test_identity.py`` measures the contrasts.

Views read their colours from here — CSS custom properties (:func:`css_variables`) and the Vega-Lite config
(:func:`vega_config`) — and never spell a colour of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FONT_STACK = ("system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK JP', 'Helvetica Neue', "
              "Arial, 'Noto Color Emoji', sans-serif")

# Type scale (px): a major third from the body size, so headings stay in proportion on a phone and a screen.
TYPE_SCALE = {"small": 13, "body": 15, "lead": 19, "h3": 19, "h2": 23, "h1": 30, "display": 38}


@dataclass(frozen=True)
class Theme:
    """The colours of one theme. ``series`` colours categories in order (chapters, modes, kinds...)."""

    name: str
    ink: str  # body text
    muted: str  # secondary text, axis labels
    background: str
    card: str  # raised surfaces: cards, tables, tooltips
    line: str  # rules and grid lines (decoration only: never the only carrier of meaning)
    accent: str  # links, the main series, focus rings
    accent_ink: str  # text on an accent background (buttons)
    series: tuple[str, ...]


LIGHT = Theme(
    name="light",
    ink="#1d1d1f",
    muted="#5f5f66",
    background="#fbfaf7",
    card="#ffffff",
    line="#e4e1da",
    accent="#a8401c",
    accent_ink="#ffffff",
    # Okabe–Ito, darkened where needed to reach 3:1 on the light background.
    series=("#0072b2", "#c24f00", "#00785a", "#b0488a", "#8a6100", "#3d6fa3", "#6b4fa0", "#5a5a5a"),
)

DARK = Theme(
    name="dark",
    ink="#ecebe8",
    muted="#a9a7a2",
    background="#161615",
    card="#201f1d",
    line="#34322f",
    accent="#f08a5d",
    accent_ink="#161615",
    # Okabe–Ito, lightened where needed to reach 3:1 on the dark background.
    series=("#56b4e9", "#f08a5d", "#3cc39a", "#e29ac6", "#e6a23c", "#8fb8e0", "#b39ddb", "#bdbdbd"),
)

THEMES = (LIGHT, DARK)


def series_color(index: int, theme: Theme = LIGHT) -> str:
    """The colour of the ``index``-th category (0-based; the series repeats after its last colour)."""
    return theme.series[index % len(theme.series)]


def css_variables() -> str:
    """CSS custom properties for both themes: light by default, dark when the system asks for it."""

    def block(theme: Theme) -> str:
        colours = {"fg": theme.ink, "muted": theme.muted, "bg": theme.background, "card": theme.card,
                   "line": theme.line, "accent": theme.accent, "accent-ink": theme.accent_ink}
        colours |= {f"series-{i}": c for i, c in enumerate(theme.series)}
        return " ".join(f"--{name}: {value};" for name, value in colours.items())

    sizes = " ".join(f"--size-{name}: {px / 16:.4g}rem;" for name, px in TYPE_SCALE.items())
    return (f":root {{ color-scheme: light dark; {block(LIGHT)} {sizes} --font: {FONT_STACK}; }}\n"
            f"@media (prefers-color-scheme: dark) {{ :root {{ {block(DARK)} }} }}\n")


def vega_config(theme: Theme = LIGHT) -> dict[str, Any]:
    """The Vega-Lite ``config`` of every chart: fonts, colours and the category series of ``theme``."""
    return {
        "font": FONT_STACK,
        "background": None,  # the page's own background shows through, in either theme
        "axis": {"labelColor": theme.muted, "titleColor": theme.ink, "labelFontSize": 12, "titleFontSize": 12,
                 "gridColor": theme.line, "domainColor": theme.line, "tickColor": theme.line},
        "legend": {"labelColor": theme.ink, "titleColor": theme.ink, "labelFontSize": 12},
        "title": {"color": theme.ink, "fontSize": TYPE_SCALE["h3"]},
        "view": {"stroke": None},
        "bar": {"color": theme.accent},
        "rect": {"color": theme.accent},
        "line": {"color": theme.accent},
        "area": {"color": theme.accent},
        "point": {"color": theme.accent},
        "range": {"category": list(theme.series)},
    }


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)
