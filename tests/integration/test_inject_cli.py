"""`wasmesh inject`, `uninject`, `install` and `await` as a user runs them: the real binary,
its exit status and its messages (docs/kubernetes.md). What the injected manifests hold is
in tests/unit/deploy_inject (golden files); that they fit the Kubernetes schema in
tests/k8s-schema; that they run, in tests/e2e/test_kubernetes.py."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations:
        linkerd.io/inject: enabled
        config.linkerd.io/opaque-ports: http
%s
    spec:
      containers:
        - name: web
          image: web:1
          ports: [{name: http, containerPort: 8080}]
"""


def wasmesh(*args, stdin=None):
    return subprocess.run([harness.BINARY, *args], input=stdin, capture_output=True, text=True,
                          timeout=60, env=harness.proxy_environment())


class InjectCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="wasmesh-inject-")
        ca = os.path.join(cls.dir, "ca")
        result = wasmesh("identity", "ca", "init", "--trust-domain", "cluster.local", "--out", ca)
        assert result.returncode == 0, result.stderr
        cls.anchors = os.path.join(ca, "ca.crt")
        cls.ca = ca

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def inject(self, text, *flags):
        return wasmesh("inject", "--trust-anchors", self.anchors, *flags, "-", stdin=text)

    def test_injects_from_stdin_and_says_what_it_did(self):
        result = self.inject(DEPLOYMENT % "", "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "Deployment shop/web: injected\n")
        pod = json.loads(result.stdout)["spec"]["template"]
        names = [c["name"] for c in pod["spec"]["initContainers"]]
        self.assertEqual(names, ["wasmesh-init", "wasmesh-proxy"])
        env = {e["name"]: e.get("value") for e in pod["spec"]["initContainers"][1]["env"]}
        self.assertEqual(env["WASMESH_INBOUND_OPAQUE_PORTS"], "8080", "the named port resolved")
        with open(self.anchors) as f:
            self.assertEqual(env["WASMESH_IDENTITY_TRUST_ANCHORS"], f.read())

    def test_uninject_gives_back_the_input(self):
        original = wasmesh("uninject", "-o", "json", "-", stdin=DEPLOYMENT % "")
        injected = self.inject(DEPLOYMENT % "")
        self.assertEqual(injected.returncode, 0, injected.stderr)
        back = wasmesh("uninject", "-o", "json", "-", stdin=injected.stdout)
        self.assertEqual(back.returncode, 0, back.stderr)
        self.assertEqual(back.stderr, "Deployment shop/web: uninjected\n")
        self.assertEqual(json.loads(back.stdout), json.loads(original.stdout))
        again = self.inject(injected.stdout)
        self.assertEqual(again.stdout, injected.stdout, "re-injecting changes nothing")

    def test_a_bad_annotation_is_exit_2_naming_it(self):
        result = self.inject(DEPLOYMENT % "        config.wasmesh.io/proxy-cpu-limit: lots")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "", "nothing half-done is written")
        self.assertEqual(result.stderr,
                         "wasmesh inject: Deployment shop/web: annotation "
                         "config.wasmesh.io/proxy-cpu-limit: \"lots\" is not a Kubernetes "
                         "quantity (100m, 0.5, 64Mi, 1Gi)\n")

    def test_bad_input_is_named(self):
        cases = [
            ("kind: Pod\nmetadata: [\n", 2, "wasmesh inject: stdin: not YAML: line"),
            ("{\"kind\": ", 2, "wasmesh inject: stdin: not JSON: line 1"),
            ("apiVersion: v1\nmetadata: {}\n", 2, "wasmesh inject: document 1: has no kind"),
            (DEPLOYMENT.replace("name: web\n", "name: wasmesh-proxy\n", 1) % "", 2,
             "a container is already named \"wasmesh-proxy\""),
        ]
        for text, status, message in cases:
            with self.subTest(message=message):
                result = self.inject(text)
                self.assertEqual(result.returncode, status, result.stderr)
                self.assertIn(message, result.stderr)
        missing = wasmesh("inject", "--trust-anchors", self.anchors, "/nonexistent.yaml")
        self.assertEqual(missing.returncode, 1)
        self.assertIn("cannot read \"/nonexistent.yaml\"", missing.stderr)
        no_anchors = wasmesh("inject", "-", stdin=DEPLOYMENT % "")
        self.assertEqual(no_anchors.returncode, 2)
        self.assertIn("no trust anchors to inject (--trust-anchors", no_anchors.stderr)
        bad_anchors = wasmesh("inject", "--trust-anchors", os.path.join(self.ca, "issuer.key"),
                              "-", stdin=DEPLOYMENT % "")
        self.assertEqual(bad_anchors.returncode, 2)
        self.assertIn("is not PEM certificates", bad_anchors.stderr)

    def test_install_prints_the_control_plane_and_refuses_bad_flags(self):
        result = wasmesh("install", "--trust-domain", "example.org", "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        kinds = [item["kind"] for item in json.loads(result.stdout)["items"]]
        for kind in ("Namespace", "Secret", "ConfigMap", "MutatingWebhookConfiguration",
                     "ClusterRole", "Deployment", "Service"):
            self.assertIn(kind, kinds)
        for args, message in [
            (("--trust-domain", "Bad Domain"), "--trust-domain \"Bad Domain\""),
            ((), "--trust-domain is required"),
            (("--identity-ca", self.ca, "--trust-domain", "other.org"),
             "is not the trust domain of --identity-ca (cluster.local)"),
            (("--identity-ca", "/nonexistent"), "--identity-ca: /nonexistent/ca.crt"),
        ]:
            with self.subTest(args=args):
                refused = wasmesh("install", *args)
                self.assertEqual(refused.returncode, 2, refused.stderr)
                self.assertIn(message, refused.stderr)

    def test_await_waits_for_the_proxys_readiness(self):
        with harness.Proxy("admin: {listen: \"127.0.0.1:0\"}\ninbound: {listen: []}\n"
                           "outbound: {listen: []}\n") as proxy:
            host, port = proxy.address("admin")
            result = wasmesh("await", "--admin", f"{host}:{port}", "--timeout", "10s")
            self.assertEqual(result.returncode, 0, result.stderr)
        refused = wasmesh("await", "--admin", f"{host}:{port}", "--timeout", "300ms")
        self.assertEqual(refused.returncode, 1)
        self.assertIn(f"the proxy at {host}:{port} was not ready within 300ms (last: connect:",
                      refused.stderr)
        self.assertEqual(wasmesh("await", "--timeout", "soon").returncode, 2)


if __name__ == "__main__":
    unittest.main()
