#!/usr/bin/env bash
# Ensure the offline Pulumi engine toolchain exists; print its bin dir as the
# last line of stdout (progress goes to stderr):
#   BIN=$(tools/engine/ensure.sh | tail -1)
# Uses pulumi / pulumi-language-python / pulumi-resource-kubernetes from PATH
# when all three sit in one dir at the pinned versions and the language host is
# this checkout's; otherwise builds them from Go modules
# (tools/engine/{cli,langhost,kubernetes}) into
#   ${LAUNCHPAD_CACHE:-$HOME/.cache/agent-launchpad}/engine/<pulumi>-k8s<k8s>/bin
# once (keyed by version: ~17 min cold), then the directory printed:
#   .../engine/<pulumi>-k8s<k8s>/plugins-<key>
# keyed by the language host's own sources (langhost/*: one small build, seconds
# with Go's build cache warm): the engine and providers of bin/ (hard links), this
# checkout's language host, and wrappers that run the two provider plugins under
# it (`--guard`), so that nothing outlives a killed engine (langhost/enginewatch.go).
# Later runs only check that the files are there.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"

log() { echo "engine: $*" >&2; }

sdk_ver_pkg=github.com/pulumi/pulumi/sdk/v3/go/common/version
k8s_ver_pkg=github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version

# The language host's key: its sources, the SDK it is built against, and the
# wrappers below (this file's GUARDED list and wrapper text).
GUARDED=(pulumi-resource-kubernetes pulumi-resource-pulumi-python)
wrapper() { # wrapper PLUGIN: run bin/PLUGIN under this directory's language host
    printf '#!/bin/sh\n# %s under the language host, which ends it with the engine (tools/engine/ensure.sh).\n' "$1"
    printf 'exec "$(dirname "$0")/pulumi-language-python" --guard "%s" "$@"\n' "$bin/$1"
}
plugins_key=$(cd "$here" && { cat langhost/go.mod langhost/go.sum langhost/*.go versions.sh; declare -f wrapper
    echo "${GUARDED[*]}"; } | sha256sum | cut -c1-12)

# 1. Already on PATH (a CI image, a developer's install, or env.sh)?
if p=$(command -v pulumi 2>/dev/null); then
    d=$(dirname "$p")
    if [ "$("$p" version 2>/dev/null)" = "$PULUMI_ENGINE_VERSION" ] &&
        [ -x "$d/pulumi-language-python" ] && [ -x "$d/pulumi-language-python-exec" ] &&
        [ -x "$d/pulumi-resource-pulumi-python" ] && [ -x "$d/pulumi-resource-kubernetes" ] &&
        [ "$("$d/pulumi-language-python" --source-key 2>/dev/null)" = "$plugins_key" ]; then
        log "using $d (on PATH)"
        echo "$d"
        exit 0
    fi
fi

root="${LAUNCHPAD_CACHE:-$HOME/.cache/agent-launchpad}/engine/${PULUMI_ENGINE_VERSION#v}-k8s${K8S_PROVIDER_VERSION}"
bin="$root/bin"
plugins="$root/plugins-$plugins_key"
need=(pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python
    pulumi-resource-kubernetes)

complete() { # complete DIR
    local f
    for f in "${need[@]}"; do [ -x "$1/$f" ] || return 1; done
}

# 2. Already built?
if complete "$plugins"; then
    log "using $plugins (cached)"
    echo "$plugins"
    exit 0
fi
command -v go >/dev/null || { log "go is required to build the engine"; exit 1; }

# The language host of this checkout, beside hard links to the engine's files.
# Its own directory and key: a change to langhost/ rebuilds it alone, never the
# CLI or the Kubernetes provider.
build_plugins() {
    local work start
    mkdir -p "$root"
    work=$(mktemp -d "$root/plugins.XXXXXX")
    chmod 0755 "$work"
    start=$(date +%s)
    log "building pulumi-language-python (this checkout's, key $plugins_key)"
    cp -r "$here/langhost" "$work/src"
    (cd "$work/src" && go build -trimpath \
        -ldflags "-s -w -X $sdk_ver_pkg.Version=$PULUMI_ENGINE_VERSION -X main.sourceKey=$plugins_key" \
        -o "$work/pulumi-language-python" .) >&2 || { rm -rf "$work"; log "language host build failed"; exit 1; }
    rm -rf "$work/src"
    # Hard links (same filesystem, no copy); `pulumi` must be here, not only on PATH: the engine looks for
    # its bundled python plugins beside its own executable first and warns when PATH holds another one.
    local f
    for f in pulumi pulumi-language-python-exec; do
        ln "$bin/$f" "$work/$f" 2>/dev/null || cp -p "$bin/$f" "$work/$f"
    done
    for f in "${GUARDED[@]}"; do
        wrapper "$f" >"$work/$f"
        chmod 0755 "$work/$f"
    done
    # Another build may have won the race: keep its directory.
    mv -T "$work" "$plugins" 2>/dev/null || rm -rf "$work"
    complete "$plugins" || { log "$plugins is incomplete"; exit 1; }
    log "built in $(($(date +%s) - start)) s into $plugins"
}

if complete "$bin"; then
    build_plugins
    echo "$plugins"
    exit 0
fi

# 3. Build. Go's own module and build caches (GOMODCACHE/GOCACHE) stay at their
# defaults, outside the clone, so a second build is incremental.
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
complete "$bin" || { log "build finished but $bin is incomplete"; exit 1; }
log "built in $(($(date +%s) - start)) s into $bin:"
(cd "$bin" && du -h "${need[@]}") | sed 's/^/engine:   /' >&2
"$bin/pulumi" version | sed 's/^/engine:   pulumi /' >&2
build_plugins
echo "$plugins"
