"""Configuration from the environment (see docs/architecture.md, "Configuration")."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

#: The published demo key. It is NOT a secret: demo data is synthetic and the key is
#: documented so that demo pseudonyms are reproducible. Never use it for real data.
DEMO_PSEUDONYM_KEY = "csp-warehouse-demo-key-not-secret"


class ConfigError(RuntimeError):
    """Raised when the environment does not allow the requested operation."""


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Every path and switch of the warehouse, from the environment: the one home of the
    defaults. This module uses the standard library only, so Superset's own virtual
    environment can import it too (superset/serve.py, superset/provision.py)."""

    landing_dir: Path
    data_dir: Path
    warehouse_path: Path
    serving_path: Path
    pseudonym_key: str | None = None
    demo: bool = False
    seeds_dir: Path = REPO_ROOT / "seeds"
    history_dir: Path | None = None
    #: DuckDB's memory limit while loading files (`CSP_INGEST_MEMORY_LIMIT`, e.g. `2GB`):
    #: a large file's rows are staged in a temp table, which spills to disk beyond it
    ingest_memory_limit: str = "1GB"
    #: a CSV at least this large may take the bulk path (`ingest.bulk`; `CSP_BULK_MIN_BYTES`)
    bulk_min_bytes: int = 64 << 20

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """`CSP_DATA_DIR` (default `data`); `CSP_LANDING_DIR`, `CSP_WAREHOUSE_PATH` and
        `CSP_SERVING_PATH` default to `landing/`, `warehouse.duckdb` and `serving.duckdb`
        inside the data folder, so moving the data folder moves them all; `CSP_HISTORY_DIR`
        (the publish history) to `history/`."""
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("CSP_DATA_DIR") or "data")
        return cls(
            landing_dir=Path(env.get("CSP_LANDING_DIR") or data_dir / "landing"),
            data_dir=data_dir,
            warehouse_path=Path(env.get("CSP_WAREHOUSE_PATH") or data_dir / "warehouse.duckdb"),
            serving_path=Path(env.get("CSP_SERVING_PATH") or data_dir / "serving.duckdb"),
            pseudonym_key=env.get("CSP_PSEUDONYM_KEY") or None,
            demo=_truthy(env.get("CSP_DEMO")),
            seeds_dir=Path(env.get("CSP_SEEDS_DIR") or REPO_ROOT / "seeds"),
            history_dir=Path(env.get("CSP_HISTORY_DIR") or data_dir / "history"),
            ingest_memory_limit=env.get("CSP_INGEST_MEMORY_LIMIT") or "1GB",
            bulk_min_bytes=int(env.get("CSP_BULK_MIN_BYTES") or 64 << 20),
        )

    @property
    def publish_history_dir(self) -> Path:
        """Where every publish records the figures it published new or changed: outside the
        warehouse, so that a rebuild from landing keeps the figures as first published."""
        return Path(self.history_dir) if self.history_dir else Path(self.data_dir) / "history"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    def writable_data_dir(self) -> Path:
        """The data folder, created if needed; ConfigError naming it when it cannot be
        written, before anything is."""
        folder = Path(self.data_dir)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".csp-write-check-{os.getpid()}"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(
                f"the data folder {folder} is not writable ({exc.strerror or exc}): "
                "set CSP_DATA_DIR to a folder you can write"
            ) from None
        return folder

    def effective_pseudonym_key(self) -> bytes:
        """The HMAC key for person `_ref` fields; refuses outside demo mode without a key."""
        if self.pseudonym_key:
            return self.pseudonym_key.encode("utf-8")
        if self.demo:
            return DEMO_PSEUDONYM_KEY.encode("utf-8")
        raise ConfigError(
            "CSP_PSEUDONYM_KEY is not set: refusing to load person identifiers without a "
            "pseudonymisation key (set CSP_PSEUDONYM_KEY, or CSP_DEMO=1 for demo data only)"
        )
