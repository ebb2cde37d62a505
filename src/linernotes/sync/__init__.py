"""``linernotes sync``: fetch the listens a service recorded since the last sync and load them like an import.

``http`` is the polite client (timeouts, waits on 429, retries on 5xx, one-line errors); ``lastfm`` and
``listenbrainz`` page through each service's public API; ``run`` stages the pages as they come and loads them in
one transaction with the import's dedupe and ledger, saving where it stopped in the same transaction.
"""
