"""The cooperative's server: the HTTP API (``app``), its PostgreSQL schema (``migrations``) and queries
(``db``), the pool's files (``storage``), signed receipts (``receipts``), per-token rate limits
(``ratelimit``), the release ledger for operators and release engines (``ledger``), and the ``linernotes-coop``
command (``cli``). (The throwaway PostgreSQL of the tests and benchmarks is ``tests/support/pgtemp.py``.)

Needs the ``coop-server`` extra (psycopg, psycopg-pool)."""
