"""The skip model measured on one real export: the harness ``test_models_skips`` and ``benchmarks/ai_quality``
share (it imports a file into a throwaway library, so it has no place in the package)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from linernotes.engine.scope import Context, Scope
from linernotes.insights.skip_model import skip_model
from linernotes.library import open_library


def evaluate_sample(path: str | Path, *, seed: int = 0) -> tuple[float | None, float | None, int]:
    """Import one export (a file or folder) into a temporary library, train, and return
    ``(auc, baseline_auc, labelled plays)`` on its time split; the AUCs are None when there is not enough
    skip data. Nothing is cached and nothing outside the temporary folder is written."""
    with tempfile.TemporaryDirectory(prefix="linernotes-skip-") as tmp:
        lib = open_library(Path(tmp) / "sample.duckdb")
        try:
            lib.import_paths([Path(path)])
            fit = skip_model(Context(lib.engine, Scope()), seed=seed, use_cache=False)
        finally:
            lib.close()
    return fit.auc, fit.baseline_auc, fit.plays
