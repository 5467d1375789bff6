"""`wasmesh identity serve`: certificates for CSRs over HTTPS, checked against a token file
and against a fake Kubernetes API that speaks TokenReview's real request and response
shapes; every refusal with its status, and counted."""

import http.client
import http.server
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

from harness import BINARY, sum_metric

TD = "cluster.local"
WEB = f"spiffe://{TD}/ns/default/sa/web"
WEB_NAME = f"web.default.serviceaccount.identity.{TD}"
SERVICE_NAME = f"identity.wasmesh.serviceaccount.identity.{TD}"
WEB_TOKEN = "web-token-0123456789"
REVIEWER_TOKEN = "reviewer-token-0123456789"


def openssl(*args, input_=None):
    result = subprocess.run(["openssl", *args], input=input_, capture_output=True, timeout=30)
    if result.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)}: {result.stderr.decode()}")
    return result.stdout


def make_csr(directory, sans, key_args=("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256")):
    key = os.path.join(directory, f"key-{time.monotonic_ns()}.pem")
    return openssl("req", "-new", *key_args, "-nodes", "-keyout", key, "-subj", "/",
                   "-addext", "subjectAltName=" + sans).decode()


class Service:
    """A running `wasmesh identity serve`; its port is read from its log."""

    def __init__(self, directory, *args, listen="127.0.0.1:0"):
        self.log_path = os.path.join(directory, f"serve-{time.monotonic_ns()}.log")
        self.log = open(self.log_path, "w+")
        self.process = subprocess.Popen(
            [BINARY, "identity", "serve", "--ca", os.path.join(directory, "ca"),
             "--listen", listen, "--admin", "127.0.0.1:0", *args],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            with open(self.log_path) as f:
                text = f.read()
            service = re.search(r"identity service listening on 127\.0\.0\.1:(\d+)", text)
            admin = re.search(r"admin listening on 127\.0\.0\.1:(\d+)", text)
            if service and admin:
                self.port, self.admin_port = int(service.group(1)), int(admin.group(1))
                return
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited {self.process.returncode}:\n{text}")
            time.sleep(0.05)
        with open(self.log_path) as f:
            raise AssertionError("serve did not start:\n" + f.read())

    def metric(self, **labels):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/metrics") as r:
            return sum_metric(r.read().decode(), "wasmesh_identity_requests_total", **labels)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


class FakeKubernetesApi:
    """HTTPS on localhost with its own CA; answers POST /apis/authentication.k8s.io/v1/
    tokenreviews like the API server does, after checking the reviewer's own token."""

    def __init__(self, directory, verdicts):
        self.verdicts = verdicts  # token -> username, or None for authenticated: false
        self.status = 201
        self.grant_audiences = True  # as an API server that knows the token's audiences
        self.requests = []
        cert, key = os.path.join(directory, "api.crt"), os.path.join(directory, "api.key")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost")
        self.ca_file = cert
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                api.requests.append((self.path, self.headers.get("Authorization"), body))
                if (self.path != "/apis/authentication.k8s.io/v1/tokenreviews"
                        or self.headers.get("Authorization") != f"Bearer {REVIEWER_TOKEN}"):
                    return self.reply(401, {"kind": "Status", "status": "Failure"})
                if api.status != 201:
                    return self.reply(api.status, {"kind": "Status", "status": "Failure"})
                username = api.verdicts.get(body["spec"]["token"])
                status = ({"authenticated": True,
                           "user": {"username": username, "uid": "1",
                                    "groups": ["system:serviceaccounts"]}}
                          if username else {"authenticated": False, "error": "invalid token"})
                if username and api.grant_audiences:
                    status["audiences"] = body["spec"].get("audiences", [])
                self.reply(201, {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                                 "metadata": {}, "spec": body["spec"], "status": status})

            def reply(self, code, payload):
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


class IdentityServiceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="wasmesh-identity-")
        subprocess.run([BINARY, "identity", "ca", "init", "--trust-domain", TD, "--out",
                        os.path.join(cls.dir, "ca")], check=True, capture_output=True)
        cls.ca_file = os.path.join(cls.dir, "ca", "ca.crt")
        tokens = os.path.join(cls.dir, "tokens.yaml")
        with open(tokens, "w") as f:
            f.write(f"tokens:\n  - {{token: {WEB_TOKEN}, namespace: default, "
                    f"service_account: web}}\n")
        cls.service = Service(cls.dir, "--token-file", tokens, "--lifetime", "1h")

    @classmethod
    def tearDownClass(cls):
        cls.service.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def post(self, body, token=WEB_TOKEN, port=None, raw=None):
        # The service is verified as a proxy would: its CA, and its identity's server name.
        context = ssl.create_default_context(cafile=self.ca_file)
        port = port or self.service.port
        connection = http.client.HTTPSConnection(SERVICE_NAME, port, context=context, timeout=10)
        connection.sock = context.wrap_socket(
            socket.create_connection(("127.0.0.1", port), timeout=10),
            server_hostname=SERVICE_NAME)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connection.request("POST", "/v1/certificates",
                           body=raw if raw is not None else json.dumps(body), headers=headers)
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        return response.status, json.loads(payload) if payload else {}

    def request_for(self, identity, sans=None, **kwargs):
        return {"identity": identity,
                "csr": make_csr(self.dir, sans or f"URI:{identity},DNS:{WEB_NAME}", **kwargs)}

    def test_issues_a_verifiable_certificate_for_the_tokens_own_identity(self):
        before = self.service.metric(result="ok")
        status, body = self.post(self.request_for(WEB))
        self.assertEqual(status, 200, body)
        leaf = os.path.join(self.dir, "leaf.pem")
        chain = os.path.join(self.dir, "chain.pem")
        with open(leaf, "w") as f:
            f.write(body["certificate"])
        with open(chain, "w") as f:
            f.write(body["chain"])
        openssl("verify", "-CAfile", self.ca_file, "-untrusted", chain, leaf)
        text = openssl("x509", "-in", leaf, "-noout", "-text", "-enddate").decode()
        self.assertIn(f"URI:{WEB}", text)
        self.assertIn(f"DNS:{WEB_NAME}", text)
        self.assertRegex(body["expiry"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(self.service.metric(result="ok"), before + 1)

    def test_a_component_identity_of_the_same_account_is_issued(self):
        component = WEB + "/wasm/hello"
        status, body = self.post(self.request_for(
            component, f"URI:{component},DNS:hello.wasm.{WEB_NAME}"))
        self.assertEqual(status, 200, body)

    def test_refusals(self):
        other = f"spiffe://{TD}/ns/default/sa/db"
        cases = [
            ("another account's identity", 403, "forbidden",
             dict(body=self.request_for(other, f"URI:{other}"))),
            ("no token", 401, "unauthenticated", dict(body=self.request_for(WEB), token=None)),
            ("an unknown token", 401, "unauthenticated",
             dict(body=self.request_for(WEB), token="not-a-known-token-000")),
            ("a CSR for someone else", 400, "bad_request",
             dict(body=self.request_for(WEB, f"URI:{other}"))),
            ("a CSR with an extra SAN", 400, "bad_request",
             dict(body=self.request_for(WEB, f"URI:{WEB},DNS:evil.example"))),
            ("an RSA key", 400, "bad_request",
             dict(body=self.request_for(WEB, key_args=("-newkey", "rsa:2048")))),
            ("a malformed CSR", 400, "bad_request",
             dict(body={"identity": WEB, "csr": "-----BEGIN CERTIFICATE REQUEST-----\nxx"})),
            ("not JSON", 400, "bad_request", dict(body=None, raw="{")),
        ]
        for what, status, result, call in cases:
            with self.subTest(what):
                before = self.service.metric(result=result)
                got, body = self.post(**call)
                self.assertEqual(got, status, body)
                self.assertIn("error", body)
                self.assertEqual(self.service.metric(result=result), before + 1)

    def test_an_oversized_request_is_refused_from_its_headers(self):
        # Answered as soon as Content-Length says too much: the body is never read.
        before = self.service.metric(result="too_large")
        context = ssl.create_default_context(cafile=self.ca_file)
        with socket.create_connection(("127.0.0.1", self.service.port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=SERVICE_NAME) as tls:
                tls.sendall(b"POST /v1/certificates HTTP/1.1\r\nHost: x\r\n"
                            b"Authorization: Bearer " + WEB_TOKEN.encode() +
                            b"\r\nContent-Length: 70000\r\n\r\n")
                self.assertTrue(tls.recv(100).startswith(b"HTTP/1.1 413 "))
        self.assertEqual(self.service.metric(result="too_large"), before + 1)

    def test_tls_12_clients_are_refused(self):
        context = ssl.create_default_context(cafile=self.ca_file)
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        with self.assertRaises(ssl.SSLError):
            with socket.create_connection(("127.0.0.1", self.service.port)) as s:
                context.wrap_socket(s, server_hostname=SERVICE_NAME)

    def test_kubernetes_token_review(self):
        api = FakeKubernetesApi(self.dir, {WEB_TOKEN: "system:serviceaccount:default:web",
                                           "node-token-0000000000": "system:node:n1"})
        reviewer = os.path.join(self.dir, "reviewer-token")
        with open(reviewer, "w") as f:
            f.write(REVIEWER_TOKEN + "\n")
        service = Service(self.dir, "--kubernetes", "--kubernetes-api", f"localhost:{api.port}",
                          "--kubernetes-ca", api.ca_file, "--kubernetes-token-file", reviewer)
        try:
            status, body = self.post(self.request_for(WEB), port=service.port)
            self.assertEqual(status, 200, body)
            path, authorization, review = api.requests[-1]
            self.assertEqual(review["apiVersion"], "authentication.k8s.io/v1")
            self.assertEqual(review["kind"], "TokenReview")
            self.assertEqual(review["spec"]["token"], WEB_TOKEN)
            self.assertEqual(review["spec"]["audiences"], ["identity.wasmesh.io"],
                             "the audience wasmesh inject projects tokens for")
            api.grant_audiences = False
            self.assertEqual(self.post(self.request_for(WEB), port=service.port)[0], 401,
                             "a verdict that does not name the audience proves nothing")
            api.grant_audiences = True
            self.assertEqual(self.post(self.request_for(WEB), token="unknown-token-00000000",
                                       port=service.port)[0], 401)
            self.assertEqual(self.post(self.request_for(WEB), token="node-token-0000000000",
                                       port=service.port)[0], 401)
            api.status = 500
            self.assertEqual(self.post(self.request_for(WEB), port=service.port)[0], 503)
            api.status = 201
            api.close()
            self.assertEqual(self.post(self.request_for(WEB), port=service.port)[0], 503)
            self.assertGreaterEqual(service.metric(result="unavailable"), 2)
        finally:
            service.stop()

    def test_usage_errors_exit_2(self):
        ca = os.path.join(self.dir, "ca")
        for args, message in [
            (["--ca", ca], "--token-file or --kubernetes is required"),
            (["--ca", ca, "--token-file", "x", "--kubernetes"], "choose one"),
            (["--ca", ca, "--listen", "nowhere", "--token-file", "x"], "--listen"),
            (["--ca", ca, "--lifetime", "10s", "--token-file", "x"], "--lifetime"),
            (["--ca", ca, "--id", "spiffe://other/ns/a/sa/b", "--token-file", "x"], "--id"),
        ]:
            with self.subTest(args=args):
                result = subprocess.run([BINARY, "identity", "serve", *args], capture_output=True,
                                        text=True, timeout=10)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn(message, result.stderr)


if __name__ == "__main__":
    unittest.main()
