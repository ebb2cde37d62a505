"""The cooperative server as an operator runs it: deploy/linernotes-coop.service, started the way it says.

The unit's ExecStartPre and ExecStart run as written — the console script `linernotes-coop` that pyproject
declares, with the unit's arguments and Environment= settings — against an empty database of a real
PostgreSQL. Only what is the operator's (the database URL from EnvironmentFile=, the state folder, a free
port instead of 8750) is replaced by the test's own.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import psycopg
import pytest

from linernotes.coop.server.config import ENV_PREFIX, Settings
from tests.support.pgtemp import TempPostgres, free_port

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "linernotes-coop.service"
STATE = "/var/lib/linernotes-coop"


def unit_entries(path: Path, section: str = "Service") -> list[tuple[str, str]]:
    """The (key, value) lines of one section, in order and with repeats (systemd allows both)."""
    entries, current = [], None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section:
            key, _, value = line.partition("=")
            entries.append((key.strip(), value.strip()))
    return entries


def values(entries: list[tuple[str, str]], key: str) -> list[str]:
    return [value for k, value in entries if k == key]


def environment(entries: list[tuple[str, str]]) -> dict[str, str]:
    """Environment= assignments (each line may hold several, shell-quoted)."""
    env: dict[str, str] = {}
    for line in values(entries, "Environment"):
        for assignment in shlex.split(line):
            name, _, value = assignment.partition("=")
            env[name] = value
    return env


def env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = shlex.split(value)[0] if value.strip() else ""
    return env


def console_script(command: str) -> list[str]:
    """The unit's command as this checkout runs it: the console script's entry point from pyproject."""
    name = Path(command).name
    target = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"][name]
    module, _, function = target.partition(":")
    return [sys.executable, "-c",
            f"import sys; sys.argv[0] = {name!r}; from {module} import {function}; sys.exit({function}())"]


def test_unit_runs_unprivileged_and_hardened() -> None:
    entries = unit_entries(UNIT)
    assert values(entries, "User") == ["linernotes-coop"] and values(entries, "Group") == ["linernotes-coop"]
    for key, expected in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
                          "PrivateTmp": "yes", "CapabilityBoundingSet": "", "Restart": "on-failure",
                          "UMask": "0077", "StateDirectoryMode": "0700"}.items():
        assert values(entries, key) == [expected], key
    command = shlex.split(values(entries, "ExecStart")[0])
    # Loopback only: the TLS proxy in front is the only way in.
    assert command[command.index("--host") + 1] == "127.0.0.1"
    # Every setting the unit and the example environment file name is one the server reads.
    known = {ENV_PREFIX + name.upper() for name in Settings.__dataclass_fields__}
    named = set(environment(entries)) | set(env_file(DEPLOY / "coop.env.example"))
    assert named <= known, named - known


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """systemd's own check: unknown keys, bad values and sections are reported. The installed console script
    stands in for /opt/linernotes-coop/bin/linernotes-coop, which verify wants to exist."""
    script = shutil.which("linernotes-coop") or str(Path(sys.executable).with_name("linernotes-coop"))
    if not Path(script).exists():
        pytest.skip("the linernotes-coop console script is not installed")
    for unit in ("linernotes-coop.service", "linernotes-coop-release.service", "linernotes-coop-scrub.service",
                 "linernotes-coop-scrub.timer"):
        text = (DEPLOY / unit).read_text().replace("/opt/linernotes-coop/bin/linernotes-coop", script)
        (tmp_path / unit).write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", *sorted(map(str, tmp_path.iterdir()))],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_server_starts_as_the_unit_says(coop_pg: TempPostgres, tmp_path: Path) -> None:
    entries = unit_entries(UNIT)
    database = f"deploy_{secrets.token_hex(4)}"
    with psycopg.connect(coop_pg.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')  # empty: ExecStartPre must create the schema
    state = tmp_path / "state"
    state.mkdir(mode=0o700)  # what StateDirectory= makes
    env = {**os.environ, **{name: value.replace(STATE, str(state)) for name, value in environment(entries).items()},
           f"{ENV_PREFIX}DATABASE_URL": coop_pg.url.rsplit("/", 1)[0] + "/" + database}
    port = free_port()

    def command(line: str) -> list[str]:
        args = shlex.split(line)
        if "--port" in args:
            args[args.index("--port") + 1] = str(port)
        return [*console_script(args[0]), *args[1:]]

    for pre in values(entries, "ExecStartPre"):
        done = subprocess.run(command(pre), env=env, capture_output=True, text=True, timeout=60, umask=0o077)
        assert done.returncode == 0, done.stderr
    with psycopg.connect(env[f"{ENV_PREFIX}DATABASE_URL"]) as conn:
        migrations = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
    assert migrations is not None and migrations[0] > 0

    log = tmp_path / "journal.log"
    with log.open("wb") as journal:
        server = subprocess.Popen(command(values(entries, "ExecStart")[0]), env=env, stdout=journal,
                                  stderr=subprocess.STDOUT, umask=0o077)
        try:
            health = f"http://127.0.0.1:{port}/v1/terms"
            deadline = time.monotonic() + 60
            while True:
                try:
                    answer = httpx.get(health, timeout=5)
                    break
                except httpx.TransportError:
                    assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
            assert answer.status_code == 200, answer.text
            assert answer.json()["key"]
            keys = state / "keys"
            assert stat.S_IMODE((keys / "signing.key").stat().st_mode) == 0o600
            # The unit stops it with SIGTERM and waits TimeoutStopSec.
            server.send_signal(signal.SIGTERM)
            stop = float(values(entries, "TimeoutStopSec")[0].removesuffix("s"))
            assert server.wait(timeout=stop) == 0, log.read_text()
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
