"""The local control plane's PKI and kubeconfig, checked with the real openssl: the chain verifies, the API
server's certificate names what clients dial, the admin is in `system:masters`, keys are private, and a
second run keeps what is there (a restarted cluster keeps trusting its clients)."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import yaml

from launchpad.localcluster import cluster
from launchpad.localcluster.certs import ensure_pki
from launchpad.localcluster.kubeconfig import write_kubeconfig


def _text(cert: Path) -> str:
    return subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-text"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


def test_the_chain_verifies_and_names_what_clients_dial(tmp_path: Path) -> None:
    pki = ensure_pki(tmp_path / "pki")
    certs = [str(pki.cert(n)) for n in ("apiserver", "admin", "controller-manager")]
    verified = subprocess.run(["openssl", "verify", "-CAfile", str(pki.ca), *certs], capture_output=True, text=True)
    assert verified.returncode == 0, verified.stderr
    server = _text(pki.cert("apiserver"))
    assert "IP Address:127.0.0.1" in server and "DNS:kubernetes.default.svc.cluster.local" in server
    assert "TLS Web Server Authentication" in server
    admin = _text(pki.cert("admin"))
    assert "Subject: CN = launchpad-admin, O = system:masters" in admin
    assert "TLS Web Client Authentication" in admin and "CA:FALSE" in admin
    assert "Subject: CN = system:kube-controller-manager" in _text(pki.cert("controller-manager"))


def test_keys_are_private_and_a_second_run_keeps_everything(tmp_path: Path) -> None:
    pki = ensure_pki(tmp_path / "pki")
    keys = sorted((tmp_path / "pki").glob("*.key"))
    assert [k.name for k in keys] == [
        "admin.key", "apiserver.key", "ca.key", "controller-manager.key", "service-account.key"
    ]  # fmt: skip
    assert {k.stat().st_mode & 0o777 for k in keys} == {0o600}
    before = {p.name: p.read_bytes() for p in (tmp_path / "pki").iterdir()}
    ensure_pki(tmp_path / "pki")
    assert {p.name: p.read_bytes() for p in (tmp_path / "pki").iterdir()} == before
    public = subprocess.run(["openssl", "pkey", "-in", str(pki.service_account_key), "-pubout"], capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    assert public == pki.service_account_pub.read_text()


def test_the_kubeconfig_carries_its_certificates(tmp_path: Path) -> None:
    pki = ensure_pki(tmp_path / "pki")
    path = write_kubeconfig(tmp_path / "kubeconfig", "https://127.0.0.1:6443", pki, "admin")
    assert path.stat().st_mode & 0o777 == 0o600
    config = yaml.safe_load(path.read_text())
    (entry,) = config["clusters"]
    assert entry["cluster"]["server"] == "https://127.0.0.1:6443"
    assert base64.b64decode(entry["cluster"]["certificate-authority-data"]) == pki.ca.read_bytes()
    (user,) = config["users"]
    assert base64.b64decode(user["user"]["client-key-data"]) == pki.key("admin").read_bytes()
    assert config["current-context"] == config["contexts"][0]["name"]


def test_nothing_running_is_nothing_to_stop(tmp_path: Path) -> None:
    assert cluster.running(tmp_path) is None
    assert cluster.stop(tmp_path) == []
