"""Every Kubernetes manifest wasmesh ships or generates, checked against the Kubernetes
OpenAPI schema (validate.mjs, the kubernetes-models npm package, offline): deploy/k8s, the
golden outputs of the inject unit tests, and what the real binary's `install`, `inject` and
`uninject` print. The Prometheus scrape configuration is checked with promtool.

Needs `scripts/install-npm.sh tests/k8s-schema` (scripts/test.sh runs it); without it the
test fails saying so rather than skipping."""

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("TEST_WASMESH_BINARY", "")
PROMTOOL = os.environ.get("TEST_PROMTOOL", "")
GOLDEN = os.path.join(ROOT, "tests", "unit", "deploy_inject", "golden")
SCRAPE_CONFIG = os.path.join(ROOT, "deploy", "k8s", "prometheus-scrape-config.yaml")


def run(*args, stdin=None):
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=120,
                            stdin=stdin)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {result.returncode}:\n"
                             f"{result.stdout}{result.stderr}")
    return result.stdout


def without_kubernetes_discovery(text, targets):
    """Debian's Prometheus is built without Kubernetes service discovery, so its promtool
    refuses kubernetes_sd_configs; the relabelling is what is checked, with a file instead."""
    marker = "    kubernetes_sd_configs:\n      - role: pod\n"
    if marker not in text:
        raise AssertionError(f"{SCRAPE_CONFIG} no longer has {marker!r}: update this test")
    return text.replace(marker, f"    file_sd_configs:\n      - files: [{targets}]\n")


class ManifestSchemaTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(BINARY, "TEST_WASMESH_BINARY is not set")
        if not os.path.isdir(os.path.join(HERE, "node_modules", "kubernetes-models")):
            self.fail("tests/k8s-schema/node_modules is missing: run "
                      "scripts/install-npm.sh tests/k8s-schema")
        self.dir = tempfile.mkdtemp(prefix="wasmesh-k8s-schema-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def generated(self):
        files = []
        ca = os.path.join(self.dir, "ca")
        run(BINARY, "identity", "ca", "init", "--trust-domain", "mesh.example", "--out", ca)
        anchors = os.path.join(ca, "ca.crt")
        files.append(self.write("install.yaml",
                                run(BINARY, "install", "--trust-domain", "cluster.local")))
        files.append(self.write("install.json", run(BINARY, "install", "--identity-ca", ca,
                                                    "--image", "registry.example/wasmesh",
                                                    "--version", "1.2.3", "-o", "json")))
        for source in sorted(glob.glob(os.path.join(GOLDEN, "*.in.*"))):
            name = os.path.basename(source).replace(".in.", ".")
            injected = run(BINARY, "inject", "--trust-anchors", anchors, "--trust-domain",
                           "mesh.example", source)
            files.append(self.write("injected-" + name, injected))
            manual = run(BINARY, "inject", "--manual", "--no-init", "--trust-anchors", anchors,
                         source)
            files.append(self.write("manual-" + name, manual))
            with open(files[-2]) as injected_file:
                back = run(BINARY, "uninject", "-", stdin=injected_file)
            files.append(self.write("uninjected-" + name, back))
        return files

    def test_every_manifest_fits_the_kubernetes_schema(self):
        files = [os.path.join(ROOT, "deploy", "k8s", name)
                 for name in ("namespace.yaml", "identity.yaml", "injector.yaml")]
        files += sorted(glob.glob(os.path.join(GOLDEN, "*.out.*")))
        files += self.generated()
        result = subprocess.run(["node", os.path.join(HERE, "validate.mjs")] + files,
                                capture_output=True, text=True, timeout=300, cwd=HERE)
        print(result.stdout, end="")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout.count("\nok ") + result.stdout.startswith("ok "),
                         len(files))

    def test_the_scrape_configuration_is_a_valid_prometheus_configuration(self):
        self.assertTrue(PROMTOOL, "promtool not found: run scripts/install-deps.sh test")
        with open(SCRAPE_CONFIG) as f:
            text = without_kubernetes_discovery(f.read(), "targets.json")
        path = self.write("prometheus.yml", text)
        self.write("targets.json", "[]")
        print(run(PROMTOOL, "check", "config", path), end="")

    def test_the_validator_refuses_what_kubernetes_would(self):
        bad = self.write("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n"
                                     "spec:\n  containers:\n    - name: a\n"
                                     "      ports: [{containerPort: '80'}]\n")
        result = subprocess.run(["node", os.path.join(HERE, "validate.mjs"), bad],
                                capture_output=True, text=True, timeout=120, cwd=HERE)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("containerPort must be integer", result.stdout)


if __name__ == "__main__":
    sys.exit(unittest.main())
