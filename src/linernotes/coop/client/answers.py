"""Checking what the cooperative server answered before anything reads it: every field a command uses is
checked for type and range, so a malformed answer is a one-line :class:`CoopError` naming the answer and field,
never a ``KeyError`` or ``TypeError`` later on."""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Any

from linernotes.errors import LinernotesError

KEY_ID = re.compile(r"^[0-9a-f]{16}$")
_MAX_INT = 2**53  # counts and sizes; anything larger is not a real count


class CoopError(LinernotesError):
    """The server could not be reached, refused a request, or answered with something that does not verify."""


class Refused(CoopError):
    """The server answered with an error status (4xx/5xx); ``status`` says which."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class KeyChanged(CoopError):
    """A signed answer names a key other than the one kept from the join: not accepted."""


class Shape:
    """Checks of an answer's fields, each failing with one line that names the answer and the field."""

    def __init__(self, what: str) -> None:
        self.what = what

    def fail(self, field: str, expected: str) -> CoopError:
        return CoopError(f"the server's {self.what} is malformed: {field} is missing or not {expected}")

    def obj(self, doc: Any, field: str = "the answer") -> dict[str, Any]:
        if not isinstance(doc, dict):
            raise self.fail(field, "an object")
        return doc

    def text(self, doc: dict[str, Any], key: str) -> str:
        value = doc.get(key)
        if not isinstance(value, str):
            raise self.fail(key, "a string")
        return value

    def count(self, doc: dict[str, Any], key: str) -> int:
        value = doc.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < _MAX_INT:
            raise self.fail(key, "a count (a whole number below 2^53)")
        return value

    def number(self, doc: dict[str, Any], key: str) -> float:
        value = doc.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or \
                abs(value) >= _MAX_INT:
            raise self.fail(key, "a finite number")
        return float(value)

    def flag(self, doc: dict[str, Any], key: str) -> bool:
        value = doc.get(key)
        if not isinstance(value, bool):
            raise self.fail(key, "true or false")
        return value

    def items(self, doc: dict[str, Any], key: str, *, nonempty: bool = False) -> list[Any]:
        value = doc.get(key)
        if not isinstance(value, list) or (nonempty and not value):
            raise self.fail(key, "a non-empty list" if nonempty else "a list")
        return value

    def texts(self, doc: dict[str, Any], key: str) -> list[str]:
        value = self.items(doc, key)
        if not all(isinstance(v, str) for v in value):
            raise self.fail(key, "a list of strings")
        return value


def public_key_of(doc: dict[str, Any], shape: Shape) -> tuple[str, bytes]:
    """(key id, raw Ed25519 public key) of a ``{"key_id", "public_key"}`` object."""
    key_id, encoded = shape.text(doc, "key_id"), shape.text(doc, "public_key")
    try:
        public = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        public = b""
    if len(public) != 32 or not KEY_ID.match(key_id):
        raise shape.fail("key", "an Ed25519 public key with its 16-hex-digit id")
    return key_id, public


def consent_payload(payload: dict[str, Any], contributor_id: str, scopes: list[str]) -> None:
    """The fields of a consent receipt this device relies on (status prints them), and that it is this join's."""
    shape = Shape("consent receipt")
    for key in ("consentReceiptID", "jurisdiction", "policyUrl", "piiPrincipalId"):
        shape.text(payload, key)
    controller = shape.obj(shape.items(payload, "piiControllers", nonempty=True)[0], "piiControllers[0]")
    shape.text(controller, "piiController")
    granted = []
    for service in shape.items(payload, "services"):
        for p in shape.items(shape.obj(service, "services[]"), "purposes"):
            granted.append(shape.text(shape.obj(p, "purposes[]"), "scope"))
    if payload["piiPrincipalId"] != contributor_id or sorted(granted) != scopes:
        raise CoopError("the consent receipt is not for this join (id or scopes differ)")
