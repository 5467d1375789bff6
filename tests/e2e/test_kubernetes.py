"""Injected manifests, run for real: two Deployments go through `wasmesh inject`, and the
pod spec it writes runs in e2e pods as the kubelet would run it (tests/e2e/kubelet.py): the
init container's rules with NET_ADMIN and NET_RAW only, then the proxy with its command,
environment and volumes, as uid 2102 with a read-only root (db's as a native sidecar whose
startup probe the application waits for, web's as a regular container whose postStart hook,
`wasmesh await`, it waits for), then the application. A local identity service (token files standing in for TokenReview) gives
the proxies their certificates, and a real Prometheus scrapes them with the shipped scrape
configuration (deploy/k8s/prometheus-scrape-config.yaml).

    node   (10.213.0.254)  identity service :8080, Prometheus, the kubelet's probes
      |  bridge
      +-- pod a "web" (shop/web, 10.213.0.1): a client application
      +-- pod b "db"  (data/db,  10.213.0.2): an echo server on 8080, port named "echo",
                                              and an HTTP server on 8081

Debian's Prometheus is built without Kubernetes service discovery, so the scrape
configuration's `kubernetes_sd_configs` is swapped for a file holding, for each pod, the
targets and `__meta_kubernetes_*` labels Kubernetes discovery gives (role: pod: one target
per container port, init containers included); its relabelling runs unchanged.

Linkerd viz's queries are checked through Prometheus: the TCP ones (connections, bytes, open
connections per workload) and the HTTP golden signals (request rate, success rate, p99
latency from request_total, response_total and response_latency_ms) for HTTP/1 requests
that cross the mesh as HTTP/2. Needs root; otherwise the module prints "skipped: needs
root" and skips.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

import harness
import kubelet
import pods

TD = "cluster.local"
WEB_ID = f"spiffe://{TD}/ns/shop/sa/web"
DB_ID = f"spiffe://{TD}/ns/data/sa/db"
ECHO_PORT = 8080
CHAT_PORT = 8083      # echoes each read at once: connections that stay open
HTTP_PORT = 8081      # HelloHandler: 200, or the status /status/NNN asks for
PAYLOAD = 100_000
IDENTITY_PORT = 8080
PROMETHEUS = "127.0.0.1:19090"
HASH = "5d8f6c7b9"
SCRAPE_CONFIG = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "deploy", "k8s", "prometheus-scrape-config.yaml")

DEPLOYMENTS = f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata:
      labels: {{app: web}}
      annotations:
        linkerd.io/inject: enabled
        config.linkerd.io/proxy-cpu-limit: "2"
        config.wasmesh.io/proxy-enable-native-sidecar: "false"
    spec:
      serviceAccountName: web
      containers:
        - name: web
          image: web:1
          command: [{sys.executable}, -c, "import time; time.sleep(3600)"]
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: db, namespace: data}}
spec:
  selector: {{matchLabels: {{app: db}}}}
  template:
    metadata:
      labels: {{app: db}}
      annotations:
        wasmesh.io/inject: enabled
        config.wasmesh.io/opaque-ports: echo
        config.wasmesh.io/shutdown-grace-period: 2s
    spec:
      serviceAccountName: db
      containers:
        - name: db
          image: db:1
          command: [{sys.executable}, -u, {pods.APPS}, serve, "{ECHO_PORT}", echo]
          ports: [{{name: echo, containerPort: {ECHO_PORT}}}]
        - name: chat
          image: db:1
          command: [{sys.executable}, -u, {pods.APPS}, serve, "{CHAT_PORT}", chat]
          ports: [{{name: chat, containerPort: {CHAT_PORT}}}]
        - name: http
          image: db:1
          command: [{sys.executable}, -u, {pods.APPS}, serve, "{HTTP_PORT}", http]
          ports: [{{name: http, containerPort: {HTTP_PORT}}}]
"""

NET = None
RUNNERS = {}
STATE = {}


def wasmesh(*args, stdin=None):
    result = subprocess.run([harness.BINARY, *args], input=stdin, capture_output=True,
                            text=True, timeout=60, env=harness.proxy_environment())
    if result.returncode != 0:
        raise RuntimeError(f"wasmesh {' '.join(args)}: {result.stderr}")
    return result


def pod_object(deployment):
    """The pod a Deployment's ReplicaSet creates from its template."""
    template = json.loads(json.dumps(deployment["spec"]["template"]))
    name = deployment["metadata"]["name"]
    metadata = template.get("metadata", {})
    metadata["name"] = f"{name}-{HASH}-x7k2p"
    metadata["namespace"] = deployment["metadata"]["namespace"]
    metadata.setdefault("labels", {})["pod-template-hash"] = HASH
    return {"metadata": metadata, "spec": template["spec"]}


def setUpModule():
    global NET
    pods.require_pods()
    STATE["dir"] = tempfile.mkdtemp(prefix=f"wasmesh-e2e-{os.getpid()}-k8s-")
    os.chmod(STATE["dir"], 0o755)
    ca = os.path.join(STATE["dir"], "ca")
    wasmesh("identity", "ca", "init", "--trust-domain", TD, "--out", ca, "--not-before", "-1h")
    tokens = {"web": secrets.token_hex(16), "db": secrets.token_hex(16)}
    token_file = os.path.join(STATE["dir"], "tokens.yaml")
    with open(token_file, "w") as f:
        f.write("tokens:\n")
        for account, namespace in (("web", "shop"), ("db", "data")):
            f.write(f"  - {{token: {tokens[account]}, namespace: {namespace}, "
                    f"service_account: {account}}}\n")
    NET = pods.PodNetwork(node=True, bare=True)
    try:
        node = NET.node
        node.start_server([harness.BINARY, "identity", "serve", "--ca", ca, "--token-file",
                           token_file, "--listen", f"{node.ipv4}:{IDENTITY_PORT}"],
                          IDENTITY_PORT)
        injected = wasmesh("inject", "--trust-anchors", os.path.join(ca, "ca.crt"),
                           "--identity-service", f"{node.ipv4}:{IDENTITY_PORT}", "-o", "json",
                           "-", stdin=DEPLOYMENTS)
        STATE["inject_report"] = injected.stderr
        deployments = {d["metadata"]["name"]: d for d in json.loads(injected.stdout)["items"]}
        STATE["pods"] = {name: pod_object(d) for name, d in deployments.items()}
        b4, b6 = NET.b.ipv4, NET.b.ipv6
        discovery = (f"destinations:\n  - addresses: ['{b4}/32', '{b6}/128']\n"
                     f"    identity: {DB_ID}\n")
        # The ConfigMap exists in shop only: db's proxy starts with its optional volume empty.
        RUNNERS["db"] = kubelet.PodRunner(NET.b, STATE["pods"]["db"], {}, tokens["db"],
                                          node).run()
        RUNNERS["web"] = kubelet.PodRunner(
            NET.a, STATE["pods"]["web"], {"wasmesh-discovery": {"discovery.yaml": discovery}},
            tokens["web"], node).run()
        NET.b.wait_admin("/ready", 200)
        NET.a.wait_admin("/ready", 200)
    except BaseException:
        tearDownModule()
        raise
    KubernetesPodsTest.net = NET
    PrometheusTest.net = NET


def tearDownModule():
    if "prometheus" in STATE:
        STATE.pop("prometheus").stop()
    if NET is not None:
        NET.close()
    for runner in RUNNERS.values():
        runner.close()
    shutil.rmtree(STATE.get("dir", ""), ignore_errors=True)


def proxy_process(name):
    return RUNNERS[name].processes["wasmesh-proxy"]


class KubernetesPodsTest(pods.PodTestCase):
    def test_the_injected_spec_ran_as_written(self):
        self.assertEqual(STATE["inject_report"],
                         "Deployment shop/web: injected\nDeployment data/db: injected\n")
        for name, pod in (("web", NET.a), ("db", NET.b)):
            with self.subTest(pod=name):
                rules = pod.exec(["iptables-save", "-t", "nat"]).stdout
                self.assertIn("-A PREROUTING -m comment --comment \"wasmesh/intercept-inbound\"",
                              rules)
                self.assertIn("--uid-owner 2102", rules)
                proxy = proxy_process(name).process
                self.assertIsNone(proxy.poll(), "\n".join(proxy_process(name).lines))
                with open(f"/proc/{proxy.pid}/status") as f:
                    status = f.read()
                self.assertRegex(status, r"\nUid:\s+2102\s+2102\s+2102\s+2102\n")
                self.assertRegex(status, r"\nCapEff:\s+0+\n")
                self.assertRegex(status, r"\nNoNewPrivs:\s+1\n")
                runner = RUNNERS[name]
                proxy_spec = runner.container("wasmesh-proxy")
                self.assertTrue(runner.probe(proxy_spec["readinessProbe"]))
                self.assertTrue(runner.probe(proxy_spec["livenessProbe"]))
        # db's proxy is a native sidecar, web's a regular container, first, with its hook.
        db_spec, web_spec = STATE["pods"]["db"]["spec"], STATE["pods"]["web"]["spec"]
        self.assertEqual([c["name"] for c in db_spec["initContainers"]],
                         ["wasmesh-init", "wasmesh-proxy"])
        self.assertEqual(db_spec["initContainers"][1]["restartPolicy"], "Always")
        self.assertEqual([c["name"] for c in web_spec["containers"]], ["wasmesh-proxy", "web"])
        self.assertEqual(web_spec["containers"][0]["lifecycle"]["postStart"]["exec"]["command"],
                         [kubelet.IMAGE_BINARY, "await", "--timeout", "2m"])
        db_log = "\n".join(proxy_process("db").lines)
        self.assertIn("does not exist yet; no destination is meshed until it appears", db_log)
        self.assertIn("discovery: 1 destinations loaded", "\n".join(proxy_process("web").lines))

    def test_traffic_between_the_pods_is_mutual_tls(self):
        for family in (4, 6):
            with self.subTest(family=family):
                self.family(family)
                before_a = self.counters(NET.a, ["tcp_open_total"], direction="outbound",
                                         peer="dst", tls="true", server_id=DB_ID)
                before_b = self.counters(NET.b, ["tcp_open_total"], direction="inbound",
                                         peer="src", tls="true", client_id=WEB_ID)
                result = NET.a.client(NET.b.address(family), ECHO_PORT, PAYLOAD)
                self.expect(result["intact"] and result["eof"], result, "an intact echo")
                self.wait_counters(NET.a, before_a, {"tcp_open_total": 1}, direction="outbound",
                                   peer="dst", tls="true", server_id=DB_ID)
                self.wait_counters(NET.b, before_b, {"tcp_open_total": 1}, direction="inbound",
                                   peer="src", tls="true", client_id=WEB_ID)


class Prometheus:
    """Debian's prometheus in the node namespace, scraping every second."""

    def __init__(self, node, directory, targets):
        with open(SCRAPE_CONFIG) as f:
            text = f.read()
        for old, new in [("    kubernetes_sd_configs:\n      - role: pod\n",
                          "    file_sd_configs:\n      - files: [targets.json]\n"),
                         ("    scrape_interval: 10s\n    scrape_timeout: 10s\n",
                          "    scrape_interval: 1s\n    scrape_timeout: 1s\n")]:
            if old not in text:
                raise AssertionError(f"{SCRAPE_CONFIG} no longer has {old!r}")
            text = text.replace(old, new)
        self.dir = directory
        with open(os.path.join(directory, "prometheus.yml"), "w") as f:
            f.write("global:\n  evaluation_interval: 1s\n" + text)
        with open(os.path.join(directory, "targets.json"), "w") as f:
            json.dump(targets, f)
        binary = shutil.which("prometheus")
        if binary is None:
            raise AssertionError("prometheus is missing: run scripts/install-deps.sh test")
        self.node = node
        self.app = node.start_server(
            [binary, f"--config.file={directory}/prometheus.yml",
             f"--storage.tsdb.path={directory}/data", f"--web.listen-address={PROMETHEUS}",
             "--log.level=warn"], int(PROMETHEUS.rsplit(":", 1)[1]), timeout=30)

    def query(self, promql):
        """An instant query: {labels as a tuple of (name, value): value}."""
        url = f"http://{PROMETHEUS}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        answer = json.loads(self.node.python("http", "GET", url).stdout)
        body = json.loads(answer["body"])
        if body.get("status") != "success":
            raise AssertionError(f"{promql}: {body}")
        return {tuple(sorted(r["metric"].items())): float(r["value"][1])
                for r in body["data"]["result"]}

    def wait(self, promql, expected, timeout=30):
        """Polls until the query gives `expected` ({label tuple: value}); returns it."""
        deadline = time.monotonic() + timeout
        got = None
        while time.monotonic() < deadline:
            got = self.query(promql)
            if got == expected:
                return got
            time.sleep(0.25)
        raise AssertionError(f"{promql}\n  gave     {got}\n  expected {expected}")

    def stop(self):
        self.app.stop()


def discovered_targets(pod, pod_spec):
    """What Kubernetes discovery (role: pod) gives Prometheus for one pod: a target per
    container port (init containers included, marked), a port-less one per container
    without ports, each with the pod's meta labels."""
    def name(text):
        return re.sub(r"[^a-zA-Z0-9_]", "_", text)
    metadata = pod_spec["metadata"]
    common = {"__meta_kubernetes_namespace": metadata["namespace"],
              "__meta_kubernetes_pod_name": metadata["name"],
              "__meta_kubernetes_pod_ip": pod.ipv4,
              "__meta_kubernetes_pod_ready": "true",
              "__meta_kubernetes_pod_phase": "Running",
              "__meta_kubernetes_pod_controller_kind": "ReplicaSet",
              "__meta_kubernetes_pod_controller_name": metadata["name"].rsplit("-", 1)[0]}
    for key, value in metadata.get("labels", {}).items():
        common[f"__meta_kubernetes_pod_label_{name(key)}"] = value
        common[f"__meta_kubernetes_pod_labelpresent_{name(key)}"] = "true"
    for key, value in metadata.get("annotations", {}).items():
        common[f"__meta_kubernetes_pod_annotation_{name(key)}"] = value
        common[f"__meta_kubernetes_pod_annotationpresent_{name(key)}"] = "true"
    groups = []
    spec = pod_spec["spec"]
    for init, containers in ((False, spec["containers"]), (True, spec.get("initContainers", []))):
        for container in containers:
            labels = dict(common, __meta_kubernetes_pod_container_name=container["name"],
                          __meta_kubernetes_pod_container_init=str(init).lower())
            if not container.get("ports"):
                groups.append({"targets": [pod.ipv4], "labels": labels})
            for port in container.get("ports", []):
                groups.append({"targets": [f"{pod.ipv4}:{port['containerPort']}"],
                               "labels": dict(labels,
                                              __meta_kubernetes_pod_container_port_name=port.get(
                                                  "name", ""),
                                              __meta_kubernetes_pod_container_port_number=str(
                                                  port["containerPort"]),
                                              __meta_kubernetes_pod_container_port_protocol=port.get(
                                                  "protocol", "TCP"))})
    return groups


def workload(namespace, kind, name):
    return (("deployment" if kind == "deployment" else kind, name), ("namespace", namespace))


class PrometheusTest(pods.PodTestCase):
    @classmethod
    def setUpClass(cls):
        targets = (discovered_targets(NET.a, STATE["pods"]["web"]) +
                   discovered_targets(NET.b, STATE["pods"]["db"]))
        directory = os.path.join(STATE["dir"], "prometheus")
        os.makedirs(directory)
        STATE["prometheus"] = Prometheus(NET.node, directory, targets)
        cls.prometheus = STATE["prometheus"]

    def test_the_scrape_configuration_finds_the_proxies_and_names_their_workloads(self):
        pod_names = {name: STATE["pods"][name]["metadata"]["name"] for name in ("web", "db")}
        self.prometheus.wait(
            'count by (namespace, deployment, pod, control_plane_ns, app) (up{job="wasmesh-proxy"} == 1)',
            {(("app", "web"), ("control_plane_ns", "wasmesh"), ("deployment", "web"),
              ("namespace", "shop"), ("pod", pod_names["web"])): 1.0,
             (("app", "db"), ("control_plane_ns", "wasmesh"), ("deployment", "db"),
              ("namespace", "data"), ("pod", pod_names["db"])): 1.0})
        # Only the proxies' admin ports: the apps' ports and the init container are dropped.
        self.assertEqual(self.prometheus.query("count(up)"), {(): 2.0})

    def viz(self, metric, direction, namespace, deployment, **labels):
        """Linkerd viz's TCP stat query shape: a sum per workload."""
        selector = ", ".join([f'direction="{direction}"', f'namespace="{namespace}"',
                              f'deployment="{deployment}"'] +
                             [f'{k}="{v}"' for k, v in labels.items()])
        return f"sum({metric}{{{selector}}}) by (namespace, deployment)"

    def expected(self, pod, metric, direction, namespace, deployment, **labels):
        """What the pod's proxy counts right now, as the viz query should come out."""
        value = pod.metric(metric, direction=direction, **labels)
        return {(("deployment", deployment), ("namespace", namespace)): value}

    def test_tcp_connections_and_bytes_per_workload_match_what_was_sent(self):
        queries = [  # (pod, metric, direction, namespace, deployment, labels, per connection)
            (NET.b, "tcp_open_total", "inbound", "data", "db",
             {"peer": "src", "tls": "true"}, 1),
            (NET.b, "tcp_close_total", "inbound", "data", "db", {"peer": "src"}, 1),
            (NET.b, "tcp_read_bytes_total", "inbound", "data", "db", {"peer": "src"}, PAYLOAD),
            (NET.b, "tcp_write_bytes_total", "inbound", "data", "db", {"peer": "src"}, PAYLOAD),
            (NET.a, "tcp_open_total", "outbound", "shop", "web",
             {"peer": "dst", "tls": "true"}, 1),
            (NET.a, "tcp_read_bytes_total", "outbound", "shop", "web", {"peer": "src"}, PAYLOAD),
            (NET.a, "tcp_write_bytes_total", "outbound", "shop", "web", {"peer": "src"},
             PAYLOAD),
        ]
        before = {}
        for pod, metric, direction, namespace, deployment, labels, _ in queries:
            query = self.viz(metric, direction, namespace, deployment, **labels)
            before[query] = self.prometheus.wait(
                query, self.expected(pod, metric, direction, namespace, deployment, **labels))
        connections = 3
        for _ in range(connections):
            result = NET.a.client(NET.b.ipv4, ECHO_PORT, PAYLOAD)
            self.expect(result["intact"], result, "an intact echo")
        for pod, metric, direction, namespace, deployment, labels, each in queries:
            query = self.viz(metric, direction, namespace, deployment, **labels)
            want = {key: value + connections * each for key, value in before[query].items()}
            with self.subTest(query=query):
                self.prometheus.wait(query, want)

    def test_http_golden_signals_per_workload(self):
        """Linkerd viz's stat queries: success rate and request rate from response_total and
        request_total, p99 from response_latency_ms, on both sides of the mesh."""
        sides = (("inbound", "data", "db"), ("outbound", "shop", "web"))

        def by_class(direction, namespace, deployment):
            return (f'sum(response_total{{direction="{direction}", namespace="{namespace}", '
                    f'deployment="{deployment}", tls="true"}}) by (classification)')

        def send(paths):
            before = {side: self.prometheus.query(by_class(*side)) for side in sides}
            for path in paths:
                answer = NET.a.http("GET", f"http://{NET.b.ipv4}:{HTTP_PORT}{path}")
                self.expect(answer["status"] == (int(path[8:]) if "status" in path else 200),
                            answer, f"the app's own status for {path}")
            for side in sides:
                want = dict(before[side])
                for classification, count in (("success", paths.count("/ok")),
                                              ("failure", len(paths) - paths.count("/ok"))):
                    key = (("classification", classification),)
                    want[key] = want.get(key, 0.0) + count
                with self.subTest(side=side):
                    self.prometheus.wait(by_class(*side), want)

        # A first pair makes the series exist in Prometheus, so that the rates below see the
        # second batch as an increase (a counter's first sample has no rate).
        send(["/ok", "/status/500"])
        send(["/ok"] * 8 + ["/status/500", "/status/503"])
        for direction, namespace, deployment in sides:
            selector = (f'direction="{direction}", namespace="{namespace}", '
                        f'deployment="{deployment}"')
            workload_key = (("deployment", deployment), ("namespace", namespace))
            success_rate = self.prometheus.query(
                f'sum(rate(response_total{{{selector}, classification="success"}}[1m])) '
                f'by (namespace, deployment) / sum(rate(response_total{{{selector}}}[1m])) '
                f'by (namespace, deployment)')
            self.assertIn(workload_key, success_rate)
            self.assertGreater(success_rate[workload_key], 0.5)
            self.assertLess(success_rate[workload_key], 1.0)
            request_rate = self.prometheus.query(
                f'sum(rate(request_total{{{selector}}}[1m])) by (namespace, deployment)')
            self.assertGreater(request_rate.get(workload_key, 0.0), 0.0)
            p99 = self.prometheus.query(
                f'histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{{{selector}}}'
                f'[1m])) by (le, namespace, deployment))')
            self.assertIn(workload_key, p99)
            self.assertGreater(p99[workload_key], 0.0)
            self.assertLessEqual(p99[workload_key], 50_000.0)
        # The client side names the service it called and the identity that answered.
        authorities = self.prometheus.query(
            'sum(request_total{direction="outbound", namespace="shop", deployment="web"}) '
            'by (authority, server_id)')
        self.assertIn((("authority", f"{NET.b.ipv4}:{HTTP_PORT}"), ("server_id", DB_ID)),
                      authorities)

    def test_open_connections_per_workload(self):
        triggers = [os.path.join(STATE["dir"], f"release-{i}") for i in range(2)]
        holds = [NET.a.start_hold(NET.b.ipv4, CHAT_PORT, trigger) for trigger in triggers]
        for hold in holds:
            hold.wait_line(lambda line: line.startswith("reply before"))
        for direction, namespace, deployment, peer in (("inbound", "data", "db", "src"),
                                                       ("outbound", "shop", "web", "dst")):
            self.prometheus.wait(
                self.viz("tcp_open_connections", direction, namespace, deployment, peer=peer),
                {(("deployment", deployment), ("namespace", namespace)): 2.0})
        for trigger in triggers:
            open(trigger, "w").close()
        for hold in holds:
            hold.wait_line(lambda line: line.startswith("reply after"))
            hold.process.wait(timeout=10)
        self.prometheus.wait(self.viz("tcp_open_connections", "inbound", "data", "db",
                                      peer="src"),
                             {(("deployment", "db"), ("namespace", "data")): 0.0})


if __name__ == "__main__":
    unittest.main()
