"""A network guard for a child process, loaded by putting this folder first on PYTHONPATH.

With ``LINERNOTES_NET_GUARD_LOG`` set, every attempt to reach the network from Python — a connection, a
datagram, a name lookup — is written to that file and refused. Local sockets (AF_UNIX, asyncio's self-pipe)
and binding a listening socket are allowed: serving on 127.0.0.1 is not reaching the network. The first line
the guard writes says it was loaded, so a test can tell "no attempt" from "no guard".
"""

from __future__ import annotations

import os
import socket
from typing import Any

_LOG = os.environ.get("LINERNOTES_NET_GUARD_LOG")
_LOCAL_NAMES = (None, "", "127.0.0.1", "::1", "localhost", "0.0.0.0", "::")


def _record(what: str) -> None:
    assert _LOG is not None
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(what + "\n")


def _refuse(what: str) -> None:
    _record(what)
    raise OSError(f"network access refused by the test guard: {what}")


if _LOG:
    _record("guard loaded")
    _connect, _connect_ex, _sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
    _getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if self.family == socket.AF_UNIX:
            return _connect(self, address)
        _refuse(f"connect {address!r}")

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family == socket.AF_UNIX:
            return _connect_ex(self, address)
        _refuse(f"connect {address!r}")
        return 1

    def sendto(self: socket.socket, *args: Any) -> int:
        if self.family == socket.AF_UNIX:
            return _sendto(self, *args)
        _refuse(f"sendto {args[-1]!r}")
        return 0

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in _LOCAL_NAMES:
            return _getaddrinfo(host, *args, **kwargs)
        _refuse(f"resolve {host!r}")
        return []

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo
