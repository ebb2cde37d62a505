"""Insights: SQL-first metrics over the ``plays`` view. Never parses files."""
