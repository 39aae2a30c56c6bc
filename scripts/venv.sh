#!/usr/bin/env bash
# Create or refresh the project's virtualenv (.venv, the one Pulumi.yaml names). Re-installs only when the
# requirement files changed: their hash is kept inside the venv.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)
if [ -x .venv/bin/python ] && [ "$(cat .venv/.requirements-hash 2>/dev/null)" = "$want" ]; then
  exit 0
fi
echo "setting up .venv (python: $(python3 --version 2>&1))" >&2
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt >&2
echo "$want" > .venv/.requirements-hash
