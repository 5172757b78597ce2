"""Whether ``csp build`` has anything to build: nothing new since its last good build.

After a build that published and finished without a failure, ``$CSP_DATA_DIR/.last-build.json``
records what it was built from and what it left:

- ``inputs``: a hash of everything besides the warehouse's rows that decides what dbt and the
  publish produce: every file of the dbt project and its seeds, the Python of ``ingest/`` and
  ``orchestration/``, ``uv.lock`` (the versions of dbt, DuckDB, Dagster), the status day
  (``$CSP_AS_OF``, else today: ``source_status`` and the build's month follow it), the dbt
  target, and the warehouse, serving and history paths;
- ``code``, ``status_day``, ``history_month``: the same inputs apart, the code (everything
  but the status day) and the day and month the build judged on;
- ``files``: the warehouse and the serving file as they were when it ended (size,
  modification time, inode) and the publish history folder's files.

The next build compares before it loads anything: the same inputs, the warehouse and the
serving file untouched since (no ``csp load``, no other run, no hand edit), the same history
and a complete docs site; then, when its ingest loaded no file (already-loaded files and
rejected ones change no raw row), dbt, the publish, Superset's refresh and the docs would
reproduce what is published: the job is not run and the summary says so. ``csp build
--force`` runs it anyway. The record is removed before any job runs, so a build that fails or
dies leaves none and the next one builds.

When files were loaded but nothing else changed (the same code and history month, the
warehouse, serving file and history untouched since), what the new rows can change is known:
``increment_of`` says so, and the build runs only the assets downstream of the sources that
received them (``orchestration.increment``).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

from ingest.config import REPO_ROOT, Settings

STATE_FILE = ".last-build.json"
#: The Python packages whose source decides what a build produces.
CODE_DIRS = ("ingest", "orchestration")


def state_path(data_dir: Path) -> Path:
    return Path(data_dir) / STATE_FILE


def _stamp(path: Path) -> list[int] | None:
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _files_under(path: Path, pattern: str = "*") -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(
            p for p in path.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts
        )
    return []


def status_day(env: dict[str, str] | None = None, today: date | None = None) -> str:
    """The day ``source_status`` judges on: ``$CSP_AS_OF``, else today."""
    env = os.environ if env is None else env
    return (env.get("CSP_AS_OF") or "").strip() or (today or date.today()).isoformat()


def history_month(env: dict[str, str] | None = None, today: date | None = None) -> str:
    """The last month of the warehouse's history, ``YYYY-MM``: that of today or of the status
    day, whichever is later (dbt's ``history_end()``)."""
    return max(status_day(env, today), (today or date.today()).isoformat())[:7]


def build_code(
    settings: Settings,
    project_dir: Path,
    repo_root: Path = REPO_ROOT,
    env: dict[str, str] | None = None,
) -> str:
    """The hash of a build's inputs other than the warehouse's rows and the status day."""
    from orchestration.defs.common import dbt_source_paths as _source_paths

    env = os.environ if env is None else env
    digest = hashlib.sha256()
    facts = {
        "dbt_target": env.get("CSP_DBT_TARGET") or "",
        "warehouse": str(Path(settings.warehouse_path).resolve()),
        "serving": str(Path(settings.serving_path).resolve()),
        "history": str(Path(settings.publish_history_dir).resolve()),
        "project": str(Path(project_dir).resolve()),
        "dbt-core": metadata.version("dbt-core"),
    }
    digest.update(json.dumps(facts, sort_keys=True).encode())
    files: set[Path] = set()
    for path in _source_paths(Path(project_dir)):
        files.update(_files_under(path))
    for name in CODE_DIRS:
        files.update(_files_under(Path(repo_root) / name, "*.py"))
    files.update(_files_under(Path(repo_root) / "uv.lock"))
    for path in sorted(files):
        digest.update(f"{path.resolve()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def build_inputs(
    settings: Settings,
    project_dir: Path,
    repo_root: Path = REPO_ROOT,
    env: dict[str, str] | None = None,
    today: date | None = None,
) -> str:
    """The hash of a build's inputs other than the warehouse's rows (see the module)."""
    return inputs_hash(build_code(settings, project_dir, repo_root, env), status_day(env, today))


def inputs_hash(code: str, day: str) -> str:
    """``build_inputs`` from its parts: ``build_code`` and the status day."""
    return hashlib.sha256(f"{code}\0{day}".encode()).hexdigest()


def snapshot(settings: Settings, docs_files: list[Path]) -> dict[str, Any]:
    """The warehouse, the serving file, the history folder and the docs site as they are."""
    history = Path(settings.publish_history_dir)
    return {
        "warehouse": _stamp(settings.warehouse_path),
        # a commit not yet checkpointed (a writer killed after it) is only in the WAL
        "warehouse_wal": _stamp(Path(f"{settings.warehouse_path}.wal")),
        "serving": _stamp(settings.serving_path),
        "history": {p.name: _stamp(p) for p in _files_under(history)},
        "docs": all(p.is_file() for p in docs_files),
    }


@dataclass(frozen=True)
class LastBuild:
    inputs: str
    files: dict[str, Any]
    finished_at: str
    serving_rows: dict[str, int]
    docs: str | None
    #: ``build_code``, ``status_day`` and ``history_month`` of that build (None: a record
    #: from before they were kept)
    code: str | None = None
    status_day: str | None = None
    history_month: str | None = None

    def changed(self, inputs: str, files: dict[str, Any]) -> str | None:
        """What changed since this build, for people; None when nothing did."""
        if inputs != self.inputs:
            return "the dbt project, the code, the status day or the configuration changed"
        return self.files_changed(files)

    def files_changed(self, files: dict[str, Any]) -> str | None:
        """What was written since this build besides by this one (``snapshot``), for people."""
        for key, what in (
            ("warehouse", "the warehouse was written since"),
            ("warehouse_wal", "the warehouse was written since"),
            ("serving", "the serving file changed since"),
            ("history", "the publish history changed since"),
        ):
            if files.get(key) != self.files.get(key):
                return what
        if not files.get("docs"):
            return "the docs site is incomplete"
        return None


@dataclass(frozen=True)
class Increment:
    """What a build may leave as it is: all but what its new files change."""

    #: the status day is another of the same history month: the models that read it
    #: (dbt tag ``status_day``) are rebuilt too
    status_day_moved: bool


def increment_of(
    last: LastBuild | None, code: str, day: str, month: str, files: dict[str, Any]
) -> Increment | None:
    """An ``Increment`` when everything but the rows this build loads is what ``last`` built
    from and left (the same code and history month; the warehouse, the serving file and the
    history as it left them, ``files`` being their ``snapshot`` before this build's ingest);
    else None: the whole project is built."""
    if last is None or last.code is None or last.code != code:
        return None
    if last.history_month != month or last.files_changed(files) is not None:
        return None
    return Increment(status_day_moved=last.status_day != day)


def read_last_build(data_dir: Path) -> LastBuild | None:
    try:
        raw = json.loads(state_path(data_dir).read_text())
        return LastBuild(
            inputs=raw["inputs"],
            files=raw["files"],
            finished_at=raw["finished_at"],
            serving_rows={str(k): int(v) for k, v in raw["serving_rows"].items()},
            docs=raw.get("docs"),
            code=raw.get("code"),
            status_day=raw.get("status_day"),
            history_month=raw.get("history_month"),
        )
    except (FileNotFoundError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_last_build(data_dir: Path, last: LastBuild) -> None:
    path = state_path(data_dir)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps(
            {
                "inputs": last.inputs,
                "files": last.files,
                "finished_at": last.finished_at,
                "serving_rows": last.serving_rows,
                "docs": last.docs,
                "code": last.code,
                "status_day": last.status_day,
                "history_month": last.history_month,
            },
            indent=2,
        )
    )
    os.replace(tmp, path)


def forget_last_build(data_dir: Path) -> None:
    state_path(data_dir).unlink(missing_ok=True)
