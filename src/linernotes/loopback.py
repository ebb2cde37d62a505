"""Whether a host name or address is this machine: the dashboard listens beyond it only with an access token,
and the cooperative client speaks plain http only to it."""

from __future__ import annotations

import ipaddress


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
