"""Superset configuration for the CSP warehouse, read from the environment.

Loaded by Superset through SUPERSET_CONFIG_PATH (set by superset/serve.py, the tests
and docker-compose.yml).

Environment:
  SUPERSET_SECRET_KEY      required unless CSP_DEMO=1 (then a fixed, published demo key)
  SUPERSET_DATABASE_URI    metadata database; default SQLite at
                           $SUPERSET_HOME/superset.db ($CSP_DATA_DIR/superset/)
  CSP_DATA_DIR             data folder (default ./data), holding SUPERSET_HOME
                           ($CSP_DATA_DIR/superset/) by default
  SUPERSET_CACHE_SECONDS   chart result cache lifetime in seconds (default 86400; 0: no
                           result cache); the cache's keys name the serving file's
                           version, so a new serving file shows at once either way
  SUPERSET_SERVING_POOL    1 (default): chart and dashboard queries share each worker's
                           open serving file (superset/serving_pool.py); 0: every query
                           opens the file itself

The serving file is not configured here: its path comes from ingest.config.Settings
(CSP_SERVING_PATH), and superset/provision.py writes it into the csp_serving database's
URI.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import duckdb_engine
from sqlalchemy import event
from sqlalchemy.dialects.postgresql.base import PGIdentifierPreparer
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool
from superset.utils.log import DBEventLogger

# superset/ itself for serving_pool and serving_cache (Superset loads this file by path,
# not as a module of a package), and the repository for ingest.config; last on the path,
# so they shadow nothing of Superset's.
_HERE = Path(__file__).resolve().parent
for _path in (str(_HERE), str(_HERE.parent)):
    if _path not in sys.path:
        sys.path.append(_path)

from serving_pool import sqlalchemy_creator  # noqa: E402

from ingest.config import Settings  # noqa: E402

DEMO_SECRET_KEY = "csp-demo-not-secret-8c1f2e0a7d4b4e6c9a3b5d7f1e2c4a6b"  # noqa: S105

_demo = os.environ.get("CSP_DEMO") == "1"
_secret = os.environ.get("SUPERSET_SECRET_KEY", "")
if not _secret:
    if not _demo:
        raise RuntimeError(
            "SUPERSET_SECRET_KEY is not set. Set it (e.g. `openssl rand -base64 42`) "
            "or run in demo mode with CSP_DEMO=1."
        )
    _secret = DEMO_SECRET_KEY
SECRET_KEY = _secret

DATA_DIR_CSP = Path(os.environ.get("CSP_DATA_DIR", "data")).resolve()
SUPERSET_HOME = Path(os.environ.get("SUPERSET_HOME", DATA_DIR_CSP / "superset")).resolve()
SUPERSET_HOME.mkdir(parents=True, exist_ok=True)
DATA_DIR = str(SUPERSET_HOME)
UPLOAD_FOLDER = str(SUPERSET_HOME / "uploads") + "/"

SQLALCHEMY_DATABASE_URI = os.environ.get(
    "SUPERSET_DATABASE_URI", f"sqlite:///{SUPERSET_HOME / 'superset.db'}"
)
if SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
    # Several gunicorn threads write the metadata DB (logs, key-value): wait for the lock.
    # Connections are kept for the next request (SQLAlchemy 1.4 opens a file database per
    # checkout, and a new SQLite connection reads the whole schema again: some 5 ms).
    SQLALCHEMY_ENGINE_OPTIONS = {
        "connect_args": {"timeout": 30, "check_same_thread": False},
        "poolclass": QueuePool,
        "pool_size": 8,
        "max_overflow": 8,
    }

    @event.listens_for(Engine, "connect")
    def _sqlite_wal(dbapi_connection: Any, connection_record: Any) -> None:
        """The SQLite metadata DB in WAL mode, synchronous=NORMAL: a commit (every request
        writes its event log row) appends to the log without waiting for the disk (some
        20 ms each on a busy disk), readers never wait for a writer, and a crash loses at
        most the last commits, never the database's consistency. (Postgres, as in
        docker-compose.yml, is not touched.)"""
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")


# Roles, users and row-level security are provisioned through the REST API.
FAB_ADD_SECURITY_API = True

FEATURE_FLAGS = {
    "DASHBOARD_RBAC": False,
    "ENABLE_TEMPLATE_PROCESSING": False,
    "DASHBOARD_CROSS_FILTERS": True,
    "DRILL_TO_DETAIL": True,
    "THUMBNAILS": False,
    "ALERT_REPORTS": False,
}

# Chart results are cached in each worker (superset/serving_cache.py) under keys that name
# the serving file's version, so a publish (a new file renamed over it) is shown by the next
# query all the same, and Superset's keys carry the row-level security of the asker. A cached
# call skips building, running and post-processing the query: a national chart in ~40 ms
# instead of ~100-700 ms (README, Benchmarks). SUPERSET_CACHE_SECONDS=0 turns it off.
_cache_seconds = int(os.environ.get("SUPERSET_CACHE_SECONDS", "86400"))
if _cache_seconds > 0:
    DATA_CACHE_CONFIG = {
        "CACHE_TYPE": "serving_cache.ServingFileCache",
        "CACHE_DEFAULT_TIMEOUT": _cache_seconds,
        "CACHE_KEY_PREFIX": "csp_data_",
        "CACHE_THRESHOLD": 200,
        "CACHE_OPTIONS": {"serving_path": str(Settings.from_env().serving_path.resolve())},
    }
else:
    DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}
EXPLORE_FORM_DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}

# Served on 127.0.0.1 locally: no HTTPS, so no Talisman HSTS/CSP headers.
TALISMAN_ENABLED = os.environ.get("TALISMAN_ENABLED", "false").lower() == "true"
CONTENT_SECURITY_POLICY_WARNING = False
WTF_CSRF_ENABLED = True
ENABLE_PROXY_FIX = os.environ.get("SUPERSET_PROXY_FIX", "false").lower() == "true"
# The REST API is used by the provisioning client and the tests from one address.
RATELIMIT_ENABLED = False
AUTH_RATE_LIMITED = False

SQLLAB_TIMEOUT = 60
SUPERSET_WEBSERVER_TIMEOUT = 60
ROW_LIMIT = 50000
SQL_MAX_ROW = 100000
SHOW_STACKTRACE = False

# Every DuckDB connection is read-only with external access disabled and the
# configuration locked, whatever the database's extra says: SQL Lab can read the
# serving file's tables and nothing else (no read_csv, ATTACH, COPY, INSTALL, SET).
DUCKDB_SAFE_CONFIG = {"enable_external_access": False, "lock_configuration": True}

# Superset makes a new engine with a NullPool for every query, so each query opened the
# serving file anew (some 70 ms of a chart's time). Chart, dashboard and API queries get
# a new connection to the worker's already open serving file instead
# (superset/serving_pool.py), reopened as soon as a publish has replaced the file. SQL Lab
# keeps opening the file for each query: an analyst's statements never run in the
# database the dashboards read.
SERVING_POOL = os.environ.get("SUPERSET_SERVING_POOL", "1") != "0"


class _DuckDBPreparer(duckdb_engine.DuckDBIdentifierPreparer):
    """duckdb_engine asks DuckDB for its reserved words each time a dialect is made, and
    Superset makes an engine, so a dialect, for every step of a query (six a chart, some
    3 ms each on a busy machine). The words go into the set every PostgreSQL-style
    preparer shares, so asking once per process gives every later dialect the same."""

    _asked = False

    def __init__(self, dialect: Any, **kwargs: Any) -> None:
        if _DuckDBPreparer._asked:
            PGIdentifierPreparer.__init__(self, dialect, **kwargs)
        else:
            super().__init__(dialect, **kwargs)
            _DuckDBPreparer._asked = True


duckdb_engine.Dialect.preparer = _DuckDBPreparer


def _pooled(uri: Any, source: Any) -> bool:
    return (
        SERVING_POOL
        and getattr(source, "name", None) != "SQL_LAB"
        and not uri.query
        and bool(uri.database)
        and uri.database != ":memory:"
        and not uri.database.startswith("md:")
    )


def DB_CONNECTION_MUTATOR(  # noqa: N802
    uri: Any, params: dict[str, Any], username: Any, security_manager: Any, source: Any
) -> tuple[Any, dict[str, Any]]:
    if uri.drivername.startswith("duckdb"):
        connect_args = dict(params.get("connect_args") or {})
        connect_args["read_only"] = True
        config = dict(connect_args.get("config") or {})
        config.update(DUCKDB_SAFE_CONFIG)
        connect_args["config"] = config
        params = {**params, "connect_args": connect_args}
        if _pooled(uri, source):
            # The user agent names the request's source: not a property of the database.
            settings = {
                k: v
                for k, v in config.items()
                if k not in DUCKDB_SAFE_CONFIG and k != "custom_user_agent"
            }
            params["creator"] = sqlalchemy_creator(uri.database, settings, DUCKDB_SAFE_CONFIG)
    return uri, params


class RequestEventLogger(DBEventLogger):
    """Superset's event log (the metadata DB's `logs` table), one row per request: who
    asked for which chart or dashboard, and how long it took. The steps inside a chart-data
    request (running the SQL, building the data frame, post-processing, serialising), five
    more rows and commits on every chart, are not written."""

    STEPS = frozenset(
        {
            "execute_sql",
            "load_into_dataframe",
            "fetch_rows",
            "_get_data_response",
            "ChartDataRestApi.json_dumps",
            "QueryObject.post_processing",
        }
    )

    def log_with_context(self, action: str, *args: Any, **kwargs: Any) -> None:
        if action in self.STEPS:
            return
        super().log_with_context(action, *args, **kwargs)


EVENT_LOGGER = RequestEventLogger()

LOG_LEVEL = os.environ.get("SUPERSET_LOG_LEVEL", "WARNING")
APP_NAME = "Community Safety Partnership"
