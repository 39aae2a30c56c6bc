# Versions of the local Kubernetes control plane (sourced by ensure.sh). The Go modules in etcd/ and
# kubernetes/ pin the same versions in their go.mod; README.md "Bumping" says how to move them together.

# k8s.io/kubernetes (kube-apiserver, kube-controller-manager, kubectl); its staging modules are at v0.<minor>.<patch>.
KUBE_VERSION=v1.37.2
# go.etcd.io/etcd/server/v3 (etcd, through etcdmain.Main).
ETCD_VERSION=v3.6.16
# github.com/prometheus-operator/prometheus-operator: its example/prometheus-operator-crd/ are installed on start.
PROMETHEUS_OPERATOR_VERSION=v0.85.0
