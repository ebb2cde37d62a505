"""Keeping identities out of everything linernotes writes or prints."""

from __future__ import annotations

import re

# DuckDB fetches a "known" extension from extensions.duckdb.org the first time a query needs one it lacks. Never
# on a person's machine: what linernotes uses (json, parquet, icu) is built into the wheel, and nothing but a
# command whose purpose is the network may reach it. Every DuckDB connection the library opens takes this.
DUCKDB_OFFLINE: dict[str, bool] = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}

# Export file names that embed the account name (docs/formats.md §3.2, §4). The user part is masked wherever
# a file name is stored or printed.
_USER_IN_NAME = [
    re.compile(r"(listenbrainz_)(.+?)(_\d+\.zip)", re.IGNORECASE),
    re.compile(r"((?:recenttracks|scrobbles)-)(.+?)(-\d+\.(?:csv|json))", re.IGNORECASE),
    re.compile(r"()([^/\\:]+?)(_lb-\d{4}-\d{2}-\d{2}\.json)", re.IGNORECASE),
]


def redact_path(path: str) -> str:
    """Mask account names embedded in export file names.

    >>> redact_path("/home/me/listenbrainz_alice_1748964422.zip:listens/2024/1.jsonl")
    '/home/me/listenbrainz_<user>_1748964422.zip:listens/2024/1.jsonl'
    """
    for pattern in _USER_IN_NAME:
        path = pattern.sub(lambda m: f"{m.group(1)}<user>{m.group(3)}", path)
    return path
