#!/usr/bin/env bash
# Test tools outside the project's virtualenv, each installed once and skipped when present:
# - promtool (Debian's `prometheus` package) checks and unit-tests the generated alert rules;
# - prometheus and prometheus-alertmanager serve the collector's tests (tests/collector);
# - checkov (PyPI) scans the rendered manifests and Dockerfiles. It lives in a virtualenv of its own,
#   outside the clone and keyed by version: its pins clash with the project's (packaging<24);
# Trivy, like the engine and the control plane, is built from Go modules by scripts/go-tools.sh.
set -euo pipefail
CHECKOV_VERSION=3.3.30
cache="${LAUNCHPAD_CACHE:-$HOME/.cache/agent-launchpad}"

if ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "promtool is missing: install Debian's 'prometheus' package (apt-get install prometheus)" >&2
    exit 1
  fi
  echo "installing promtool (Debian package prometheus)" >&2
  apt-get update -qq >&2
  # policy-rc.d in containers keeps the service from starting; only the promtool binary is used.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >&2
fi

# The collector's tests run a real Prometheus (the same package) and Alertmanager (Debian's
# prometheus-alertmanager; its binary is `prometheus-alertmanager`). Bound to loopback by the tests; where
# systemd runs, postinst also starts the packaged services on their default ports, which the tests never use.
if ! command -v prometheus-alertmanager >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "prometheus-alertmanager is missing: apt-get install prometheus-alertmanager" >&2
    exit 1
  fi
  echo "installing Alertmanager (Debian package prometheus-alertmanager)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus-alertmanager >&2
fi

checkov_venv="$cache/checkov-venv"
if [ "$("$checkov_venv/bin/checkov" --version 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  echo "installing checkov $CHECKOV_VERSION into $checkov_venv" >&2
  python3 -m venv "$checkov_venv"
  "$checkov_venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" >&2
fi

