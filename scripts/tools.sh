#!/usr/bin/env bash
# Test tools that come from Debian rather than PyPI: promtool (Debian's `prometheus` package) checks and
# unit-tests the generated alert rules. Installed once; a machine that already has it skips this.
set -euo pipefail
if command -v promtool >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "promtool is missing: install Debian's 'prometheus' package (apt-get install prometheus)" >&2
  exit 1
fi
echo "installing promtool (Debian package prometheus)" >&2
apt-get update -qq >&2
# policy-rc.d in containers keeps the service from starting; only the promtool binary is used.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >&2
