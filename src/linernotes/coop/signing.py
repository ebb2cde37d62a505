"""Signed documents: consent and erasure receipts, releases. Ed25519 over canonical JSON.

A signed document is ``{"payload": {...}, "key_id": "...", "signature": "<base64>"}``. The signature covers the
canonical bytes of the payload (sorted keys, no whitespace, UTF-8), so anyone holding the server's public key can
check a receipt or a release without trusting the channel it came through.

    >>> key = generate_key()
    >>> doc = sign({"receipt_id": "r1"}, key)
    >>> verify(doc, public_key_bytes(key))["receipt_id"]
    'r1'
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from linernotes.coop.canonical import canonical_json
from linernotes.errors import LinernotesError


class SignatureError(LinernotesError):
    """A document whose signature does not verify, or that is not a signed document at all."""


def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_key_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: bytes) -> str:
    """A short, stable name for a public key (first 16 hex digits of its SHA-256)."""
    return hashlib.sha256(public).hexdigest()[:16]


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The signing key kept at ``path`` (raw 32 bytes, mode 0600), created on first use."""
    if path.exists():
        return Ed25519PrivateKey.from_private_bytes(path.read_bytes())
    key = generate_key()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(raw)
    return key


def sign(payload: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    signature = key.sign(canonical_json(payload))
    return {"payload": payload, "key_id": key_id(public_key_bytes(key)),
            "signature": base64.b64encode(signature).decode()}


def verify(document: Any, public: bytes) -> dict[str, Any]:
    """The payload of ``document`` if its signature verifies under ``public``; :class:`SignatureError` if not."""
    if not isinstance(document, dict) or not {"payload", "signature"} <= document.keys():
        raise SignatureError("not a signed document")
    try:
        signature = base64.b64decode(document["signature"], validate=True)
        Ed25519PublicKey.from_public_bytes(public).verify(signature, canonical_json(document["payload"]))
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise SignatureError("the signature does not verify") from exc
    return document["payload"]
