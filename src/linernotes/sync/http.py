"""A polite JSON client for the listening services' public APIs.

Every request goes through :func:`linernotes.coop.client.transport.exchange`: redirects are never followed (an
API key or token in a request goes to the address the person named and nowhere else), plain ``http`` only to
this machine (the tests' stub servers), every answer bounded in size and time, and no proxy settings read.

Politeness: a 429 is waited out for as long as its ``Retry-After`` (or ListenBrainz's ``X-RateLimit-Reset-In``)
asks, up to :data:`RETRY_AFTER_CAP_S`; a 5xx or a dropped connection is retried after :data:`BACKOFF_S`. When
that is spent the request fails with a one-line :class:`SyncError`. Messages never quote a URL (it carries the
username and the API key) nor the server's own words (they may name the account).
"""

from __future__ import annotations

import email.utils
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from linernotes import __version__
from linernotes.coop.client.transport import Reply, TransportError, exchange
from linernotes.errors import LinernotesError
from linernotes.loopback import is_loopback

TIMEOUT_S = 30.0
MAX_ANSWER_BYTES = 32 * 1024 * 1024  # a page of 1,000 ListenBrainz listens is ~2 MB
RETRY_AFTER_CAP_S = 120.0  # a service asking for a longer pause gets it: the command stops and says so
RATE_LIMIT_RETRIES = 5
BACKOFF_S = (1.0, 2.0, 4.0)  # waits after a 5xx or a failed connection; then the sync gives up
USER_AGENT = f"linernotes/{__version__}"


class SyncError(LinernotesError):
    """A sync could not finish; the one-line message names the service and never the account."""


class Refused(SyncError):
    """The service refused a request (a 4xx answer); ``status`` and ``doc`` (its JSON, or None) let a caller act
    on one refusal (Spotify's 401 for an expired access token) and pass the others on."""

    def __init__(self, message: str, status: int, doc: Any) -> None:
        super().__init__(message)
        self.status = status
        self.doc = doc


class Retry(Exception):
    """Raised by a service's answer check for an answer that says "try again" (Last.fm's error 29 or 11)."""

    def __init__(self, why: str, wait: float | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.wait = wait


# Tests replace this to count or skip the waits; the client looks it up at each wait.
sleep: Callable[[float], None] = time.sleep


def check_base_url(service: str, url: str) -> str:
    """``url`` without trailing slashes if it is https, or plain http to this machine; else a SyncError."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(f"{service}: the service address is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise SyncError(f"{service}: plain http is only for a server on this machine; use https")
    if parts.query or parts.fragment:
        raise SyncError(f"{service}: the service address must not carry a query or fragment")
    return url.rstrip("/")


def host_of(url: str) -> str:
    """The host (and port) of ``url``, for the line that says where a sync goes."""
    return urllib.parse.urlsplit(url).netloc


class Client:
    """GETs JSON from one service. ``refusal(status, doc)`` words a 4xx answer (``doc``: its JSON, or None);
    ``check(doc)`` may raise :class:`Retry` or :class:`SyncError` for an error carried in a 200 answer."""

    def __init__(self, service: str, base_url: str, headers: dict[str, str] | None = None,
                 refusal: Callable[[int, Any], str] | None = None) -> None:
        self.service = service
        self.base_url = check_base_url(service, base_url)
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        self.refusal = refusal
        self.requests = 0
        self._pause_before_next = 0.0

    def get_json(self, path: str, params: dict[str, str], check: Callable[[Any], None] | None = None, *,
                 headers: dict[str, str] | None = None) -> Any:
        """The decoded JSON answer to ``GET base_url + path ? params``, after any waits and retries.
        ``headers`` are added to this request only (an access token that changes when it is refreshed)."""
        url = self.base_url + path + ("?" + urllib.parse.urlencode(params) if params else "")
        return self._request("GET", url, None, check, headers)

    def post_form(self, path: str, form: dict[str, str], check: Callable[[Any], None] | None = None) -> Any:
        """The decoded JSON answer to a form-encoded ``POST base_url + path`` (an OAuth token endpoint), after
        the same waits and retries as :meth:`get_json`."""
        body = urllib.parse.urlencode(form).encode("ascii")
        return self._request("POST", self.base_url + path, body, check,
                             {"Content-Type": "application/x-www-form-urlencoded"})

    def _request(self, method: str, url: str, body: bytes | None, check: Callable[[Any], None] | None,
                 headers: dict[str, str] | None) -> Any:
        rate_limited = 0
        failures = 0
        while True:
            if self._pause_before_next > 0:
                sleep(self._pause_before_next)
                self._pause_before_next = 0.0
            why, wait = self._attempt(method, url, body, check, headers)
            if why is None:
                return wait  # the decoded document
            if wait is not None:  # rate limited: the service said how long to wait
                rate_limited += 1
                if wait > RETRY_AFTER_CAP_S:
                    raise SyncError(f"{self.service} asks for a pause of {_duration(wait)} before more requests "
                                    "(rate limit); try again later")
                if rate_limited > RATE_LIMIT_RETRIES:
                    raise SyncError(f"{self.service} still limits the rate after {RATE_LIMIT_RETRIES} waits; "
                                    "try again later")
                sleep(wait)
                continue
            if failures >= len(BACKOFF_S):
                raise SyncError(f"{self.service}: {why} ({failures + 1} tries); try again later")
            sleep(BACKOFF_S[failures])
            failures += 1

    def _attempt(self, method: str, url: str, body: bytes | None, check: Callable[[Any], None] | None,
                 headers: dict[str, str] | None) -> tuple[str | None, Any]:
        """One request: (None, document) on success; (why, seconds) to wait out a rate limit; (why, None) for
        a failure worth retrying. A failure that retrying cannot mend raises SyncError."""
        self.requests += 1
        try:
            reply = exchange(method, url, headers={**self.headers, **(headers or {})}, body=body,
                             limit=MAX_ANSWER_BYTES, timeout=TIMEOUT_S)
        except TransportError as exc:
            return str(exc), None
        self._note_quota(reply)
        if reply.status == 429:
            return "rate limited", _retry_after(reply) or BACKOFF_S[0]
        if reply.status >= 500:
            return f"the service failed ({reply.status})", None
        doc: Any = None
        try:
            doc = orjson.loads(reply.body)
        except orjson.JSONDecodeError as exc:
            if reply.status < 400:
                raise SyncError(f"{self.service} sent an answer that is not valid JSON ({exc.msg}, byte "
                                f"{exc.pos})") from None
        if reply.status >= 400 or reply.status < 200:
            words = self.refusal(reply.status, doc) if self.refusal else ""
            raise Refused(f"{self.service} refused the request ({reply.status}{': ' + words if words else ''})",
                          reply.status, doc)
        if check is not None:
            try:
                check(doc)
            except Retry as retry:
                return retry.why, retry.wait
        return None, doc

    def _note_quota(self, reply: Reply) -> None:
        """ListenBrainz says how many requests are left in the window: at 0 the next one waits for the reset."""
        remaining = reply.headers.get("x-ratelimit-remaining", "").strip()
        reset = _seconds(reply.headers.get("x-ratelimit-reset-in"))
        if remaining == "0" and reset is not None and reply.status != 429:
            self._pause_before_next = min(reset, RETRY_AFTER_CAP_S)


def _retry_after(reply: Reply) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date) or ``X-RateLimit-Reset-In``."""
    value = reply.headers.get("retry-after")
    seconds = _seconds(value)
    if seconds is None and value:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = max(0.0, (when - datetime.now(UTC)).total_seconds())
    if seconds is None:
        seconds = _seconds(reply.headers.get("x-ratelimit-reset-in"))
    return seconds


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if 0 <= seconds < 1e9 else None


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
