"""An on-disk cache for trained models, keyed by exactly what they were trained on.

The key is the model's name and parameters plus a fingerprint of the selection it read (the library file's
identity, its plays, the scope and the exclusion rules). Anything that changes the input changes the key,
so a stale model is never served; an unchanged library loads instead of retraining. Entries are ``.npz``
files (arrays plus a JSON header) in the user cache folder (``$LINERNOTES_CACHE`` overrides it) — no pickle,
so a cache file can never run code. The results of model insights are cached the same way, as their JSON,
keyed by a cheap fingerprint of the library (:func:`library_fingerprint`), so asking again costs
milliseconds. They hold model state derived from listening (embeddings, weights),
never plays; ``linernotes forget`` clears them all.

The cache is bounded: after each write, the least recently used entries (trained models and results
together) are deleted until they fit in :data:`MAX_BYTES`. The bound is in bytes, not entries, because
entries differ by orders of magnitude (a result's JSON is a few kilobytes, a large library's embedding or
session labels several megabytes): a count would either let the folder grow with every library and
question, or evict many cheap results to keep one big model. A hit refreshes the entry's modification
time, which is what "recently used" means here (access times are often not kept by the file system).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import platformdirs

from linernotes import __version__
from linernotes.atomicfile import replacing, write_atomic
from linernotes.engine.result import Result, result_from_dict
from linernotes.engine.scope import Context

ENV_CACHE = "LINERNOTES_CACHE"
FORMAT_VERSION = 1
# Trained models and model results kept at most (bytes): tens of libraries' worth of models.
MAX_BYTES = 256 * 2**20
ENTRY_PATTERNS = ("models/*.npz", "results/*.json")


def cache_dir() -> Path:
    env = os.environ.get(ENV_CACHE)
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("linernotes", appauthor=False))


def fingerprint(ctx: Context) -> str:
    """A digest of everything a model trained on ``ctx`` depends on: the library (plays, settings, rules,
    code — :func:`library_fingerprint`) and the scope. Cheap: a cache hit never builds a selection."""
    return hashlib.sha256(f"{library_fingerprint(ctx.con)}|{ctx.scope!r}".encode()).hexdigest()[:32]


def _path(name: str, key: str) -> Path:
    return cache_dir() / "models" / f"{name}-{key}.npz"


Arrays = dict[str, np.ndarray]
Trained = tuple[Arrays, dict[str, Any]]


def cached_arrays(ctx: Context, name: str, params: dict[str, Any], train: Callable[[], Trained]) -> Trained:
    """Return ``(arrays, header)`` for model ``name`` trained with ``params`` on ``ctx``'s selection,
    from the cache when the same input was seen before, else from ``train()`` (and then stored).

    ``header`` must be JSON-serialisable; arrays must not be object arrays (strings: use fixed-width
    ``np.str_`` arrays).
    """
    identity = json.dumps([fingerprint(ctx), params], sort_keys=True, default=str)
    key = hashlib.sha256(identity.encode()).hexdigest()[:32]
    path = _path(name, key)
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files if k != "__header__"}
                header = json.loads(str(data["__header__"]))
            _used(path)
            return arrays, header
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)  # a corrupt or foreign file: retrain
    arrays, header = train()
    payload: dict[str, Any] = {"__header__": np.array(json.dumps(header, default=str)), **arrays}
    with replacing(path, durable=False) as partial, partial.open("wb") as f:  # savez adds ".npz" to a name
        np.savez(f, **payload)
    evict(keep=path)
    return arrays, header


def clear() -> int:
    """Delete everything cached from listening — trained models, model results, ask's name index — for
    every library; returns how many files were removed. ``forget`` calls it: derived data must not outlive
    the plays it came from."""
    root = cache_dir()
    n = 0
    for pattern in ("models/*.npz", "results/*.json", "ask/*.json", "models/*.partial*", "results/*.partial*",
                    "ask/*.partial*"):
        for f in root.glob(pattern):
            f.unlink(missing_ok=True)
            n += 1
    return n


def library_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of the library's plays, settings and exclusion rules — cheap (one scan of four narrow
    columns, no local times), so a cached result can be found before any selection is built. The plays with a
    genre are counted too: genres that arrive for plays already stored (another export of the same plays)
    change what chapters and modes say without changing the plays; so does what `linernotes enrich` stored (the
    artists' genres describe chapters and modes too), counted with its newest answer's time."""
    plays = con.execute(
        "SELECT count(*), coalesce(sum(play_id::HUGEINT), 0)::VARCHAR, max(import_id), count(genre) FROM play_rows"
    ).fetchall()
    enriched = con.execute(
        "SELECT (SELECT (count(*), max(fetched_at)) FROM enrich_artists), "
        "(SELECT (count(*), max(fetched_at)) FROM enrich_recordings), "
        "(SELECT (count(*), max(fetched_at)) FROM enrich_tracks)").fetchall()
    settings = con.execute("SELECT key, value FROM settings ORDER BY key").fetchall()
    rules = con.execute("SELECT * EXCLUDE (created_at) FROM exclusion_rules ORDER BY rule_id").fetchall()
    parts = [repr(plays), repr(enriched), repr(settings), repr(rules), __version__, str(FORMAT_VERSION), code_version()]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


@functools.cache
def code_version() -> str:
    """A digest of the code that computes insights and models: a cached result never outlives a change
    to how it is computed (even without a version bump, as in development)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for folder in ("engine", "insights", "models"):
        for source in sorted((root / folder).glob("*.py")):
            digest.update(source.name.encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def cached_result(
    con: duckdb.DuckDBPyConnection,
    insight: str,
    identity: str,
    result_type: type[Result],
    compute: Callable[[], Result],
) -> Result:
    """The result of a model insight, from the cache when the library and the question are unchanged.

    Results are stored as the insight's own JSON (no pickle) and rebuilt as the same typed object.
    """
    key = hashlib.sha256(f"{library_fingerprint(con)}|{insight}|{identity}".encode()).hexdigest()[:32]
    path = cache_dir() / "results" / f"{insight}-{key}.json"
    if path.exists():
        try:
            found = result_from_dict(result_type, json.loads(path.read_text(encoding="utf-8")))
            _used(path)
            return found
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)  # written by another version, or damaged: compute again
    result = compute()
    write_atomic(path, json.dumps(result.to_dict(), ensure_ascii=False), durable=False)  # lost: computed again
    evict(keep=path)
    return result


def _used(path: Path) -> None:
    """Mark a cache entry as just used (its modification time orders the eviction)."""
    with contextlib.suppress(OSError):  # deleted meanwhile by another process: nothing to mark
        os.utime(path)


def evict(keep: Path | None = None, max_bytes: int | None = None) -> int:
    """Delete the least recently used entries until the cache holds at most ``max_bytes`` (default
    :data:`MAX_BYTES`); ``keep`` (the entry just written, in use) is never deleted. Files being written
    (``.partial``) are not entries. Returns how many entries were deleted."""
    budget = MAX_BYTES if max_bytes is None else max_bytes
    entries: list[tuple[int, str, Path, int]] = []
    root = cache_dir()
    for pattern in ENTRY_PATTERNS:
        for f in root.glob(pattern):
            if ".partial" in f.name:
                continue
            try:
                st = f.stat()
            except OSError:  # removed by a concurrent run
                continue
            entries.append((st.st_mtime_ns, f.name, f, st.st_size))
    total = sum(size for *_, size in entries)
    removed = 0
    for _, _, f, size in sorted(entries):  # least recently used first
        if total <= budget:
            break
        if keep is not None and f == keep:
            continue
        f.unlink(missing_ok=True)
        total -= size
        removed += 1
    return removed
