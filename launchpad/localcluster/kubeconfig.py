"""Self-contained kubeconfig files (certificates inlined), so a kubeconfig can be handed to the Pulumi
provider, kubectl or a test without the PKI directory next to it."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

from launchpad.localcluster.certs import Pki

CONTEXT = "launchpad-local"


def write_kubeconfig(path: Path, server: str, pki: Pki, client: str) -> Path:
    """`client` names a client certificate of `pki` (see certs.CLIENTS)."""

    def data(file: Path) -> str:
        return base64.b64encode(file.read_bytes()).decode()

    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {"server": server, "certificate-authority-data": data(pki.ca)}}],
        "users": [
            {
                "name": client,
                "user": {
                    "client-certificate-data": data(pki.cert(client)),
                    "client-key-data": data(pki.key(client)),
                },
            }
        ],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": client}}],
        "current-context": CONTEXT,
    }
    path.touch(mode=0o600)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
