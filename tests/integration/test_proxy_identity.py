"""The proxy's own identity from files (identity.cert_file / key_file / trust_anchors):
/ready is 503 until a valid certificate is held, a rotation is picked up, a corrupt or
foreign set keeps the current certificate and is counted; discovery.file is loaded and a
bad one stops the start with a message naming it."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from harness import BINARY, Proxy
from test_identity_service import Service

TD = "cluster.local"
WEB = f"spiffe://{TD}/ns/default/sa/web"


def wasmesh(*args):
    result = subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise AssertionError(f"wasmesh {' '.join(args)}: {result.stderr}")
    return result.stdout


class ProxyIdentityTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="wasmesh-proxy-identity-")
        self.ca = os.path.join(self.dir, "ca")
        wasmesh("identity", "ca", "init", "--trust-domain", TD, "--out", self.ca)
        self.certs = os.path.join(self.dir, "certs")
        os.makedirs(self.certs)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def issue(self, identity=WEB):
        """Issues into a scratch directory, then renames into place as Kubernetes does."""
        scratch = tempfile.mkdtemp(dir=self.dir)
        wasmesh("identity", "issue", "--ca", self.ca, "--id", identity, "--out", scratch)
        for name in ("tls.key", "tls.crt"):
            os.replace(os.path.join(scratch, name), os.path.join(self.certs, name))

    def config(self, extra=""):
        return ("proxy: {workers: 1}\nadmin: {listen: '127.0.0.1:0'}\n"
                "inbound: {listen: []}\noutbound: {listen: []}\n"
                f"identity:\n  id: {WEB}\n  trust_anchors: {self.ca}/ca.crt\n"
                f"  cert_file: {self.certs}/tls.crt\n  key_file: {self.certs}/tls.key\n" + extra)

    def wait_ready(self, proxy, status, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proxy.get("/ready")[0] == status:
                return
            time.sleep(0.05)
        self.fail(f"/ready never answered {status}:\n{proxy.log_text()}")

    def test_not_ready_until_a_certificate_arrives_then_rotations_apply(self):
        with Proxy(self.config()) as proxy:
            self.assertEqual(proxy.get("/ready")[0], 503)
            self.assertIn("no valid certificate", proxy.log_text())
            self.issue()
            self.wait_ready(proxy, 200)
            expiry = proxy.metric("identity_cert_expiration_timestamp_seconds")
            self.assertGreater(expiry, time.time())
            self.assertEqual(proxy.metric("identity_cert_refresh_total", result="ok"), 1)
            # A rotation: a new serial is logged and counted.
            self.issue()  # renamed into place: a new inode, which the watcher sees
            proxy.wait_metric("identity_cert_refresh_total", 2, result="ok")
            self.assertEqual(proxy.get("/ready")[0], 200)

    def test_bad_files_keep_the_current_certificate(self):
        self.issue()
        with Proxy(self.config()) as proxy:
            self.wait_ready(proxy, 200)
            errors = proxy.metric("identity_cert_refresh_total", result="error")
            with open(os.path.join(self.certs, "tls.crt.tmp"), "w") as f:
                f.write("-----BEGIN CERTIFICATE-----\ncorrupt\n-----END CERTIFICATE-----\n")
            os.replace(os.path.join(self.certs, "tls.crt.tmp"), os.path.join(self.certs, "tls.crt"))
            proxy.wait_metric("identity_cert_refresh_total", errors + 1, result="error")
            self.assertEqual(proxy.get("/ready")[0], 200)
            self.assertIn("keeping the current certificate", proxy.log_text())
            self.issue(f"spiffe://{TD}/ns/default/sa/db")  # someone else's identity
            proxy.wait_metric("identity_cert_refresh_total", errors + 2, result="error")
            self.assertEqual(proxy.get("/ready")[0], 200)

    def test_a_fifo_or_missing_file_does_not_stall_and_names_the_reason(self):
        # A FIFO swapped in for tls.crt used to block the main thread in open() for as long
        # as nobody wrote to it: /ready stopped answering. A missing file was reported as
        # "not a valid PEM certificate".
        self.issue()
        with Proxy(self.config()) as proxy:
            self.wait_ready(proxy, 200)
            errors = proxy.metric("identity_cert_refresh_total", result="error")
            fifo = os.path.join(self.certs, "tls.crt.fifo")
            os.mkfifo(fifo)
            os.replace(fifo, os.path.join(self.certs, "tls.crt"))
            proxy.wait_metric("identity_cert_refresh_total", errors + 1, result="error")
            self.assertEqual(proxy.get("/ready")[0], 200)  # times out if the thread is stuck
            proxy.wait_for_line("is not a regular file")
            os.remove(os.path.join(self.certs, "tls.crt"))
            proxy.wait_metric("identity_cert_refresh_total", errors + 2, result="error")
            proxy.wait_for_line("tls.crt: No such file or directory")
            self.assertEqual(proxy.get("/ready")[0], 200)

    def test_discovery_file_is_loaded_and_a_bad_one_stops_the_start(self):
        self.issue()
        discovery = os.path.join(self.dir, "discovery.yaml")
        with open(discovery, "w") as f:
            f.write(f"destinations:\n  - addresses: ['10.0.0.7/32']\n    identity: {WEB}\n")
        with Proxy(self.config(f"discovery: {{file: {discovery}}}\n")) as proxy:
            self.assertEqual(proxy.metric("wasmesh_discovery_destinations"), 1)
        with open(discovery, "w") as f:
            f.write("destinations:\n  - addresses: ['10.0.0.7/33']\n")
        proxy = Proxy(self.config(f"discovery: {{file: {discovery}}}\n"), wait_ready=False)
        self.assertEqual(proxy.process.wait(timeout=10), 1)
        proxy.log.close()
        self.assertIn("discovery.file", proxy.log_text())

    def service_config(self, port, token_file, host="127.0.0.1"):
        return ("proxy: {workers: 1}\nadmin: {listen: '127.0.0.1:0'}\n"
                "inbound: {listen: []}\noutbound: {listen: []}\n"
                f"identity: {{id: '{WEB}', trust_anchors: {self.ca}/ca.crt, "
                f"service: '{host}:{port}', token_file: {token_file}}}\n")

    def test_certificate_from_the_identity_service(self):
        tokens = os.path.join(self.dir, "tokens.yaml")
        with open(tokens, "w") as f:
            f.write("tokens:\n  - {token: web-token-0123456789, namespace: default, "
                    "service_account: web}\n")
        good = os.path.join(self.dir, "good-token")
        bad = os.path.join(self.dir, "bad-token")
        with open(good, "w") as f:
            f.write("web-token-0123456789\n")
        with open(bad, "w") as f:
            f.write("someone-elses-token-000\n")
        service = Service(self.dir, "--token-file", tokens)
        try:
            # By name, as a Kubernetes Service is reached: resolved at each request.
            with Proxy(self.service_config(service.port, good, host="localhost")) as proxy:
                self.wait_ready(proxy, 200)
                self.assertEqual(proxy.metric("identity_cert_refresh_total", result="ok"), 1)
                self.assertIn("from the identity service", proxy.log_text())
                # The service going away does not take the held certificate with it.
                service.stop()
                self.assertEqual(proxy.get("/ready")[0], 200)
            service = Service(self.dir, "--token-file", tokens)
            with Proxy(self.service_config(service.port, bad)) as proxy:
                proxy.wait_metric("identity_cert_refresh_total", 1, result="error")
                self.assertEqual(proxy.get("/ready")[0], 503)
                self.assertEqual(service.metric(result="unauthenticated"), 1)
        finally:
            if service.process.poll() is None:
                service.stop()

    def test_identity_service_down_at_start_is_retried(self):
        tokens = os.path.join(self.dir, "tokens.yaml")
        with open(tokens, "w") as f:
            f.write("tokens:\n  - {token: web-token-0123456789, namespace: default, "
                    "service_account: web}\n")
        token = os.path.join(self.dir, "token")
        with open(token, "w") as f:
            f.write("web-token-0123456789")
        # Find a free port for the service, then start the proxy before the service.
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        with Proxy(self.service_config(port, token)) as proxy:
            proxy.wait_metric("identity_cert_refresh_total", 1, result="error")
            self.assertEqual(proxy.get("/ready")[0], 503)
            service = Service(self.dir, "--token-file", tokens, listen=f"127.0.0.1:{port}")
            try:
                self.wait_ready(proxy, 200, timeout=20)  # backoff: 1 s, 2 s, ... jittered
            finally:
                service.stop()

if __name__ == "__main__":
    unittest.main()
