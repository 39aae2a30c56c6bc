// Command pulumi-resource-kubernetes: a shim over the provider module's own
// main (cmd/pulumi-resource-kubernetes), which embeds generated files that the
// module zip does not carry. ensure.sh copies this module to a build dir,
// writes schema-embed.json / terraform-mapping-embed.json beside this file and
// builds it there; the generated files never enter the repository.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
