"""A local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager from tools/kube/) for
the `local` stack and the end-to-end tests. Plain Python: no Pulumi."""
