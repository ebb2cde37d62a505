"""The cooperative: opt-in pooling of minimised, consented data; only differentially private results come back.

Shared by the device and the server: ``contract`` (the long-lived agreement: which metrics a contribution
carries, their published bounds and histogram bins, the Parquet schema of a stored contribution and where the
pool keeps it), ``release_format`` (what a signed release holds), ``wire`` (a contribution's JSON), ``signing``
and ``terms``. Change ``contract`` and ``release_format`` only on purpose: old releases and stored packages are
read against them.

On the person's device (a plain install): ``metrics`` (their own values), ``client`` (joining, contributing,
syncing a release), ``crowd`` (verifying the release and placing the person in it) and ``sidecars`` (the files
kept beside the library). On the server (the ``coop-server`` extra): ``server`` and ``release`` (building the
differentially private releases). Device code never imports server code.
"""
