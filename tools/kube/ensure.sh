#!/usr/bin/env bash
# Ensure the local Kubernetes control plane binaries exist; print their dir as the last line of stdout
# (progress goes to stderr):
#   BIN=$(tools/kube/ensure.sh | tail -1)
#   tools/kube/ensure.sh --no-build     # only find them: exit 1 when they are not built
# Builds etcd, kube-apiserver, kube-controller-manager and kubectl from Go modules (tools/kube/{etcd,kubernetes})
# and copies the Prometheus Operator CRDs from the operator's Go module into
#   ${LAUNCHPAD_CACHE:-$HOME/.cache/agent-launchpad}/kube/<kubernetes>-etcd<etcd>-<hash of the modules>/{bin,crds}
# once; later runs only check that the files are there. The hash covers go.mod/go.sum/main files, so an edit
# to the wrapper modules rebuilds even without a version bump.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"

log() { echo "kube: $*" >&2; }

key=$(cd "$here" && cat versions.sh etcd/go.mod etcd/go.sum etcd/main.go kubernetes/go.mod kubernetes/go.sum \
    kubernetes/tools.go | sha256sum | cut -c1-8)
root="${LAUNCHPAD_CACHE:-$HOME/.cache/agent-launchpad}/kube/${KUBE_VERSION#v}-etcd${ETCD_VERSION#v}-$key"
need=(etcd kube-apiserver kube-controller-manager kubectl)

complete() {
    local f
    for f in "${need[@]}"; do [ -x "$root/bin/$f" ] || return 1; done
    compgen -G "$root/crds/*.yaml" >/dev/null
}

# 1. Already built?
if complete; then
    log "using $root/bin (cached)"
    echo "$root/bin"
    exit 0
fi

if [ "${1:-}" = "--no-build" ]; then
    log "not built yet: run tools/kube/ensure.sh (10-25 minutes on 2 cores)"
    exit 1
fi

# 2. Build into a temp dir beside the target and move it into place, so an interrupted build leaves nothing
# that looks complete. Go's module and build caches (GOMODCACHE/GOCACHE) stay at their defaults, outside the
# clone, so a rebuild is incremental.
command -v go >/dev/null || { log "go is required to build the control plane"; exit 1; }
mkdir -p "$root"
work=$(mktemp -d "$root/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/crds"
start=$(date +%s)
export CGO_ENABLED=0

log "building etcd $ETCD_VERSION (go.etcd.io/etcd/server/v3 etcdmain)"
cp -r "$here/etcd" "$work/etcd"
(cd "$work/etcd" && go build -trimpath -ldflags "-s -w" -o "$work/bin/etcd" .) >&2
log "etcd built after $(($(date +%s) - start)) s"

# Without these the binaries report v0.0.0-master (what hack/lib/version.sh sets in kubernetes' own build).
minor=${KUBE_VERSION#v1.}
minor=${minor%%.*}
vflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    vflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
log "building kube-apiserver, kube-controller-manager, kubectl $KUBE_VERSION (several minutes on 2 cores)"
cp -r "$here/kubernetes" "$work/kubernetes"
(cd "$work/kubernetes" && go build -trimpath -ldflags "-s -w$vflags" -o "$work/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kubectl) >&2
log "kubernetes built after $(($(date +%s) - start)) s"

log "copying the Prometheus Operator $PROMETHEUS_OPERATOR_VERSION CRDs from its Go module"
opdir=$(cd "$work/etcd" && go mod download -json \
    "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$opdir/example/prometheus-operator-crd" ] ||
    { log "no example/prometheus-operator-crd in prometheus-operator@$PROMETHEUS_OPERATOR_VERSION"; exit 1; }
install -m 0644 "$opdir"/example/prometheus-operator-crd/*.yaml "$work/crds/"

rm -rf "$root/bin" "$root/crds"
mv "$work/bin" "$root/bin"
mv "$work/crds" "$root/crds"
complete || { log "build finished but $root is incomplete"; exit 1; }
log "built in $(($(date +%s) - start)) s into $root/bin:"
(cd "$root/bin" && du -h "${need[@]}") | sed 's/^/kube:   /' >&2
"$root/bin/kube-apiserver" --version | sed 's/^/kube:   /' >&2
"$root/bin/etcd" --version | sed -n "1s/^/kube:   /p" >&2
echo "$root/bin"
