"""Text that a terminal can only show, never act on: one definition for the CLI and the cooperative's client.

A terminal acts on C0 controls (ESC starts CSI/OSC sequences: clear the screen, write the clipboard with
OSC 52, hyperlinks with OSC 8), DEL, C1 controls (U+009B is a one-character CSI on some terminals), and the
bidi marks, embeddings, overrides and isolates that make one name display as another; the line and paragraph
separators too, so a name stays on its line.
"""

from __future__ import annotations

import re

UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def inert(text: str) -> str:
    """``text`` that a terminal can only show: every character that it could act on becomes '?'.

    >>> inert("a\\x1b[2Jb\\u202e")
    'a?[2Jb?'
    """
    return UNSAFE.sub("?", text)
