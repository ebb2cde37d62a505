"""Differentially private population releases from the cooperative's pool, and what a device does with them.

Module map: ``aggregates`` (the bounding and the SQL both engines share) → ``duckdb_engine`` / ``spark_engine``
(exact pre-noise counts) → ``mechanisms`` (OpenDP noise) and ``taste`` (shared embeddings) → ``build`` (one
signed release; ``budget`` refuses it past a lifetime budget) → ``verify`` / ``percentile`` (on the device).
``python -m linernotes.coop.release STORAGE`` builds a release without the server (see ``__main__``).
"""
