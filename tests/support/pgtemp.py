"""A throwaway PostgreSQL server for tests and benchmarks: ``initdb`` into a temporary folder, ``pg_ctl``
start on a free port of 127.0.0.1, everything deleted at the end.

PostgreSQL refuses to run as root; as root the server runs as the ``postgres`` system user if it exists,
else ``nobody``, owning its temporary folder.

    >>> with TempPostgres() as pg:               # doctest: +SKIP
    ...     psycopg.connect(pg.url).execute("SELECT 1")
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from linernotes.errors import UsageError


def find_bin(name: str) -> str:
    """The path of a PostgreSQL program: on PATH, else the newest Debian install (/usr/lib/postgresql/N/bin)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if not candidates:
        raise UsageError(f"{name} not found: install PostgreSQL (apt-get install postgresql)")
    return candidates[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TempPostgres:
    """A running temporary PostgreSQL server. ``url`` is a libpq URL for database ``coop``, user ``coop``
    (trust authentication on 127.0.0.1 only). ``durable=False`` (tests) turns fsync off."""

    def __init__(self, *, durable: bool = True, max_connections: int = 100) -> None:
        self.durable = durable
        self.max_connections = max_connections
        self.port = 0
        self.dir: Path | None = None
        self._user: str | None = None

    @property
    def url(self) -> str:
        return f"postgresql://coop@127.0.0.1:{self.port}/coop"

    def _run(self, args: list[str]) -> None:
        cmd = args if self._user is None else ["runuser", "-u", self._user, "--", *args]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd="/")
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> TempPostgres:
        root = os.geteuid() == 0
        # As root the server's user must reach the folder: /tmp, not a TMPDIR that may sit in /root.
        self.dir = Path(tempfile.mkdtemp(prefix="linernotes-pg-", dir="/tmp" if root else None))
        if root:
            self._user = "postgres" if _user_exists("postgres") else "nobody"
            entry = pwd.getpwnam(self._user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        data, sock = self.dir / "data", self.dir
        self._run([find_bin("initdb"), "-D", str(data), "-U", "coop", "-A", "trust", "-E", "UTF8",
                   "--no-locale", "--no-sync"])
        options = (f"-c listen_addresses=127.0.0.1 -c unix_socket_directories={sock} "
                   f"-c max_connections={self.max_connections} -c log_connections=off")
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        for _attempt in range(5):
            self.port = free_port()
            try:
                self._run([find_bin("pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-w", "-t", "60",
                           "-o", f"-p {self.port} {options}", "start"])
                break
            except RuntimeError:
                if _attempt == 4:
                    raise
        self._run([find_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "coop", "coop"])
        return self

    def stop(self) -> None:
        if self.dir is None:
            return
        with contextlib.suppress(RuntimeError):  # already stopped: the folder goes anyway
            self._run([find_bin("pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
