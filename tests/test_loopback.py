"""One answer to "is this host this machine?" for the dashboard's binding and the cooperative client's http."""

from __future__ import annotations

import pytest

from linernotes.coop.client.api import check_url
from linernotes.errors import UsageError
from linernotes.loopback import is_loopback


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.8.9.10", "::1", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.2", "example.org", "localhost.example.org",
                                  "", "127.0.0.1.nip.io"])
def test_other_hosts(host: str) -> None:
    assert not is_loopback(host)


def test_the_cooperative_client_allows_plain_http_only_to_loopback() -> None:
    assert check_url("http://[::1]:8000") and check_url("http://localhost:8000")
    with pytest.raises(UsageError):
        check_url("http://0.0.0.0:8000")  # what the dashboard needs an access token to bind to
