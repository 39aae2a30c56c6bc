#!/usr/bin/env bash
# Test tools outside the project's virtualenv, each installed once and skipped when present:
# - Debian packages, in one apt transaction: `prometheus` (promtool checks and unit-tests the generated alert
#   rules; the server answers the collector's queries), `prometheus-alertmanager` (posts the webhooks the
#   collector receives), `chromium` and `chromium-driver` (the dashboard's browser tests). Their services
#   never start here (no systemd; policy-rc.d in containers); tests run each binary on a free loopback port.
# - checkov (PyPI) scans the rendered manifests and Dockerfiles. It lives in a virtualenv of its own,
#   outside the clone and keyed by version: its pins clash with the project's (packaging<24);
# Trivy, like the engine and the control plane, is built from Go modules by scripts/go-tools.sh.
set -euo pipefail
CHECKOV_VERSION=3.3.30
cache="${LAUNCHPAD_CACHE:-$HOME/.cache/agent-launchpad}"

# command -> the Debian package that provides it
declare -A debian=([promtool]=prometheus [prometheus]=prometheus [prometheus-alertmanager]=prometheus-alertmanager
                   [chromium]=chromium [chromedriver]=chromium-driver)
missing=()
for cmd in "${!debian[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${debian[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (apt-get install --no-install-recommends ${missing[*]})" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq >&2
  # Another apt run (a second checkout's set-up) may hold the lock for a while: wait for it.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=600 "${missing[@]}" >&2
fi

checkov_venv="$cache/checkov-venv"
if [ "$("$checkov_venv/bin/checkov" --version 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  echo "installing checkov $CHECKOV_VERSION into $checkov_venv" >&2
  python3 -m venv "$checkov_venv"
  "$checkov_venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" >&2
fi

