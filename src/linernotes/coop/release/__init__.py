"""Building differentially private population releases from the cooperative's pool: server code.

Module map: ``aggregates`` (the bounding and the SQL both engines share) → ``duckdb_engine`` / ``spark_engine``
(exact pre-noise counts) → ``mechanisms`` (OpenDP noise) and ``taste`` (shared embeddings) → ``build`` (one
signed release of :mod:`linernotes.coop.release_format`; ``budget`` refuses it past a lifetime budget). Needs the
``coop-server`` extra (OpenDP; Spark for ``spark_engine``). The device verifies and reads a release with
:mod:`linernotes.coop.crowd`, which imports nothing from here.
``python -m linernotes.coop.release STORAGE`` builds a release without the server (see ``__main__``).
"""
