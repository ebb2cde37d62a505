"""What runs on the person's machine imports no server, Spark, PostgreSQL or test code: a plain install (no
extras) has none of them, and every user would otherwise pay their import time and disk for nothing.

Each check runs in a fresh interpreter where those packages cannot be imported, as after a plain install (the
test environment has them all: scikit-learn, for one, imports pandas whenever it is there), and then checks that
none was loaded. Code that imports one anyway fails with ``ModuleNotFoundError``, as it would for a person.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import linernotes
from linernotes.coop import signing, wire
from linernotes.coop.client.answers import CoopError, KeyChanged, Refused
from linernotes.coop.client.transport import TransportError
from linernotes.coop.crowd.verify import MalformedRelease, ReleaseError, write_public_key
from linernotes.coop.release.aggregates import PoolError
from linernotes.coop.release.budget import BudgetExceeded
from linernotes.coop.release.build import ReleaseConfig, build_release
from linernotes.coop.release_format import write_release
from linernotes.coop.sidecars import key_path, release_path
from linernotes.errors import LinernotesError
from linernotes.library import open_library
from tests.support.exports import play, write_extended
from tests.support.synthetic_pool import SynthPool, synth_pool

# Server (opendp: the release builder; psycopg: the pool's database), Spark, and what only tests and the
# benchmarks use.
SERVER_ONLY = ("opendp", "psycopg", "psycopg_pool", "pyspark", "pandas", "playwright", "yaml", "tests")

DEVICE_MODULES = (
    "linernotes.library", "linernotes.cli", "linernotes.cli.crowd_cmds", "linernotes.cli.coop_cmds",
    "linernotes.coop.crowd.compare", "linernotes.coop.crowd.verify", "linernotes.coop.client.api",
    "linernotes.coop.client.package", "linernotes.coop.sidecars", "linernotes.report", "linernotes.report.crowd",
    "linernotes.report.build", "linernotes.web", "linernotes.web.app", "linernotes.web.api", "linernotes.ask",
)

PLAIN_INSTALL = f"""
import importlib.abc, sys

class PlainInstall(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {SERVER_ONLY!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, PlainInstall())
"""

REPORT_SERVER_MODULES = f"""
import json, sys
found = sorted({{m.split(".")[0] for m in sys.modules}} & set({SERVER_ONLY!r}))
with open(sys.argv[1], "w") as f:
    json.dump(found, f)
"""


def loaded_server_modules(code: str, tmp_path: Path, *args: str) -> list[str]:
    """The server-only top-level packages in ``sys.modules`` after ``code`` runs in a fresh interpreter that
    cannot import them."""
    out = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", PLAIN_INSTALL + code + REPORT_SERVER_MODULES, str(out), *args],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def test_device_modules_import_no_server_code(tmp_path: Path) -> None:
    code = "import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in DEVICE_MODULES)
    assert loaded_server_modules(code, tmp_path) == []


def test_linernotes_crowd_runs_without_server_code(tmp_path: Path) -> None:
    """The whole `linernotes crowd` path — verifying the release, placing the person, recommending — in one
    process, against a real signed release beside a real library."""
    pool = synth_pool(tmp_path / "pool", 300, 500, seed=3, clusters=4, workers=1)
    key = signing.generate_key()
    document = build_release(pool.storage, key=key, spent={}, release_id="r-device",
                             config=ReleaseConfig.uniform(1.0, taste_select_epsilon=4.0, taste_pairs_epsilon=4.0))
    artists = [SynthPool.cluster_artist(1, i) for i in range(4)]
    export = write_extended(tmp_path / "Streaming_History_Audio_2023.json",
                            [play(f"2023-{m:02d}-{d:02d}T20:00:00Z", f"Song {d}", artists[(m + d) % 4])
                             for m in range(1, 13) for d in range(1, 28, 3)])
    db = tmp_path / "lib.duckdb"
    with open_library(db) as lib:
        lib.import_paths([export])
    write_release(release_path(db), document)
    write_public_key(key_path(db), signing.public_key_bytes(key))

    code = """
import contextlib, io, json, sys
from linernotes.cli import main
shown = io.StringIO()
with contextlib.suppress(SystemExit), contextlib.redirect_stdout(shown):
    main(["crowd", "--db", sys.argv[2], "--json", "--recommend", "3"])
assert json.loads(shown.getvalue())["release_id"] == "r-device", shown.getvalue()
"""
    assert loaded_server_modules(code, tmp_path, str(db)) == []


SERVER_PACKAGES = ("linernotes.coop.server", "linernotes.coop.release")


def in_server(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in SERVER_PACKAGES)


def imported_names(tree: ast.AST) -> set[str]:
    """Every module a file imports, at the top or inside a function (lazy imports run too)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_no_device_module_imports_the_server_or_the_release_builder() -> None:
    """Every module outside ``coop/server`` and ``coop/release`` — the import-time check above only sees
    the imports a run reaches."""
    root = Path(linernotes.__file__).parent
    offenders = {}
    for path in sorted(root.rglob("*.py")):
        module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        if in_server(module):
            continue
        found = {n for n in imported_names(ast.parse(path.read_text(encoding="utf-8")))
                 if in_server(n) or n.split(".")[0] in SERVER_ONLY}
        if found:
            offenders[module] = sorted(found)
    assert offenders == {}


@pytest.mark.parametrize("error", [ReleaseError, MalformedRelease, signing.SignatureError, wire.PackageError,
                                   CoopError, Refused, KeyChanged, TransportError, BudgetExceeded, PoolError])
def test_coop_errors_are_errors_a_person_can_fix(error: type[Exception]) -> None:
    """Printed on one line with the project's exit status by the CLIs and as one line by the dashboard."""
    assert issubclass(error, LinernotesError) and error.exit_code == 2  # type: ignore[attr-defined]
