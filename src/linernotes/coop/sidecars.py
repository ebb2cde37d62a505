"""The cooperative's files kept beside a library, one definition for everything that reads or writes them.

Beside the library ``lib.duckdb`` (each path can be overridden by its environment variable):

- ``lib.coop.json``: the device's membership state (:mod:`linernotes.coop.client.state`; ``$LINERNOTES_COOP_STATE``);
- ``lib.coop-key``: the cooperative server's Ed25519 public key, 64 hex digits, kept when the person syncs a
  release (``$LINERNOTES_COOP_KEY``);
- ``lib.crowd-release.json``: the signed release as fetched (``$LINERNOTES_RELEASE``), which ``linernotes
  crowd``, the report and the dashboard verify with that key every time they read it.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_STATE = "LINERNOTES_COOP_STATE"
ENV_KEY = "LINERNOTES_COOP_KEY"
ENV_RELEASE = "LINERNOTES_RELEASE"  # an explicit release file, e.g. for testing a downloaded release

STATE_SUFFIX = ".coop.json"
KEY_SUFFIX = ".coop-key"
RELEASE_SUFFIX = ".crowd-release.json"


def _beside(library: Path, env: str, suffix: str) -> Path:
    override = os.environ.get(env)
    return Path(override).expanduser() if override else library.with_name(library.stem + suffix)


def state_path(library: Path) -> Path:
    """Where the device's cooperative state for this library is kept."""
    return _beside(library, ENV_STATE, STATE_SUFFIX)


def key_path(library: Path) -> Path:
    """Where the cooperative's public key for this library is kept."""
    return _beside(library, ENV_KEY, KEY_SUFFIX)


def release_path(library: Path) -> Path:
    """Where the release for this library is kept and looked for."""
    return _beside(library, ENV_RELEASE, RELEASE_SUFFIX)
