#!/usr/bin/env bash
# Ensure a Trivy at the pinned version exists; print its path as the last line
# of stdout (progress goes to stderr):
#   TRIVY=$(tools/trivy/ensure.sh | tail -1)
# Uses `trivy` from PATH when it reports the pinned version; otherwise builds
# github.com/aquasecurity/trivy/cmd/trivy from the Go module proxy (the `tool`
# line of tools/trivy/go.mod) into
#   ${LAUNCHPAD_CACHE:-$HOME/.cache/agent-launchpad}/trivy/<version>/bin/trivy
# once; later runs only check that the binary is there. launchpad.scan finds the
# same path when no trivy is on PATH (launchpad/scan/trivy.py, TRIVY_VERSION).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { echo "trivy: $*" >&2; }

# The one place the version is written: the require line of go.mod.
version=$(sed -n 's/^[[:space:]]*github\.com\/aquasecurity\/trivy v\([0-9.]*\)\( .*\)\{0,1\}$/\1/p' "$here/go.mod")
[ -n "$version" ] || { log "no github.com/aquasecurity/trivy version in $here/go.mod"; exit 1; }

reports() { "$1" --version 2>/dev/null | head -1 | grep -qx "Version: $version"; }

# 1. Already on PATH (a CI image, a developer's install)?
if p=$(command -v trivy 2>/dev/null) && reports "$p"; then
    log "using $p (on PATH)"
    echo "$p"
    exit 0
fi

root="${LAUNCHPAD_CACHE:-$HOME/.cache/agent-launchpad}/trivy/$version"
bin="$root/bin/trivy"

# 2. Already built?
if [ -x "$bin" ] && reports "$bin"; then
    log "using $bin (cached)"
    echo "$bin"
    exit 0
fi

# 3. Build. Trivy v0.74.0 needs go >= 1.26.3 with the jsonv2 experiment and does
# not build with go 1.27 (`undefined: json.SkipFunc`): never let go switch
# toolchains behind our back. Go's module and build caches stay at their
# defaults, outside the clone, so a rebuild is incremental.
command -v go >/dev/null || { log "go (>= 1.26.3, < 1.27) is required to build trivy"; exit 1; }
mkdir -p "$root"
work=$(mktemp -d "$root/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
log "building trivy $version from Go modules (about 6 min on 2 cores)"
(cd "$here" && GOTOOLCHAIN=local CGO_ENABLED=0 GOEXPERIMENT=jsonv2 GOFLAGS='-mod=readonly -buildvcs=false' go build -trimpath \
    -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=$version" \
    -o "$work/trivy" github.com/aquasecurity/trivy/cmd/trivy) >&2
reports "$work/trivy" || { log "the build does not report version $version"; exit 1; }
mkdir -p "$root/bin"
mv "$work/trivy" "$bin"
log "built in $(($(date +%s) - start)) s: $bin ($(du -h "$bin" | cut -f1))"
echo "$bin"
