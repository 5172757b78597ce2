#!/usr/bin/env bash
# Install Superset's own virtual environment at superset/.venv from the pinned lock.
# Idempotent: does nothing when the venv already matches requirements.lock.
# Needs only Python 3.11 and access to PyPI. Usage: superset/install.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PYTHON="${PYTHON:-python3.11}"
VENV="${SUPERSET_VENV:-$HERE/.venv}"
LOCK="$HERE/requirements.lock"
STAMP="$VENV/.lock.sha256"

want="$(sha256sum "$LOCK" | cut -d' ' -f1)"
if [[ -x "$VENV/bin/superset" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
  exit 0
fi

# uv: $UV, the project's tool folder, PATH, or a private copy installed with pip.
UV="${UV:-}"
if [[ -z "$UV" ]]; then
  if [[ -x "$ROOT/.tools/bin/uv" ]]; then UV="$ROOT/.tools/bin/uv"
  elif command -v uv >/dev/null 2>&1; then UV="$(command -v uv)"
  else
    tools="${XDG_CACHE_HOME:-$HOME/.cache}/csp-superset-uv"
    [[ -x "$tools/bin/uv" ]] || {
      "$PYTHON" -m venv "$tools"
      "$tools/bin/pip" install --quiet --disable-pip-version-check uv==0.13.9
    }
    UV="$tools/bin/uv"
  fi
fi

echo "Installing Superset into $VENV (from $(basename "$LOCK"))..."
start=$(date +%s)
[[ -x "$VENV/bin/python" ]] || "$UV" venv --quiet --python "$PYTHON" "$VENV"
"$UV" pip sync --quiet --python "$VENV/bin/python" "$LOCK"
echo "$want" > "$STAMP"
echo "Superset installed in $(( $(date +%s) - start ))s"
