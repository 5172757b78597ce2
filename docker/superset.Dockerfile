# Superset for the CSP warehouse: its own venv from superset/requirements.lock (the same
# lock and install script as `make up`), the assets and the provisioning client.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    SUPERSET_VENV=/opt/superset-venv UV=/usr/local/bin/uv
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY superset/requirements.lock superset/install.sh superset/
RUN bash superset/install.sh && rm -rf /root/.cache
COPY superset/ superset/
# serve.py and provision.py take the serving path from the one place that derives it.
COPY ingest/__init__.py ingest/config.py ingest/
ENV CSP_DATA_DIR=/data SUPERSET_HOST=0.0.0.0 SUPERSET_PORT=8088
EXPOSE 8088
CMD ["python", "superset/serve.py", "--no-install"]
