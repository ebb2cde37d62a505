"""The device's cooperative state: one JSON file beside the library (``library.coop.json`` for
``library.duckdb``, :func:`linernotes.coop.sidecars.state_path`), mode 0600, written atomically.

It holds what only the person should hold: the random contributor id, the bearer token, the server's
public key, the signed consent receipt, what was contributed, and erasure receipts after a withdrawal::

    {"version": 1, "server": "https://...", "contributor_id": "<32 hex>", "token": "...",
     "key_id": "...", "public_key": "<base64>", "scopes": ["benchmarks"],
     "consent_receipt": {"payload": {...}, "key_id": "...", "signature": "..."},
     "contributions": {"benchmarks": {"package_id": "...", "sha256": "...", "bytes": 1090}},
     "history": [{"server": "...", "contributor_id": "...", "consent_receipt": {...}, "erasure_receipt": {...}}]}

Optional: ``previous_keys`` (keys trusted before the person accepted a new one with ``coop join``; the consent
receipt may be signed with one of them), ``unconfirmed_erasure`` (an erasure receipt signed with a key not yet
trusted, checked again by ``coop withdraw``). A history entry left with ``coop withdraw --forget`` has
``"erasure_receipt": null`` and ``forgotten_without_receipt``: what the server answered instead.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import orjson

from linernotes.atomicfile import PRIVATE, write_atomic
from linernotes.errors import UsageError

VERSION = 1
_MEMBER_FIELDS: dict[str, type] = {"server": str, "contributor_id": str, "token": str, "key_id": str,
                                   "public_key": str, "scopes": list, "consent_receipt": dict, "contributions": dict}


def load(path: Path) -> dict[str, Any]:
    """The state at ``path`` (an empty state when there is none)."""
    if not path.exists():
        return {"version": VERSION, "history": []}
    try:
        state = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        raise UsageError(f"{path.name}: not a cooperative state file (invalid JSON)") from None
    if not isinstance(state, dict) or state.get("version") != VERSION:
        raise UsageError(f"{path.name}: not a cooperative state file this version understands")
    state.setdefault("history", [])
    if joined(state):
        # A member's fields are read without further checks by every command: a hand-edited file is refused here.
        wrong = [k for k, kind in _MEMBER_FIELDS.items() if not isinstance(state.get(k), kind)]
        if not wrong and not _is_key(state["public_key"]):
            wrong = ["public_key"]
        if wrong or not isinstance(state["history"], list):
            raise UsageError(f"{path.name}: not a cooperative state file this version understands "
                             f"({', '.join(wrong) or 'history'})")
    return state


def _is_key(encoded: str) -> bool:
    try:
        return len(base64.b64decode(encoded, validate=True)) == 32
    except ValueError:  # binascii.Error is a ValueError
        return False


def save(path: Path, state: dict[str, Any]) -> None:
    write_atomic(path, orjson.dumps(state, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS), mode=PRIVATE)


def joined(state: dict[str, Any]) -> bool:
    return bool(state.get("token"))
