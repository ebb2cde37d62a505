"""The real exports beside the repository (``../shared/samples``), read in place; tests skip without them."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


def requires_samples() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not present beside the repo")
