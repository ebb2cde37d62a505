"""Enrichment from MusicBrainz: genres, country, begin year and type of the library's artists, and the first
release year of its recordings, fetched (opt-in, by ``linernotes enrich``) and kept in the library.

Only artist names and MusicBrainz ids leave the machine: never plays, times or counts. The service's rules are
kept (:mod:`linernotes.enrich.client`): at most one request per second, a User-Agent that names the tool,
``Retry-After`` obeyed. Everything fetched is stored as it arrives, so a second run asks only for what is not
known yet and an interrupted run loses at most the answer in flight.

Example::

    from linernotes import open_library
    with open_library("my.duckdb") as lib:
        plan = lib.enrichment_plan(limit=50)
        print(plan.requests())          # exactly what would be asked
        report = lib.enrich(plan)
"""
