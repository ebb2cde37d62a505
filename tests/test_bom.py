"""One UTF-8 BOM stripper, for whole bytes and for a file read in pieces."""

from __future__ import annotations

from linernotes.sources.base import UTF8_BOM, bom_length, strip_bom, strip_bom_pieces


def test_whole_bytes() -> None:
    assert strip_bom(UTF8_BOM + b'{"a": 1}') == b'{"a": 1}'
    assert strip_bom(b'{"a": 1}') == b'{"a": 1}'
    assert strip_bom(UTF8_BOM) == b"" and strip_bom(b"") == b""
    assert strip_bom(UTF8_BOM + UTF8_BOM + b"x") == UTF8_BOM + b"x"  # one BOM, not every one
    assert bom_length(UTF8_BOM + b"x") == 3 and bom_length(b"\xef\xbbx") == 0


def test_pieces_lose_only_the_leading_bom() -> None:
    assert list(strip_bom_pieces([UTF8_BOM + b"a,b\n", UTF8_BOM + b"c\n"])) == [b"a,b\n", UTF8_BOM + b"c\n"]
    assert list(strip_bom_pieces([b"a", b"b"])) == [b"a", b"b"]
    assert list(strip_bom_pieces([])) == []
