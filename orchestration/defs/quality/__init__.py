"""Data-quality checks beyond the dbt tests: reported after every build, never blocking."""
