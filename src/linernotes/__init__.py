"""linernotes: deep, private insight into your own music listening history.

The public API::

    from linernotes import open_library, Period
    with open_library() as lib:
        lib.import_paths(["my_spotify_data.zip"])
        lib.top("artists", period=Period.parse("2023-01-01", "2023-12-31"))
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# OpenBLAS (numpy's, scipy's) starts a thread per core that busy-waits ~0.1 s for work after loading and
# after every call: on a two-core laptop that steals a core from DuckDB for nothing. Threads that sleep at
# once cost a futex wake-up per BLAS call instead. Must be set before numpy loads; the person's own setting
# wins.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

__version__ = "0.1.0"
__all__ = ["ImportReport", "Library", "LinernotesError", "Period", "Policy", "__version__", "open_library"]

if TYPE_CHECKING:
    from linernotes.engine.period import Period
    from linernotes.errors import LinernotesError
    from linernotes.library import Library, open_library
    from linernotes.policy import Policy
    from linernotes.store.importer import ImportReport

_LAZY = {
    "Library": "linernotes.library",
    "open_library": "linernotes.library",
    "Period": "linernotes.engine.period",
    "Policy": "linernotes.policy",
    "ImportReport": "linernotes.store.importer",
    "LinernotesError": "linernotes.errors",
}


def __getattr__(name: str) -> Any:
    # Lazy so that `import linernotes.synth` or `linernotes --help` do not pay for DuckDB and Arrow.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'linernotes' has no attribute {name!r}")
