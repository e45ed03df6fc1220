"""The control plane's credentials: a self-signed CA, the API server's serving certificate, the
service-account key pair, the admin token and the controller-manager's token. Made with the ``openssl``
command (no Python dependency).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

#: Names the serving certificate answers to: loopback, and the in-cluster names of the API server.
_SERVER_NAMES = (
    "IP:127.0.0.1",
    "IP:10.0.0.1",
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
)


@dataclass(frozen=True)
class Credentials:
    """Files under the state directory, plus the admin token (member of ``system:masters``)."""

    ca_cert: Path
    server_cert: Path
    server_key: Path
    service_account_key: Path
    service_account_pub: Path
    token_file: Path
    token: str
    #: The token of user ``system:kube-controller-manager`` (bound to its bootstrap ClusterRole, as
    #: in a kubeadm cluster; its controllers then act as their own service accounts).
    controller_manager_token: str


def _openssl(*args: str, cwd: Path) -> None:
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {proc.stderr.strip()}")


def make_credentials(directory: Path) -> Credentials:
    """Write fresh credentials into ``directory`` (created if needed)."""
    if shutil.which("openssl") is None:
        raise RuntimeError("the openssl command is needed to make the local cluster's certificates")
    directory.mkdir(parents=True, exist_ok=True)
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "365",
        "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=vmscrape-local-ca",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )  # fmt: skip
    (directory / "server.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid\n"
        f"subjectAltName={','.join(_SERVER_NAMES)}\n"
    )
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=kube-apiserver", cwd=directory,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "365", "-out", "server.crt", "-extfile", "server.ext", cwd=directory,
    )  # fmt: skip
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=directory)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=directory)
    token = secrets.token_hex(24)
    controller_manager_token = secrets.token_hex(24)
    token_file = directory / "tokens.csv"
    token_file.write_text(
        f'{token},vmscrape-admin,vmscrape-admin,"system:masters"\n'
        f"{controller_manager_token},system:kube-controller-manager,system:kube-controller-manager\n"
    )
    for private in ("ca.key", "server.key", "sa.key", "tokens.csv"):
        (directory / private).chmod(0o600)
    return Credentials(
        ca_cert=directory / "ca.crt",
        server_cert=directory / "server.crt",
        server_key=directory / "server.key",
        service_account_key=directory / "sa.key",
        service_account_pub=directory / "sa.pub",
        token_file=token_file,
        token=token,
        controller_manager_token=controller_manager_token,
    )
