"""What the browser tests share besides the ``browser`` fixture (conftest.py): the Chromium they drive and
where their screenshots go."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"  # Debian's, installed by .ci/run; never a downloaded browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artifact (artifacts/screenshots/NAME.png)."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
