"""Insights: SQL-first metrics over the ``plays`` view, one module per registered insight (named after it), each
with the SQL, scope handling and model caching of the models it shows. Never parses files. The machinery that
finds and runs them is :mod:`linernotes.engine`; the models they use are :mod:`linernotes.models`."""
