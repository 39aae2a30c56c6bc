# Versions of the offline Pulumi engine toolchain (sourced by ensure.sh/env.sh).
# See README.md "Bumping" before changing any of these.

# Pulumi CLI + Go SDK (github.com/pulumi/pulumi/{pkg,sdk}/v3). The pip package
# is pulumi==3.272.0, but pkg/v3 v3.272.0 is refused by the module proxy here;
# v3.259.0 is the newest pkg/v3 it serves (README.md "Versions").
PULUMI_ENGINE_VERSION=v3.259.0
# Scripts beside the language host come from sdk/v3 at the pip SDK's version.
PULUMI_PY_SCRIPTS_VERSION=v3.272.0
# pulumi-kubernetes provider module (untagged: pseudo-version). The pip package
# is pulumi-kubernetes==4.34.2; the only provider/v4 version the proxy serves is
# this pre-4.25.0 commit (README.md "Versions").
K8S_PROVIDER_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199
# Version the provider binary reports (ldflags) and the embedded schema carries.
K8S_PROVIDER_VERSION=4.25.0-alpha.0.20260115033456
