"""Text that a terminal can only show, never act on: one definition for the CLI and the cooperative's client.

A terminal acts on C0 controls (ESC starts CSI/OSC sequences: clear the screen, write the clipboard with
OSC 52, hyperlinks with OSC 8), DEL, C1 controls (U+009B is a one-character CSI on some terminals), and the
bidi marks, embeddings, overrides and isolates that make one name display as another; the line and paragraph
separators too, so a name stays on its line.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import orjson

UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def inert(text: str) -> str:
    """``text`` that a terminal can only show: every character that it could act on becomes '?'.

    >>> inert("a\\x1b[2Jb\\u202e")
    'a?[2Jb?'
    """
    return UNSAFE.sub("?", text)


# C1 controls and bidi characters are valid unescaped in JSON, and orjson leaves them as UTF-8; written as
# \uXXXX escapes the JSON means the same and a terminal showing it cannot act on them (orjson escapes C0).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def print_json(value: Any) -> None:
    text = orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=_default).decode()
    sys.stdout.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(type(value).__name__)
