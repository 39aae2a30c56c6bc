# Sourced by the scripts: the Pulumi engine on PATH (built from Go modules on first use, cached outside the
# clone by version; see tools/engine/README.md), with plugin downloads and update checks off.
# shellcheck source=../tools/engine/env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/engine/env.sh"
# The render-to-directory provider built here predates pulumi-kubernetes 4.32, which stopped an ambient
# KUBECONFIG from breaking render mode.
unset KUBECONFIG
