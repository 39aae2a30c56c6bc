//go:build tools

// Package kubernetes only pins the main packages ensure.sh builds from k8s.io/kubernetes: kube-apiserver,
// kube-controller-manager and kubectl (one module, so their shared dependencies are compiled once).
package kubernetes

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
