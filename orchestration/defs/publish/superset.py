"""The ``superset_dashboards`` asset: refresh Superset after each publish.

Runs ``superset/provision.py --refresh --if-running`` with Superset's own interpreter
(``$SUPERSET_VENV/bin/python``, default ``superset/.venv``) in a subprocess: the datasets
re-read their columns from the new serving file and cached chart results are dropped.
Superset is reached at ``$SUPERSET_URL`` or ``http://127.0.0.1:$SUPERSET_PORT`` (8088).

When Superset is not running (``--if-running`` exits 0 without doing anything) or its
virtual environment is not installed, the asset succeeds with the result
"Superset not running: skipped": a build never fails because the dashboards are down. A
Superset that answers but cannot be refreshed (login refused, API error) fails the asset.
"""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.defs.common import PUBLISH_GROUP, SUPERSET_ASSET

REPO_ROOT = Path(__file__).resolve().parents[3]
SUPERSET_DIR = REPO_ROOT / "superset"
PROVISION = SUPERSET_DIR / "provision.py"
SKIPPED = "Superset not running: skipped"
#: What provision.py prints with --if-running when /health does not answer.
NOT_RUNNING_MARKER = "Superset not running"
REFRESH_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class RefreshResult:
    status: str  # "refreshed" | "skipped" | "failed"
    result: str  # one line for people: SKIPPED, "Superset datasets refreshed", the error
    url: str
    returncode: int | None
    output: str


def superset_url(env: dict[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("SUPERSET_URL") or f"http://127.0.0.1:{env.get('SUPERSET_PORT') or '8088'}"


def superset_python(env: dict[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("SUPERSET_VENV") or SUPERSET_DIR / ".venv") / "bin" / "python"


def _child_env(env: dict[str, str]) -> dict[str, str]:
    child = dict(env)
    # Superset's interpreter with its own packages: keep the project's venv out of the way.
    child.pop("VIRTUAL_ENV", None)
    child.pop("PYTHONPATH", None)
    child.pop("PYTHONHOME", None)
    return child


def refresh_superset(
    env: dict[str, str] | None = None, timeout: float = REFRESH_TIMEOUT_SECONDS
) -> RefreshResult:
    """Run ``provision.py --refresh --if-running``; never raises for a Superset that is down."""
    env = dict(os.environ if env is None else env)
    url = superset_url(env)
    python = superset_python(env)
    if not python.is_file():
        return RefreshResult(
            "skipped", SKIPPED, url, None, f"no Superset virtual environment at {python}"
        )
    command = [str(python), str(PROVISION), "--refresh", "--if-running", "--url", url]
    try:
        proc = subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=_child_env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or "") if isinstance(exc.stdout, str) else ""
        return RefreshResult(
            "failed", f"Superset refresh timed out after {timeout:.0f} s", url, None, output
        )
    except OSError as exc:
        return RefreshResult("skipped", SKIPPED, url, None, f"cannot run {python}: {exc}")
    output = "\n".join(part.strip() for part in (proc.stdout, proc.stderr) if part.strip())
    if proc.returncode != 0:
        last = output.splitlines()[-1] if output else ""
        return RefreshResult(
            "failed",
            f"Superset refresh failed (exit {proc.returncode}): {last}",
            url,
            proc.returncode,
            output,
        )
    if NOT_RUNNING_MARKER in proc.stdout:
        return RefreshResult("skipped", SKIPPED, url, 0, output)
    return RefreshResult("refreshed", "Superset datasets refreshed", url, 0, output)


def build_superset_asset() -> dg.AssetsDefinition:
    """The ``superset_dashboards`` asset (group ``publish``), downstream of ``serving``."""

    @dg.asset(
        key=SUPERSET_ASSET,
        group_name=PUBLISH_GROUP,
        deps=[dg.AssetKey("serving")],
        kinds={"superset"},
        description=(
            "Superset's dashboards on the serving file: after each publish, "
            "`superset/provision.py --refresh --if-running` refreshes the datasets and drops "
            f"cached results. Superset not running: succeeds with '{SKIPPED}'."
        ),
    )
    def superset_dashboards(context: AssetExecutionContext) -> dg.MaterializeResult:
        result = refresh_superset()
        metadata = {
            "result": result.result,
            "status": result.status,
            "url": dg.MetadataValue.url(result.url),
            "returncode": result.returncode,
            "output": dg.MetadataValue.text(result.output),
        }
        if result.status == "failed":
            raise dg.Failure(description=result.result, metadata=metadata)
        context.log.info(f"{result.result} ({result.url})")
        return dg.MaterializeResult(metadata=metadata)

    return superset_dashboards
