"""Dagster definitions, grouped by folder: ``ingest/``, ``dbt/``, ``publish/``."""
