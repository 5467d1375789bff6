"""`wasmesh injector serve`, the admission webhook, as the API server calls it: HTTPS with
the certificate and caBundle `wasmesh install` makes (TLS 1.3 and 1.2), admission.k8s.io/v1
AdmissionReviews, namespace annotations from a fake Kubernetes API. Pods get the same sidecar
as `wasmesh inject` adds; bad bodies get an AdmissionReview naming what was wrong, and the
server keeps serving (docs/kubernetes.md)."""

import base64
import copy
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

import harness

SERVICE_NAME = "wasmesh-injector.wasmesh.svc"
API_TOKEN = "injector-token-0123456789"


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


class FakeNamespaceApi:
    """HTTPS on localhost answering GET /api/v1/namespaces/<ns> from a dict, after checking
    the injector's bearer token; `failing` makes it answer 500."""

    def __init__(self, directory, namespaces):
        self.namespaces = namespaces
        self.failing = False
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

            def do_GET(self):
                api.requests.append(self.path)
                if self.headers.get("Authorization") != f"Bearer {API_TOKEN}":
                    return self.reply(401, {"kind": "Status", "code": 401})
                match = re.fullmatch(r"/api/v1/namespaces/([a-z0-9-]+)", self.path)
                if api.failing or not match:
                    return self.reply(500, {"kind": "Status", "code": 500})
                name = match.group(1)
                if name not in api.namespaces:
                    return self.reply(404, {"kind": "Status", "code": 404})
                self.reply(200, {"apiVersion": "v1", "kind": "Namespace",
                                 "metadata": {"name": name,
                                              "annotations": api.namespaces[name]}})

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


def review(namespace="shop", annotations=None, kind="Pod", operation="CREATE", uid="uid-1"):
    return {
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": uid, "kind": {"group": "", "version": "v1", "kind": kind},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": namespace, "operation": operation,
            "object": {"apiVersion": "v1", "kind": "Pod",
                       "metadata": {"generateName": "web-", "namespace": namespace,
                                    "annotations": annotations or {}},
                       "spec": {"containers": [{"name": "web", "image": "web:1"}]}}}}


def apply_patch(document, patch):
    """RFC 6902 add/replace/remove, independent of the server's code."""
    document = copy.deepcopy(document)
    for op in patch:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent = document
        for part in parts[:-1]:
            parent = parent[part]
        if op["op"] in ("add", "replace"):
            parent[parts[-1]] = op["value"]
        elif op["op"] == "remove":
            del parent[parts[-1]]
        else:
            raise AssertionError(f"unexpected op {op}")
    return document


class InjectorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="wasmesh-injector-")
        installed = subprocess.run([harness.BINARY, "install", "--trust-domain", "cluster.local",
                                    "-o", "json"], capture_output=True, text=True, timeout=60)
        assert installed.returncode == 0, installed.stderr
        items = {(i["kind"], i["metadata"]["name"]): i
                 for i in json.loads(installed.stdout)["items"]}
        secret = items[("Secret", "wasmesh-injector-tls")]["data"]
        webhook = items[("MutatingWebhookConfiguration", "wasmesh-proxy-injector")]
        cls.ca_bundle = base64.b64decode(webhook["webhooks"][0]["clientConfig"]["caBundle"])
        cls.anchors_text = items[("ConfigMap", "wasmesh-trust-anchors")]["data"]["ca-bundle.crt"]
        cls.paths = {}
        for name, content in [("tls.crt", base64.b64decode(secret["tls.crt"])),
                              ("tls.key", base64.b64decode(secret["tls.key"])),
                              ("ca-bundle.crt", cls.anchors_text.encode()),
                              ("ca.pem", cls.ca_bundle),
                              ("api-token", API_TOKEN.encode())]:
            cls.paths[name] = os.path.join(cls.dir, name)
            with open(cls.paths[name], "wb") as f:
                f.write(content)
        cls.api = FakeNamespaceApi(cls.dir, {
            "shop": {"wasmesh.io/inject": "enabled"},
            "plain": {},
            "bad": {"linkerd.io/inject": "enabled", "config.linkerd.io/proxy-log-level": "loud"},
        })
        cls.log_path = os.path.join(cls.dir, "injector.log")
        cls.log = open(cls.log_path, "w+")
        cls.process = subprocess.Popen(
            [harness.BINARY, "injector", "serve", "--listen", "127.0.0.1:0",
             "--admin", "127.0.0.1:0", "--tls-cert", cls.paths["tls.crt"],
             "--tls-key", cls.paths["tls.key"], "--trust-anchors", cls.paths["ca-bundle.crt"],
             "--kubernetes-api", f"localhost:{cls.api.port}", "--kubernetes-ca", cls.api.ca_file,
             "--kubernetes-token-file", cls.paths["api-token"]],
            stdout=cls.log, stderr=subprocess.STDOUT, env=harness.proxy_environment())
        cls.port = int(cls.wait_log(r"injector listening on 127\.0\.0\.1:(\d+)"))
        cls.admin_port = int(cls.wait_log(r"admin listening on 127\.0\.0\.1:(\d+)"))

    @classmethod
    def tearDownClass(cls):
        cls.process.terminate()
        cls.process.wait(timeout=10)
        cls.log.close()
        cls.api.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def wait_log(cls, pattern, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(cls.log_path) as f:
                match = re.search(pattern, f.read())
            if match:
                return match.group(1)
            if cls.process.poll() is not None:
                break
            time.sleep(0.02)
        with open(cls.log_path) as f:
            raise AssertionError(f"no {pattern!r} in the log:\n{f.read()}")

    def context(self, version=None):
        context = ssl.create_default_context(cafile=self.paths["ca.pem"])
        if version is not None:
            context.minimum_version = version
            context.maximum_version = version
        return context

    def post(self, body, path="/inject", method="POST", version=None):
        """(HTTP status, parsed AdmissionReview) as the API server would see them."""
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30,
                                                 context=self.context(version))
        # The certificate names the Service, as the API server asks for it.
        connection.sock = self.context(version).wrap_socket(
            socket.create_connection(("127.0.0.1", self.port), timeout=30),
            server_hostname=SERVICE_NAME)
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        connection.request(method, path, body=data,
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        return response.status, json.loads(payload)

    def metric(self, result):
        with urllib_open(f"http://127.0.0.1:{self.admin_port}/metrics") as text:
            return harness.sum_metric(text, "wasmesh_injector_requests_total", result=result)

    def test_a_pod_is_injected_over_tls_13_and_12(self):
        for version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
            with self.subTest(version=version):
                status, answer = self.post(review(), version=version)
                self.assertEqual(status, 200)
                response = answer["response"]
                self.assertEqual(response["uid"], "uid-1")
                self.assertTrue(response["allowed"])
                self.assertEqual(response["patchType"], "JSONPatch")
                patch = json.loads(base64.b64decode(response["patch"]))
                pod = apply_patch(review()["request"]["object"], patch)
                names = [c["name"] for c in pod["spec"]["initContainers"]]
                self.assertEqual(names, ["wasmesh-init", "wasmesh-proxy"])
                env = {e["name"]: e.get("value") for e in pod["spec"]["initContainers"][1]["env"]}
                self.assertEqual(env["WASMESH_IDENTITY_TRUST_ANCHORS"], self.anchors_text)
                self.assertEqual(pod["metadata"]["annotations"]["wasmesh.io/created-by"],
                                 "wasmesh/injector 0.1.0")
        self.assertIn("/api/v1/namespaces/shop", self.api.requests)

    def test_pods_not_asking_are_allowed_unchanged(self):
        for namespace, annotations in [("plain", {}), ("shop", {"wasmesh.io/inject": "disabled"})]:
            status, answer = self.post(review(namespace, annotations))
            self.assertEqual(status, 200)
            self.assertTrue(answer["response"]["allowed"])
            self.assertNotIn("patch", answer["response"])
        status, answer = self.post(review(kind="Service"))
        self.assertEqual((status, answer["response"]["allowed"]), (200, True))

    def test_a_bad_annotation_denies_the_pod_naming_it(self):
        status, answer = self.post(review("bad"))
        self.assertEqual(status, 200)
        self.assertFalse(answer["response"]["allowed"])
        self.assertEqual(answer["response"]["status"]["message"],
                         "Pod bad/web-*: annotation config.linkerd.io/proxy-log-level (from "
                         "Namespace bad): \"loud\" is not one of trace, debug, info, warn, "
                         "error, off")

    def test_bad_requests_get_an_admission_review_and_the_server_goes_on(self):
        full = json.dumps(review()).encode()
        cases = [
            (full[:len(full) // 2], "/inject", "POST", 400, "not JSON"),
            (b"{}", "/inject", "POST", 400, "not an AdmissionReview: kind is \"\""),
            (json.dumps(dict(review(), apiVersion="admission.k8s.io/v1beta1")).encode(),
             "/inject", "POST", 400, "is not admission.k8s.io/v1"),
            (json.dumps({"apiVersion": "v1", "kind": "Pod"}).encode(), "/inject", "POST", 400,
             "kind is \"Pod\""),
            (full, "/mutate", "POST", 404, "no such path"),
            (b"", "/inject", "GET", 405, "use POST"),
        ]
        before = self.metric("bad_request")
        for body, path, method, status, message in cases:
            with self.subTest(message=message):
                got, answer = self.post(body, path=path, method=method)
                self.assertEqual(got, status)
                self.assertEqual(answer["kind"], "AdmissionReview")
                self.assertFalse(answer["response"]["allowed"])
                self.assertIn(message, answer["response"]["status"]["message"])
        # A huge body is refused from its headers, before it is read.
        raw = self.context().wrap_socket(socket.create_connection(("127.0.0.1", self.port)),
                                         server_hostname=SERVICE_NAME)
        raw.sendall(b"POST /inject HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n{" % (5 << 20))
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = raw.recv(65536)
            if not chunk:
                break
            reply += chunk
        raw.close()
        head, _, body = reply.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 413"), head)
        self.assertIn("larger than 4 MiB", json.loads(body)["response"]["status"]["message"])
        self.assertEqual(self.metric("bad_request") - before, len(cases) + 1)
        # A client that sends half a request and goes away costs nothing either.
        raw = self.context().wrap_socket(socket.create_connection(("127.0.0.1", self.port)),
                                         server_hostname=SERVICE_NAME)
        raw.sendall(b"POST /inject HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
        raw.close()
        status, answer = self.post(review())
        self.assertEqual((status, answer["response"]["allowed"]), (200, True))

    def test_an_unreadable_namespace_is_an_error_for_the_failure_policy(self):
        self.api.failing = True
        try:
            status, answer = self.post(review())
        finally:
            self.api.failing = False
        self.assertEqual(status, 500)
        self.assertIn("cannot read Namespace shop: Kubernetes API: HTTP 500",
                      answer["response"]["status"]["message"])

    def test_rotated_trust_anchors_reach_the_next_pod(self):
        ca = os.path.join(self.dir, "ca2")
        subprocess.run([harness.BINARY, "identity", "ca", "init", "--trust-domain",
                        "cluster.local", "--out", ca], check=True, capture_output=True)
        with open(os.path.join(ca, "ca.crt")) as f:
            bundle = self.anchors_text + f.read()
        scratch = self.paths["ca-bundle.crt"] + ".new"
        with open(scratch, "w") as f:
            f.write(bundle)
        os.replace(scratch, self.paths["ca-bundle.crt"])
        try:
            status, answer = self.post(review())
            pod = apply_patch(review()["request"]["object"],
                              json.loads(base64.b64decode(answer["response"]["patch"])))
            env = {e["name"]: e.get("value") for e in pod["spec"]["initContainers"][1]["env"]}
            self.assertEqual(env["WASMESH_IDENTITY_TRUST_ANCHORS"], bundle)
        finally:
            with open(scratch, "w") as f:
                f.write(self.anchors_text)
            os.replace(scratch, self.paths["ca-bundle.crt"])


def urllib_open(url):
    import contextlib
    import urllib.request

    @contextlib.contextmanager
    def opened():
        with urllib.request.urlopen(url, timeout=5) as response:
            yield response.read().decode()
    return opened()


if __name__ == "__main__":
    unittest.main()
