"""Rate limits that hold however many workers serve: token buckets in PostgreSQL, shared by all of them.

A bucket holds ``burst`` requests and refills at ``rate`` per second. Each bucket is one row of the UNLOGGED
table ``rate_buckets`` (no WAL: a crash forgetting the limits is harmless), taken with one atomic
``INSERT … ON CONFLICT DO UPDATE``: concurrent takes of one bucket queue on its row lock, so two workers
can never both spend its last token. The clock is the database's, the same for every worker.

Buckets:

- one per valid token (the key is the token's SHA-256, as ``contributors`` keeps it; deleted at withdrawal),
  taken in the same statement that looks the token up, so a request still costs one round trip;
- ``join``: every join, whoever sends it;
- ``auth-fail``: every request whose token is unknown. **Why global:** the privacy rule forbids storing,
  logging or printing client addresses, so there is no per-address bucket to put a forger in, and a
  bucket per forged token is useless (each forgery is a new token) and would let a forger fill the table
  with one row per request. A keyed hash of the address held only in memory would be per process again and
  still be a derivative of the address. One shared budget bounds what forgeries cost the database.
  Its price: while it is spent, someone whose token this process has not seen recently gets a 429 with a
  ``Retry-After`` of about a second (:class:`FailedAuthGate`), never a wrong answer.
"""

from __future__ import annotations

import time
from collections import OrderedDict

JOIN_KEY = b"join"
AUTH_FAIL_KEY = b"auth-fail"

# The refill of the stored bucket up to now, capped at its burst. Old row: ``b``; this request: EXCLUDED.
_REFILL = ("LEAST(EXCLUDED.burst, b.tokens + GREATEST(0, extract(epoch FROM EXCLUDED.at - b.at)::float8)"
           " * EXCLUDED.rate)")
_UPSERT = f"""
INSERT INTO rate_buckets AS b (key, tokens, at, ok, rate, burst)
SELECT key, burst - 1, clock_timestamp(), true, rate, burst FROM {{source}}
ON CONFLICT (key) DO UPDATE SET
    ok = {_REFILL} >= 1,
    tokens = {_REFILL} - CASE WHEN {_REFILL} >= 1 THEN 1 ELSE 0 END,
    at = EXCLUDED.at, rate = EXCLUDED.rate, burst = EXCLUDED.burst
RETURNING ok, tokens, rate
"""

TAKE_SQL = _UPSERT.format(source="(SELECT %(key)s::bytea AS key, %(rate)s::float8 AS rate, "
                                 "%(burst)s::float8 AS burst) k")

# Look a token up and take from its own bucket (known) or from the failed-authentication budget (unknown).
AUTHENTICATE_SQL = """
WITH c AS (SELECT contributor_id, scopes FROM contributors WHERE token_sha256 = %(token)s),
k AS (SELECT CASE WHEN found THEN %(token)s::bytea ELSE %(fail_key)s::bytea END AS key,
             CASE WHEN found THEN %(rate)s::float8 ELSE %(fail_rate)s::float8 END AS rate,
             CASE WHEN found THEN %(burst)s::float8 ELSE %(fail_burst)s::float8 END AS burst
      FROM (SELECT EXISTS (SELECT 1 FROM c) AS found) f),
t AS (""" + _UPSERT.format(source="k") + """)
SELECT (SELECT contributor_id FROM c), (SELECT scopes FROM c), t.ok, t.tokens, t.rate FROM t
"""

# Buckets that have refilled completely hold no information: forget them (run now and then).
PRUNE_SQL = ("DELETE FROM rate_buckets WHERE tokens + extract(epoch FROM clock_timestamp() - at)::float8 * rate "
             ">= burst")


def wait_of(ok: bool, tokens: float, rate: float) -> float:
    """Seconds until a refused request may go ahead (0 when it went ahead)."""
    if ok:
        return 0.0
    return (1 - tokens) / rate if rate > 0 else 60.0


class FailedAuthGate:
    """Per process: once the shared failed-authentication budget is spent, refuse (429) requests whose token
    this process has not authenticated recently, without asking the database, until the budget refills.

    This is what keeps a flood of forged tokens from costing a database lookup each. Tokens seen valid lately
    (an LRU of their SHA-256) still go through to the database, which decides as always; the gate never
    admits anyone, it only turns some requests away early.
    """

    def __init__(self, remember: int = 50_000) -> None:
        self._until = 0.0
        self._known: OrderedDict[bytes, None] = OrderedDict()
        self._remember = remember

    def refuses(self, token_sha256: bytes) -> float:
        """Seconds to wait if the gate turns this token away now, else 0."""
        left = self._until - time.monotonic()
        if left <= 0 or token_sha256 in self._known:
            return 0.0
        return left

    def close(self, seconds: float) -> None:
        self._until = max(self._until, time.monotonic() + seconds)

    def remember(self, token_sha256: bytes) -> None:
        self._known[token_sha256] = None
        self._known.move_to_end(token_sha256)
        if len(self._known) > self._remember:
            self._known.popitem(last=False)
