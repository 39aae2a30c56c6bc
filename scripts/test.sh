#!/usr/bin/env bash
# The test command (README): set-up, lint, type-check, then every test: unit tests under Pulumi mocks,
# real PostgreSQL, real promtool, the real Pulumi engine end to end. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# The Go-built toolchains (engine, control plane, Trivy) build side by side in the background while the
# virtualenv and the apt/pip tools install: the first cold run is dominated by them (scripts/go-tools.sh).
bash scripts/go-tools.sh &
go_tools=$!
bash scripts/venv.sh
bash scripts/tools.sh
wait "$go_tools"
source scripts/engine-env.sh
# The local Kubernetes control plane of tests/e2e/test_kube_local_stack.py (tools/kube: etcd, kube-apiserver,
# kube-controller-manager, kubectl from Go modules; 10-25 min once on 2 cores, cached outside the clone by version).
LAUNCHPAD_KUBE_BIN=$(bash tools/kube/ensure.sh | tail -1)
export LAUNCHPAD_KUBE_BIN
# The agents' log shipper of tests/collector (tools/otelcol: an OpenTelemetry Collector from Go modules).
LAUNCHPAD_OTELCOL=$(bash tools/otelcol/ensure.sh | tail -1)
export LAUNCHPAD_OTELCOL
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
