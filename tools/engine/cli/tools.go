//go:build tools

// Package cli only pins the Pulumi CLI main package for `go build`.
package cli

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
