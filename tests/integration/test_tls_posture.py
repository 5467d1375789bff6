"""The inbound mesh TLS port's posture, as testssl.sh (Debian's testssl.sh) reports it:
nothing of MEDIUM severity or worse, except what docs/mesh-transport.md lists with its
reason. Protocols, cipher categories, forward secrecy, server defaults and the known
vulnerabilities are checked (client simulations are left out: they add a minute and no
finding of their own).

testssl.sh is told two facts about the mesh, both documented:
- the mesh CA (--add-ca): the chain is checked against it, not a browser store;
- DAYS2WARN1=DAYS2WARN2=0: mesh certificates live 24 hours and are refreshed at half-life,
  so "expires in less than 30 days" is by design; an expired certificate is still CRITICAL.
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BINARY, Proxy

TD = "cluster.local"
DB = f"spiffe://{TD}/ns/default/sa/db"
DB_SNI = "db.default.serviceaccount.identity.cluster.local"
TESTSSL = shutil.which("testssl") or shutil.which("testssl.sh")

# Findings of MEDIUM or worse that are expected, with the reason (docs/mesh-transport.md).
ACCEPTED = {
    # Mesh certificates live 24 hours: expiry replaces revocation, as in Linkerd and SPIFFE.
    "cert_revocation": "Neither CRL nor OCSP URI provided",
}
SEVERE = {"MEDIUM", "HIGH", "CRITICAL"}


def wasmesh(*args):
    subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=30, check=True)


class TlsPostureTest(unittest.TestCase):
    def setUp(self):
        if TESTSSL is None:
            self.fail("testssl.sh is not installed: run scripts/install-deps.sh test")
        self.dir = tempfile.mkdtemp(prefix="wasmesh-posture-")
        self.ca = os.path.join(self.dir, "ca")
        wasmesh("identity", "ca", "init", "--trust-domain", TD, "--out", self.ca)
        self.certs = os.path.join(self.dir, "db")
        wasmesh("identity", "issue", "--ca", self.ca, "--id", DB, "--out", self.certs)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_testssl_finds_nothing_of_medium_severity_or_worse(self):
        config = ("proxy: {workers: 1}\nadmin: {listen: '127.0.0.1:0'}\n"
                  "inbound: {listen: ['127.0.0.1:0']}\noutbound: {listen: []}\n"
                  f"identity:\n  id: {DB}\n  trust_anchors: {self.ca}/ca.crt\n"
                  f"  cert_file: {self.certs}/tls.crt\n  key_file: {self.certs}/tls.key\n")
        report = os.path.join(self.dir, "testssl.json")
        with Proxy(config) as proxy:
            host, port = proxy.address("inbound")
            environment = dict(os.environ, DAYS2WARN1="0", DAYS2WARN2="0")
            run = subprocess.run(
                [TESTSSL, "--quiet", "--color", "0", "--warnings", "off", "--ip", host,
                 "--add-ca", f"{self.ca}/ca.crt", "-p", "-s", "-f", "-S", "-U",
                 "--jsonfile", report, f"{DB_SNI}:{port}"],
                capture_output=True, text=True, timeout=300, env=environment)
            self.assertTrue(os.path.exists(report), run.stdout + run.stderr)
        with open(report) as f:
            findings = {item["id"]: item for item in json.load(f)}

        def finding(name):
            self.assertIn(name, findings, run.stdout)
            return findings[name]["finding"]

        # What the port is, so that an empty report cannot pass.
        self.assertEqual(finding("TLS1_3"), "offered with final")
        for old in ("SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2"):
            self.assertEqual(finding(old), "not offered", old)
        self.assertEqual(finding("cert_chain_of_trust"), "passed.")
        self.assertEqual(finding("sessionresumption_ticket"), "not supported")
        severe = {name: (item["severity"], item["finding"]) for name, item in findings.items()
                  if item["severity"] in SEVERE and ACCEPTED.get(name) != item["finding"]}
        self.assertEqual(severe, {}, run.stdout)


if __name__ == "__main__":
    unittest.main()
