#!/usr/bin/env bash
# The test command (README): set-up, lint, type-check, then every test: unit tests under Pulumi mocks,
# real PostgreSQL, real promtool, the real Pulumi engine end to end. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
bash scripts/tools.sh
source scripts/engine-env.sh
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
