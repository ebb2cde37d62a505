"""The fonts a share card needs beyond Latin, and what to say when one is missing.

vl-convert draws with the system's fonts (and falls back, glyph by glyph, to any installed font that has the
character). Latin, Greek and Cyrillic are covered everywhere; Chinese, Japanese and Korean names need a CJK
font and emoji a colour-emoji font, or they are drawn as empty boxes. The project depends on Noto Sans CJK and
Noto Color Emoji (OFL; Debian and Ubuntu: ``fonts-noto-cjk fonts-noto-color-emoji``; CI installs them): they
are ~100 MB, too large to ship in the package. A card still renders without them, and ``linernotes card``
says once which font to install when a name on the card needs one.

``$LINERNOTES_FONT_DIR`` names a folder of extra font files (e.g. the Noto fonts unpacked by hand, without
installing them for the whole system); cards use the fonts in it too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

FONT_DIR_ENV = "LINERNOTES_FONT_DIR"
# What each script needs: its name for people, the font, and Debian's (and Ubuntu's) package of it.
NEEDS = {
    "cjk": ("Chinese, Japanese or Korean", "Noto Sans CJK", "fonts-noto-cjk"),
    "emoji": ("emoji", "Noto Color Emoji", "fonts-noto-color-emoji"),
}
_SCRIPTS = {
    # Han, kana, Hangul (syllables and jamo), CJK symbols and full-width forms
    "cjk": re.compile("[\u1100-\u11ff\u2e80-\u2fff\u3000-\u30ff\u3130-\u318f\u3190-\u31ff\u3400-\u4dbf"
                      "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]"),
    # pictographs, emoticons, transport, supplemental symbols, and the dingbats most often shown as emoji
    "emoji": re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]"),
}
_registered: set[str] = set()


def register_font_dirs() -> None:
    """Let vl-convert draw with the fonts in ``$LINERNOTES_FONT_DIR`` too (once per folder and process)."""
    folder = os.environ.get(FONT_DIR_ENV)
    if not folder or folder in _registered or not os.path.isdir(folder):
        return
    import vl_convert

    vl_convert.register_font_directory(folder)
    _registered.add(folder)


def scripts_in(text: str) -> set[str]:
    """Which of the scripts in :data:`NEEDS` ``text`` is written in."""
    return {script for script, pattern in _SCRIPTS.items() if pattern.search(text)}


def font_note(texts: Iterable[str], draws: dict[str, bool]) -> str | None:
    """One sentence naming the fonts to install, when a text on the card is in a script that ``draws`` (what
    the installed fonts draw, from :meth:`linernotes.report.card_text.Ruler.draws`) says is missing."""
    needed: set[str] = set()
    for text in texts:
        needed |= scripts_in(text)
    missing = [NEEDS[s] for s in NEEDS if s in needed and not draws.get(s, True)]
    if not missing:
        return None
    what = " and ".join(m[0] for m in missing)
    fonts = " and ".join(m[1] for m in missing)
    packages = " ".join(m[2] for m in missing)
    return (f"note: this card's {what} names are drawn as empty boxes: install {fonts} (Debian, Ubuntu: apt "
            f"install {packages}), or put its font files in a folder named by ${FONT_DIR_ENV}")
