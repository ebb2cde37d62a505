"""The device's cooperative state: one JSON file beside the library (``library.coop.json`` for
``library.duckdb``; ``$LINERNOTES_COOP_STATE`` overrides), mode 0600, written atomically.

It holds what only the person should hold: the random contributor id, the bearer token, the server's
public key, the signed consent receipt, what was contributed, and erasure receipts after a withdrawal::

    {"version": 1, "server": "https://...", "contributor_id": "<32 hex>", "token": "...",
     "key_id": "...", "public_key": "<base64>", "scopes": ["benchmarks"],
     "consent_receipt": {"payload": {...}, "key_id": "...", "signature": "..."},
     "contributions": {"benchmarks": {"package_id": "...", "sha256": "...", "bytes": 1090}},
     "history": [{"consent_receipt": {...}, "erasure_receipt": {...}}]}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from linernotes.errors import UsageError

VERSION = 1


def path_for(library: Path) -> Path:
    override = os.environ.get("LINERNOTES_COOP_STATE")
    if override:
        return Path(override).expanduser()
    return library.with_name(library.stem + ".coop.json")


def load(path: Path) -> dict[str, Any]:
    """The state at ``path`` (an empty state when there is none)."""
    if not path.exists():
        return {"version": VERSION, "history": []}
    try:
        state = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        raise UsageError(f"{path}: not a cooperative state file (invalid JSON)") from None
    if not isinstance(state, dict) or state.get("version") != VERSION:
        raise UsageError(f"{path}: not a cooperative state file this version understands")
    state.setdefault("history", [])
    return state


def save(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(orjson.dumps(state, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, path)


def joined(state: dict[str, Any]) -> bool:
    return bool(state.get("token"))
