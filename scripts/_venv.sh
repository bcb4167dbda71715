# Sourced by scripts/demo and scripts/test: makes .venv with entragit installed (editable).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
if [ ! -x "$ROOT/.venv/bin/python" ]; then
  "$PY" -m venv "$ROOT/.venv"
fi
# Reinstall only when pyproject.toml changed since the last install.
STAMP="$ROOT/.venv/.entragit-installed-$1"
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ]; then
  "$ROOT/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT$2"
  touch "$STAMP"
fi
