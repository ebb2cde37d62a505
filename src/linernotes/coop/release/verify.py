"""Checking a release file on the device: the signature first, then that it is a release of this contract.

The client keeps the signed document as fetched (``<library>.crowd-release.json``) and the server's public key
beside it (``<library>.coop-key``: 64 hex digits, written when the person joins the cooperative); the report,
the dashboard and ``linernotes crowd`` verify it every time they read it, so a file edited on disk shows nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from linernotes.coop.contract import METRICS
from linernotes.coop.release.build import FORMAT
from linernotes.coop.signing import SignatureError, verify


class ReleaseError(ValueError):
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
        if got is None:
            continue
        counts = got.get("counts") if isinstance(got, dict) else None
        if not isinstance(got, dict) or (got.get("lower"), got.get("upper"), got.get("bins")) != \
                (m.lower, m.upper, m.bins) or not isinstance(counts, list) or len(counts) != m.bins or \
                not all(type(c) is int for c in counts):
            raise MalformedRelease(f"the release's bins for {m.name} differ from the contract's")
    return payload


def load_release(path: Path, public: bytes) -> dict[str, Any]:
    """Read and verify the release file at ``path``."""
    try:
        document = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ReleaseError(f"{path.name}: not a readable release file") from exc
    return verify_release(document, public)


def write_release(path: Path, document: dict[str, Any]) -> Path:
    path.write_bytes(orjson.dumps(document))
    return path
