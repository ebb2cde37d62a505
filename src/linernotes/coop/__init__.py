"""The cooperative: opt-in pooling of minimised, consented data; only differentially private results come back.

``contract`` is the long-lived agreement between the device, the server and the release engines: which metrics
a contribution carries, their published bounds and histogram bins, the Parquet schema of a stored contribution
and where the pool keeps it. Change it only on purpose: old releases and stored packages are read against it.
"""
