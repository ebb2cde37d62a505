"""One canonical JSON for what the cooperative sends, signs and hashes."""

from __future__ import annotations

from linernotes.coop import signing, wire
from linernotes.coop.canonical import canonical_json


def test_sorted_compact_utf8() -> None:
    assert canonical_json({"b": [1, {"z": 1, "a": 2}], "a": "Beyoncé"}) == \
        '{"a":"Beyoncé","b":[1,{"a":2,"z":1}]}'.encode()


def test_the_package_sent_and_the_payload_signed_are_the_same_bytes_for_the_same_value() -> None:
    package = {"artists": ["Ø", "A"], "affinity": [5, 4]}
    reordered = {"affinity": [5, 4], "artists": ["Ø", "A"]}
    assert wire.encode(package) == wire.encode(reordered) == canonical_json(package)
    key = signing.generate_key()
    document = signing.sign(package, key)
    document["payload"] = reordered  # key order is not part of what is signed
    assert signing.verify(document, signing.public_key_bytes(key)) == reordered
