"""The local control plane's PKI, made with the `openssl` command line: a CA, the API server's serving
certificate, client certificates (the admin in `system:masters`, the controller-manager under its
well-known user name, which the bootstrap RBAC policy already binds) and the service-account key pair.

Everything is made once per cluster directory and kept, so a restart reuses it. EC P-256 keys: generated in
milliseconds, and accepted by kube-apiserver for TLS, client auth and service-account tokens (ES256)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

# Names the API server answers to: loopback for us, the in-cluster names and the first service IP for
# anything that follows `kubernetes.default` (the controller-manager's own clients use the kubeconfig).
SERVICE_CIDR = "10.0.0.0/24"
SERVER_NAMES = (
    "IP:127.0.0.1",
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
    "IP:10.0.0.1",
)
DAYS = "825"  # long enough for a developer's cluster directory; nothing here leaves the machine
EC_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")


@dataclass(frozen=True)
class Pki:
    dir: Path

    @property
    def ca(self) -> Path:
        return self.dir / "ca.crt"

    def cert(self, name: str) -> Path:
        return self.dir / f"{name}.crt"

    def key(self, name: str) -> Path:
        return self.dir / f"{name}.key"

    @property
    def service_account_key(self) -> Path:
        return self.dir / "service-account.key"

    @property
    def service_account_pub(self) -> Path:
        return self.dir / "service-account.pub"


# Client identities: file name -> (CN = user name, O = group or None).
CLIENTS = {
    "admin": ("launchpad-admin", "system:masters"),
    "controller-manager": ("system:kube-controller-manager", None),
}


def ensure_pki(directory: Path) -> Pki:
    """Create whatever is missing in `directory` (0700) and return where everything is."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    pki = Pki(directory)
    if not (pki.ca.exists() and pki.key("ca").exists()):
        _openssl(
            "req", "-x509", *EC_KEY, "-keyout", pki.key("ca"), "-out", pki.ca, "-days", DAYS,
            "-subj", "/CN=agent-launchpad-local-ca",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        )  # fmt: skip
    if not pki.cert("apiserver").exists():
        _issue(pki, "apiserver", "/CN=kube-apiserver", "serverAuth", ",".join(SERVER_NAMES))
    for name, (user, group) in CLIENTS.items():
        if not pki.cert(name).exists():
            subject = f"/CN={user}" + (f"/O={group}" if group else "")
            _issue(pki, name, subject, "clientAuth")
    if not pki.service_account_pub.exists():
        _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", pki.service_account_key)
        _openssl("pkey", "-in", pki.service_account_key, "-pubout", "-out", pki.service_account_pub)
    for key in directory.glob("*.key"):
        key.chmod(0o600)
    return pki


def _issue(pki: Pki, name: str, subject: str, usage: str, alt_names: str | None = None) -> None:
    # `req -x509 -CA` (OpenSSL 3.0+) makes the key and the CA-signed certificate in one step.
    extensions = ["-addext", "basicConstraints=critical,CA:FALSE", "-addext", f"extendedKeyUsage={usage}",
                  "-addext", "keyUsage=critical,digitalSignature"]  # fmt: skip
    if alt_names:
        extensions += ["-addext", f"subjectAltName={alt_names}"]
    _openssl(
        "req", "-x509", *EC_KEY, "-keyout", pki.key(name), "-out", pki.cert(name), "-days", DAYS,
        "-subj", subject, "-CA", pki.ca, "-CAkey", pki.key("ca"), *extensions,
    )  # fmt: skip


def _openssl(*args: str | Path) -> None:
    result = subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {result.stderr.strip()}")
