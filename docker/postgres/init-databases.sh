#!/usr/bin/env bash
# Creates the metadata databases of Dagster and Superset on the first start of Postgres.
set -euo pipefail
for db in "${DAGSTER_POSTGRES_DB:-dagster}" "${SUPERSET_POSTGRES_DB:-superset}"; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
SELECT 'CREATE DATABASE "$db"' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db')\gexec
SQL
done
