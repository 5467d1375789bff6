"""HTTP between two meshed pods (docs/http.md, "HTTP over the mesh").

Pod A ("web") sends HTTP to pod B ("db") through A's outbound proxy: every request rides
one shared HTTP/2 mutual-TLS connection per A worker to B's proxy, which hands it to the
application in the version its client spoke, or in the one B's port hint names. Shown
here with real peers in both families: 20 concurrent HTTP/1 clients on no more mesh
connections than A has workers, with the golden metrics and both identities on both
proxies; curl with HTTP/2 prior knowledge reaching an HTTP/1-only application (B's
`http1_ports`); an HTTP/1 client reaching nghttpd, an HTTP/2-only application (B's
`http2_ports`); gRPC (python3-grpcio) OK and failing statuses classified on both proxies.

Needs root; otherwise the module prints "skipped: needs root" and skips.
"""

import json
import os
import shutil
import sys
import tempfile
import unittest

import pods
from meshpki import DB, WEB, Pki

FAMILIES = (4, 6)
HTTP1_PORT = 8081     # apps.py http: an HTTP/1 server only
HTTP2_PORT = 8082     # nghttpd: an HTTP/2 (prior knowledge) server only
GRPC_PORT = 8084      # apps.py grpc-serve
WORKERS = 2           # pods.proxy_config's default
NET = None
PKI = None
HTDOCS = None


def setUpModule():
    global NET, PKI, HTDOCS
    pods.require_pods()
    PKI = Pki()
    HTDOCS = tempfile.mkdtemp(prefix="wasmesh-e2e-h2-")
    os.chmod(HTDOCS, 0o755)
    with open(os.path.join(HTDOCS, "index.html"), "w") as f:
        f.write("served by nghttpd\n")
    os.chmod(os.path.join(HTDOCS, "index.html"), 0o644)
    hints = f"inbound:\n  http1_ports: '{HTTP1_PORT}'\n  http2_ports: '{HTTP2_PORT}'\n"
    NET = pods.PodNetwork(a_config=PKI.config(WEB, "web", PKI.discovery_of_b()),
                          b_config=PKI.config(DB, "db", extra=hints))
    MeshHttpPodsTest.net = NET
    try:
        NET.b.start_app(HTTP1_PORT, "http")
        NET.b.start_server(["nghttpd", "--no-tls", "-d", HTDOCS, str(HTTP2_PORT)], HTTP2_PORT)
        NET.b.start_server([sys.executable, "-u", pods.APPS, "grpc-serve", str(GRPC_PORT)],
                           GRPC_PORT)
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    if NET is not None:
        NET.close()
    if PKI is not None:
        PKI.close()
    if HTDOCS is not None:
        shutil.rmtree(HTDOCS, ignore_errors=True)


def host(family):
    address = NET.b.address(family)
    return f"[{address}]" if family == 6 else address


class MeshHttpPodsTest(pods.PodTestCase):
    A_SIDE = dict(direction="outbound", tls="true", server_id=DB)
    B_SIDE = dict(direction="inbound", tls="true", client_id=WEB)

    def test_many_connections_share_the_mesh_and_both_proxies_count_them(self):
        for family in FAMILIES:
            with self.subTest(family=family):
                self.family(family)
                responses_a = self.counters(NET.a, ["response_total"], status_code="200",
                                            **self.A_SIDE)
                requests_a = self.counters(NET.a, ["request_total"], **self.A_SIDE)
                before_b = self.counters(NET.b, ["response_total"], status_code="200",
                                         **self.B_SIDE)
                mesh_before = self.counters(NET.b, ["tcp_open_total"], peer="src",
                                            **self.B_SIDE)
                result = NET.a.exec([sys.executable, pods.APPS, "http-many",
                                     f"http://{host(family)}:{HTTP1_PORT}/many", "20"])
                answers = json.loads(result.stdout)
                self.expect(all(a["status"] == 200 and a["body"] == "hello from /many\n"
                                for a in answers), answers, "20 answers from the app")
                self.wait_counters(NET.a, responses_a, {"response_total": 20},
                                   status_code="200", **self.A_SIDE)
                self.wait_counters(NET.a, requests_a, {"request_total": 20}, **self.A_SIDE)
                self.wait_counters(NET.b, before_b, {"response_total": 20},
                                   status_code="200", **self.B_SIDE)
                # 20 application connections; at most one new mesh connection per A worker
                # (none when the pooled ones from an earlier case are still open).
                opened = self.counters(NET.b, ["tcp_open_total"], peer="src", **self.B_SIDE)
                self.assertLessEqual(opened["tcp_open_total"] - mesh_before["tcp_open_total"],
                                     WORKERS)

    def test_an_http2_client_reaches_an_http1_only_application(self):
        for family in FAMILIES:
            with self.subTest(family=family):
                self.family(family)
                result = NET.a.exec(["curl", "-sS", "--max-time", "10",
                                     "--http2-prior-knowledge",
                                     f"http://{host(family)}:{HTTP1_PORT}/from-h2"],
                                    check=False)
                self.assertEqual((result.returncode, result.stdout),
                                 (0, "hello from /from-h2\n"), result.stderr)

    def test_an_http1_client_reaches_an_http2_only_application(self):
        for family in FAMILIES:
            with self.subTest(family=family):
                self.family(family)
                answer = NET.a.http("GET", f"http://{host(family)}:{HTTP2_PORT}/index.html")
                self.assertEqual(answer, {"status": 200, "body": "served by nghttpd\n"})

    def test_grpc_statuses_are_classified_on_both_proxies(self):
        for family in FAMILIES:
            with self.subTest(family=family):
                self.family(family)
                labels = ["response_total"]
                before_a = {code: self.counters(NET.a, labels, grpc_status=code, **self.A_SIDE)
                            for code in ("0", "13")}
                before_b = {code: self.counters(NET.b, labels, grpc_status=code, **self.B_SIDE)
                            for code in ("0", "13")}
                target = f"{host(family)}:{GRPC_PORT}"
                ok = json.loads(NET.a.python("grpc", target, "Echo", "hi").stdout)
                self.assertEqual(ok, {"code": "OK", "reply": "echo:hi"})
                failed = json.loads(NET.a.python("grpc", target, "Fail", "INTERNAL").stdout)
                self.assertEqual(failed["code"], "INTERNAL")
                for pod, before, side in ((NET.a, before_a, self.A_SIDE),
                                          (NET.b, before_b, self.B_SIDE)):
                    self.wait_counters(pod, before["0"], {"response_total": 1},
                                       grpc_status="0", classification="success", **side)
                    self.wait_counters(pod, before["13"], {"response_total": 1},
                                       grpc_status="13", classification="failure", **side)


if __name__ == "__main__":
    unittest.main()
