"""The cooperative's server: the HTTP API (``app``), its PostgreSQL schema (``migrations``) and queries
(``db``), the pool's files (``storage``), signed receipts (``receipts``), per-token rate limits
(``ratelimit``), the release ledger for operators and release engines (``ledger``), the ``linernotes-coop``
command (``cli``) and a throwaway PostgreSQL for tests and benchmarks (``pgtemp``).

Needs the ``coop-server`` extra (psycopg, psycopg-pool)."""
