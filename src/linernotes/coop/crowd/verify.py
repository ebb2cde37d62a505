"""Checking a release file on the device: the signature first, then that it is a release of this contract.

The client keeps the signed document as fetched and the server's public key beside the library
(:mod:`linernotes.coop.sidecars`); the report, the dashboard and ``linernotes crowd`` verify it every time they
read it, so a file edited on disk shows nothing. What a release holds is :mod:`linernotes.coop.release_format`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from linernotes.coop.contract import METRICS
from linernotes.coop.release_format import FORMAT, histogram_matches
from linernotes.coop.signing import SignatureError, verify
from linernotes.errors import LinernotesError


class ReleaseError(LinernotesError):
    """A release that cannot be used: unsigned, wrongly signed, or not of this contract."""


class MalformedRelease(ReleaseError):
    """Signed with the cooperative's key, yet not of this contract's shapes (what is shown says so, rather than
    that the signature failed)."""


def read_public_key(path: Path) -> bytes:
    """The server's Ed25519 public key from a file of 64 hex digits."""
    try:
        raw = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"{path.name}: not a public key (64 hex digits)") from exc
    if len(raw) != 32:
        raise ReleaseError(f"{path.name}: not a public key (64 hex digits)")
    return raw


def write_public_key(path: Path, public: bytes) -> Path:
    path.write_text(public.hex() + "\n", encoding="ascii")
    return path


def verify_release(document: Any, public: bytes) -> dict[str, Any]:
    """The payload of a signed release, after checking the signature and that its metrics match the contract."""
    try:
        payload = verify(document, public)
    except SignatureError as exc:
        raise ReleaseError(f"release: {exc} with the cooperative's key") from exc
    # Signed is not well formed: a wrong type anywhere is a one-line refusal, never an exception further on.
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise MalformedRelease(f"not a {FORMAT} release")
    metrics = payload.get("metrics", {})
    if not isinstance(metrics, dict):
        raise MalformedRelease("the release's metrics are not an object")
    for m in METRICS:
        got = metrics.get(m.name)
        if got is not None and not histogram_matches(m, got):
            raise MalformedRelease(f"the release's bins for {m.name} differ from the contract's")
    return payload


def load_release(path: Path, public: bytes) -> dict[str, Any]:
    """Read and verify the release file at ``path``."""
    try:
        document = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ReleaseError(f"{path.name}: not a readable release file") from exc
    return verify_release(document, public)
