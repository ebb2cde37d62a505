"""Whether a host name or address is this machine: the dashboard listens beyond it only with an access token,
and the cooperative client speaks plain http only to it."""

from __future__ import annotations

import ipaddress
import urllib.parse

from linernotes.errors import UsageError


def is_loopback(host: str) -> bool:
    """``host`` (a name, an address, or a bracketed IPv6 address as in a URL or ``Host`` header) only reaches
    this machine. Any other name is not: what it resolves to is checked where a connection is made.

    >>> is_loopback("127.0.0.1"), is_loopback("[::1]"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def checked_base_url(url: str, what: str = "server") -> str:
    """A service's base URL, normalised (no trailing slash, no query); refused with a one-line
    :class:`~linernotes.errors.UsageError` unless it is https, or plain http to this machine, without a user
    name or password. ``what`` names the URL in the message ("the MusicBrainz URL must not hold ...").

    >>> checked_base_url("http://127.0.0.1:8000/")
    'http://127.0.0.1:8000'
    """
    url = url.strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url!r} is not an http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise UsageError(f"the {what} URL must not hold a user name or password")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise UsageError(f"{url}: use https (plain http is only for a server on this machine)")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise UsageError(f"{url!r}: the port is not a number") from None
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
