"""Canonical JSON: sorted keys, no whitespace, UTF-8. The one byte form the cooperative sends (a package), signs
(receipts, releases) and hashes, so the device, the server and anyone checking a signature agree on every byte."""

from __future__ import annotations

from typing import Any

import orjson


def canonical_json(value: Any) -> bytes:
    """
    >>> canonical_json({"b": [1, 2], "a": "é"})
    b'{"a":"\\xc3\\xa9","b":[1,2]}'
    """
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
