"""What pyproject.toml promises a person who runs `pip install linernotes`: the base install carries nothing of
the cooperative's server, Spark or the tests; every dependency is used; one version; a licence; no dead globs.

benchmarks/install_size.py checks the same in a real fresh venv (it needs the network); these run offline.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import linernotes

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Only the server (opendp, psycopg), the Spark engine (pyspark) and the tests (the rest) need these.
NOT_IN_BASE = {"opendp", "psycopg", "psycopg-pool", "pyspark", "playwright", "pandas", "pytest", "pyyaml",
               "httpx", "hypothesis", "schemathesis"}
# Distribution name -> the module names that use it; tzdata is zoneinfo's data (read, never imported).
IMPORT_NAMES = {"scikit-learn": ("sklearn",), "vl-convert-python": ("vl_convert",), "tzdata": ()}


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def base_dependencies() -> list[str]:
    return [requirement_name(r) for r in PROJECT["project"]["dependencies"]]


def test_base_install_has_nothing_of_the_server_spark_or_tests() -> None:
    assert not set(base_dependencies()) & NOT_IN_BASE
    extras = PROJECT["project"]["optional-dependencies"]
    assert "opendp" in map(requirement_name, extras["coop-server"])
    assert "pyspark" in map(requirement_name, extras["spark"])
    # Development tools are a dependency group (PEP 735), never a published extra.
    assert "dev" not in extras
    assert {"pytest", "playwright", "pandas"} <= set(map(requirement_name, PROJECT["dependency-groups"]["dev"]))


def test_every_base_dependency_is_imported() -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "linernotes").rglob("*.py"))
    imported = set(re.findall(r"^\s*(?:import|from) ([A-Za-z_][A-Za-z0-9_]*)", source, re.MULTILINE))
    unused = [name for name in base_dependencies()
              if IMPORT_NAMES.get(name, (name.replace("-", "_"),))
              and not imported & set(IMPORT_NAMES.get(name, (name.replace("-", "_"),)))]
    assert not unused


def test_one_version_source() -> None:
    assert "version" not in PROJECT["project"] and "version" in PROJECT["project"]["dynamic"]
    assert PROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "linernotes.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", linernotes.__version__)


def test_licence_and_classifiers() -> None:
    assert PROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n\nCopyright (c) ")
    classifiers = set(PROJECT["project"]["classifiers"])
    assert {"Typing :: Typed", "Programming Language :: Python :: 3.11", "Programming Language :: Python :: 3.12",
            "Operating System :: OS Independent", "Environment :: Console",
            "Topic :: Multimedia :: Sound/Audio"} <= classifiers
    # PEP 639: a licence expression and a License :: classifier together are an error.
    assert not any(c.startswith("License ::") for c in classifiers)


def test_every_package_data_glob_matches_a_file() -> None:
    package = ROOT / "src" / "linernotes"
    for pattern in PROJECT["tool"]["setuptools"]["package-data"]["linernotes"]:
        assert any(p.is_file() for p in package.glob(pattern)), pattern
