"""A polite HTTP client for MusicBrainz's web service: one request per second, a User-Agent that names the tool,
``Retry-After`` obeyed, backoff on server errors, bounded answers, one-line errors.

MusicBrainz allows one request per second per address on average and answers 503 (some mirrors 429) beyond it.
The limiter spaces *every* request, retries included, from the start of the previous one.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import ssl
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

import linernotes
from linernotes.errors import LinernotesError, UsageError
from linernotes.loopback import checked_base_url, is_loopback

DEFAULT_BASE_URL = "https://musicbrainz.org"
ENV_BASE_URL = "LINERNOTES_MUSICBRAINZ_URL"
# Requests per second. Above 1 only towards a server on this machine (the tests' stub): MusicBrainz's limit is
# one per second per address.
ENV_RATE = "LINERNOTES_MUSICBRAINZ_RATE"
ENV_CONTACT = "LINERNOTES_CONTACT"
DEFAULT_RATE = 1.0
# MusicBrainz asks for "application/version ( contact )", the contact being a URL or an email address it can
# write to instead of blocking a misbehaving client. The project has no public address yet, so this names the
# tool; a person may add their own (`--contact` or $LINERNOTES_CONTACT), and `enrich` says so.
PROJECT_CONTACT = "linernotes, a personal listening-history tool"
# A contact is an email address or an http(s) URL, and nothing that could break out of the header.
_CONTACT = re.compile(r"^(?:[^\s@()<>\\\"]+@[^\s@()<>\\\"]+\.[^\s@()<>\\\"]+|https?://[^\s()<>\\\"]+)$")
MAX_CONTACT = 200
TIMEOUT = 30.0  # seconds for one exchange
ANSWER_LIMIT = 4 * 2**20  # an artist with every tag is a few tens of KiB
MAX_RETRIES = 4  # 429/503/5xx answers waited out before giving up
MAX_WAIT = 120.0  # the longest Retry-After obeyed; longer means "not today"


class EnrichError(LinernotesError):
    """MusicBrainz could not be asked or gave an answer that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    retry_after: float | None


def contact(given: str | None = None) -> str | None:
    """The person's contact for MusicBrainz (``--contact``, else ``$LINERNOTES_CONTACT``), checked; None when
    they gave none."""
    value = (given if given is not None else os.environ.get(ENV_CONTACT, "")).strip()
    if not value:
        return None
    if len(value) > MAX_CONTACT or not (value.isascii() and value.isprintable()) or not _CONTACT.match(value):
        raise UsageError("the contact for MusicBrainz must be an email address or an http(s) URL, without "
                         "spaces or brackets")
    return value


def user_agent(given: str | None = None) -> str:
    return f"linernotes/{linernotes.__version__} ( {contact(given) or PROJECT_CONTACT} )"


def base_url(given: str | None = None) -> str:
    """The service's base URL (``--base-url``, else ``$LINERNOTES_MUSICBRAINZ_URL``, else musicbrainz.org),
    normalised; plain http only to this machine."""
    return checked_base_url(given or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL, "MusicBrainz")


def rate_for(url: str) -> float:
    """Requests per second towards ``url``: ``$LINERNOTES_MUSICBRAINZ_RATE`` (default 1), never above 1 unless
    the server is on this machine."""
    raw = os.environ.get(ENV_RATE)
    if not raw:
        return DEFAULT_RATE
    try:
        rate = float(raw)
    except ValueError:
        raise UsageError(f"{ENV_RATE}={raw!r} is not a number of requests per second") from None
    if not rate > 0:
        raise UsageError(f"{ENV_RATE} must be above 0 requests per second")
    host = urllib.parse.urlsplit(url).hostname or ""
    return rate if is_loopback(host) else min(rate, DEFAULT_RATE)


@dataclass
class RateLimiter:
    """Spaces calls at least ``1 / rate`` seconds apart (from the start of one to the start of the next)."""

    rate: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _last: float | None = field(default=None, init=False)

    @property
    def interval(self) -> float:
        return 1.0 / self.rate

    def wait(self) -> None:
        now = self.clock()
        if self._last is not None and now < self._last + self.interval:
            self.sleep(self._last + self.interval - now)
            now = self.clock()
        self._last = now

    def hold(self, seconds: float) -> None:
        """Wait ``seconds`` (a Retry-After) before the next request, on top of the spacing."""
        self.sleep(seconds)


class Client:
    """GET JSON from one MusicBrainz server, politely. ``get`` returns the decoded answer, or None for 404."""

    def __init__(self, url: str, *, rate: float | None = None, timeout: float = TIMEOUT,
                 sleep: Callable[[float], None] = time.sleep, contact: str | None = None) -> None:
        self.url = url
        self.agent = user_agent(contact)
        self.limiter = RateLimiter(rate if rate is not None else rate_for(url), sleep=sleep)
        self.timeout = timeout
        self.requests = 0  # sent, retries included

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.url).netloc

    def get(self, path: str, what: str) -> Any:
        """The JSON at ``path`` (query included); ``what`` names the request in an error ("the artist X")."""
        for attempt in range(MAX_RETRIES + 1):
            self.limiter.wait()
            self.requests += 1
            reply = exchange(self.url + path, timeout=self.timeout, agent=self.agent)
            if reply.status == 200:
                try:
                    return orjson.loads(reply.body)
                except orjson.JSONDecodeError:
                    raise EnrichError(f"MusicBrainz's answer for {what} is not valid JSON; nothing of it was "
                                      "stored") from None
            if reply.status == 404:
                return None
            if reply.status in (429, 503) or reply.status >= 500:
                if attempt == MAX_RETRIES:
                    break
                # Retry-After when the server gives one; else back off exponentially from the spacing (1 s,
                # 2 s, 4 s... at MusicBrainz's rate).
                wait = reply.retry_after if reply.retry_after is not None else self.limiter.interval * 2 ** attempt
                if wait > MAX_WAIT:
                    raise EnrichError(f"MusicBrainz asks to wait {wait:.0f} s before asking again; try later")
                self.limiter.hold(wait)
                continue
            raise EnrichError(f"MusicBrainz refused the request for {what} (HTTP {reply.status})")
        raise EnrichError(f"MusicBrainz did not answer the request for {what} after {MAX_RETRIES + 1} tries "
                          f"(last: HTTP {reply.status}); what was stored before is kept, run again later")


def exchange(url: str, *, timeout: float, agent: str) -> Reply:
    """One GET; any status is returned except a redirect (refused: the person named this server)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(host, parts.port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"User-Agent": agent, "Accept": "application/json"})
        resp = conn.getresponse()
        if 300 <= resp.status < 400:
            raise EnrichError(f"MusicBrainz tried to redirect (HTTP {resp.status}); redirects are not followed")
        declared = resp.getheader("Content-Length")
        if declared is not None and declared.strip().isdigit() and int(declared) > ANSWER_LIMIT:
            raise EnrichError("MusicBrainz's answer is over the size limit; not read")
        body = resp.read(ANSWER_LIMIT + 1)
        if len(body) > ANSWER_LIMIT:
            raise EnrichError("MusicBrainz's answer is over the size limit; not read")
        return Reply(resp.status, body, _seconds(resp.getheader("Retry-After")))
    except TimeoutError:
        raise EnrichError(f"MusicBrainz did not answer within {timeout:g} s") from None
    except ssl.SSLCertVerificationError as exc:
        raise EnrichError(f"MusicBrainz's TLS certificate does not verify ({exc.verify_message})") from None
    except socket.gaierror:
        raise EnrichError("cannot reach MusicBrainz (the name does not resolve; is this machine online?)") from None
    except (http.client.HTTPException, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise EnrichError(f"cannot reach MusicBrainz ({reason})") from None
    finally:
        conn.close()


def _seconds(value: str | None) -> float | None:
    """A Retry-After in seconds (its HTTP-date form too), or None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
