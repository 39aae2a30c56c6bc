#!/usr/bin/env bash
# Ensure the offline Pulumi engine toolchain exists; print its bin dir as the
# last line of stdout (progress goes to stderr):
#   BIN=$(tools/engine/ensure.sh | tail -1)
# Uses pulumi / pulumi-language-python / pulumi-resource-kubernetes from PATH
# when all three sit in one dir at the pinned versions; otherwise builds them
# from Go modules (tools/engine/{cli,langhost,kubernetes}) into
#   ${LAUNCHPAD_CACHE:-$HOME/.cache/agent-launchpad}/engine/<pulumi>-k8s<k8s>/bin
# once; later runs only check that the binaries are there.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"

log() { echo "engine: $*" >&2; }

sdk_ver_pkg=github.com/pulumi/pulumi/sdk/v3/go/common/version
k8s_ver_pkg=github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version

# 1. Already on PATH (a CI image, a developer's install, or env.sh)?
if p=$(command -v pulumi 2>/dev/null); then
    d=$(dirname "$p")
    if [ "$("$p" version 2>/dev/null)" = "$PULUMI_ENGINE_VERSION" ] &&
        [ -x "$d/pulumi-language-python" ] && [ -x "$d/pulumi-language-python-exec" ] &&
        [ -x "$d/pulumi-resource-pulumi-python" ] && [ -x "$d/pulumi-resource-kubernetes" ] &&
        grep -aqF -- "$K8S_PROVIDER_VERSION" "$d/pulumi-resource-kubernetes"; then
        # (-trimpath drops -ldflags from the build info, so look for the version
        # string the provider was linked with / carries in its embedded schema.)
        log "using $d (on PATH)"
        echo "$d"
        exit 0
    fi
fi

root="${LAUNCHPAD_CACHE:-$HOME/.cache/agent-launchpad}/engine/${PULUMI_ENGINE_VERSION#v}-k8s${K8S_PROVIDER_VERSION}"
bin="$root/bin"
need=(pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python
    pulumi-resource-kubernetes)

complete() {
    local f
    for f in "${need[@]}"; do [ -x "$bin/$f" ] || return 1; done
}

# 2. Already built?
if complete; then
    log "using $bin (cached)"
    echo "$bin"
    exit 0
fi

# 3. Build. Go's own module and build caches (GOMODCACHE/GOCACHE) stay at their
# defaults, outside the clone, so a second build is incremental.
command -v go >/dev/null || { log "go is required to build the engine"; exit 1; }
mkdir -p "$root"
work=$(mktemp -d "$root/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
start=$(date +%s)

log "building pulumi $PULUMI_ENGINE_VERSION (CLI, several minutes on 2 cores)"
cp -r "$here/cli" "$work/cli"
(cd "$work/cli" && go build -trimpath \
    -ldflags "-s -w -X $sdk_ver_pkg.Version=$PULUMI_ENGINE_VERSION" \
    -o "$work/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >&2

log "building pulumi-language-python (stand-in host, sdk/v3 $PULUMI_ENGINE_VERSION)"
cp -r "$here/langhost" "$work/langhost"
(cd "$work/langhost" && go build -trimpath \
    -ldflags "-s -w -X $sdk_ver_pkg.Version=$PULUMI_ENGINE_VERSION" \
    -o "$work/bin/pulumi-language-python" .) >&2

log "copying Python scripts from sdk/v3 $PULUMI_PY_SCRIPTS_VERSION"
sdkdir=$(cd "$work" && go mod download -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_PY_SCRIPTS_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$sdkdir" ] || { log "could not download sdk/v3@$PULUMI_PY_SCRIPTS_VERSION"; exit 1; }
install -m 0755 "$sdkdir/python/cmd/pulumi-language-python-exec" \
    "$sdkdir/python/dist/pulumi-resource-pulumi-python" "$work/bin/"

log "building pulumi-resource-kubernetes $K8S_PROVIDER_VERSION"
cp -r "$here/kubernetes" "$work/kubernetes"
provdir=$(cd "$work/kubernetes" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)
[ -d "$provdir" ] || (cd "$work/kubernetes" && go mod download github.com/pulumi/pulumi-kubernetes/provider/v4)
provdir=$(cd "$work/kubernetes" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)
# What the module's cmd/pulumi-resource-kubernetes/generate.go does: the schema
# with its version set, and the terraform mapping, both re-serialised compactly.
python3 - "$provdir/cmd/pulumi-resource-kubernetes" "$work/kubernetes" "$K8S_PROVIDER_VERSION" <<'PY'
import json, sys
src, dst, version = sys.argv[1:]
with open(f"{src}/schema.json") as f:
    schema = json.load(f)
schema["version"] = version
with open(f"{dst}/schema-embed.json", "w") as f:
    json.dump(schema, f, separators=(",", ":"))
with open(f"{src}/terraform-mapping.json") as f:
    mapping = json.load(f)
with open(f"{dst}/terraform-mapping-embed.json", "w") as f:
    json.dump(mapping, f, separators=(",", ":"))
PY
(cd "$work/kubernetes" && go build -trimpath \
    -ldflags "-s -w -X $k8s_ver_pkg.Version=$K8S_PROVIDER_VERSION" \
    -o "$work/bin/pulumi-resource-kubernetes" .) >&2

rm -rf "$bin"
mv "$work/bin" "$bin"
complete || { log "build finished but $bin is incomplete"; exit 1; }
log "built in $(($(date +%s) - start)) s into $bin:"
(cd "$bin" && du -h "${need[@]}") | sed 's/^/engine:   /' >&2
"$bin/pulumi" version | sed 's/^/engine:   pulumi /' >&2
echo "$bin"
