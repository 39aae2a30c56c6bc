#!/usr/bin/env bash
# The toolchains built from Go modules, side by side: the Pulumi engine (tools/engine), the local
# Kubernetes control plane (tools/kube), Trivy (tools/trivy) and the log shipper (tools/otelcol, an
# OpenTelemetry Collector). Each ensure.sh returns at once when its
# cache (outside the clone, keyed by version) is complete, so a warm run costs nothing.
#
# Why in parallel: on a cold 2-core machine the three builds are ~40 minutes one after the other, and a good
# part of that is not compiling on both cores: module downloads wait on the network, and each link step
# (binaries of 100-300 MB) runs on one core. Side by side, one build's downloads and links overlap another's
# compiles. Each build writes into its own temp dir and moves it into place, so they cannot see each other's
# half-written output; Go's module and build caches are safe to share between concurrent builds.
set -euo pipefail
cd "$(dirname "$0")/.."

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
declare -A pids=()
for tool in engine kube trivy otelcol; do
    bash "tools/$tool/ensure.sh" >"$logs/$tool.out" 2>"$logs/$tool.err" &
    pids[$tool]=$!
done

failed=0
for tool in engine kube trivy otelcol; do
    if wait "${pids[$tool]}"; then
        # One line each: which toolchain, and whether it came from the cache or was built (with its time).
        grep -E "using|built" "$logs/$tool.err" | tail -1 >&2 || true
    else
        failed=1
        echo "tools/$tool/ensure.sh failed; its last lines:" >&2
        tail -n 40 "$logs/$tool.err" >&2
    fi
done
exit "$failed"
