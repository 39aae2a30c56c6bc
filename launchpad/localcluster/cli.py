"""`python -m launchpad local-cluster start|stop|status`: a local Kubernetes control plane to deploy the
`local` stack to (Pulumi.local.yaml reads the kubeconfig this writes). `start` is idempotent; the directory
(certificates, etcd data) survives a stop."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from launchpad.localcluster import cluster
from launchpad.localcluster.binaries import find_bin_dir

DEFAULT_DIR = Path(".state/kube")  # Pulumi.local.yaml's kubernetes:kubeconfig is .state/kube/kubeconfig


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "local-cluster", help="start or stop a local Kubernetes control plane (the `local` stack's cluster)"
    )
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"cluster directory (default {DEFAULT_DIR})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    directory: Path = args.dir
    if args.action == "stop":
        stopped = cluster.stop(directory)
        print(f"local-cluster: stopped {', '.join(stopped)}" if stopped else "local-cluster: not running")
        return 0
    found = cluster.running(directory)
    if args.action == "status":
        print(f"local-cluster: running at {found.server}" if found else "local-cluster: not running")
        return 0 if found else 1
    if found is None:
        bin_dir = find_bin_dir(build=True)
        if bin_dir is None:
            print("local-cluster: the control plane could not be built (see above)", file=sys.stderr)
            return 1
        try:
            found = cluster.start(directory, bin_dir)
        except cluster.ClusterError as exc:
            print(f"local-cluster: {exc}", file=sys.stderr)
            return 1
    print(f"local-cluster: running at {found.server}; kubeconfig {found.kubeconfig}")
    print(f"  kubectl: {found.bin_dir / 'kubectl'} --kubeconfig {found.kubeconfig} get namespaces")
    return 0
