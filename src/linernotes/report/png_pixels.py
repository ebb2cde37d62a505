"""The pixels of a PNG as a numpy array, without an imaging library.

The share cards measure their text from what the renderer drew (:mod:`linernotes.report.card_text`) and the
tests measure the finished card the same way, so both need to read the PNGs vl-convert writes: 8-bit RGBA or
RGB, not interlaced. vl-convert filters every row with "Sub", which decodes as a running sum; the other
filters are decoded too (row by row in Python: correct, slower), so any such PNG reads right.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import numpy.typing as npt

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {2: 3, 6: 4}  # colour type -> channels: RGB, RGBA


def decode_png(data: bytes) -> npt.NDArray[np.uint8]:
    """The image as an array of shape (height, width, 4): RGBA, an RGB image given an opaque alpha."""
    if data[:8] != SIGNATURE:
        raise ValueError("not a PNG file")
    pos, idat = 8, bytearray()
    width = height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in _CHANNELS or interlace:
                raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
            channels = _CHANNELS[colour]
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    stride = width * channels
    raw = np.frombuffer(zlib.decompress(bytes(idat)), dtype=np.uint8).reshape(height, stride + 1)
    pixels = _unfilter(raw[:, 1:], raw[:, 0], channels).reshape(height, width, channels)
    if channels == 3:
        pixels = np.concatenate([pixels, np.full((height, width, 1), 255, np.uint8)], axis=2)
    return pixels


def _unfilter(rows: npt.NDArray[np.uint8], filters: npt.NDArray[np.uint8], bpp: int) -> npt.NDArray[np.uint8]:
    if (filters == 1).all():  # what vl-convert writes: every row at once
        return np.cumsum(rows.reshape(rows.shape[0], -1, bpp), axis=1, dtype=np.uint8).reshape(rows.shape)
    out = np.empty_like(rows)
    previous = np.zeros(rows.shape[1], dtype=np.uint8)
    for y in range(rows.shape[0]):
        row, kind = rows[y], int(filters[y])
        if kind == 0:
            line = row.copy()
        elif kind == 1:  # Sub: each byte adds the one bpp to its left, i.e. a running sum per channel
            line = np.cumsum(row.reshape(-1, bpp), axis=0, dtype=np.uint8).reshape(-1)
        elif kind == 2:  # Up
            line = row + previous
        else:
            line = _unfilter_slow(row, previous, kind, bpp)
        out[y] = line
        previous = line
    return out


def _unfilter_slow(row: npt.NDArray[np.uint8], up: npt.NDArray[np.uint8], kind: int, bpp: int) -> npt.NDArray[np.uint8]:
    """Average (3) and Paeth (4): each byte depends on the decoded byte to its left, so one at a time."""
    line = bytearray(len(row))
    for i, value in enumerate(row.tolist()):
        a = line[i - bpp] if i >= bpp else 0
        b = int(up[i])
        if kind == 3:
            line[i] = (value + (a + b) // 2) & 0xFF
        elif kind == 4:
            c = int(up[i - bpp]) if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line[i] = (value + predictor) & 0xFF
        else:
            raise ValueError(f"unknown PNG filter {kind}")
    return np.frombuffer(bytes(line), dtype=np.uint8)
