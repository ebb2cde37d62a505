"""The server's settings: where its database, storage and keys are, its limits, and who runs it.

Read from the environment (``LINERNOTES_COOP_*``) so several uvicorn workers share them; the
``linernotes-coop`` commands set them from their options.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from linernotes.errors import UsageError

ENV_PREFIX = "LINERNOTES_COOP_"


@dataclass(frozen=True)
class Settings:
    database_url: str
    storage: Path
    keys: Path
    # The largest taste package (500 names of 200 characters) fits even written with \uXXXX escapes
    # throughout (~1.2 MB); anything bigger is refused unread.
    max_body_bytes: int = 2 << 20
    rate_per_second: float = 1.0  # per token: a person contributes a few times a year
    rate_burst: int = 30
    # Joins carry no token and no address is looked at: one bucket for all of them bounds a flood of sign-ups.
    join_rate_per_second: float = 5.0
    join_burst: int = 200
    # Requests with an unknown token, all together (no client address is looked at: see ratelimit).
    auth_fail_rate_per_second: float = 20.0
    auth_fail_burst: int = 200
    replay_window_seconds: int = 300
    # A whole request body must arrive within this (a 2 MB body at 1 Mbit/s takes 17 s).
    body_timeout_seconds: float = 30.0
    # At start, files no row points to are deleted when older than this: longer than any request in flight
    # (body timeout, waiting for a pooled connection, the write) takes from its file write to its commit.
    orphan_min_age_seconds: float = 900.0
    # Withdrawals within this share one VACUUM of the tables they deleted from (see erasure).
    erasure_vacuum_delay_seconds: float = 1.0
    pool_min: int = 2
    pool_max: int = 8
    controller: str = "linernotes cooperative"
    controller_contact: str = "privacy@linernotes.invalid"
    policy_url: str = "https://linernotes.invalid/coop/policy"
    jurisdiction: str = "EU (GDPR)"

    @property
    def key_path(self) -> Path:
        return self.keys / "signing.key"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ``LINERNOTES_COOP_<FIELD>`` variables, then ``overrides`` (not None) on top."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        for required in ("database_url", "storage", "keys"):
            if not values.get(required):
                raise UsageError(f"missing {required.replace('_', '-')} "
                                 f"(option --{required.replace('_', '-')} or ${ENV_PREFIX}{required.upper()})")
        converted: dict[str, object] = {}
        for f in fields(cls):
            if f.name not in values:
                continue
            v = values[f.name]
            kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
            try:
                if kind == "Path":
                    v = Path(str(v)).expanduser()
                elif kind == "int":
                    v = int(str(v))
                elif kind == "float":
                    v = float(str(v))
            except ValueError:
                raise UsageError(f"{f.name}: not a number: {v!r}") from None
            converted[f.name] = v
        return cls(**converted)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        return {ENV_PREFIX + f.name.upper(): str(getattr(self, f.name)) for f in fields(self)}
