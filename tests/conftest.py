"""Pytest fixtures and settings of the test run; the helpers tests import live in :mod:`tests.support`."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linernotes.library import Library, open_library
from tests.support.browser import CHROMIUM

# The cooperative's PostgreSQL and server fixtures.
pytest_plugins = ["tests.support.coop_fixtures"]

# Trained models and cached results go to a folder of this test run, never the user's cache (the CLI
# subprocesses inherit it).
os.environ["LINERNOTES_CACHE"] = tempfile.mkdtemp(prefix="linernotes-test-cache-")


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    library = open_library(tmp_path / "library.duckdb")
    yield library
    library.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by playwright (one per test worker)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
