"""One HTTP exchange with the cooperative server, on terms the client sets rather than the server.

- Redirects are never followed: a 3xx is an error. The bearer token goes to the address the person named and
  nowhere else (urllib's default opener copied it to wherever a 302 pointed, plain http included).
- Plain ``http://`` only to loopback: checked on the URL and again on the address actually connected to (a
  ``localhost`` that resolves elsewhere is refused before anything is sent).
- Every answer is read in chunks up to a per-endpoint cap: a longer one is dropped once the cap is passed, so
  a hostile server cannot make the client buffer 400 MB. A declared Content-Length over the cap is refused
  before reading.
- One deadline for the whole exchange (connect, headers, body), enforced by a watchdog that shuts the socket:
  a server trickling one byte per second cannot hold the command.

Failures are :class:`TransportError` with a one-line message that names no address.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import urllib.parse
from dataclasses import dataclass, field

from linernotes.errors import LinernotesError
from linernotes.loopback import is_loopback

CHUNK = 64 * 1024
ERROR_LIMIT = 16 * 1024  # a refusal's body is one short {"detail": ...}


class TransportError(LinernotesError):
    """The exchange failed before a complete, bounded answer arrived; the message is one line."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    # Header names lower-cased; callers read the few they need (a 429's Retry-After).
    headers: dict[str, str] = field(default_factory=dict)


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise TransportError("the server address is not an http(s) URL; run `linernotes coop join` again")
    if parts.scheme == "http" and not is_loopback(host):
        raise TransportError("plain http is only for a server on this machine; the cooperative needs https")
    try:
        port = parts.port
    except ValueError:
        raise TransportError("the server address has an invalid port") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        return http.client.HTTPSConnection(host, port, timeout=timeout,
                                           context=ssl.create_default_context()), path
    return http.client.HTTPConnection(host, port, timeout=timeout), path


class _Deadline:
    """Shuts the connection's socket when the time is up, whatever the exchange is blocked on."""

    def __init__(self, conn: http.client.HTTPConnection, seconds: float) -> None:
        self.conn, self.fired = conn, False
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        sock = self.conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing to stop
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()


def exchange(method: str, url: str, *, headers: dict[str, str], body: bytes | None, limit: int,
             timeout: float) -> Reply:
    """Send one request to ``url`` and read at most ``limit`` bytes of the answer within ``timeout`` seconds.

    Any status is returned except 3xx (refused: redirects are not followed) and 1xx; the caller reads the body.
    """
    conn, path = _connection(url, timeout)
    deadline = _Deadline(conn, timeout)
    try:
        with deadline:
            conn.connect()
            if isinstance(conn, http.client.HTTPConnection) and not isinstance(conn, http.client.HTTPSConnection):
                _check_peer_is_loopback(conn)
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            if 300 <= resp.status < 400:
                raise TransportError(f"the server tried to redirect ({resp.status} {_reason(resp)}): redirects are "
                                     "not followed and nothing was sent elsewhere; check the server's address")
            headers = {name.lower(): value for name, value in resp.getheaders()}
            if resp.status >= 400:  # only the reason is wanted from a refusal: a prefix is enough
                return Reply(resp.status, _read(resp, ERROR_LIMIT, prefix=True), headers)
            return Reply(resp.status, _read(resp, limit), headers)
    except TransportError:
        if deadline.fired:  # the watchdog's shutdown looks like a short body: say what really happened
            raise TransportError(f"the server did not answer within {timeout:g} s") from None
        raise
    except TimeoutError:
        raise TransportError(f"the server did not answer within {timeout:g} s") from None
    except ssl.SSLCertVerificationError as exc:
        raise TransportError(f"the server's TLS certificate does not verify ({exc.verify_message})") from None
    except http.client.IncompleteRead as exc:
        if deadline.fired:
            raise TransportError(f"the server did not answer within {timeout:g} s") from None
        more = f", {exc.expected} more expected" if exc.expected is not None else ""
        raise TransportError(f"the server's answer was cut short ({len(exc.partial)} bytes{more})") from None
    except (http.client.HTTPException, ConnectionError, OSError, ValueError) as exc:
        if deadline.fired:
            raise TransportError(f"the server did not answer within {timeout:g} s") from None
        raise TransportError(f"cannot reach the server ({_why(exc)})") from None
    finally:
        conn.close()


def _check_peer_is_loopback(conn: http.client.HTTPConnection) -> None:
    assert conn.sock is not None
    peer = conn.sock.getpeername()[0]
    if not is_loopback(peer.split("%")[0]):  # an IPv6 peer may carry a zone (%eth0)
        raise TransportError("plain http is only for a server on this machine, and this name does not resolve "
                             "to it; nothing was sent")


def _read(resp: http.client.HTTPResponse, limit: int, *, prefix: bool = False) -> bytes:
    """The body, at most ``limit`` bytes: past it an error, or with ``prefix`` the first ``limit`` bytes."""
    if prefix:
        try:
            return resp.read(limit)
        except http.client.IncompleteRead as exc:
            return exc.partial
    declared = resp.getheader("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise TransportError(f"the server's answer would be {_size(int(declared))}, over the limit of "
                             f"{_size(limit)} for this request: not read")
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = resp.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            # http.client ends a read(n) quietly at EOF: a body shorter than its Content-Length is checked here.
            if resp.length:
                raise TransportError(f"the server's answer was cut short ({size} bytes, {resp.length} more "
                                     "expected)")
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise TransportError(f"the server's answer is over the limit of {_size(limit)} for this request: "
                                 "stopped reading")
        chunks.append(chunk)


def _reason(resp: http.client.HTTPResponse) -> str:
    from linernotes.terminal import inert

    return inert(str(resp.reason))[:40].strip() or "redirect"


def _why(exc: BaseException) -> str:
    """The reason of a network failure without the address (errors such as gaierror carry none; some do)."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | http.client.RemoteDisconnected):
        return "the connection was closed"
    if isinstance(exc, socket.gaierror):
        return "the name does not resolve"
    if isinstance(exc, http.client.HTTPException):
        return f"not an HTTP answer: {type(exc).__name__}"
    if isinstance(exc, ValueError):
        return "invalid request"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.0f} KiB" if n >= 2**10 else f"{n} bytes"
