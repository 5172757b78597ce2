# Dagster webserver and daemon for the CSP warehouse (the project's uv lock, no dev tools).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY ingest/ ingest/
COPY orchestration/ orchestration/
COPY dbt_project/ dbt_project/
COPY seeds/ seeds/
COPY superset/provision.py superset/
COPY superset/assets/ superset/assets/
COPY superset/security/ superset/security/
RUN uv sync --frozen --no-dev
COPY docker/dagster/dagster.yaml /opt/dagster/home/dagster.yaml
ENV DAGSTER_HOME=/opt/dagster/home CSP_DATA_DIR=/data CSP_LANDING_DIR=/data/landing \
    CSP_WAREHOUSE_PATH=/data/warehouse.duckdb
EXPOSE 3000
CMD ["dagster-webserver", "-h", "0.0.0.0", "-p", "3000", "-m", "orchestration.definitions"]
