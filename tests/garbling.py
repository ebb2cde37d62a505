"""Ways to damage a valid file, shared by the property tests of every parser."""

from __future__ import annotations

from hypothesis import strategies as st


def garble(valid: bytes, data: st.DataObject) -> bytes:
    """Random bytes, a truncation, a few bit flips, or random bytes spliced in — drawn by hypothesis."""
    how = data.draw(st.sampled_from(["random", "truncate", "flip", "splice"]))
    if how == "random":
        return data.draw(st.binary(max_size=600))
    if how == "truncate":
        return valid[: data.draw(st.integers(0, len(valid)))]
    if how == "flip":
        flipped = bytearray(valid)
        for pos in data.draw(st.lists(st.integers(0, len(valid) - 1), min_size=1, max_size=6)):
            flipped[pos] ^= 1 << data.draw(st.integers(0, 7))
        return bytes(flipped)
    at = data.draw(st.integers(0, len(valid)))
    return valid[:at] + data.draw(st.binary(max_size=40)) + valid[at:]
