"""The local dashboard: a FastAPI app over one library, for this machine only (``linernotes serve``).

Modules: :mod:`.app` (``create_app``), :mod:`.api` (JSON endpoints), :mod:`.pages` (HTML shells),
:mod:`.access` (threads and the DuckDB file), :mod:`.security` (token, host and change checks),
:mod:`.uploads` (imports from the browser), :mod:`.entity` and :mod:`.search` (queries no insight covers),
:mod:`.server` (running it with uvicorn).
"""

from __future__ import annotations

from linernotes.web.app import create_app

__all__ = ["create_app"]
