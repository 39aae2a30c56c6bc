#!/usr/bin/env bash
# Ensure the agents' log shipper exists; print its path as the last line of stdout (progress goes to stderr):
#   OTELCOL=$(tools/otelcol/ensure.sh | tail -1)
#   tools/otelcol/ensure.sh --no-build     # only find it: exit 1 when it is not built
# An OpenTelemetry Collector with the file_log receiver, the file_storage extension and the otlp_http exporter
# (main.go; versions pinned in go.mod), built from the Go module proxy into
#   ${LAUNCHPAD_CACHE:-$HOME/.cache/agent-launchpad}/otelcol/<version>-<hash of the module>/bin/launchpad-otelcol
# once (about 7 minutes on 2 busy cores); later runs only check the binary is there.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { echo "otelcol: $*" >&2; }

version=$(sed -n 's/^[[:space:]]*go\.opentelemetry\.io\/collector\/otelcol v\([0-9.]*\)$/\1/p' "$here/go.mod")
[ -n "$version" ] || { log "no go.opentelemetry.io/collector/otelcol version in $here/go.mod"; exit 1; }
key=$(cd "$here" && cat go.mod go.sum main.go | sha256sum | cut -c1-8)
root="${LAUNCHPAD_CACHE:-$HOME/.cache/agent-launchpad}/otelcol/$version-$key"
bin="$root/bin/launchpad-otelcol"

if [ -x "$bin" ]; then
    log "using $bin (cached)"
    echo "$bin"
    exit 0
fi
if [ "${1:-}" = "--no-build" ]; then
    log "not built yet: run tools/otelcol/ensure.sh"
    exit 1
fi

command -v go >/dev/null || { log "go is required to build the log shipper"; exit 1; }
mkdir -p "$root"
work=$(mktemp -d "$root/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
log "building the log shipper (OpenTelemetry Collector $version) from Go modules"
(cd "$here" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS='-mod=readonly -buildvcs=false' go build -trimpath \
    -ldflags "-s -w" -o "$work/launchpad-otelcol" .) >&2
"$work/launchpad-otelcol" --version >/dev/null || { log "the build does not run"; exit 1; }
mkdir -p "$root/bin"
mv "$work/launchpad-otelcol" "$bin"
log "built in $(($(date +%s) - start)) s: $bin ($(du -h "$bin" | cut -f1))"
echo "$bin"
