"""Mesh identities for the e2e pods: a CA made with `wasmesh identity`, the two pods'
certificates (web in pod A, db in pod B), their proxy configurations, and the transport
header's bytes written independently of the proxy's encoder."""

import os
import shutil
import struct
import subprocess
import tempfile

import harness
import pods

TD = "cluster.local"
WEB = f"spiffe://{TD}/ns/default/sa/web"
DB = f"spiffe://{TD}/ns/default/sa/db"

DB_SNI = "db.default.serviceaccount.identity.cluster.local"


def transport_header(port, protocol=3):
    """docs/mesh-transport.md's bytes, written independently of the proxy's encoder."""
    record = bytes([1, 0x01, 0, 2]) + struct.pack(">H", port) + bytes([0x02, 0, 1, protocol])
    return b"wasmesh/1\r\n" + struct.pack(">I", len(record)) + record


def wasmesh(*args):
    return subprocess.run([harness.BINARY, *args], capture_output=True, text=True, timeout=30,
                          check=True).stdout


class Pki:
    """A mesh CA and the two pods' certificates, readable by the proxy's uid only."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="wasmesh-e2e-mesh-")
        os.chmod(self.dir, 0o755)
        self.ca = os.path.join(self.dir, "ca")
        wasmesh("identity", "ca", "init", "--trust-domain", TD, "--out", self.ca,
                "--not-before", "-72h")
        os.chmod(self.ca, 0o755)
        self.issue("web", WEB)
        self.issue("db", DB)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def issue(self, name, identity, *flags, ca=None):
        """Issued beside, then renamed into place: a rotation as a Secret volume does it."""
        scratch = tempfile.mkdtemp(dir=self.dir)
        wasmesh("identity", "issue", "--ca", ca or self.ca, "--id", identity, "--out", scratch,
                *flags)
        os.makedirs(self.path(name), mode=0o755, exist_ok=True)
        for file in ("tls.crt", "tls.key"):
            os.chown(os.path.join(scratch, file), pods.PROXY_UID, pods.PROXY_UID)
            os.replace(os.path.join(scratch, file), self.path(name, file))
        shutil.rmtree(scratch)

    def config(self, identity, name, discovery=None, extra="", admin_extra=""):
        """`extra`: more top-level sections; `admin_extra`: more admin keys."""
        text = (pods.proxy_config(admin_extra=admin_extra) + extra +
                f"identity:\n  id: {identity}\n  trust_anchors: {self.ca}/ca.crt\n"
                f"  cert_file: {self.path(name, 'tls.crt')}\n"
                f"  key_file: {self.path(name, 'tls.key')}\n")
        if discovery:
            text += f"discovery:\n  file: {discovery}\n"
        return text

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def discovery_of_b(self):
        """A discovery file naming pod B's addresses as db's, for pod A's proxy."""
        path = self.path("discovery.yaml")
        b4, b6 = pods.POD_ADDRESSES["b"]
        with open(path, "w") as f:
            f.write(f"destinations:\n  - addresses: ['{b4}/32', '{b6}/128']\n"
                    f"    identity: {DB}\n    mesh_port: 4143\n")
        os.chmod(path, 0o644)
        return path
