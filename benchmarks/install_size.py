"""What a plain `pip install .` (no extras) puts on a person's machine, and how much disk it takes.

Makes a fresh virtualenv (in a temporary folder unless ``--venv``), installs this checkout into it with no
extras, then prints: the installed size of site-packages (disk usage, as ``du -s`` counts it), that none of
the packages only the cooperative's server, Spark or the tests need is there, and the largest installed
distributions with the base dependencies that pull each in (so a regression names its cause).
Target (issue 15): ≤ 500 MB, and none of opendp, pyspark, psycopg, playwright, pandas. Exits non-zero when
one is missed. Needs the network (PyPI) unless pip is configured to find the wheels elsewhere.

    python benchmarks/install_size.py [--python python3.11] [--venv /tmp/plain] [--top 15]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import verdict

ROOT = Path(__file__).resolve().parents[1]
TARGET_MB = 500
# Only the server (opendp, psycopg), the Spark engine (pyspark) and the tests (playwright, pandas) need these.
MUST_BE_ABSENT = ("opendp", "pyspark", "psycopg", "psycopg-binary", "playwright", "pandas")

# Modules only the server builds on (its extra's packages); everything else must import in the plain install.
SERVER_ONLY = ("linernotes.coop.server", "linernotes.coop.release")

# Runs inside the new venv: imports every module outside the server, prints those that fail and why.
_IMPORT_ALL = r"""
import importlib, json, pkgutil, sys
import linernotes
failed = {}
for info in pkgutil.walk_packages(linernotes.__path__, "linernotes."):
    if info.name.startswith(tuple(sys.argv[1:])) or info.name.endswith("__main__"):
        continue
    try:
        importlib.import_module(info.name)
    except Exception as exc:  # a missing distribution, or anything else that breaks the plain install
        failed[info.name] = f"{type(exc).__name__}: {exc}"
print(json.dumps(failed))
"""

# Runs inside the new venv (stdlib only): every distribution's size on disk, and the requirement graph from
# linernotes' own base requirements (markers with `extra ==` are an extra's, not the base install's).
_INSPECT = r"""
import json, os, re, sys
from importlib import metadata

def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()

def disk(path):
    try:
        return os.lstat(path).st_blocks * 512
    except OSError:
        return 0

dists = {}
for dist in metadata.distributions():
    name = norm(dist.metadata["Name"])
    size = sum(disk(dist.locate_file(f)) for f in (dist.files or []))
    requires = []
    for req in dist.requires or []:
        if "extra ==" in req.replace('"', "").replace("'", "").replace("extra==", "extra =="):
            continue
        requires.append(norm(re.match(r"[A-Za-z0-9._-]+", req).group(0)))
    dists[name] = {"version": dist.version, "bytes": size, "requires": requires}
print(json.dumps(dists))
"""


def disk_usage(folder: Path) -> int:
    """Bytes of disk the folder's files take, each hard-linked file once (what ``du -s`` reports)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            st = os.lstat(os.path.join(dirpath, name))
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            total += st.st_blocks * 512
    return total


def pulled_in_by(dists: dict[str, dict], roots: list[str]) -> dict[str, list[str]]:
    """For each installed distribution, the base dependencies of linernotes whose requirement trees hold it."""
    owners: dict[str, list[str]] = {}
    for root in roots:
        stack, seen = [root], set()
        while stack:
            name = stack.pop()
            if name in seen or name not in dists:
                continue
            seen.add(name)
            owners.setdefault(name, []).append(root)
            stack.extend(dists[name]["requires"])
    return owners


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter to base the venv on")
    parser.add_argument("--venv", type=Path, help="where to make the venv (kept); default: a temporary folder")
    parser.add_argument("--top", type=int, default=15, help="how many of the largest distributions to list")
    args = parser.parse_args()

    scratch = None if args.venv else Path(tempfile.mkdtemp(prefix="linernotes-plain-"))
    venv = args.venv or scratch / "venv"  # type: ignore[operator]
    try:
        if venv.exists():
            shutil.rmtree(venv)
        subprocess.run([args.python, "-m", "venv", str(venv)], check=True)
        python = venv / "bin" / "python"
        # Exactly what the acceptance asks for: plain `pip install .`, the venv's own pip, no extras, no cache
        # of a previous build of this checkout.
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-cache-dir", str(ROOT)], check=True)
        site = Path(
            subprocess.run(
                [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                check=True, capture_output=True, text=True,
            ).stdout.strip()
        )
        dists = json.loads(
            subprocess.run([str(python), "-c", _INSPECT], check=True, capture_output=True, text=True).stdout
        )
        # The CLI must start in the plain install (imports nothing from an extra).
        version = subprocess.run(
            [str(python), "-c", "import linernotes; print(linernotes.__version__)"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()

        cli = subprocess.run([str(venv / "bin" / "linernotes"), "--help"], capture_output=True, text=True)
        broken = json.loads(subprocess.run([str(python), "-c", _IMPORT_ALL, *SERVER_ONLY], check=True,
                                           capture_output=True, text=True).stdout)

        size = disk_usage(site)
        present = [name for name in MUST_BE_ABSENT if name in dists]
        roots = dists["linernotes"]["requires"]
        owners = pulled_in_by(dists, roots)

        print(f"plain `pip install .` of linernotes {version} with {Path(args.python).name}: "
              f"{len(dists)} distributions")
        own = sum(info["bytes"] for name, info in dists.items() if name not in owners and name != "linernotes")
        print(f"site-packages: {size / 1e6:.0f} MB ({size / 2**20:.0f} MiB) at {site}; "
              f"of which the venv's own pip and setuptools {own / 1e6:.0f} MB")
        for name in MUST_BE_ABSENT:
            print(f"  {name:15} {'INSTALLED' if name in dists else 'absent'}")
        print(f"largest {args.top} distributions (MB, and the base dependencies that pull each in):")
        largest = sorted(dists.items(), key=lambda item: item[1]["bytes"], reverse=True)[: args.top]
        for name, info in largest:
            via = ("(this project)" if name == "linernotes"
                   else ", ".join(sorted(owners.get(name, []))) or "(the venv's own: pip, setuptools)")
            print(f"  {info['bytes'] / 1e6:7.1f}  {name} {info['version']:12} via {via}")

        print(f"`linernotes --help`: {'works' if cli.returncode == 0 else 'FAILS: ' + cli.stderr.strip()[-300:]}")
        print(f"modules outside {', '.join(SERVER_ONLY)} that do not import: {len(broken)}")
        for module, error in broken.items():
            print(f"  {module}: {error}")

        misses = [f"the plain install has {name}" for name in present]
        misses += [f"{module} does not import" for module in broken]
        if cli.returncode != 0:
            misses.append("`linernotes --help` fails")
        if size / 1e6 > TARGET_MB:
            misses.append(f"site-packages {size / 1e6:.0f} MB > {TARGET_MB} MB")
        return verdict(misses, "install")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
